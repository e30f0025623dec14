"""ONS Postcode Directory centroids → postcode_centroids.

Accepted columns (matched ignoring case): postcode | pcds, lat, lon | long, and the LSOA as
lsoa_code | lsoa21 | lsoa11 (optional). Other columns (wards, MSOA, local authority) are ignored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neighbourhood.checksums import sha256_of
from neighbourhood.records import LoadError
from neighbourhood.reference.common import LINE, Parsed, frame_of, read_csv_rows, text

POSTCODE, LATITUDE, LONGITUDE = ("postcode", "pcds"), ("lat",), ("lon", "long")
LSOA = ("lsoa_code", "lsoa21", "lsoa11")


def _find(header: list[str], names: tuple[str, ...]) -> str | None:
    lower = {h.lower(): h for h in header}
    return next((lower[n] for n in names if n in lower), None)


def is_postcode_header(header: list[str]) -> bool:
    return all(_find(header, names) for names in (POSTCODE, LATITUDE, LONGITUDE))


def read(path: Path) -> Parsed:
    header, rows, lines = read_csv_rows(path)
    if not is_postcode_header(header):
        raise LoadError(f"{path}: line 1: not a postcode directory header (postcode, lat, lon)")
    parsed = Parsed(path, sha256_of(path), "postcodes")
    frame = frame_of(header, rows, lines)
    lsoa = _find(header, LSOA)
    centroids = pd.DataFrame(
        {
            "postcode": text(frame[_find(header, POSTCODE)]).str.upper(),
            "latitude": text(frame[_find(header, LATITUDE)]),
            "longitude": text(frame[_find(header, LONGITUDE)]),
            "lsoa_code": text(frame[lsoa]) if lsoa else None,
        }
    )
    parsed.add(
        "postcode_centroids", pd.concat([centroids, frame[[LINE, "_raw", "_shape"]]], axis=1)
    )
    return parsed

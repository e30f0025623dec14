"""CQC care directory extracts → care homes (organisations + care_homes).

Two layouts (columns matched by name):

    CQC API (Devon)        locationId, name, postalCode, careHome, numberOfBeds,
                           onspdLatitude, onspdLongitude, localAuthority, gacServiceTypes
    CQC directory (GM)     name, type, postcode, lon, lat, area_name, and cqc_id when given
                           (no beds; type "Nursing homes" / "Residential homes", `|`-separated)

A home is "with nursing" when its service types include "Nursing homes" / "Care home service
with nursing". The local authority code is set only for names in local_authorities.yaml.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from neighbourhood.checksums import sha256_of
from neighbourhood.records import LoadError
from neighbourhood.reference.common import (
    LINE,
    Parsed,
    frame_of,
    read_csv_rows,
    reject,
    text,
)

API = ("locationId", "name", "postalCode", "careHome", "numberOfBeds", "gacServiceTypes")
DIRECTORY = ("name", "type", "postcode", "lon", "lat")
NURSING = r"nursing homes|care home service with nursing"
RESIDENTIAL = r"residential homes|care home service without nursing"


@cache
def local_authority_codes() -> dict[str, str]:
    text_ = resources.files("neighbourhood.reference").joinpath("local_authorities.yaml")
    return dict(yaml.safe_load(text_.read_text(encoding="utf-8"))["codes"])


def layout_of(header: list[str]) -> str | None:
    if set(API) <= set(header):
        return "cqc_api"
    if set(DIRECTORY) <= set(header):
        return "cqc_directory"
    return None


def _api(parsed: Parsed, frame: pd.DataFrame) -> pd.DataFrame:
    care_home = text(frame["careHome"]).fillna("").str.upper()
    other = (care_home != "Y") & frame["_shape"].isna()
    parsed.skip("careHome is not Y: not a care home", int(other.sum()))
    frame = frame[~other].copy()
    services = text(frame["gacServiceTypes"]).fillna("").str.lower()
    return pd.DataFrame(
        {
            "org_code": text(frame["locationId"]),
            "name": text(frame["name"]),
            "postcode": text(frame["postalCode"]),
            "beds": text(frame["numberOfBeds"]),
            "with_nursing": services.str.contains(NURSING).map({True: "true", False: "false"}),
            "local_authority": text(frame.get("localAuthority", pd.Series(None, frame.index))),
            "latitude": text(frame.get("onspdLatitude", pd.Series(None, frame.index))),
            "longitude": text(frame.get("onspdLongitude", pd.Series(None, frame.index))),
        }
    ).join(frame[[LINE, "_raw", "_shape"]])


def _directory(parsed: Parsed, frame: pd.DataFrame) -> pd.DataFrame:
    kinds = text(frame["type"]).fillna("").str.lower()
    nursing, residential = kinds.str.contains(NURSING), kinds.str.contains(RESIDENTIAL)
    other = ~nursing & ~residential & frame["_shape"].isna()
    for value, count in frame.loc[other, "type"].value_counts().items():
        parsed.skip(f"type {value!r}: not a care home", count)
    frame, nursing = frame[~other].copy(), nursing[~other]
    ids = text(frame["cqc_id"]) if "cqc_id" in frame else pd.Series(None, frame.index, dtype=object)
    reject(
        frame,
        ids.isna(),
        "cqc_id",
        pd.Series("no CQC location id (column cqc_id): the home cannot be identified", frame.index),
    )
    return pd.DataFrame(
        {
            "org_code": ids,
            "name": text(frame["name"]),
            "postcode": text(frame["postcode"]),
            "beds": None,
            "with_nursing": nursing.map({True: "true", False: "false"}),
            "local_authority": text(frame.get("area_name", pd.Series(None, frame.index))),
            "latitude": text(frame["lat"]),
            "longitude": text(frame["lon"]),
        }
    ).join(frame[[LINE, "_raw", "_shape", "_shape_field"]])


def read(path: Path) -> Parsed:
    header, rows, lines = read_csv_rows(path)
    layout = layout_of(header)
    if layout is None:
        raise LoadError(f"{path}: line 1: not a CQC care directory header")
    parsed = Parsed(path, sha256_of(path), layout)
    frame = frame_of(header, rows, lines)
    homes = (_api if layout == "cqc_api" else _directory)(parsed, frame)
    meta = homes[[c for c in (LINE, "_raw", "_shape", "_shape_field") if c in homes]]
    organisations = homes[["org_code", "name", "postcode"]].assign(org_type="care_home")
    parsed.add("organisations", organisations.join(meta))
    details = homes[["org_code", "beds", "with_nursing", "latitude", "longitude"]].assign(
        local_authority_code=homes["local_authority"].map(local_authority_codes())
    )
    parsed.add("care_homes", details.join(meta))
    return parsed

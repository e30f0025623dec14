"""CQC care home locations (API dump, Feb 2021) for Devon, Plymouth, Torbay and Somerset."""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file


@cache
def read_devon_care_homes() -> pd.DataFrame:
    """location_id, name, beds, with_nursing, postcode, local_authority, ccg_code, lat, lon."""
    raw = pd.read_csv(data_file("care-homes", "devon", "cqc_care_homes.csv"), dtype=str)
    raw = raw[raw["careHome"] == "Y"]
    services = (raw["gacServiceTypes"].fillna("") + raw["specialisms"].fillna("")).str.lower()
    return pd.DataFrame(
        {
            "location_id": raw["locationId"],
            "name": raw["name"],
            "beds": pd.to_numeric(raw["numberOfBeds"]).astype("int32"),
            "with_nursing": services.str.contains("with nursing|nursing homes", regex=True),
            "postcode": raw["postalCode"],
            "local_authority": raw["localAuthority"],
            "ccg_code": raw["onspdCcgCode"],
            "latitude": pd.to_numeric(raw["onspdLatitude"]),
            "longitude": pd.to_numeric(raw["onspdLongitude"]),
        }
    ).reset_index(drop=True)

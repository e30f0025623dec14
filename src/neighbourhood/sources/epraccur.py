"""NHS ODS `epraccur`: GP practices and prescribing cost centres (headerless, 27 columns)."""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file

# Positional columns from the ODS epraccur specification (only the ones we name are kept).
EPRACCUR_COLUMNS = {
    0: "org_code",
    1: "name",
    2: "region_code",
    3: "icb_code",
    4: "address_1",
    5: "address_2",
    6: "address_3",
    7: "address_4",
    8: "address_5",
    9: "postcode",
    10: "open_date",
    11: "close_date",
    12: "status",
    13: "sub_type",
    14: "sub_icb_code",
    15: "sub_icb_join_date",
    25: "prescribing_setting",
}


@cache
def read_epraccur() -> pd.DataFrame:
    """Every row of epraccur, named columns; dates parsed from YYYYMMDD."""
    raw = pd.read_csv(
        data_file("epraccur", "epraccur.csv"), header=None, dtype=str, keep_default_na=False
    )
    frame = raw[list(EPRACCUR_COLUMNS)].rename(columns=EPRACCUR_COLUMNS)
    for column in ("open_date", "close_date", "sub_icb_join_date"):
        frame[column] = pd.to_datetime(frame[column], format="%Y%m%d", errors="coerce")
    frame["prescribing_setting"] = pd.to_numeric(frame["prescribing_setting"], errors="coerce")
    return frame

"""English Indices of Deprivation 2019, LSOA (2011) rank and decile (MHCLG File 1)."""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file


@cache
def read_imd2019() -> pd.DataFrame:
    """lsoa_code, lsoa_name, lad_code, lad_name, imd_rank (1 = most deprived), imd_decile."""
    raw = pd.read_csv(
        data_file("deprivation", "iod2019", "IMD2019_lsoa_rank_decile.csv"),
        encoding="utf-8-sig",
        dtype=str,
        thousands=",",
    )
    frame = raw.set_axis(
        ["lsoa_code", "lsoa_name", "lad_code", "lad_name", "imd_rank", "imd_decile"], axis=1
    )
    frame["imd_rank"] = frame["imd_rank"].str.replace(",", "", regex=False).astype("int32")
    frame["imd_decile"] = frame["imd_decile"].astype("int8")
    return frame

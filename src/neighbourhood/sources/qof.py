"""House of Commons Library QOF 2019/20 files: practice age structure, LSOA geography and
modelled prevalence by IMD decile and by region."""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file


def _qof(name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(data_file("qof-2019-20", name), **kwargs)


@cache
def read_gp_by_age() -> pd.DataFrame:
    """Registered patients per practice (Apr 2020) in QOF age groups: TOTAL, 16OV, 17OV, 18OV,
    30_74, 50OV, 0_64, 65OV, 65OV%."""
    return _qof("gp-by-age.csv", dtype={"PRACTICE_CODE": str}).rename(
        columns={"PRACTICE_CODE": "practice_code"}
    )


@cache
def read_gp_demographics() -> pd.DataFrame:
    """Per practice: share male, mean ages and age-group counts."""
    return _qof("gp_demographics.csv", dtype={"PRACTICE_CODE": str}).rename(
        columns={
            "PRACTICE_CODE": "practice_code",
            "Percent_male": "share_male",
            "AgeAll": "mean_age",
            "AgeMale": "mean_age_male",
            "AgeFemale": "mean_age_female",
        }
    )


@cache
def read_lsoa_lookup() -> pd.DataFrame:
    """LSOA (2011) geography: LSOA_CODE, LAD_CODE, LAD_NAME, REGION, IMD_OVERALL ..."""
    return _qof("lsoa_geog_lookup.csv", dtype=str)


@cache
def read_imd_prevalence() -> pd.DataFrame:
    """imd_decile (1-10; Wales rows dropped), group_code, register, list, prevalence."""
    frame = _qof("output_imd_prevalence.csv", dtype={"imd_overall": str})
    frame = frame[frame["imd_overall"].str.fullmatch(r"\d+")].copy()
    frame["imd_decile"] = frame.pop("imd_overall").astype("int8")
    return frame.reset_index(drop=True)


@cache
def read_region_prevalence() -> pd.DataFrame:
    """region (ONS region name), group_code, register, list, prevalence."""
    return _qof("output_region_prevalence.csv")

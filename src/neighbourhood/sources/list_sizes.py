"""NHS Digital "Patients Registered at a GP Practice", January 2021 totals per practice."""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file


@cache
def read_registered_patients() -> pd.DataFrame:
    """practice_code, ccg_code, postcode, patients (all ages, all sexes)."""
    raw = pd.read_csv(
        data_file("gp_registered_patients", "gp-reg-pat-prac-all_2021-01.csv"),
        dtype={"CODE": str, "CCG_CODE": str, "POSTCODE": str, "NUMBER_OF_PATIENTS": "int64"},
    )
    return raw.rename(
        columns={
            "CODE": "practice_code",
            "CCG_CODE": "ccg_code",
            "POSTCODE": "postcode",
            "NUMBER_OF_PATIENTS": "patients",
        }
    )[["practice_code", "ccg_code", "postcode", "patients"]]

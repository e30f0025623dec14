"""The synthetic population: one row per patient, shared with the activity generator.

`Population` is the contract between the population stage (this package) and
`neighbourhood.synthetic.activity`; field names and dtypes are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

PRACTICE_COLUMNS = (
    "practice_code",
    "practice_name",
    "pcn_code",
    "pcn_name",
    "sub_icb_code",
    "postcode",
    "list_size",
    "sample_size",
)


@dataclass(frozen=True)
class Population:
    reference_date: date
    icb_code: str
    patient_id: np.ndarray  # object str, 'S0000001'
    practice_code: np.ndarray  # object str
    pcn_code: np.ndarray  # object str
    age: np.ndarray  # int16, whole years at reference_date
    sex: np.ndarray  # object str 'male' / 'female'
    imd_decile: np.ndarray  # int8
    care_home_code: np.ndarray  # object str, '' when not a care home resident
    frailty: np.ndarray  # int8 0 fit, 1 mild, 2 moderate, 3 severe
    ltc_count: np.ndarray  # int8
    date_of_death: np.ndarray  # datetime64[D], NaT if alive
    practices: pd.DataFrame  # PRACTICE_COLUMNS
    provider_codes: tuple[str, ...]  # ODS codes of real NHS trusts providing community services

    def __post_init__(self) -> None:
        n = len(self.patient_id)
        for name in (
            "practice_code",
            "pcn_code",
            "age",
            "sex",
            "imd_decile",
            "care_home_code",
            "frailty",
            "ltc_count",
            "date_of_death",
        ):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Population.{name} has {len(getattr(self, name))} rows, not {n}")
        missing = set(PRACTICE_COLUMNS) - set(self.practices.columns)
        if missing:
            raise ValueError(f"Population.practices lacks columns {sorted(missing)}")

    @property
    def size(self) -> int:
        return len(self.patient_id)

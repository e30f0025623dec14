"""The tables a query can read: the patient-level tables of the data model, typed.

Columns and their types come from the declared data model (`store/model.yaml`); this module
adds what a query needs on top: which tables hold one row per patient, which column holds
codes of which coding system, and which date says when a row happened (for `on_or_between`).
Instant (timestamp) columns are not exposed to cohorts yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from neighbourhood.codelists import CodingSystem
from neighbourhood.store.model import load_data_model

if TYPE_CHECKING:
    from collections.abc import Mapping

    from neighbourhood.cohorts.model import SeriesType

PATIENT_TABLES = ("patients",)
EVENT_TABLES = {
    # table: (date column saying when the row happened, code column or None)
    "registrations": ("start_date", None),
    "clinical_events": ("event_date", "snomed_code"),
    "medications_issued": ("issue_date", "dmd_code"),
    "care_home_residences": ("start_date", None),
    "hospital_spells": ("admission_date", None),
    "gp_appointments": ("appointment_date", None),
    "service_requests": ("authored_on", "code"),
    "episodes_of_care": ("start_date", "type_code"),
}
CODE_SYSTEMS = {
    ("clinical_events", "snomed_code"): CodingSystem.SNOMED_CT,
    ("medications_issued", "dmd_code"): CodingSystem.DMD,
    ("service_requests", "code"): CodingSystem.SNOMED_CT,
    ("episodes_of_care", "type_code"): CodingSystem.SNOMED_CT,
}
PERIOD_TABLES = ("registrations", "care_home_residences", "episodes_of_care")


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: Mapping[str, SeriesType]
    one_row_per_patient: bool
    date_column: str | None
    code_column: str | None

    @property
    def has_period(self) -> bool:
        """Rows are periods with start_date and end_date (empty while open)."""
        return self.name in PERIOD_TABLES


@cache
def table_spec(name: str) -> TableSpec:
    from neighbourhood.cohorts.model import COLUMN_TYPES, QueryError, SeriesType

    if name not in PATIENT_TABLES and name not in EVENT_TABLES:
        raise QueryError(f"no table {name!r} for cohorts; tables: {', '.join(table_names())}")
    declared = load_data_model().table(name)
    columns: dict[str, SeriesType] = {}
    for column in declared.columns:
        if column.type == "instant":
            continue
        system = CODE_SYSTEMS.get((name, column.name))
        columns[column.name] = SeriesType("code", system) if system else COLUMN_TYPES[column.type]
    date_column, code_column = EVENT_TABLES.get(name, (None, None))
    return TableSpec(
        name, MappingProxyType(columns), name in PATIENT_TABLES, date_column, code_column
    )


def table_names() -> tuple[str, ...]:
    return (*PATIENT_TABLES, *EVENT_TABLES)

"""Achievement per PCN and practice, points and pounds, for the indicators of a year.

Every indicator of the year is counted from one library run per period end (the cohorts
share one patient table). The PCN's list size is the number of patients registered with its
practices on the list size date (a setting: the guidance's date was not found; 1 January
within the year by default, the date the DES per-head payments use).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import ibis
import pyarrow as pa

from neighbourhood.cohorts import Cohort, CohortRun, run_cohort
from neighbourhood.cohorts.language import index_date, registered_on
from neighbourhood.cohorts.run import library_tables
from neighbourhood.indicators.definition import Indicator, financial_year, indicators_of
from neighbourhood.indicators.scoring import Counts, points_earned, pounds
from neighbourhood.indicators.years import YearValues, year_values
from neighbourhood.progress import SILENT, Progress
from neighbourhood.store.engines import Engine

NO_PCN = "(no PCN)"


def default_list_size_date(year: str) -> dt.date:
    """1 January within the financial year (2021-22: 2022-01-01)."""
    return dt.date(int(year[:4]) + 1, 1, 1)


@dataclass(frozen=True)
class Settings:
    """Inputs the guidance's text did not give us: supply them, or pounds stay unworked."""

    list_size_date: dt.date | None = None
    average_pcn_list_size: float | None = None  # overrides the year file's
    national_prevalence: Mapping[str, float] = field(default_factory=dict)  # by indicator id

    def __post_init__(self) -> None:
        if self.average_pcn_list_size is not None and self.average_pcn_list_size <= 0:
            raise ValueError("the average PCN list size is a number of patients above 0")
        for key, value in self.national_prevalence.items():
            if not 0 < value <= 1:
                raise ValueError(f"national prevalence of {key} is a proportion in (0, 1]")


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's figures per PCN and practice, with what is needed to trace them."""

    indicator: Indicator
    records: tuple[dict[str, Any], ...]
    provenance: Mapping[str, Any]
    patient_rows: Callable[[], CohortRun] = field(repr=False, compare=False)
    warnings: tuple[str, ...] = ()

    @cached_property
    def run(self) -> CohortRun:
        """The patients behind the figures (patient-level: only for those allowed to see
        them), worked out again from the store when first asked for."""
        return self.patient_rows()

    def patients(self, organisation: str) -> list[dict[str, Any]]:
        """The patients behind one PCN's or practice's figures (patient-level data)."""
        return [
            row
            for row in self.run.records()
            if organisation in (row["pcn_code"] or NO_PCN, row["practice_code"])
        ]


def _registered() -> Cohort:
    population = registered_on(index_date).node
    return Cohort("registered-list", "1", "Registered list", "Patients registered on the date",
                  population, {}, (), ())  # fmt: skip


def list_sizes(engine: Engine, on: dt.date) -> dict[tuple[str, str], int]:
    """Registered patients on the date, by (level, code): ("pcn", U...), ("practice", A...)."""
    with library_tables(engine, {"registered": _registered()}, on) as tables:
        table = tables["registered"]
        rows = _by_organisation(table, patients=table.count()).to_pylist()
    sizes: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        sizes[("pcn", row["pcn"] or NO_PCN)] += row["patients"]
        sizes[("practice", row["practice"])] += row["patients"]
    return dict(sizes)


def _by_organisation(table: ibis.Table, **metrics: Any) -> pa.Table:
    return (
        table.group_by(pcn=table.pcn_code, practice=table.practice_code)
        .aggregate(**metrics)
        .to_pyarrow()
    )


def count_in_engine(table: ibis.Table) -> dict[tuple[str, str, str], Counts]:
    """Counts per (level, pcn, practice) from an indicator cohort's table, worked out by the
    engine (no patient rows fetched): level "pcn" has practice "" (all its practices)."""

    def flag(name: str) -> ibis.Value:
        return table[name].fill_null(False) if name in table.columns else ibis.literal(False)

    met = flag("numerator")
    declined = ~met & flag("declined")
    unsuitable = ~met & ~declined & flag("unsuitable")
    rows = _by_organisation(
        table,
        eligible=table.count(),
        numerator=met.cast("int64").sum(),
        declined=declined.cast("int64").sum(),
        unsuitable=unsuitable.cast("int64").sum(),
    ).to_pylist()
    tally: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        pcn = row["pcn"] or NO_PCN
        values = [int(row[k] or 0) for k in ("eligible", "numerator", "declined", "unsuitable")]
        for key in (("pcn", pcn, ""), ("practice", pcn, row["practice"] or "(no practice)")):
            tally[key] = [a + b for a, b in zip(tally[key], values, strict=True)]
    return {key: Counts(*values) for key, values in sorted(tally.items())}


def measure_year(
    engine: Engine,
    year: str,
    *,
    settings: Settings | None = None,
    only: list[str] | None = None,
    pcn: str | None = None,
    extract: Mapping[str, Any] | None = None,
    definitions: Mapping[str, Indicator] | None = None,
    values: YearValues | None = None,
    progress: Progress = SILENT,
) -> list[IndicatorResult]:
    """Every indicator of the year (or those named), per PCN and practice; the shipped
    definitions and year values unless others are given."""
    settings = settings or Settings()
    year = financial_year(year)
    chosen = dict(definitions) if definitions is not None else indicators_of(year)
    if only:
        unknown = [i for i in only if i not in chosen]
        if unknown:
            raise KeyError(f"no indicator {', '.join(unknown)} in {year}: {', '.join(chosen)}")
        chosen = {i: chosen[i] for i in only}
    values = values or year_values(year)
    size_date = settings.list_size_date or default_list_size_date(year)
    sizes = list_sizes(engine, size_date)
    by_end: dict[dt.date, dict[str, Indicator]] = defaultdict(dict)
    for indicator in chosen.values():
        by_end[indicator.period_end][indicator.id] = indicator
    results = []
    for end, group in sorted(by_end.items()):
        with library_tables(engine, {k: i.cohort for k, i in group.items()}, end) as tables:
            for key, indicator in group.items():
                counts = count_in_engine(tables[key])
                load = partial(run_cohort, engine, indicator.cohort, end)
                results.append(
                    _result(indicator, counts, load, engine.name, values, sizes, size_date,
                            settings, pcn, extract)
                )  # fmt: skip
                progress.step("indicators", total=len(chosen))
    return sorted(results, key=lambda r: r.indicator.id)


def _result(
    indicator: Indicator,
    counted: dict[tuple[str, str, str], Counts],
    load: Callable[[], CohortRun],
    engine_name: str,
    values: YearValues,
    sizes: dict[tuple[str, str], int],
    size_date: dt.date,
    settings: Settings,
    pcn: str | None,
    extract: Mapping[str, Any] | None,
) -> IndicatorResult:
    warnings = []
    if not indicator.payable:
        warnings.append(
            f"{indicator.key} is incomplete and earns no points or pounds: "
            + "; ".join(indicator.incomplete)
        )
    average = settings.average_pcn_list_size or values.average_pcn_list_size.value
    national = settings.national_prevalence.get(indicator.id)
    records = []
    for (level, pcn_code, practice), counts in counted.items():
        if pcn is not None and pcn_code != pcn:
            continue
        code = pcn_code if level == "pcn" else practice
        list_size = sizes.get((level, code))
        record: dict[str, Any] = {
            "year": indicator.year,
            "indicator": indicator.id,
            "level": level,
            "pcn_code": pcn_code,
            "practice_code": practice or None,
            "eligible": counts.eligible,
            "declined": counts.declined,
            "unsuitable": counts.unsuitable,
            "denominator": counts.denominator,
            "numerator": counts.numerator,
            "achievement": counts.achievement,
            "list_size": list_size,
            "prevalence": counts.denominator / list_size if list_size else None,
        }
        if level == "pcn":
            record |= _payment(indicator, counts, record, values, average, national)
        records.append(record)
    if indicator.payable and average is None:
        warnings.append(f"{values.year}: the national average PCN list size was not found; "
                        "pounds are not worked out (supply it as a setting)")  # fmt: skip
    provenance = {
        "indicator": indicator.id,
        "year": indicator.year,
        "definition_version": indicator.version,
        "definition_file": f"{indicator.key}.yaml",
        "status": indicator.status,
        "codelists": indicator.cohort.codelists,
        "period": [indicator.period_start.isoformat(), indicator.period_end.isoformat()],
        "list_size_date": size_date.isoformat(),
        "engine": engine_name,
        "extract": dict(extract or {}),
        "values": indicator.summary()["values"],
    }
    return IndicatorResult(indicator, tuple(records), provenance, load, tuple(warnings))


def _payment(
    indicator: Indicator,
    counts: Counts,
    record: dict[str, Any],
    values: YearValues,
    average: float | None,
    national: float | None,
) -> dict[str, Any]:
    if not indicator.payable:
        return {"points": None, "pounds": None, "pounds_note": "incomplete definition: not paid"}
    earned = points_earned(
        counts.achievement,
        indicator.value("lower_threshold"),
        indicator.value("upper_threshold"),
        indicator.value("points"),
        indicator.value("direction"),
    )
    worked = pounds(
        earned,
        values.pound_per_point.value,
        record["list_size"],
        average,
        record["prevalence"],
        national,
        bool(indicator.value("prevalence_adjusted")),
    )
    return {
        "points": round(earned, 4),
        "pounds": None if worked.amount is None else str(worked.amount),
        "pounds_note": "; ".join(worked.reasons) or worked.formula,
    }


def records_table(results: list[IndicatorResult]) -> pa.Table:
    rows = [record for result in results for record in result.records]
    return pa.Table.from_pylist(rows)

"""Running a cohort on an engine: the patient list, counts per practice and PCN, and the
explanation of why one patient is in it.

Every run adds two variables to the definition's own: the practice the patient is registered
with on the date and that practice's PCN on the date, so that lists and counts can be cut by
organisation, and `--pcn` keeps the patients of one PCN.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ibis
import pyarrow as pa

from neighbourhood.codelists import codelist as shipped_codelist
from neighbourhood.cohorts import model as m
from neighbourhood.cohorts.compile import IbisCompiler
from neighbourhood.cohorts.definition import Cohort, cohort
from neighbourhood.cohorts.language import (
    SeriesExpr,
    index_date,
    parent_organisation,
    patients,
    practice_registration_on,
)
from neighbourhood.progress import SILENT, Progress
from neighbourhood.store.engines import Engine

EXPLAIN_ROWS = 20


@dataclass(frozen=True)
class CohortRun:
    """A cohort's patients on a date, with what is needed to trace the figures."""

    cohort: Cohort
    at: dt.date
    engine: str
    pcn: str | None
    rows: pa.Table = field(repr=False)

    @property
    def provenance(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort.id,
            "definition_version": self.cohort.version,
            "codelists": self.cohort.codelists,
            "at": self.at.isoformat(),
            "engine": self.engine,
            "pcn": self.pcn,
            "patients": self.rows.num_rows,
        }

    def records(self) -> list[dict[str, Any]]:
        return self.rows.to_pylist()


_PRACTICE = practice_registration_on(index_date).practice_code
_PCN = parent_organisation(_PRACTICE, "practice_in_pcn", index_date)
ORGANISATION = {"practice_code": _PRACTICE.node, "pcn_code": _PCN.node}
"""Added to every run: the practice registered with on the date, and its PCN on the date."""


def _chosen(definition: Cohort | str) -> Cohort:
    return cohort(definition) if isinstance(definition, str) else definition


def _expression(engine: Engine, chosen: Cohort, at: dt.date, pcn: str | None):
    """The cohort's list as an Ibis expression: patients of the population (of one PCN when
    asked), ordered by the definition's sort, then patient id."""
    population = chosen.population
    if pcn is not None:
        population = (SeriesExpr(population) & (pcn == _PCN).when_null_then(False)).node
    compiler = IbisCompiler(engine.table, at)
    table = compiler.cohort(population, ORGANISATION | dict(chosen.variables))
    return table.order_by([*_sort_keys(table, chosen), "patient_id"])


def _sort_keys(table: ibis.Table, chosen: Cohort) -> list:
    return [
        ibis.desc(table[name[1:]]) if name.startswith("-") else ibis.asc(table[name])
        for name in chosen.sort
    ]


def run_cohort(
    engine: Engine, definition: Cohort | str, at: dt.date, *, pcn: str | None = None
) -> CohortRun:
    chosen = _chosen(definition)
    table = _expression(engine, chosen, at, pcn)
    return CohortRun(chosen, at, engine.name, pcn, table.to_pyarrow())


def counts(run: CohortRun) -> list[dict[str, Any]]:
    """Patients per PCN and practice, and how many meet each criterion."""
    criteria = [c for c in run.cohort.criteria if run.rows.schema.field(c).type == pa.bool_()]
    tally: dict[tuple[str, str], Counter] = {}
    for row in run.rows.to_pylist():
        key = (row["pcn_code"] or "(no PCN)", row["practice_code"] or "(no practice)")
        counter = tally.setdefault(key, Counter())
        counter["patients"] += 1
        for name in criteria:
            counter[name] += bool(row[name])
    return [
        {"pcn_code": pcn, "practice_code": practice, "patients": c["patients"]}
        | {name: c[name] for name in criteria}
        for (pcn, practice), c in sorted(tally.items())
    ]


def explain(engine: Engine, definition: Cohort | str, patient_id: str, at: dt.date) -> dict:
    """For one patient: in the cohort or not, each criterion's value, and the records behind
    each criterion (the rows of every event frame it aggregates, for that patient)."""
    chosen = _chosen(definition)
    compiler = IbisCompiler(engine.table, at)
    only = (patients.patient_id == patient_id).node
    variables = ORGANISATION | dict(chosen.variables) | {"in_cohort": chosen.population}
    found = compiler.cohort(only, variables).to_pyarrow().to_pylist()
    if not found:
        raise KeyError(f"no patient {patient_id!r} in the store")
    values = found[0]
    criteria = []
    for name in chosen.criteria:
        series = chosen.variables[name]
        criteria.append(
            {
                "criterion": name,
                "value": values[name],
                "records": _records(compiler, series, patient_id),
            }
        )
    return {
        "cohort": chosen.id,
        "definition_version": chosen.version,
        "patient_id": patient_id,
        "at": at.isoformat(),
        "in_cohort": bool(values["in_cohort"]),
        "practice_code": values["practice_code"],
        "pcn_code": values["pcn_code"],
        "criteria": criteria,
        "variables": {k: _plain(values[k]) for k in chosen.variables},
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _records(compiler: IbisCompiler, series: m.Series, patient_id: str) -> list[dict]:
    """The rows, for this patient, of each frame the series aggregates or picks from."""
    frames: dict[m.Frame, None] = {}
    for node in m.walk(series):
        if isinstance(node, m.AggregateByPatient):
            frames[node.over] = None
        elif isinstance(node, m.PickOneRowPerPatient):
            frames[node.source] = None
        elif isinstance(node, m.ExistsBetween):
            frames[node.other] = None
    found = []
    for frame in frames:
        rows = compiler.frame_rows(frame, patient_id).limit(EXPLAIN_ROWS).to_pyarrow()
        terms = _terms(frame)
        code_column = frame.spec.code_column
        for row in rows.to_pylist():
            row.pop("patient_id", None)
            record = {"table": frame.spec.name} | {k: _plain(v) for k, v in row.items()}
            if code_column and row.get(code_column) in terms:
                record["term"] = terms[row[code_column]]
            found.append(record)
    return found


def _terms(frame: m.Frame) -> dict[str, str]:
    terms: dict[str, str] = {}
    for ancestor in frame.ancestors():
        if isinstance(ancestor, m.Filter):
            for node in m.walk(ancestor.condition):
                if isinstance(node, m.IsIn) and node.codelist_id != "values":
                    terms |= dict(shipped_codelist(node.codelist_id).terms)
    return terms


def sql(engine: Engine, definition: Cohort | str, at: dt.date) -> str:
    """The SQL the engine runs for a cohort (for review and audit)."""
    expression = _expression(engine, _chosen(definition), at, None)
    return str(ibis.to_sql(expression, dialect=engine.backend.name))


@contextmanager
def library_tables(
    engine: Engine, library: dict[str, Cohort], at: dt.date
) -> Iterator[dict[str, ibis.Table]]:
    """Every cohort of a library on one date as a table of the engine, for the duration of
    the `with`. The patient-level values they need (an eFI included in three cohorts, the
    registration on the date in all of them) are worked out once, into a temporary table, and
    each cohort's table is a filter of it."""
    compiler = IbisCompiler(engine.table, at)
    wanted = {
        name: (chosen.population, ORGANISATION | dict(chosen.variables))
        for name, chosen in library.items()
    }
    stored: list[ibis.Table] = []

    def keep(table: ibis.Table) -> ibis.Table:
        stored.append(engine.stored(table))
        return stored[-1]

    try:
        yield compiler.cohorts(wanted, keep)
    finally:
        for table in stored:
            table.release()


def run_library(
    engine: Engine, library: dict[str, Cohort], at: dt.date, progress: Progress = SILENT
) -> dict[str, CohortRun]:
    """Every cohort of a library on one date (see `library_tables`), each list ordered by
    its definition's sort."""
    runs = {}
    with library_tables(engine, library, at) as tables:
        for name, table in tables.items():
            chosen = library[name]
            rows = table.order_by([*_sort_keys(table, chosen), "patient_id"]).to_pyarrow()
            runs[name] = CohortRun(chosen, at, engine.name, None, rows)
            progress.step("cohorts", total=len(library))
    return runs


def library_counts(
    engine: Engine, at: dt.date, library: dict[str, Cohort], progress: Progress = SILENT
) -> list[dict[str, Any]]:
    """One row per cohort: patients on the date, and how many PCNs and practices they are in."""
    found = []
    for chosen, run in zip(
        library.values(), run_library(engine, library, at, progress).values(), strict=True
    ):
        rows = run.rows
        practices = {p for p in rows.column("practice_code").to_pylist() if p}
        pcns = {p for p in rows.column("pcn_code").to_pylist() if p}
        found.append(
            {
                "cohort": chosen.id,
                "title": chosen.title,
                "patients": rows.num_rows,
                "pcns": len(pcns),
                "practices": len(practices),
            }
        )
    return found

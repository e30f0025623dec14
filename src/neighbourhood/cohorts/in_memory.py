"""A reference engine in plain Python: the oracle every SQL engine is tested against.

It evaluates the query model straight from its documented meaning (`semantics.py` for each
operation, the docstrings of `model.py` for frames and aggregations), one patient at a time,
over tables given as lists of rows (dicts of Python values, dates as `datetime.date`). It is
slow on purpose: small enough to check by reading, and able to say, for one patient, what a
value is and which rows it was worked out from.

- Only patients in the `patients` table are in a result; the population keeps those for whom
  it is true (false and missing leave the patient out).
- A filter keeps the rows whose condition is true (false and missing drop the row).
- exists is false, and count and count_distinct are 0, for a patient with no rows; min, max
  and sum skip missing values and are missing when none is left.
- first / last: a patient's rows sorted by the sort keys, ascending with missing values first,
  ties broken by the table's other columns in declared order; last is the end of that order.
- exists_between is false, never missing, for a row with no row of the other frame in its
  window (or with a missing start or end).
- A missing table is an error, not an empty one, so a typo never passes for "no rows".

```python
engine = InMemoryEngine({"patients": [...], "clinical_events": [...], ...})
engine.cohort(population, {"age": age}, index_date)  # [{"patient_id": ..., "age": ...}, ...]
engine.value(age, "p1", index_date)                  # one patient's value
engine.rows(frail.count_for_patient().node, "p1", index_date)  # the rows it counted
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from neighbourhood.cohorts import model as m
from neighbourhood.cohorts import semantics

Row = Mapping[str, Any]


class InMemoryEngine:
    """Tables as lists of rows (`org_memberships` too, for organisation look-ups)."""

    def __init__(self, tables: Mapping[str, Iterable[Row]]) -> None:
        self._tables = {name: list(rows) for name, rows in tables.items()}
        self._grouped: dict[str, dict[Any, list[Row]]] = {}

    def table(self, name: str) -> list[Row]:
        if name not in self._tables:
            raise KeyError(f"the in-memory engine was given no table {name!r}")
        return self._tables[name]

    def patient_ids(self) -> list[Any]:
        return sorted({row["patient_id"] for row in self.table("patients")})

    def rows_of_patient(self, name: str, patient_id: Any) -> list[Row]:
        """The rows of a table for one patient, in table order."""
        if name not in self._grouped:
            grouped: dict[Any, list[Row]] = {}
            for row in self.table(name):
                grouped.setdefault(row["patient_id"], []).append(row)
            self._grouped[name] = grouped
        return self._grouped[name].get(patient_id, [])

    # ---- what a caller asks ------------------------------------------------------------

    def cohort(
        self, population: m.Series, variables: Mapping[str, m.Series], index_date: dt.date
    ) -> list[dict[str, Any]]:
        """patient_id and each variable, for every patient the population is true for, sorted
        by patient_id: the result the SQL engines must give."""
        if population.type != m.BOOL or population.frame is not None:
            raise m.QueryError("the population is one true/false value per patient")
        for name, series in variables.items():
            if series.frame is not None:
                raise m.QueryError(f"variable {name}: one value per patient is needed")
        run = Evaluation(self, index_date)
        return [
            {"patient_id": patient, **{n: run.value(s, patient) for n, s in variables.items()}}
            for patient in self.patient_ids()
            if run.value(population, patient) is True
        ]

    def value(self, series: m.Series, patient_id: Any, index_date: dt.date) -> Any:
        """One patient's value of a one-value-per-patient series."""
        if series.frame is not None:
            raise m.QueryError("a series over event rows has a value per row, not per patient")
        return Evaluation(self, index_date).value(series, patient_id)

    def rows(self, node: m.Frame | m.AggregateByPatient, patient_id: Any, index_date: dt.date):
        """One patient's rows of a frame, or of the frame an aggregation reads (sorted when
        the frame is sorted; a one-row-per-patient frame gives its row, or none)."""
        frame = node.over if isinstance(node, m.AggregateByPatient) else node
        return [dict(row) for row in Evaluation(self, index_date).rows(frame, patient_id)]


class Evaluation:
    """The values of one run (one index date), remembered per patient-level node and patient."""

    def __init__(self, engine: InMemoryEngine, index_date: dt.date) -> None:
        self.engine = engine
        self.index_date = index_date
        self._values: dict[tuple[m.Series, Any], Any] = {}
        self._patients = {row["patient_id"]: row for row in engine.table("patients")}

    def value(self, series: m.Series, patient: Any, row: Row | None = None) -> Any:
        """The value of `series` for a patient; a series over event rows also needs the row
        (one of the patient's rows of the frame it runs over)."""
        if series.frame is not None:
            if row is None:
                raise m.QueryError("a series over event rows needs a row")
            return self._evaluate(series, patient, row)
        key = (series, patient)
        if key not in self._values:
            self._values[key] = self._evaluate(series, patient, None)
        return self._values[key]

    def _evaluate(self, series: m.Series, patient: Any, row: Row | None) -> Any:
        if isinstance(series, m.Value):
            return series.value
        if isinstance(series, m.IndexDate):
            return self.index_date
        if isinstance(series, m.Column):
            return self._column(series, patient, row)
        if isinstance(series, m.Unary):
            return semantics.unary(series.op, self.value(series.operand, patient, row))
        if isinstance(series, m.Binary):
            left = self.value(series.left, patient, row)
            right = self.value(series.right, patient, row)
            return _typed(semantics.binary(series.op, left, right), series.type)
        if isinstance(series, m.IsIn):
            found = self.value(series.series, patient, row)
            return None if found is None else str(found) in series.values
        if isinstance(series, m.Case):
            for condition, outcome in series.cases:
                if self.value(condition, patient, row) is True:
                    return _typed(self.value(outcome, patient, row), series.type)
            if series.default is None:
                return None
            return _typed(self.value(series.default, patient, row), series.type)
        if isinstance(series, m.AggregateByPatient):
            return self._aggregate(series, patient)
        if isinstance(series, m.ParentOrganisation):
            return self._parent(series, patient)
        if isinstance(series, m.ExistsBetween):
            return self._exists_between(series, patient, row)
        raise m.QueryError(f"cannot evaluate {type(series).__name__}")  # pragma: no cover

    def _column(self, column: m.Column, patient: Any, row: Row | None) -> Any:
        source = column.source
        if isinstance(source, m.SelectPatientTable):
            found = self._patients.get(patient)
        elif isinstance(source, m.PickOneRowPerPatient):
            found = self._picked(source, patient)
        else:  # a row of the frame being evaluated: a row of the same event table
            found = row
        return None if found is None else found.get(column.name)

    # ---- frames ------------------------------------------------------------------------

    def rows(self, frame: m.Frame, patient: Any) -> list[Row]:
        if isinstance(frame, m.SelectPatientTable):
            found = self._patients.get(patient)
            return [] if found is None else [found]
        if isinstance(frame, m.PickOneRowPerPatient):
            picked = self._picked(frame, patient)
            return [] if picked is None else [picked]
        if isinstance(frame, m.SelectTable):
            return self.engine.rows_of_patient(frame.name, patient)
        if isinstance(frame, m.Filter):
            return [
                row
                for row in self.rows(frame.source, patient)
                if self.value(frame.condition, patient, row) is True
            ]
        if isinstance(frame, m.Sort):
            others = [c for c in frame.spec.columns if c != "patient_id"]

            def order(row: Row) -> tuple:
                keys = [self.value(k, patient, row) for k in frame.keys]
                keys += [row.get(c) for c in others]  # ties: the other columns, in order
                return tuple(_missing_first(k) for k in keys)

            return sorted(self.rows(frame.source, patient), key=order)
        raise m.QueryError(f"cannot evaluate {type(frame).__name__}")  # pragma: no cover

    def _picked(self, pick: m.PickOneRowPerPatient, patient: Any) -> Row | None:
        ordered = self.rows(pick.source, patient)
        if not ordered:
            return None
        return ordered[0] if pick.position == "first" else ordered[-1]

    # ---- one value from many rows --------------------------------------------------------

    def _aggregate(self, aggregate: m.AggregateByPatient, patient: Any) -> Any:
        rows = self.rows(aggregate.over, patient)
        if aggregate.op == "exists":
            return bool(rows)
        if aggregate.op == "count":
            return len(rows)
        source = aggregate.source
        assert isinstance(source, m.Series)
        values = [self.value(source, patient, row) for row in rows]
        present = [v for v in values if v is not None]
        if aggregate.op == "count_distinct":
            return len(set(present))
        if not present:
            return None
        reduce = {"min": min, "max": max, "sum": sum}[aggregate.op]
        return _typed(reduce(present), aggregate.type)

    def _exists_between(self, comparison: m.ExistsBetween, patient: Any, row: Row | None) -> bool:
        """Whether the patient has a row of the other frame dated from start to end (both
        included); false, never missing, when either end is missing."""
        start = self.value(comparison.start, patient, row)
        end = self.value(comparison.end, patient, row)
        if start is None or end is None:
            return False
        date = comparison.other.spec.date_column
        assert date is not None
        return any(
            other.get(date) is not None and start <= other[date] <= end
            for other in self.rows(comparison.other, patient)
        )

    def _parent(self, lookup: m.ParentOrganisation, patient: Any) -> Any:
        """Memberships of the relationship valid on the date (from and to inclusive, no end
        date meaning still valid); the latest start wins, then the highest parent code."""
        child = self.value(lookup.child, patient)
        on = self.value(lookup.on, patient)
        if child is None or on is None:
            return None
        valid = [
            link
            for link in self.engine.table("org_memberships")
            if link["child_code"] == child
            and link["relationship"] == lookup.relationship
            and link["valid_from"] is not None
            and link["valid_from"] <= on
            and (link.get("valid_to") is None or link["valid_to"] >= on)
        ]
        if not valid:
            return None
        return max(valid, key=lambda link: (link["valid_from"], link["parent_code"]))["parent_code"]


def _missing_first(value: Any) -> tuple:
    return (0,) if value is None else (1, value)


def _typed(value: Any, kind: m.SeriesType) -> Any:
    """A whole number where the series is a float (a case mixing 1 and 2.5) as a float."""
    if kind == m.FLOAT and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value

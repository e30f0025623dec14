"""The query language users write: tables as frames, columns as series, operators as nodes.

```python
from neighbourhood.cohorts.language import clinical_events, index_date, months, patients

frail = clinical_events.coded(codelist("nhsd-primary-care-domain-refsets-sevfrail_cod"))
severe_frailty = frail.on_or_before(index_date).exists_for_patient()
aged_65_plus = patients.age_on(index_date) >= 65
```

Every call builds an immutable node of `model.py`, which checks itself, so a malformed query
fails on the line that makes it. The same names are what cohort definition files use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from neighbourhood.codelists import Codelist
from neighbourhood.codelists import codelist as shipped_codelist
from neighbourhood.cohorts import model as m
from neighbourhood.cohorts.dates import Duration, days, months, years

OPEN_END = dt.date(9999, 12, 31)


def _node(value: Any, like: m.SeriesType | None = None) -> m.Series:
    if isinstance(value, SeriesExpr):
        return value.node
    if isinstance(value, m.Series):
        return value
    if value is None:
        if like is None:
            raise m.QueryError("a missing value needs a type: compare with .is_null() instead")
        return m.Value(None, like)
    kind = m.type_of_value(value)
    if like is not None and like.name == "code" and kind == m.STR:
        return m.Value(value, m.STR)
    return m.Value(value, kind)


class SeriesExpr:
    """A value per row of a frame, or per patient."""

    __slots__ = ("node",)

    def __init__(self, node: m.Series) -> None:
        self.node = node

    def __repr__(self) -> str:
        return f"SeriesExpr({self.node!r})"

    def __bool__(self) -> bool:
        raise m.QueryError("a series has no truth value in Python: use & | ~, not and/or/not")

    __hash__ = None  # type: ignore[assignment]  # == builds a node

    def _binary(self, op: str, other: Any, *, swap: bool = False) -> SeriesExpr:
        other_node = _node(other, self.node.type)
        left, right = (other_node, self.node) if swap else (self.node, other_node)
        return SeriesExpr(m.Binary(op, left, right))

    def __eq__(self, other: Any) -> SeriesExpr:  # type: ignore[override]
        return self._binary("eq", other)

    def __ne__(self, other: Any) -> SeriesExpr:  # type: ignore[override]
        return self._binary("ne", other)

    def __lt__(self, other: Any) -> SeriesExpr:
        return self._binary("lt", other)

    def __le__(self, other: Any) -> SeriesExpr:
        return self._binary("le", other)

    def __gt__(self, other: Any) -> SeriesExpr:
        return self._binary("gt", other)

    def __ge__(self, other: Any) -> SeriesExpr:
        return self._binary("ge", other)

    def __and__(self, other: Any) -> SeriesExpr:
        return self._binary("and", other)

    def __rand__(self, other: Any) -> SeriesExpr:
        return self._binary("and", other, swap=True)

    def __or__(self, other: Any) -> SeriesExpr:
        return self._binary("or", other)

    def __ror__(self, other: Any) -> SeriesExpr:
        return self._binary("or", other, swap=True)

    def __invert__(self) -> SeriesExpr:
        return SeriesExpr(m.Unary("not", self.node))

    def __neg__(self) -> SeriesExpr:
        return SeriesExpr(m.Unary("negate", self.node))

    def __add__(self, other: Any) -> SeriesExpr:
        if isinstance(other, Duration):
            return self._shift(other)
        return self._binary("add", other)

    def __radd__(self, other: Any) -> SeriesExpr:
        return self._binary("add", other, swap=True)

    def __sub__(self, other: Any) -> SeriesExpr:
        if isinstance(other, Duration):
            return self._shift(-other)
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> SeriesExpr:
        return self._binary("sub", other, swap=True)

    def __mul__(self, other: Any) -> SeriesExpr:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> SeriesExpr:
        return self._binary("mul", other, swap=True)

    def __truediv__(self, other: Any) -> SeriesExpr:
        return self._binary("div", other)

    def _shift(self, duration: Duration) -> SeriesExpr:
        if duration.unit == "days":
            return SeriesExpr(m.Binary("add_days", self.node, m.Value(duration.amount, m.INT)))
        return SeriesExpr(m.Binary("add_months", self.node, m.Value(duration.months, m.INT)))

    # missing values
    def is_null(self) -> SeriesExpr:
        return SeriesExpr(m.Unary("is_null", self.node))

    def is_not_null(self) -> SeriesExpr:
        return ~self.is_null()

    def when_null_then(self, other: Any) -> SeriesExpr:
        return self._binary("coalesce", other)

    # membership
    def is_in(self, values: Codelist | str | list | tuple | frozenset | set) -> SeriesExpr:
        if isinstance(values, str):
            values = shipped_codelist(values)
        if isinstance(values, Codelist):
            return SeriesExpr(m.IsIn.of_codelist(self.node, values))
        if self.node.type.name == "code":
            raise m.QueryError("match a code column against a codelist, so its system is checked")
        if self.node.type != m.STR:
            raise m.QueryError("is_in with plain values is for text columns")
        if not all(isinstance(v, str) for v in values):
            raise m.QueryError(f"is_in: every value must be a {self.node.type}")
        return SeriesExpr(m.IsIn(self.node, frozenset(values), "values", "-"))

    # numbers and flags
    def as_int(self) -> SeriesExpr:
        return SeriesExpr(m.Unary("as_int", self.node))

    def as_float(self) -> SeriesExpr:
        return SeriesExpr(m.Unary("as_float", self.node))

    # dates
    @property
    def year(self) -> SeriesExpr:
        return SeriesExpr(m.Unary("year", self.node))

    @property
    def month(self) -> SeriesExpr:
        return SeriesExpr(m.Unary("month", self.node))

    def is_before(self, other: Any) -> SeriesExpr:
        return self < other

    def is_after(self, other: Any) -> SeriesExpr:
        return self > other

    def is_on_or_before(self, other: Any) -> SeriesExpr:
        return self <= other

    def is_on_or_after(self, other: Any) -> SeriesExpr:
        return self >= other

    def is_on_or_between(self, start: Any, end: Any) -> SeriesExpr:
        """Both ends included."""
        return (self >= start) & (self <= end)

    def days_until(self, other: Any) -> SeriesExpr:
        """Days from this date to `other` (negative when `other` is earlier)."""
        return self._binary("days_between", other)

    def years_until(self, other: Any) -> SeriesExpr:
        """Whole years from this date to `other`."""
        return self._binary("years_between", other)

    # aggregation of a many-rows series
    def count_distinct_for_patient(self) -> SeriesExpr:
        return SeriesExpr(m.AggregateByPatient("count_distinct", self.node))

    def minimum_for_patient(self) -> SeriesExpr:
        return SeriesExpr(m.AggregateByPatient("min", self.node))

    def maximum_for_patient(self) -> SeriesExpr:
        return SeriesExpr(m.AggregateByPatient("max", self.node))

    def sum_for_patient(self) -> SeriesExpr:
        return SeriesExpr(m.AggregateByPatient("sum", self.node))


class FrameExpr:
    """A table, or rows of one: columns are attributes."""

    def __init__(self, node: m.Frame) -> None:
        self._frame = node

    @property
    def node(self) -> m.Frame:
        return self._frame

    def __getattr__(self, name: str) -> SeriesExpr:
        if name.startswith("_"):
            raise AttributeError(name)
        return SeriesExpr(m.Column(self._frame, name))

    def __repr__(self) -> str:
        return f"FrameExpr({self._frame.spec.name})"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._frame.spec.columns)


class PatientFrameExpr(FrameExpr):
    def age_on(self, date: Any) -> SeriesExpr:
        """Whole years from the month of birth (held as its first day) to `date`."""
        return self.birth_month.years_until(date)

    def alive_on(self, date: Any) -> SeriesExpr:
        return self.date_of_death.is_null() | self.date_of_death.is_after(date)


class EventFrameExpr(FrameExpr):
    """Many rows per patient."""

    def where(self, condition: Any) -> EventFrameExpr:
        return EventFrameExpr(m.Filter(self._frame, _node(condition)))

    def except_where(self, condition: Any) -> EventFrameExpr:
        """Rows where the condition is not true: false or missing."""
        keep = ~SeriesExpr(_node(condition)).when_null_then(False)
        return self.where(keep)

    def sort_by(self, *keys: Any) -> SortedFrameExpr:
        return SortedFrameExpr(m.Sort(self._frame, tuple(_node(k) for k in keys)))

    def exists_for_patient(self) -> SeriesExpr:
        return SeriesExpr(m.AggregateByPatient("exists", self._frame))

    def exists_between(self, start: Any, end: Any) -> SeriesExpr:
        """For each row of another frame, whether this frame has a row for the same patient
        dated from `start` to `end` (both included): `fit.exists_between(referral.event_date
        - days(21), referral.event_date)`."""
        return SeriesExpr(m.ExistsBetween(self._frame, _node(start), _node(end)))

    def count_for_patient(self) -> SeriesExpr:
        return SeriesExpr(m.AggregateByPatient("count", self._frame))

    # shorthands for the table's declared date and code columns
    def _date(self) -> SeriesExpr:
        name = self._frame.spec.date_column
        if name is None:
            raise m.QueryError(f"{self._frame.spec.name} has no date column")
        return getattr(self, name)

    def coded(self, codes: Codelist | str) -> EventFrameExpr:
        """Rows whose code is in the codelist (checked against the column's coding system)."""
        name = self._frame.spec.code_column
        if name is None:
            raise m.QueryError(f"{self._frame.spec.name} has no code column")
        return self.where(getattr(self, name).is_in(codes))

    def on_or_before(self, date: Any) -> EventFrameExpr:
        return self.where(self._date().is_on_or_before(date))

    def on_or_between(self, start: Any, end: Any) -> EventFrameExpr:
        return self.where(self._date().is_on_or_between(start, end))

    def active_on(self, date: Any) -> EventFrameExpr:
        """Periods that cover the date: started on or before it, not ended before it."""
        if not self._frame.spec.has_period:
            raise m.QueryError(f"{self._frame.spec.name} rows are not periods")
        return self.where(
            self.start_date.is_on_or_before(date)
            & (self.end_date.is_null() | self.end_date.is_on_or_after(date))
        )


class SortedFrameExpr(EventFrameExpr):
    def first_for_patient(self) -> FrameExpr:
        return FrameExpr(m.PickOneRowPerPatient(self._frame, "first"))  # type: ignore[arg-type]

    def last_for_patient(self) -> FrameExpr:
        return FrameExpr(m.PickOneRowPerPatient(self._frame, "last"))  # type: ignore[arg-type]


class When:
    def __init__(self, condition: Any, value: Any) -> None:
        self.condition = _node(condition)
        self.value = value


def when(condition: Any, then: Any) -> When:
    return When(condition, then)


def case(*branches: When, otherwise: Any = None) -> SeriesExpr:
    """The value of the first branch whose condition is true, else `otherwise` (or missing)."""
    values = [_node(b.value) for b in branches]
    kind = values[0].type if values else None
    default = None if otherwise is None else _node(otherwise, kind)
    pairs = tuple((b.condition, v) for b, v in zip(branches, values, strict=True))
    return SeriesExpr(m.Case(pairs, default))


def count_true(*flags: Any) -> SeriesExpr:
    """How many of the flags are true (a missing flag counts as false)."""
    total: SeriesExpr | None = None
    for flag in flags:
        one = SeriesExpr(_node(flag)).when_null_then(False).as_int()
        total = one if total is None else total + one
    if total is None:
        raise m.QueryError("count_true needs at least one flag")
    return total


def value(item: Any) -> SeriesExpr:
    return SeriesExpr(_node(item))


def parent_organisation(child: Any, relationship: str, on: Any) -> SeriesExpr:
    return SeriesExpr(m.ParentOrganisation(_node(child), relationship, _node(on)))


def practice_registration_on(date: Any) -> FrameExpr:
    """The registration that covers the date: the latest start, then the latest end (an open
    registration counts as latest), then the highest practice code."""
    covering = registrations.active_on(date)
    return covering.sort_by(
        covering.start_date, covering.end_date.when_null_then(OPEN_END), covering.practice_code
    ).last_for_patient()


def registered_on(date: Any) -> SeriesExpr:
    return registrations.active_on(date).exists_for_patient()


def codelist(codelist_id: str) -> Codelist:
    return shipped_codelist(codelist_id)


index_date = SeriesExpr(m.IndexDate())
patients = PatientFrameExpr(m.SelectPatientTable("patients"))
registrations = EventFrameExpr(m.SelectTable("registrations"))
clinical_events = EventFrameExpr(m.SelectTable("clinical_events"))
medications_issued = EventFrameExpr(m.SelectTable("medications_issued"))
care_home_residences = EventFrameExpr(m.SelectTable("care_home_residences"))
hospital_spells = EventFrameExpr(m.SelectTable("hospital_spells"))
gp_appointments = EventFrameExpr(m.SelectTable("gp_appointments"))
service_requests = EventFrameExpr(m.SelectTable("service_requests"))
episodes_of_care = EventFrameExpr(m.SelectTable("episodes_of_care"))

NAMES: dict[str, Any] = {
    "index_date": index_date,
    "patients": patients,
    "registrations": registrations,
    "clinical_events": clinical_events,
    "medications_issued": medications_issued,
    "care_home_residences": care_home_residences,
    "hospital_spells": hospital_spells,
    "gp_appointments": gp_appointments,
    "service_requests": service_requests,
    "episodes_of_care": episodes_of_care,
    "codelist": codelist,
    "days": days,
    "months": months,
    "years": years,
    "case": case,
    "when": when,
    "count_true": count_true,
    "value": value,
    "parent_organisation": parent_organisation,
    "practice_registration_on": practice_registration_on,
    "registered_on": registered_on,
    "date": dt.date,
}
"""What a definition file's expressions may name."""

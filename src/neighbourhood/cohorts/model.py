"""The query model: small immutable nodes that check themselves when built.

A frame is a table of rows: either one row per patient (`patients`, or one row picked per
patient from an event table) or many rows per patient (an event table, possibly filtered and
sorted). A series is a value per row of a frame. Every node knows its type and its *domain*:
the event frame whose rows it runs over, or none for one value per patient. A malformed query
(a dm+d codelist against a SNOMED CT column, a date compared with a number, series from two
event tables in one expression) fails here, when it is built, not when it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

from neighbourhood.codelists import Codelist, CodingSystem
from neighbourhood.cohorts.tables import TableSpec, table_spec


class QueryError(TypeError):
    """A query that cannot mean anything: caught when it is built."""


@dataclass(frozen=True)
class SeriesType:
    """bool, int, float, str, date, or code (with its coding system)."""

    name: str
    system: CodingSystem | None = None

    def __post_init__(self) -> None:
        if self.name not in ("bool", "int", "float", "str", "date", "code"):
            raise QueryError(f"unknown series type {self.name!r}")
        if (self.name == "code") != (self.system is not None):
            raise QueryError("a code series needs its coding system, and only a code series")

    @property
    def numeric(self) -> bool:
        return self.name in ("int", "float")

    def __str__(self) -> str:
        return f"code ({self.system.label})" if self.system else self.name


BOOL, INT, FLOAT, STR, DATE = (SeriesType(n) for n in ("bool", "int", "float", "str", "date"))
COLUMN_TYPES = {"text": STR, "integer": INT, "decimal": FLOAT, "boolean": BOOL, "date": DATE}


class Node:
    """Base of every node: frozen, compared and hashed by value, hash computed once."""

    def __post_init__(self) -> None:
        pass

    @cached_property
    def _hash(self) -> int:
        return hash((type(self).__name__, *(getattr(self, f.name) for f in fields(self))))

    def __hash__(self) -> int:
        return self._hash

    def children(self) -> tuple[Node, ...]:
        found: list[Node] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                found.append(value)
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        found.append(item)
                    elif isinstance(item, tuple):
                        found.extend(x for x in item if isinstance(x, Node))
        return tuple(found)


def node(cls):
    """Make a node class a frozen dataclass that keeps the cached hash of `Node`, and checks
    at build time that the series it combines belong together."""
    built = dataclass(frozen=True, eq=True)(cls)
    built.__hash__ = Node.__hash__
    own_check = built.__dict__.get("__post_init__")

    def __post_init__(self) -> None:
        if own_check is not None:
            own_check(self)
        if isinstance(self, Series):
            _ = self.frame

    built.__post_init__ = __post_init__
    return built


# ---- frames ------------------------------------------------------------------------------


class Frame(Node):
    @property
    def one_row_per_patient(self) -> bool:
        raise NotImplementedError

    @property
    def root(self) -> SelectTable | None:
        """The event table a many-rows frame is drawn from; None for one row per patient."""
        return None

    @property
    def spec(self) -> TableSpec:
        raise NotImplementedError

    def ancestors(self) -> tuple[Frame, ...]:
        """This frame and every frame it was filtered or sorted from."""
        return (self,)


@node
class SelectPatientTable(Frame):
    name: str

    def __post_init__(self) -> None:
        if not table_spec(self.name).one_row_per_patient:
            raise QueryError(f"{self.name} has many rows per patient")

    @property
    def one_row_per_patient(self) -> bool:
        return True

    @property
    def spec(self) -> TableSpec:
        return table_spec(self.name)


@node
class SelectTable(Frame):
    name: str

    def __post_init__(self) -> None:
        if table_spec(self.name).one_row_per_patient:
            raise QueryError(f"{self.name} has one row per patient")

    @property
    def one_row_per_patient(self) -> bool:
        return False

    @property
    def root(self) -> SelectTable:
        return self

    @property
    def spec(self) -> TableSpec:
        return table_spec(self.name)


class _Derived(Frame):
    source: Frame

    @property
    def one_row_per_patient(self) -> bool:
        return False

    @property
    def root(self) -> SelectTable | None:
        return self.source.root

    @property
    def spec(self) -> TableSpec:
        return self.source.spec

    def ancestors(self) -> tuple[Frame, ...]:
        return (self, *self.source.ancestors())


def _row_series_belong_to(frame: Frame, series: Series, what: str) -> None:
    own = series.frame
    if own is not None and own not in frame.ancestors():
        raise QueryError(
            f"{what} uses rows of another frame ({own.spec.name}); a condition or sort key "
            "may only use the columns of the frame it applies to, or one-per-patient values"
        )


@node
class Filter(_Derived):
    """Rows of `source` where `condition` is true (and not null)."""

    source: Frame
    condition: Series

    def __post_init__(self) -> None:
        if self.source.one_row_per_patient:
            raise QueryError("only a frame with many rows per patient can be filtered")
        if self.condition.type != BOOL:
            raise QueryError(f"a filter condition must be bool, not {self.condition.type}")
        _row_series_belong_to(self.source, self.condition, "the condition")


@node
class Sort(_Derived):
    source: Frame
    keys: tuple[Series, ...]

    def __post_init__(self) -> None:
        if self.source.one_row_per_patient:
            raise QueryError("only a frame with many rows per patient can be sorted")
        if not self.keys:
            raise QueryError("sort by at least one column")
        for key in self.keys:
            if key.type == BOOL or key.type.name == "code":
                raise QueryError(f"cannot sort by a {key.type} series")
            _row_series_belong_to(self.source, key, "a sort key")


@node
class PickOneRowPerPatient(Frame):
    """The first or last row of each patient's sorted rows (ties broken by the other columns,
    in table order, so every engine picks the same row)."""

    source: Sort
    position: str

    def __post_init__(self) -> None:
        if not isinstance(self.source, Sort):
            raise QueryError("sort the frame before picking its first or last row")
        if self.position not in ("first", "last"):
            raise QueryError(f"position is first or last, not {self.position!r}")

    @property
    def one_row_per_patient(self) -> bool:
        return True

    @property
    def spec(self) -> TableSpec:
        return self.source.spec


# ---- series ------------------------------------------------------------------------------


class Series(Node):
    @property
    def type(self) -> SeriesType:
        raise NotImplementedError

    @cached_property
    def frame(self) -> Frame | None:
        """The most derived many-rows frame whose rows this series runs over; None when it is
        one value per patient. Series of two unrelated frames cannot be combined."""
        frames: list[Frame] = []
        for child in self.children():
            if isinstance(child, Series) and child.frame is not None:
                frames.append(child.frame)
        return _common_frame(frames)


def _common_frame(frames: list[Frame]) -> Frame | None:
    if not frames:
        return None
    deepest = max(frames, key=lambda f: len(f.ancestors()))
    chain = deepest.ancestors()
    for other in frames:
        if other not in chain:
            raise QueryError(
                f"cannot combine rows of {other.spec.name} with rows of {deepest.spec.name}: "
                "aggregate one of them per patient first"
            )
    return deepest


@node
class Column(Series):
    source: Frame
    name: str

    def __post_init__(self) -> None:
        spec = self.source.spec
        if self.name not in spec.columns:
            raise QueryError(
                f"{spec.name} has no column {self.name!r}; columns: {', '.join(spec.columns)}"
            )

    @property
    def type(self) -> SeriesType:
        return self.source.spec.columns[self.name]

    @cached_property
    def frame(self) -> Frame | None:
        return None if self.source.one_row_per_patient else self.source


@node
class Value(Series):
    value: Any
    value_type: SeriesType

    def __post_init__(self) -> None:
        if self.value is not None and type_of_value(self.value) != self.value_type:
            raise QueryError(f"{self.value!r} is not a {self.value_type}")

    @property
    def type(self) -> SeriesType:
        return self.value_type


def type_of_value(value: Any) -> SeriesType:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if isinstance(value, dt.datetime):
        raise QueryError("use a date, not a datetime")
    if isinstance(value, dt.date):
        return DATE
    raise QueryError(f"cannot use {value!r} ({type(value).__name__}) in a query")


@node
class IndexDate(Series):
    """The date the query is run for (`--at`), bound when the query runs."""

    @property
    def type(self) -> SeriesType:
        return DATE


@node
class IsIn(Series):
    """True where the value is one of the codes of a codelist (or of a set of plain values)."""

    series: Series
    values: frozenset[str]
    codelist_id: str
    codelist_version: str

    def __post_init__(self) -> None:
        if not self.values:
            raise QueryError(f"{self.codelist_id}: no values to match")

    @staticmethod
    def of_codelist(series: Series, codelist: Codelist) -> IsIn:
        kind = series.type
        if kind.name != "code":
            raise QueryError(f"codelist {codelist.id} applied to a {kind} series, not a code")
        if kind.system is not codelist.system:
            raise QueryError(
                f"codelist {codelist.id} is {codelist.system.label} but the column holds "
                f"{kind.system.label} codes"
            )
        return IsIn(series, frozenset(codelist.values), codelist.id, codelist.version)

    @property
    def type(self) -> SeriesType:
        return BOOL


UNARY = {
    "not": ({"bool"}, "bool"),
    "is_null": (None, "bool"),
    "year": ({"date"}, "int"),
    "month": ({"date"}, "int"),
    "negate": ({"int", "float"}, None),
    "as_int": ({"bool", "int", "float"}, "int"),
    "as_float": ({"bool", "int", "float"}, "float"),
}


@node
class Unary(Series):
    op: str
    operand: Series

    def __post_init__(self) -> None:
        if self.op not in UNARY:
            raise QueryError(f"unknown operation {self.op!r}")
        allowed, _ = UNARY[self.op]
        if allowed is not None and self.operand.type.name not in allowed:
            raise QueryError(f"{self.op} needs a {' or '.join(sorted(allowed))} series")

    @property
    def type(self) -> SeriesType:
        result = UNARY[self.op][1]
        return self.operand.type if result is None else SeriesType(result)


COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
LOGICAL = ("and", "or")
ARITHMETIC = ("add", "sub", "mul", "div")
DATE_OPS = ("add_days", "add_months", "days_between", "years_between")
BINARY = (*COMPARISONS, *LOGICAL, *ARITHMETIC, *DATE_OPS, "coalesce")


def _comparable(a: SeriesType, b: SeriesType) -> bool:
    if a == b or (a.numeric and b.numeric):
        return True
    return {a.name, b.name} == {"code", "str"}  # a code against a code written as text


@node
class Binary(Series):
    op: str
    left: Series
    right: Series

    def __post_init__(self) -> None:
        op, a, b = self.op, self.left.type, self.right.type
        if op not in BINARY:
            raise QueryError(f"unknown operation {op!r}")
        if op in COMPARISONS:
            if not _comparable(a, b):
                raise QueryError(f"cannot compare a {a} series with a {b} series")
            if op not in ("eq", "ne") and a.name in ("bool", "code"):
                raise QueryError(f"{a} values have no order")
        elif op in LOGICAL:
            if a != BOOL or b != BOOL:
                raise QueryError(f"{op} needs two bool series, not {a} and {b}")
        elif op in ARITHMETIC:
            if not (a.numeric and b.numeric):
                raise QueryError(f"{op} needs numbers, not {a} and {b}")
            if op == "div" and not (isinstance(self.right, Value) and self.right.value):
                raise QueryError("divide by a fixed number other than 0")
        elif op in ("add_days", "add_months"):
            if a != DATE or b != INT:
                raise QueryError(f"{op} needs a date and a whole number")
            if not isinstance(self.right, Value) or self.right.value is None:
                raise QueryError(f"{op}: the number of days or months must be given as a value")
        elif op in ("days_between", "years_between"):
            if a != DATE or b != DATE:
                raise QueryError(f"{op} needs two dates")
        elif op == "coalesce" and not _comparable(a, b):
            raise QueryError(f"cannot replace a missing {a} with a {b}")

    @property
    def type(self) -> SeriesType:
        if self.op in COMPARISONS or self.op in LOGICAL:
            return BOOL
        if self.op in ARITHMETIC:
            floats = self.op == "div" or FLOAT in (self.left.type, self.right.type)
            return FLOAT if floats else INT
        if self.op in ("days_between", "years_between"):
            return INT
        if self.op == "coalesce" and self.left.type.numeric and self.right.type.numeric:
            # a missing whole number replaced by 2.5 is 2.5: the wider type, as a case has
            return FLOAT if FLOAT in (self.left.type, self.right.type) else INT
        return self.left.type


@node
class Case(Series):
    """The value of the first condition that is true; `default` (or null) when none is."""

    cases: tuple[tuple[Series, Series], ...]
    default: Series | None = None

    def __post_init__(self) -> None:
        if not self.cases:
            raise QueryError("a case needs at least one condition")
        types = {v.type for _, v in self.cases} | ({self.default.type} if self.default else set())
        if len({t.name for t in types}) != 1 and not all(t.numeric for t in types):
            raise QueryError(f"every outcome of a case must have one type, not {types}")
        for condition, _ in self.cases:
            if condition.type != BOOL:
                raise QueryError("a case condition must be bool")

    @property
    def type(self) -> SeriesType:
        kinds = [v.type for _, v in self.cases]
        if self.default is not None:
            kinds.append(self.default.type)
        return FLOAT if FLOAT in kinds else kinds[0]


AGGREGATES = {
    "exists": "frame",
    "count": "frame",
    "count_distinct": "series",
    "min": "series",
    "max": "series",
    "sum": "series",
}


@node
class AggregateByPatient(Series):
    """One value per patient from the rows of a many-rows frame (or of one of its series).

    exists is false and count and count_distinct are 0 for a patient with no rows; min, max
    and sum are null.
    """

    op: str
    source: Node  # a Frame for exists and count, a Series for the others

    def __post_init__(self) -> None:
        if self.op not in AGGREGATES:
            raise QueryError(f"unknown aggregation {self.op!r}")
        if AGGREGATES[self.op] == "frame":
            if not isinstance(self.source, Frame) or self.source.one_row_per_patient:
                raise QueryError(f"{self.op} needs a frame with many rows per patient")
        else:
            if not isinstance(self.source, Series) or self.source.frame is None:
                raise QueryError(f"{self.op} needs a series with many rows per patient")
            kind = self.source.type
            if self.op == "sum" and not kind.numeric:
                raise QueryError(f"sum needs numbers, not {kind}")
            if self.op in ("min", "max") and kind.name in ("bool", "code"):
                raise QueryError(f"{self.op} needs an ordered series, not {kind}")

    @property
    def over(self) -> Frame:
        """The frame whose rows are aggregated."""
        if isinstance(self.source, Frame):
            return self.source
        frame = self.source.frame
        assert frame is not None
        return frame

    @property
    def type(self) -> SeriesType:
        if self.op == "exists":
            return BOOL
        if self.op in ("count", "count_distinct"):
            return INT
        assert isinstance(self.source, Series)
        return self.source.type

    @cached_property
    def frame(self) -> Frame | None:
        return None


@node
class ParentOrganisation(Series):
    """The organisation a patient-level code belongs to on a date, through the effective-dated
    memberships (a practice's PCN, a care home's aligned PCN). Where several hold, the one with
    the latest start wins, then the highest parent code."""

    child: Series
    relationship: str
    on: Series

    def __post_init__(self) -> None:
        if self.child.type != STR:
            raise QueryError(f"an organisation code is text, not {self.child.type}")
        if self.on.type != DATE:
            raise QueryError("the membership date must be a date")
        if self.relationship not in MEMBERSHIPS:
            raise QueryError(f"unknown membership {self.relationship!r}")
        if self.child.frame is not None or self.on.frame is not None:
            raise QueryError("look up organisations for one value per patient")

    @property
    def type(self) -> SeriesType:
        return STR


@node
class ExistsBetween(Series):
    """For each row of one event frame: whether the same patient has a row of `other` (another
    event frame) dated from `start` to `end`, both included. Never missing: false when `start`
    or `end` is missing. Compares rows of two tables, e.g. a FIT result in the 21 days before
    each referral."""

    other: Frame
    start: Series
    end: Series

    def __post_init__(self) -> None:
        if self.other.one_row_per_patient:
            raise QueryError("exists_between looks in a frame with many rows per patient")
        if self.other.spec.date_column is None:
            raise QueryError(f"{self.other.spec.name} has no date column")
        if self.start.type != DATE or self.end.type != DATE:
            raise QueryError("exists_between needs a start date and an end date")
        if self.start.frame is None and self.end.frame is None:
            raise QueryError(
                "exists_between compares with each row of another frame; for one window per "
                "patient use on_or_between(...).exists_for_patient()"
            )

    @property
    def type(self) -> SeriesType:
        return BOOL


MEMBERSHIPS = ("practice_in_pcn", "care_home_aligned_to_pcn", "pcn_in_sub_icb")


def walk(root: Node):
    """Every node under `root` (itself included), each once, parents before children."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(reversed(current.children()))


def codelists_used(root: Node) -> dict[str, str]:
    return {n.codelist_id: n.codelist_version for n in walk(root) if isinstance(n, IsIn)}

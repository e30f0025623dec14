"""The engines agree: DuckDB and PostgreSQL (and Spark, marked `spark`), through the Ibis
compiler, give exactly the rows the in-memory reference engine gives.

Hypothesis draws small datasets (a few patients; dates around month ends and 29 February;
codes from a tiny pool that includes a hand-made codelist's) and random *valid* queries, made
by applying the model's validation rules backwards: every series is built for a wanted type
and a wanted frame, from the operations that can give that type there. Then hand-written
edge cases the random search may miss.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engines import PostgresSchema
from neighbourhood.codelists import CodeError, Codelist, CodingSystem, DMDCode, SNOMEDCTCode
from neighbourhood.cohorts import language as L
from neighbourhood.cohorts import model as m
from neighbourhood.cohorts.compile import INLINE_CODES, IbisCompiler
from neighbourhood.cohorts.in_memory import InMemoryEngine
from neighbourhood.store.engines import open_duckdb, open_postgresql
from neighbourhood.store.engines import stored as cached
from neighbourhood.store.model import load_data_model

D = dt.date
TABLES = ("patients", "clinical_events", "medications_issued", "registrations", "org_memberships")
EVENT_TABLES = ("clinical_events", "medications_issued", "registrations")
MODEL = load_data_model()
COLUMNS = {name: [(c.name, c.type) for c in MODEL.table(name).columns] for name in TABLES}
ARROW = {"text": pa.string(), "integer": pa.int64(), "decimal": pa.float64(), "date": pa.date32()}
ARROW |= {"boolean": pa.bool_()}

SNOMED = m.SeriesType("code", CodingSystem.SNOMED_CT)
DMD = m.SeriesType("code", CodingSystem.DMD)
FRAILTY = Codelist(
    "test-frailty",
    "1",
    CodingSystem.SNOMED_CT,
    frozenset({SNOMEDCTCode("925861000000102"), SNOMEDCTCode("22298006")}),
    "hand-made",
)
STATINS = Codelist(
    "test-statins",
    "1",
    CodingSystem.DMD,
    frozenset({DMDCode("319740004"), DMDCode("39695211000001102")}),
    "hand-made",
)


def concept_ids(count: int) -> list[SNOMEDCTCode]:
    """Made-up but valid SNOMED CT concept ids (the Verhoeff check digit found by trying)."""
    found: list[SNOMEDCTCode] = []
    item = 100000
    while len(found) < count:
        for check in "0123456789":
            try:
                found.append(SNOMEDCTCode(f"{item}00{check}"))
                break
            except CodeError:
                continue
        item += 1
    return found


# longer than compile.INLINE_CODES: matched as a small table, not a list of literals
LONG = Codelist(
    "test-long", "1", CodingSystem.SNOMED_CT,
    frozenset([*concept_ids(INLINE_CODES + 10), SNOMEDCTCode("38341003")]), "hand-made",
)  # fmt: skip
SNOMED_POOL = (*FRAILTY.values, "38341003", "73211009", LONG.values[0])
CODELISTS = {"clinical_events": (FRAILTY, LONG), "medications_issued": (STATINS,)}
DMD_POOL = (*STATINS.values, "318135008", "324357002")
PRACTICES = ("A81001", "A81002", "B82003")
PCNS = ("U00001", "U00002", "U00003")
TEXTS = ("female", "male", "unknown", *PRACTICES, *PCNS, "E01000001", "LS1", "")

INTERESTING_DATES = [
    D(1952, 2, 29), D(1999, 12, 31), D(2020, 2, 28), D(2020, 2, 29), D(2020, 3, 1),
    D(2021, 2, 28), D(2023, 2, 28), D(2023, 3, 1), D(2023, 8, 31), D(2023, 9, 30),
    D(2023, 10, 1), D(2023, 10, 31), D(2023, 12, 31), D(2024, 1, 1), D(2024, 1, 31),
    D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 30), D(2024, 3, 31), D(2024, 4, 1),
]  # fmt: skip
INDEX_DATES = [D(2024, 3, 31), D(2024, 2, 29), D(2023, 8, 31), D(2024, 1, 1), D(2023, 3, 1)]

dates = st.one_of(st.sampled_from(INTERESTING_DATES), st.dates(D(1990, 1, 1), D(2025, 12, 31)))
birth_months = st.builds(
    lambda year, month: D(year, month, 1), st.integers(1925, 2024), st.integers(1, 12)
)
halves = st.integers(-8, 24).map(lambda n: n / 2)  # exact in binary: sums do not drift


def maybe(strategy, none_too: bool = True):
    return st.one_of(st.none(), strategy) if none_too else strategy


# ---- data -------------------------------------------------------------------------------


@st.composite
def datasets(draw) -> dict[str, list[dict[str, Any]]]:
    count = draw(st.integers(1, 5))
    ids = [
        f"p{i}"
        for i in draw(st.lists(st.integers(1, 9), min_size=count, max_size=count, unique=True))
    ]
    owners = st.sampled_from([*ids, "p0"])  # p0: rows of a patient not in `patients`
    patients = [
        {
            "patient_id": pid,
            "birth_month": draw(birth_months),
            "sex": draw(st.sampled_from(["female", "male", "unknown"])),
            "lsoa_code": draw(maybe(st.sampled_from(["E01000001", "E01000002"]))),
            "imd_decile": draw(maybe(st.integers(1, 10))),
            "date_of_death": draw(st.one_of(st.none(), st.none(), dates)),
            "postcode_district": draw(maybe(st.sampled_from(["LS1", "M1"]))),
            "registered_practice_code": draw(maybe(st.sampled_from(PRACTICES))),
        }
        for pid in ids
    ]
    events = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "patient_id": owners,
                    "event_date": dates,
                    "snomed_code": st.sampled_from(SNOMED_POOL),
                    "numeric_value": maybe(halves),
                }
            ),
            max_size=8,
        )
    )
    medications = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "patient_id": owners,
                    "issue_date": dates,
                    "dmd_code": st.sampled_from(DMD_POOL),
                    "quantity": maybe(halves),
                }
            ),
            max_size=6,
        )
    )
    registrations = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(dates)
        length = draw(maybe(st.sampled_from([0, 1, 30, 365, 3000])))
        registrations.append(
            {
                "patient_id": draw(owners),
                "practice_code": draw(st.sampled_from(PRACTICES)),
                "start_date": start,
                "end_date": None if length is None else start + dt.timedelta(length),
            }
        )
    memberships = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(dates)
        length = draw(maybe(st.sampled_from([0, 1, 365, 3000])))
        memberships.append(
            {
                "child_code": draw(st.sampled_from(PRACTICES)),
                "parent_code": draw(st.sampled_from(PCNS)),
                "relationship": draw(
                    st.sampled_from(["practice_in_pcn", "care_home_aligned_to_pcn"])
                ),
                "valid_from": start,
                "valid_to": None if length is None else start + dt.timedelta(length),
            }
        )
    return {
        "patients": patients,
        "clinical_events": events,
        "medications_issued": medications,
        "registrations": registrations,
        "org_memberships": memberships,
    }


# ---- queries: the validation rules applied backwards ------------------------------------

PATIENTS = m.SelectPatientTable("patients")
BOOL, INT, FLOAT, STR, DATE = m.BOOL, m.INT, m.FLOAT, m.STR, m.DATE
ORDERED = (INT, FLOAT, STR, DATE)  # may be sorted, compared with < and taken min / max of
PLAIN = (BOOL, INT, FLOAT, STR, DATE)


def columns_of(frame: m.Frame, kind: m.SeriesType) -> list[str]:
    return [name for name, t in frame.spec.columns.items() if t == kind]


@dataclass
class QueryBuilder:
    draw: Any

    def one(self, items):
        """One of the items, drawn by position. Not `sampled_from`: Hypothesis labels that by
        hashing its items, and functions and query nodes hash differently from run to run,
        which made the derandomized examples differ between runs."""
        items = tuple(items)
        return items[self.draw(st.integers(0, len(items) - 1))]

    def pick(self, options: list):
        """One of the ways to build something: the first is the simplest (Hypothesis shrinks
        towards it)."""
        return self.one(options)()

    # values --------------------------------------------------------------------------------

    def value(self, kind: m.SeriesType) -> m.Series:
        strategies = {
            BOOL: st.sampled_from([True, False]),
            INT: st.one_of(st.integers(-3, 12), st.sampled_from([18, 65, 80, 2000, 2024])),
            FLOAT: halves,
            STR: st.sampled_from(TEXTS),
            DATE: st.one_of(st.sampled_from(INDEX_DATES), dates),
        }
        if kind not in strategies:  # a code: only missing can be written as a code value
            return m.Value(None, kind)
        return m.Value(self.draw(st.one_of(strategies[kind], st.just(None))), kind)

    def fixed_date(self) -> m.Series:
        """A date that reads no table (an organisation is looked up on such a date)."""
        return self.pick(
            [
                lambda: m.IndexDate(),
                lambda: m.Value(self.draw(dates), DATE),
                lambda: m.Binary("add_months", m.IndexDate(), m.Value(self.months(), INT)),
            ]
        )

    def days(self) -> int:
        return self.draw(
            st.one_of(st.sampled_from([0, 1, -1, 28, 29, -365, 366]), st.integers(-1000, 1000))
        )

    def months(self) -> int:
        return self.draw(
            st.one_of(st.sampled_from([-6, -12, 1, 12, -1, 6, 24]), st.integers(-120, 120))
        )

    # any series of a type, one value per patient or (given a frame) per row ---------------

    def series(self, kind: m.SeriesType, frame: m.Frame | None, depth: int) -> m.Series:
        options = [lambda: self.leaf(kind, frame)]
        if depth > 0:
            options += self.operations(kind, frame, depth - 1)
            options += self.patient_values(kind, depth - 1)
            if frame is not None and (kind.name != "code" or columns_of(frame, kind)):
                options.append(lambda: self.row_series(kind, frame, depth - 1))
        return self.pick(options)

    def leaf(self, kind: m.SeriesType, frame: m.Frame | None) -> m.Series:
        options = [lambda: self.value(kind)]
        for name in columns_of(PATIENTS, kind):
            options.append(lambda name=name: m.Column(PATIENTS, name))
        if kind == DATE:
            options.append(lambda: m.IndexDate())
        if frame is not None and columns_of(frame, kind):
            options.append(
                lambda: m.Column(
                    self.one(frame.ancestors()),
                    self.one(columns_of(frame, kind)),
                )
            )
        return self.pick(options)

    def operations(self, kind: m.SeriesType, frame: m.Frame | None, d: int) -> list:
        """Operations that give `kind`, on series of the same frame (or of none)."""

        def s(k: m.SeriesType) -> m.Series:
            return self.series(k, frame, d)

        def numeric() -> m.SeriesType:
            return self.one([INT, FLOAT])

        found: list = []
        if kind != BOOL and kind.name != "code":
            found.append(lambda: m.Case(self.cases(kind, frame, d), self.default(kind, frame, d)))
        if kind.name == "code":
            found.append(lambda: m.Binary("coalesce", s(kind), self.value(STR)))
        else:
            either = (lambda: s(numeric())) if kind == FLOAT else (lambda: s(kind))
            found.append(lambda: m.Binary("coalesce", either(), either()))
        if kind == BOOL:
            found += [
                lambda: m.Unary("not", s(BOOL)),
                lambda: m.Unary("is_null", s(self.one([*PLAIN, SNOMED]))),
                lambda: m.Binary(self.one(m.LOGICAL), s(BOOL), s(BOOL)),
                lambda: self.comparison(frame, d),
                lambda: m.IsIn.of_codelist(s(SNOMED), self.one([FRAILTY, LONG])),
                lambda: m.IsIn.of_codelist(s(DMD), STATINS),
                lambda: m.IsIn(
                    s(STR),
                    frozenset(self.draw(st.sets(st.sampled_from(TEXTS), min_size=1))),
                    "values",
                    "-",
                ),
            ]
        elif kind == INT:
            found += [
                lambda: m.Unary(self.one(["year", "month"]), s(DATE)),
                lambda: m.Binary(self.one(["days_between", "years_between"]), s(DATE), s(DATE)),
                lambda: m.Unary("as_int", s(self.one([BOOL, INT, FLOAT]))),
                lambda: m.Binary(self.one(["add", "sub"]), s(INT), s(INT)),
                lambda: m.Binary("mul", s(INT), m.Value(self.draw(st.integers(-3, 3)), INT)),
                lambda: m.Unary("negate", s(INT)),
            ]
        elif kind == FLOAT:
            found += [
                lambda: m.Unary("as_float", s(self.one([BOOL, INT, FLOAT]))),
                lambda: self.arithmetic(s(FLOAT), s(numeric())),
                lambda: m.Binary("mul", s(numeric()), m.Value(self.draw(halves), FLOAT)),
                lambda: m.Unary("negate", s(FLOAT)),
                lambda: m.Binary("div", s(numeric()), self.divisor()),
            ]
        elif kind == DATE:
            found += [
                lambda: m.Binary("add_days", s(DATE), m.Value(self.days(), INT)),
                lambda: m.Binary("add_months", s(DATE), m.Value(self.months(), INT)),
            ]
        return found

    def divisor(self) -> m.Series:
        """A fixed number other than 0: all that division accepts."""
        number = self.one([2, 3, -4, 7, 0.5, -1.5, 10.0])
        return m.Value(number, INT if isinstance(number, int) else FLOAT)

    def arithmetic(self, left: m.Series, right: m.Series) -> m.Series:
        op = self.one(["add", "sub"])
        return m.Binary(op, *((left, right) if self.draw(st.booleans()) else (right, left)))

    def comparison(self, frame: m.Frame | None, d: int) -> m.Series:
        kind = self.one([*PLAIN, SNOMED])
        ops = m.COMPARISONS if kind in ORDERED else ("eq", "ne")
        op = self.one(ops)
        left = self.series(kind, frame, d)
        if kind.numeric:
            right = self.series(self.one([INT, FLOAT]), frame, d)
        elif kind == SNOMED:
            right = self.pick(
                [
                    lambda: m.Value(self.one(SNOMED_POOL), STR),
                    lambda: self.series(SNOMED, frame, d),
                ]
            )
        else:
            right = self.series(kind, frame, d)
        return m.Binary(op, left, right)

    def cases(self, kind: m.SeriesType, frame: m.Frame | None, d: int) -> tuple:
        count = self.draw(st.integers(1, 2))
        outcome = [INT, FLOAT] if kind == FLOAT else [kind]
        return tuple(
            (
                self.series(BOOL, frame, d),
                self.series(self.one(outcome), frame, d),
            )
            for _ in range(count)
        )

    def default(self, kind: m.SeriesType, frame: m.Frame | None, d: int) -> m.Series | None:
        return self.pick([lambda: None, lambda: self.series(kind, frame, d)])

    # one value per patient, from the event tables ----------------------------------------

    def patient_values(self, kind: m.SeriesType, d: int) -> list:
        """Values per patient that read event tables: usable anywhere, also inside the
        conditions of other frames."""
        found: list = []
        tables_with = [t for t in EVENT_TABLES if columns_of(m.SelectTable(t), kind)]
        if tables_with:
            found.append(lambda: self.picked_column(kind, d, tables_with))
        if kind in ORDERED:
            found.append(lambda: self.aggregate(self.one(["min", "max"]), kind, d))
        if kind == BOOL:
            found += [
                lambda: m.AggregateByPatient("exists", self.frame(self.event_table(), d)),
                lambda: L.registered_on(L.SeriesExpr(self.series(DATE, None, d))).node,
            ]
        elif kind == INT:
            found += [
                lambda: m.AggregateByPatient("count", self.frame(self.event_table(), d)),
                lambda: self.aggregate("count_distinct", self.one([*PLAIN, SNOMED, DMD]), d),
                lambda: self.aggregate("sum", INT, d),
                lambda: L.patients.age_on(L.SeriesExpr(self.series(DATE, None, d))).node,
            ]
        elif kind == FLOAT:
            found.append(lambda: self.aggregate("sum", FLOAT, d))
        elif kind == STR:
            found += [
                lambda: m.Column(self.registration(d).node, "practice_code"),
                lambda: m.ParentOrganisation(
                    self.series(STR, None, d),
                    self.one(["practice_in_pcn", "care_home_aligned_to_pcn"]),
                    self.fixed_date(),
                ),
            ]
        return found

    def event_table(self, kind: m.SeriesType | None = None) -> str:
        if kind == SNOMED:
            return "clinical_events"
        if kind == DMD:
            return "medications_issued"
        return self.one(EVENT_TABLES)

    def registration(self, d: int) -> L.FrameExpr:
        return L.practice_registration_on(L.SeriesExpr(self.series(DATE, None, d)))

    def aggregate(self, op: str, kind: m.SeriesType, d: int) -> m.Series:
        frame = self.frame(self.event_table(kind), d)
        return m.AggregateByPatient(op, self.row_series(kind, frame, d))

    def picked_column(self, kind: m.SeriesType, d: int, tables: list[str]) -> m.Series:
        table = self.one(tables)
        frame = self.frame(table, d)
        keys = [self.sort_key(frame, d) for _ in range(self.draw(st.integers(1, 2)))]
        position = self.one(["first", "last"])
        chosen = m.PickOneRowPerPatient(m.Sort(frame, tuple(keys)), position)
        return m.Column(chosen, self.one(columns_of(chosen, kind)))

    def sort_key(self, frame: m.Frame, d: int) -> m.Series:
        return self.pick(
            [
                lambda: m.Column(frame, frame.spec.date_column),
                lambda: self.row_series(self.one(ORDERED), frame, d),
                lambda: self.series(self.one(ORDERED), frame, d),
            ]
        )

    # frames and series over their rows ----------------------------------------------------

    def frame(self, table: str, d: int) -> m.Frame:
        frame: m.Frame = m.SelectTable(table)
        for _ in range(self.draw(st.integers(0, 2))):
            frame = self.filtered(frame, d)
        return frame

    def filtered(self, frame: m.Frame, d: int) -> m.Frame:
        rows = L.EventFrameExpr(frame)
        options = [
            lambda: m.Filter(frame, self.row_series(BOOL, frame, d)),
            lambda: m.Filter(frame, self.row_series(BOOL, frame, d + 1)),
            lambda: m.Filter(frame, m.Unary("not", self.exists_between(frame, d))),
            lambda: rows.on_or_between(self.series(DATE, None, d), self.series(DATE, None, d)).node,
            lambda: rows.on_or_before(self.series(DATE, None, d)).node,
            lambda: m.Filter(frame, self.series(BOOL, frame, d)),
            lambda: rows.except_where(self.series(BOOL, frame, d)).node,
        ]
        if frame.spec.code_column:
            codelists = CODELISTS[frame.spec.name]
            options.append(lambda: rows.coded(self.one(codelists)).node)
        if frame.spec.has_period:
            options.append(lambda: rows.active_on(self.series(DATE, None, d)).node)
        return self.pick(options)

    def row_series(self, kind: m.SeriesType, frame: m.Frame, d: int) -> m.Series:
        """A series over the rows of exactly `frame`: it reads one of its columns."""
        own = columns_of(frame, kind)
        options = [lambda: m.Column(frame, self.one(own))] if own else []
        if d > 0:
            options += self.row_operations(kind, frame, d - 1)
        elif not own:
            options += self.smallest_row_series(kind, frame)
        return self.pick(options)

    def smallest_row_series(self, kind: m.SeriesType, frame: m.Frame) -> list:
        """Ways to read a row that end the recursion (for types no column of the table has)."""
        when = m.Column(frame, frame.spec.date_column)
        year = m.Unary("year", when)
        if kind == BOOL:
            return [
                lambda: m.Binary(self.one(m.COMPARISONS), when, self.leaf(DATE, None)),
                lambda: m.Unary("is_null", m.Column(frame, self.one(list(frame.spec.columns)))),
            ]
        if kind == INT:
            return [
                lambda: m.Unary(self.one(["year", "month"]), when),
                lambda: m.Binary("days_between", when, self.leaf(DATE, None)),
            ]
        assert kind == FLOAT, kind
        return [lambda: m.Unary("as_float", year)]

    def row_operations(self, kind: m.SeriesType, frame: m.Frame, d: int) -> list:
        def r(k: m.SeriesType) -> m.Series:
            return self.row_series(k, frame, d)

        def s(k: m.SeriesType) -> m.Series:
            return self.series(k, frame, d)

        def either(op: str, left: m.Series, right: m.Series) -> m.Series:
            return m.Binary(op, *((left, right) if self.draw(st.booleans()) else (right, left)))

        date_column = m.Column(frame, frame.spec.date_column)
        found: list = []
        if kind == DATE:
            found += [
                lambda: m.Binary("add_days", r(DATE), m.Value(self.days(), INT)),
                lambda: m.Binary("add_months", r(DATE), m.Value(self.months(), INT)),
            ]
        elif kind == BOOL:
            found += [
                lambda: either(self.one(m.COMPARISONS), date_column, s(DATE)),
                lambda: m.Unary("is_null", r(self.one(PLAIN))),
                lambda: m.Unary("not", r(BOOL)),
                lambda: either(self.one(m.LOGICAL), r(BOOL), s(BOOL)),
                lambda: self.row_comparison(frame, d),
                lambda: self.exists_between(frame, d),
            ]
            if frame.spec.code_column:
                codelists = CODELISTS[frame.spec.name]
                found.append(
                    lambda: m.IsIn.of_codelist(
                        m.Column(frame, frame.spec.code_column),
                        self.one(codelists),
                    )
                )
        elif kind == INT:
            found += [
                lambda: m.Unary(self.one(["year", "month"]), r(DATE)),
                lambda: either(self.one(["days_between", "years_between"]), r(DATE), s(DATE)),
                lambda: m.Unary("as_int", r(self.one([BOOL, FLOAT]))),
                lambda: either(self.one(["add", "sub"]), r(INT), s(INT)),
                lambda: m.Binary("mul", r(INT), m.Value(self.draw(st.integers(-3, 3)), INT)),
                lambda: m.Unary("negate", r(INT)),
            ]
        elif kind == FLOAT:
            found += [
                lambda: m.Unary("as_float", r(self.one([BOOL, INT]))),
                lambda: self.arithmetic(r(FLOAT), s(self.one([INT, FLOAT]))),
                lambda: m.Binary("mul", r(FLOAT), m.Value(self.draw(halves), FLOAT)),
                lambda: m.Unary("negate", r(FLOAT)),
                lambda: m.Binary("div", r(self.one([INT, FLOAT])), self.divisor()),
            ]
        if kind in (INT, FLOAT, STR, DATE):
            found += [
                lambda: m.Case(((r(BOOL), s(kind)),), self.default(kind, frame, d)),
                lambda: m.Binary("coalesce", r(kind), s(kind)),
            ]
        if kind.name == "code":
            found.append(lambda: m.Binary("coalesce", r(kind), self.value(STR)))
        return found

    def exists_between(self, frame: m.Frame, d: int) -> m.Series:
        """Whether another frame has a row in a window that moves with each row."""
        start, end = self.row_series(DATE, frame, d), self.series(DATE, frame, d)
        if self.draw(st.booleans()):
            start, end = end, start
        return m.ExistsBetween(self.frame(self.event_table(), d), start, end)

    def row_comparison(self, frame: m.Frame, d: int) -> m.Series:
        kinds = [k for k in ORDERED if k != STR or columns_of(frame, STR)]
        kind = self.one(kinds)
        op = self.one(m.COMPARISONS)
        return m.Binary(op, self.row_series(kind, frame, d), self.series(kind, frame, d))


class Example:
    """A dataset, an index date and a query: shown readably when a test fails."""

    def __init__(
        self,
        tables: dict[str, list[dict[str, Any]]],
        index_date: dt.date,
        population: m.Series,
        variables: dict[str, m.Series],
    ) -> None:
        self.tables = tables
        self.index_date = index_date
        self.population = population
        self.variables = variables

    def __repr__(self) -> str:
        lines = [f"index_date = {self.index_date}"]
        for name, rows in self.tables.items():
            lines.append(f"{name}:")
            lines += [f"    {tuple(row.get(c) for c, _ in COLUMNS[name])}" for row in rows]
        lines.append(describe(self.population, self.variables))
        return "\n".join(lines)


@st.composite
def examples(draw, depth: int = 2, most_variables: int = 4) -> Example:
    build = QueryBuilder(draw)
    population = build.pick(
        [
            lambda: m.Value(True, BOOL),
            lambda: build.series(BOOL, None, depth),
            lambda: L.registered_on(L.index_date).node,
        ]
    )
    variables = {}
    for i in range(draw(st.integers(1, most_variables))):
        kind = build.one([*PLAIN, SNOMED, DMD])
        variables[f"v{i}"] = build.series(kind, None, depth)
    return Example(draw(datasets()), draw(st.sampled_from(INDEX_DATES)), population, variables)


# ---- a readable query, for failure messages ---------------------------------------------

SYMBOLS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "and": "&"}
SYMBOLS |= {"or": "|", "add": "+", "sub": "-", "mul": "*"}


def describe(population: m.Series, variables: dict[str, m.Series]) -> str:
    frames: dict[m.Frame, str] = {}
    lines: list[str] = []

    def frame(node: m.Frame) -> str:
        if isinstance(node, m.SelectTable | m.SelectPatientTable):
            return node.name
        if node not in frames:
            if isinstance(node, m.Filter):
                text = f"{frame(node.source)}.where({series(node.condition)})"
            elif isinstance(node, m.Sort):
                text = f"{frame(node.source)}.sort_by({', '.join(map(series, node.keys))})"
            else:
                assert isinstance(node, m.PickOneRowPerPatient)
                text = f"{frame(node.source)}.{node.position}_for_patient()"
            frames[node] = f"F{len(frames) + 1}"
            lines.append(f"{frames[node]} = {text}")
        return frames[node]

    def series(node: Any) -> str:
        if isinstance(node, m.Value):
            return repr(node.value)
        if isinstance(node, m.IndexDate):
            return "index_date"
        if isinstance(node, m.Column):
            return f"{frame(node.source)}.{node.name}"
        if isinstance(node, m.Unary):
            return f"{node.op}({series(node.operand)})"
        if isinstance(node, m.Binary) and node.op in SYMBOLS:
            return f"({series(node.left)} {SYMBOLS[node.op]} {series(node.right)})"
        if isinstance(node, m.Binary):
            return f"{node.op}({series(node.left)}, {series(node.right)})"
        if isinstance(node, m.IsIn):
            values = node.codelist_id if node.codelist_id != "values" else sorted(node.values)
            return f"{series(node.series)}.is_in({values})"
        if isinstance(node, m.Case):
            branches = ", ".join(f"when({series(c)}, {series(v)})" for c, v in node.cases)
            default = "" if node.default is None else f", otherwise={series(node.default)}"
            return f"case({branches}{default})"
        if isinstance(node, m.AggregateByPatient):
            inner = frame(node.source) if isinstance(node.source, m.Frame) else series(node.source)
            return f"{node.op}({inner})"
        if isinstance(node, m.ExistsBetween):
            return f"{frame(node.other)}.exists_between({series(node.start)}, {series(node.end)})"
        if isinstance(node, m.ParentOrganisation):
            return (
                f"parent_organisation({series(node.child)}, {node.relationship!r}, "
                f"{series(node.on)})"
            )
        return repr(node)  # pragma: no cover

    outputs = [f"population = {series(population)}"]
    outputs += [f"{name} = {series(node)}" for name, node in variables.items()]
    return "\n".join([*lines, *outputs])


# ---- engines ----------------------------------------------------------------------------


def arrow_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema([(column, ARROW[kind]) for column, kind in COLUMNS[name]])
    return pa.Table.from_pylist(
        [{c: row.get(c) for c, _ in COLUMNS[name]} for row in rows], schema=schema
    )


class DuckDBTarget:
    """In memory; each example's tables are Arrow tables registered under the tables' names."""

    name = "duckdb"

    def __init__(self) -> None:
        self.engine = open_duckdb(":memory:")
        self._tables: dict[str, Any] = {}

    def load(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        for name in TABLES:
            self.engine.backend.con.register(name, arrow_table(name, tables[name]))

    def table(self, name: str):
        if name not in self._tables:  # same name, same schema: read the schema once
            self._tables[name] = self.engine.table(name)
        return self._tables[name]


class PostgresTarget:
    """One schema of its own, made once; each example truncates and refills its tables."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.schema = PostgresSchema(url, "cohorts")
        self.engine = open_postgresql(url)

    def load(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        self.schema.fill(tables, TABLES)

    @functools.cache  # noqa: B019 - one per module, and the schema never changes
    def table(self, name: str):
        return self.engine.backend.table(name, database=self.schema.name)

    def close(self) -> None:
        self.engine.close()
        self.schema.drop()


class SparkTarget:
    name = "spark"

    def __init__(self, session) -> None:
        from pyspark.sql import types as T

        self.session = session
        self.backend = ibis.pyspark.connect(session)
        kinds = {"text": T.StringType(), "integer": T.LongType(), "decimal": T.DoubleType()}
        kinds |= {"date": T.DateType(), "boolean": T.BooleanType()}
        self.schemas = {
            name: T.StructType([T.StructField(c, kinds[k], True) for c, k in COLUMNS[name]])
            for name in TABLES
        }

    def load(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        for name in TABLES:
            rows = [tuple(row.get(c) for c, _ in COLUMNS[name]) for row in tables[name]]
            frame = self.session.createDataFrame(rows, self.schemas[name])
            frame.createOrReplaceTempView(name)

    def table(self, name: str):
        return self.backend.table(name)


def run(target, example: Example) -> list[dict[str, Any]]:
    compiler = IbisCompiler(target.table, example.index_date)
    expression = compiler.cohort(example.population, example.variables)
    rows = expression.to_pyarrow().to_pylist()
    return sorted(rows, key=lambda row: row["patient_id"])


def reference(example: Example) -> list[dict[str, Any]]:
    engine = InMemoryEngine(example.tables)
    return engine.cohort(example.population, example.variables, example.index_date)


def normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def same(a: Any, b: Any) -> bool:
    a, b = normalise(a), normalise(b)
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


def differences(expected: list[dict], found: list[dict]) -> list[str]:
    want = {row["patient_id"]: row for row in expected}
    got = {row["patient_id"]: row for row in found}
    problems = []
    if list(want) != list(got):
        problems.append(f"patients: expected {list(want)}, found {list(got)}")
    for patient in want.keys() & got.keys():
        for name, value in want[patient].items():
            if name not in got[patient]:
                problems.append(f"{patient}.{name}: missing")
            elif not same(value, got[patient][name]):
                problems.append(
                    f"{patient}.{name}: expected {value!r}, found {got[patient][name]!r}"
                )
    return problems


def run_together(target, example: Example) -> dict[str, list[dict[str, Any]]]:
    """The example's cohort and its complement (patients whose population value is false)
    from one stored patient table, as a library run makes them."""
    compiler = IbisCompiler(target.table, example.index_date)
    wanted = {
        "in": (example.population, example.variables),
        "out": (m.Unary("not", example.population), example.variables),
    }
    stored = []

    def keep(table):
        stored.append(cached(getattr(target, "backend", None) or target.engine.backend, table))
        return stored[-1]

    try:
        tables = compiler.cohorts(wanted, keep)
        found = {name: table.to_pyarrow().to_pylist() for name, table in tables.items()}
    finally:
        for table in stored:
            table.release()
    return {k: sorted(rows, key=lambda row: row["patient_id"]) for k, rows in found.items()}


def check_agreement(example: Example, targets, together: bool = True) -> list[dict[str, Any]]:
    expected = reference(example)
    outside = InMemoryEngine(example.tables).cohort(
        m.Unary("not", example.population), example.variables, example.index_date
    )
    problems = []
    for target in targets:
        target.load(example.tables)
        problems += [f"{target.name}: {p}" for p in differences(expected, run(target, example))]
        if together:
            found = run_together(target, example)
            problems += [
                f"{target.name} (together): {p}"
                for want, got in ((expected, found["in"]), (outside, found["out"]))
                for p in differences(want, got)
            ]
    assert not problems, "\n".join(problems)
    return expected


def check_explained_rows(example: Example, target) -> None:
    """The rows behind an aggregation, for one patient, as the reference lists them are the
    rows the compiler's `frame_rows` (what `explain` shows) finds, on a loaded engine."""
    aggregates = [
        node
        for series in (example.population, *example.variables.values())
        for node in m.walk(series)
        if isinstance(node, m.AggregateByPatient)
    ]
    engine = InMemoryEngine(example.tables)
    compiler = IbisCompiler(target.table, example.index_date)
    for aggregate in aggregates[:2]:
        columns = [c for c, _ in COLUMNS[aggregate.over.spec.name]]
        for patient in engine.patient_ids()[:2]:
            expected = engine.rows(aggregate, patient, example.index_date)
            found = compiler.frame_rows(aggregate.over, patient).to_pyarrow().to_pylist()
            assert in_order(found, columns) == in_order(expected, columns), patient


def in_order(rows: list[dict[str, Any]], columns: list[str]) -> list[tuple]:
    return sorted(
        (tuple(row.get(c) for c in columns) for row in rows),
        key=lambda values: [(v is not None, v) for v in values],
    )


@pytest.fixture(scope="module")
def duckdb_target():
    target = DuckDBTarget()
    yield target
    target.engine.close()


@pytest.fixture(scope="module")
def postgres_target(postgres_url):
    target = PostgresTarget(postgres_url)
    yield target
    target.close()


GENERATED = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@GENERATED
@given(example=examples())
def test_duckdb_and_postgresql_agree_with_the_reference(example, duckdb_target, postgres_target):
    check_agreement(example, [postgres_target, duckdb_target])
    check_explained_rows(example, duckdb_target)


@pytest.fixture(scope="module")
def spark_target(spark):
    return SparkTarget(spark)


@pytest.mark.spark
@settings(GENERATED, max_examples=12)
@given(example=examples())
def test_spark_agrees_with_the_reference(example, spark_target):
    check_agreement(example, [spark_target])


@pytest.mark.spark
def test_spark_runs_a_fixed_cohort(spark_target):
    ce, meds = L.clinical_events, L.medications_issued
    recent = ce.coded(FRAILTY).on_or_between(L.index_date - L.months(12), L.index_date)
    last = ce.sort_by(ce.event_date).last_for_patient()
    population = L.registered_on(L.index_date) & (L.patients.age_on(L.index_date) >= 18)
    variables = {
        "age": L.patients.age_on(L.index_date),
        "frail": recent.exists_for_patient(),
        "medicines": meds.on_or_between(
            L.index_date - L.months(6), L.index_date
        ).dmd_code.count_distinct_for_patient(),
        "last_code": last.snomed_code,
        "practice": L.practice_registration_on(L.index_date).practice_code,
        "after_65": ce.where(
            ce.event_date >= L.patients.birth_month + L.years(65)
        ).count_for_patient(),
        "mean_quantity": meds.quantity.sum_for_patient() / 2,
    }
    event = {"patient_id": "p1", "event_date": D(2024, 1, 1), "snomed_code": "925861000000102"}
    tables = dataset(
        patients=[patient("p1", D(1950, 3, 1)), patient("p2", D(2000, 1, 1)),
                  patient("p3", D(1940, 12, 1), date_of_death=D(2023, 1, 1))],
        clinical_events=[
            event,
            event | {"event_date": D(2020, 1, 1), "snomed_code": "22298006", "numeric_value": 1.0},
            event | {"patient_id": "p2", "event_date": D(2024, 2, 1)},
            event | {"patient_id": "p3", "event_date": D(2022, 1, 1)},
        ],
        medications_issued=[
            {"patient_id": "p1", "issue_date": D(2024, 1, 1), "dmd_code": code, "quantity": q}
            for code, q in [("319740004", 1.0), ("318135008", 2.0), ("319740004", 3.0)]
        ],
        registrations=[
            {"patient_id": p, "practice_code": code, "start_date": D(2000, 1, 1), "end_date": end}
            for p, code, end in [("p1", "A81001", None), ("p2", "B82003", D(2023, 1, 1)),
                                 ("p3", "A81001", None)]
        ],
    )  # fmt: skip
    example = Example(
        tables, STUDY_DATE, population.node, {n: v.node for n, v in variables.items()}
    )
    assert check_agreement(example, [spark_target]) == [
        {"patient_id": "p1", "age": 74, "frail": True, "medicines": 2,
         "last_code": "925861000000102", "practice": "A81001", "after_65": 2,
         "mean_quantity": 3.0},
        {"patient_id": "p3", "age": 83, "frail": False, "medicines": 0,
         "last_code": "925861000000102", "practice": "A81001", "after_65": 1,
         "mean_quantity": None},
    ]  # fmt: skip


# ---- edge cases, by hand ----------------------------------------------------------------


def dataset(**tables: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {name: tables.get(name, []) for name in TABLES}


BORN = D(1950, 1, 1)
STUDY_DATE = D(2024, 3, 31)


def patient(pid: str, birth_month: dt.date = BORN, **more: Any) -> dict[str, Any]:
    return {"patient_id": pid, "birth_month": birth_month, "sex": "female", **more}


@pytest.fixture
def engines(duckdb_target, postgres_target):
    def results(tables, variables, index_date=STUDY_DATE, population=None):
        nodes = {n: v.node for n, v in variables.items()}
        example = Example(tables, index_date, population or m.Value(True, BOOL), nodes)
        return check_agreement(example, [duckdb_target, postgres_target])

    return results


def test_six_months_before_the_31st_of_march_is_the_1st_of_october(engines):
    events = [{"patient_id": "p1", "event_date": D(2024, 3, 31), "snomed_code": "38341003"}]
    last = L.clinical_events.sort_by(L.clinical_events.event_date).last_for_patient()
    found = engines(
        dataset(patients=[patient("p1")], clinical_events=events),
        {"by_column": last.event_date - L.months(6), "by_index_date": L.index_date - L.months(6)},
    )
    assert found == [
        {"patient_id": "p1", "by_column": D(2023, 10, 1), "by_index_date": D(2023, 10, 1)}
    ]


@pytest.mark.parametrize(("index_date", "age"), [(D(2024, 2, 29), 73), (D(2024, 3, 1), 74)])
def test_age_changes_on_the_first_of_the_birth_month(engines, index_date, age):
    found = engines(
        dataset(patients=[patient("p1", D(1950, 3, 1))]),
        {"age": L.patients.age_on(L.index_date)},
        index_date,
    )
    assert found == [{"patient_id": "p1", "age": age}]


def test_overlapping_registrations_latest_start_then_latest_end_then_highest_practice(engines):
    def registration(pid, practice, start, end=None):
        return {"patient_id": pid, "practice_code": practice, "start_date": start, "end_date": end}

    registrations = [
        registration("p1", "A81001", D(2010, 1, 1)),  # open, but started earlier
        registration("p1", "B82003", D(2015, 1, 1), D(2030, 1, 1)),  # ends before open ones
        registration("p1", "A81002", D(2015, 1, 1)),
        registration("p1", "A81001", D(2015, 1, 1)),  # same start and end: highest code wins
        registration("p2", "B82003", D(2015, 1, 1), D(2025, 1, 1)),
        registration("p2", "A81001", D(2015, 1, 1), D(2026, 1, 1)),  # latest end
        registration("p3", "A81001", D(2020, 1, 1), D(2024, 3, 30)),  # ended the day before
        registration("p3", "A81002", D(2024, 3, 31), D(2024, 3, 31)),  # one day, inclusive
    ]
    found = engines(
        dataset(
            patients=[patient(p) for p in ("p1", "p2", "p3", "p4")], registrations=registrations
        ),
        {
            "practice": L.practice_registration_on(L.index_date).practice_code,
            "registered": L.registered_on(L.index_date),
        },
    )
    assert [(r["practice"], r["registered"]) for r in found] == [
        ("A81002", True),
        ("A81001", True),
        ("A81002", True),
        (None, False),
    ]


def test_aggregations_of_no_rows(engines):
    medications = [{"patient_id": "p1", "issue_date": D(2024, 1, 1), "dmd_code": "319740004"}]
    meds = L.medications_issued
    found = engines(
        dataset(patients=[patient("p1"), patient("p2")], medications_issued=medications),
        {
            "distinct": meds.dmd_code.count_distinct_for_patient(),
            "count": meds.count_for_patient(),
            "exists": meds.exists_for_patient(),
            "total": meds.quantity.sum_for_patient(),
            "earliest": meds.issue_date.minimum_for_patient(),
        },
    )
    assert found == [
        {
            "patient_id": "p1",
            "distinct": 1,
            "count": 1,
            "exists": True,
            "total": None,
            "earliest": D(2024, 1, 1),
        },
        {
            "patient_id": "p2",
            "distinct": 0,
            "count": 0,
            "exists": False,
            "total": None,
            "earliest": None,
        },
    ]


def test_parent_organisation_latest_start_then_highest_parent(engines):
    def link(child, parent, start, end=None, relationship="practice_in_pcn"):
        return {
            "child_code": child,
            "parent_code": parent,
            "relationship": relationship,
            "valid_from": start,
            "valid_to": end,
        }

    memberships = [
        link("A81001", "U00003", D(2019, 1, 1)),
        link("A81001", "U00001", D(2023, 4, 1)),
        link("A81001", "U00002", D(2023, 4, 1)),  # same start: highest parent wins
        link("A81002", "U00001", D(2019, 1, 1), D(2024, 3, 31)),  # valid to, inclusive
        link("A81002", "U00003", D(2024, 4, 1)),  # not yet
        link("B82003", "U00001", D(2019, 1, 1), relationship="care_home_aligned_to_pcn"),
    ]
    patients = [
        patient(p, registered_practice_code=code)
        for p, code in [("p1", "A81001"), ("p2", "A81002"), ("p3", "B82003"), ("p4", None)]
    ]
    found = engines(
        dataset(patients=patients, org_memberships=memberships),
        {
            "pcn": L.parent_organisation(
                L.patients.registered_practice_code, "practice_in_pcn", L.index_date
            )
        },
    )
    assert [r["pcn"] for r in found] == ["U00002", "U00001", None, None]


def test_as_int_goes_towards_zero_and_missing_stays_missing(engines):
    values = [3.5, -3.5, 2.5, None]
    events = [
        {"patient_id": f"p{i}", "event_date": D(2024, 1, 1), "snomed_code": "38341003"}
        | {"numeric_value": value}
        for i, value in enumerate(values)
    ]
    first = L.clinical_events.sort_by(L.clinical_events.event_date).first_for_patient()
    deprived = L.patients.imd_decile <= 3
    found = engines(
        dataset(
            patients=[patient(f"p{i}", imd_decile=d) for i, d in enumerate([1, 9, None, 3])],
            clinical_events=events,
        ),
        {
            "whole": first.numeric_value.as_int(),
            "flag": deprived.as_int(),
            "share": deprived.as_float(),
            "half": L.value(0.5),
        },
    )
    assert [(r["whole"], r["flag"], r["share"], r["half"]) for r in found] == [
        (3, 1, 1.0, 0.5), (-3, 0, 0.0, 0.5), (2, None, None, 0.5), (None, 1, 1.0, 0.5),
    ]  # fmt: skip


def test_a_missing_whole_number_replaced_by_a_fraction_is_a_fraction(engines):
    never = L.case(L.when(L.index_date > D(2100, 1, 1), 1))  # worked out in Python
    found = engines(
        dataset(patients=[patient("p1"), patient("p2", imd_decile=3)]),
        {
            "fixed": never.when_null_then(2.5),
            "column": L.patients.imd_decile.when_null_then(2.5),
        },
    )
    assert [(r["fixed"], r["column"]) for r in found] == [(2.5, 2.5), (2.5, 3.0)]


def test_one_value_per_patient_inside_an_event_filter(engines):
    ce, meds = L.clinical_events, L.medications_issued
    events = [
        {"patient_id": p, "event_date": D(2024, 1, d), "snomed_code": "38341003"}
        for p, d in [("p1", 1), ("p1", 2), ("p2", 1)]
    ]
    medications = [{"patient_id": "p1", "issue_date": D(2024, 1, 1), "dmd_code": "319740004"}]
    found = engines(
        dataset(
            patients=[patient("p1"), patient("p2")],
            clinical_events=events,
            medications_issued=medications,
        ),
        {
            "on_medication": ce.where(meds.exists_for_patient()).count_for_patient(),
            "not_on_medication": ce.where(~meds.exists_for_patient()).count_for_patient(),
            "same_day": ce.where(
                meds.exists_between(ce.event_date, ce.event_date)
            ).count_for_patient(),
            "not_same_day": ce.where(
                ~meds.exists_between(ce.event_date, ce.event_date)
            ).count_for_patient(),
        },
    )
    assert [tuple(r.values())[1:] for r in found] == [(2, 0, 1, 1), (0, 1, 0, 1)]


def test_a_dmd_codelist_against_the_snomed_ct_column_fails_when_built():
    with pytest.raises(m.QueryError, match=r"dm\+d .* SNOMED CT"):
        L.clinical_events.coded(STATINS)
    with pytest.raises(m.QueryError):
        L.medications_issued.coded(FRAILTY)


def test_the_reference_explains_one_patient():
    tables = dataset(
        patients=[patient("p1", D(1950, 3, 1))],
        clinical_events=[
            {"patient_id": "p1", "event_date": D(2024, 1, 1), "snomed_code": "22298006"},
            {"patient_id": "p1", "event_date": D(2020, 1, 1), "snomed_code": "22298006"},
            {"patient_id": "p1", "event_date": D(2024, 2, 1), "snomed_code": "38341003"},
        ],
    )
    frail = L.clinical_events.coded(FRAILTY).on_or_between(L.index_date - L.years(1), L.index_date)
    count = frail.count_for_patient().node
    engine = InMemoryEngine(tables)
    assert engine.value(count, "p1", D(2024, 3, 31)) == 1
    assert engine.rows(count, "p1", D(2024, 3, 31)) == [
        {"patient_id": "p1", "event_date": D(2024, 1, 1), "snomed_code": "22298006"}
    ]
    assert engine.value(L.patients.age_on(L.index_date).node, "p1", D(2024, 3, 31)) == 74

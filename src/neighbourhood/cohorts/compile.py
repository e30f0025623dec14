"""One compiler, several engines: query-model nodes to an Ibis expression.

Ibis turns the expression into each engine's SQL (DuckDB, PostgreSQL, Spark). The plan:

- a value per patient is a column of one wide table, keyed by patient_id, made by left-joining
  onto `patients` one small table per *leaf*: a column of `patients`, a row picked per patient,
  an organisation looked up, or an aggregation of an event table;
- aggregations over the same event table whose conditions use only that table's own columns
  are batched into one scan (`count(...) FILTER (WHERE ...)` per aggregation, the rows first
  narrowed to those any of the conditions keeps), so 36 frailty deficits read the events once;
- a condition on event rows that uses a value per patient (a date of birth, a first
  diagnosis) joins that value onto the rows first;
- parts of an expression that depend on no table (the index date less six months) are
  worked out in Python, with the semantics of `semantics.py`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import ibis
import ibis.expr.types as ir

from neighbourhood.cohorts import model as m
from neighbourhood.cohorts import semantics

IBIS_TYPES = {"bool": "boolean", "int": "int64", "float": "float64", "str": "string"}
IBIS_TYPES |= {"date": "date", "code": "string"}

TableSource = Callable[[str], ir.Table]
INLINE_CODES = 50


def ibis_type(kind: m.SeriesType) -> str:
    return IBIS_TYPES[kind.name]


@cache
def is_constant(series: m.Series) -> bool:
    return not any(
        isinstance(n, m.Column | m.AggregateByPatient | m.ParentOrganisation | m.ExistsBetween)
        for n in m.walk(series)
    )


def constant_value(series: m.Series, index_date: dt.date) -> Any:
    """The value of a series that reads no table, worked out in Python."""
    if isinstance(series, m.Value):
        return series.value
    if isinstance(series, m.IndexDate):
        return index_date
    if isinstance(series, m.Unary):
        return semantics.unary(series.op, constant_value(series.operand, index_date))
    if isinstance(series, m.Binary):
        left = constant_value(series.left, index_date)
        return semantics.binary(series.op, left, constant_value(series.right, index_date))
    if isinstance(series, m.IsIn):
        found = constant_value(series.series, index_date)
        return None if found is None else str(found) in series.values
    if isinstance(series, m.Case):
        for condition, outcome in series.cases:
            if constant_value(condition, index_date) is True:
                return constant_value(outcome, index_date)
        return None if series.default is None else constant_value(series.default, index_date)
    raise m.QueryError(f"not a constant: {type(series).__name__}")


def _literal(value: Any, kind: m.SeriesType) -> ir.Value:
    if value is None:
        return ibis.null().cast(ibis_type(kind))
    if kind == m.FLOAT:
        # Ibis writes a float as a bare 0.5, which PostgreSQL reads as NUMERIC (a Decimal
        # comes back, and the result cannot be read as float64): cast it from text instead.
        return ibis.literal(repr(float(value))).cast("float64")
    return ibis.literal(value, type=ibis_type(kind))


def _days_in_month(year: ir.IntegerValue, month: ir.IntegerValue) -> ir.IntegerValue:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return ibis.cases(
        (month == 2, ibis.ifelse(leap, 29, 28)),
        (month.isin([4, 6, 9, 11]), 30),
        else_=31,
    )


def _add_months(date: ir.DateValue, count: int) -> ir.DateValue:
    """The rule of `dates.add_months`, with integer arithmetic every engine does alike."""
    total = date.year() * 12 + (date.month() - 1) + count
    year = (total / 12).floor().cast("int64")
    month = total - year * 12 + 1
    next_year = ibis.ifelse(month == 12, year + 1, year)
    next_month = ibis.ifelse(month == 12, 1, month + 1)
    return ibis.ifelse(
        date.day() <= _days_in_month(year, month),
        ibis.date(year, month, date.day()),
        ibis.date(next_year, next_month, 1),
    )


def _years_between(start: ir.DateValue, end: ir.DateValue) -> ir.IntegerValue:
    before = (end.month() < start.month()) | (
        (end.month() == start.month()) & (end.day() < start.day())
    )
    return end.year() - start.year() - ibis.ifelse(before, 1, 0)


def _sort_key(value: ir.Value, descending: bool) -> ir.Value:
    # Missing values sort first, on every engine: explicitly, since their defaults differ.
    return ibis.desc(value, nulls_first=False) if descending else ibis.asc(value, nulls_first=True)


@dataclass
class _Context:
    """Maps patient-level nodes already on the table being built to its column names."""

    columns: dict[m.Series, str] = field(default_factory=dict)
    # exists / count / count_distinct columns as aggregated: missing for a patient with no rows
    # (other columns, such as those `_rows` joins onto event rows, hold finished values)
    unfilled: set[m.Series] = field(default_factory=set)


class IbisCompiler:
    def __init__(self, tables: TableSource, index_date: dt.date) -> None:
        self._tables = tables
        self.index_date = index_date
        self._names = (f"v{i}" for i in itertools.count())
        self._code_tables: dict[frozenset[str], ir.Column] = {}
        self._narrowed: dict[str, ir.Table] = {}

    def _narrow(self, nodes: Iterable[m.Series]) -> None:
        """Read each event table once: the frames that need a code of some codelist read the
        rows with a code of any codelist the query uses (a small part of 30 million events),
        not the whole table, however many aggregations and comparisons read them."""
        codes: dict[str, set[str]] = {}
        frame_code_column: dict[str, str] = {}
        for frame in _frames_read(nodes):
            needed = _required_codes(frame)
            if needed is not None:
                codes.setdefault(frame.spec.name, set()).update(needed)
                frame_code_column[frame.spec.name] = frame.spec.code_column  # type: ignore[assignment]
        for name, found in codes.items():
            table = self.table(name)
            column = table[frame_code_column[name]]
            self._narrowed[name] = table.filter(column.isin(self._code_table(frozenset(found))))

    def _source_rows(self, frame: m.Frame) -> ir.Table:
        root = frame.root
        assert root is not None
        if root.name in self._narrowed and _required_codes(frame) is not None:
            return self._narrowed[root.name]
        return self.table(root.name)

    def _name(self) -> str:
        return next(self._names)

    def table(self, name: str) -> ir.Table:
        return self._tables(name)

    # ---- the result ----------------------------------------------------------------------

    def cohort(self, population: m.Series, variables: dict[str, m.Series]) -> ir.Table:
        """One row per patient in the population: patient_id and each variable."""
        self._narrow([population, *variables.values()])
        wide, context = self.patient_table([population, *variables.values()])
        return self.select(wide, context, population, variables)

    def cohorts(
        self,
        wanted: dict[str, tuple[m.Series, dict[str, m.Series]]],
        keep: Callable[[ir.Table], ir.Table] = lambda table: table,
    ) -> dict[str, ir.Table]:
        """Several cohorts from one patient table: every patient-level value any of them
        needs is worked out once, in one query, which `keep` may store (a temporary table) so
        that each cohort is then a filter of it."""
        nodes = [
            n
            for population, variables in wanted.values()
            for n in (population, *variables.values())
        ]
        self._narrow(nodes)
        wide, context = self.patient_table(nodes)
        wide = wide.select("patient_id", *dict.fromkeys(context.columns.values()))
        wide = self._with_values(wide, context, nodes)
        needed = {n: context.columns[n] for n in nodes if n in context.columns}
        wide = keep(wide.select("patient_id", *dict.fromkeys(needed.values())))
        context = _Context(needed, {n for n in context.unfilled if n in needed})
        return {
            name: self.select(wide, context, population, variables)
            for name, (population, variables) in wanted.items()
        }

    def _with_values(self, wide: ir.Table, context: _Context, nodes: list[m.Series]) -> ir.Table:
        """Each of the nodes (a cohort's variables and population) as a column of its own,
        worked out once from the columns of those it uses, however many cohorts use it."""
        pending = [n for n in dict.fromkeys(nodes) if n not in context.columns]
        pending = [n for n in pending if not is_constant(n)]
        wanted = set(pending)
        uses = {n: {u for u in m.walk(n) if u in wanted and u is not n} for n in pending}
        while pending:
            ready = [n for n in pending if uses[n] <= context.columns.keys()]
            columns = {}
            for node in ready:
                name = self._name()
                columns[name] = self.expression(node, wide, context)
                context.columns[node] = name
                context.unfilled.discard(node)
            wide = wide.mutate(**columns)
            pending = [n for n in pending if n not in context.columns]
        return wide

    def select(
        self,
        wide: ir.Table,
        context: _Context,
        population: m.Series,
        variables: dict[str, m.Series],
    ) -> ir.Table:
        """The patients of the population, from a patient table that has every leaf."""
        if population.type != m.BOOL or population.frame is not None:
            raise m.QueryError("the population is one true/false value per patient")
        keep = self.expression(population, wide, context)
        selected = wide.filter(keep)
        outputs = {"patient_id": selected.patient_id}
        for name, series in variables.items():
            if series.frame is not None:
                raise m.QueryError(f"variable {name}: one value per patient is needed")
            outputs[name] = self.expression(series, selected, context)
        return selected.select(**outputs)

    def frame_rows(self, frame: m.Frame, patient_id: str) -> ir.Table:
        """The rows of a many-rows frame for one patient, as the table declares them."""
        rows, context = self._rows(frame, [])
        rows = rows.filter(rows.patient_id == patient_id)
        condition = self._condition(frame, rows, context)
        if condition is not None:
            rows = rows.filter(condition)
        columns = list(self.table(frame.spec.name).columns)
        date = frame.spec.date_column
        return rows.select(*columns).order_by([ibis.desc(date)] if date else columns)

    # ---- one value per patient -----------------------------------------------------------

    def patient_table(self, nodes: Iterable[m.Series]) -> tuple[ir.Table, _Context]:
        """`patients.patient_id` with one column per leaf the nodes need."""
        leaves = _patient_leaves(nodes)
        lookups = [leaf for leaf in leaves if isinstance(leaf, m.ParentOrganisation)]
        while True:  # an organisation looked up needs the leaves of its child on the table too
            more = [x for x in _patient_leaves([lk.child for lk in lookups]) if x not in leaves]
            if not more:
                break
            leaves += more
            lookups += [leaf for leaf in more if isinstance(leaf, m.ParentOrganisation)]
        base = self.table("patients")
        context = _Context()
        wide = base.select("patient_id", *self._patient_columns(leaves, context))
        pending = [leaf for leaf in leaves if leaf not in context.columns]
        pending = [leaf for leaf in pending if not isinstance(leaf, m.ParentOrganisation)]
        for built, names in list(self._leaf_tables(pending, context)):
            key = self._name()
            right = built.rename({key: "patient_id"})
            wide = wide.left_join(right, wide.patient_id == right[key]).select(
                wide, *[right[n] for n in names]
            )
        while lookups:
            ready = [
                lookup
                for lookup in lookups
                if all(x in context.columns for x in _patient_leaves([lookup.child]))
            ]
            for lookup in ready:
                wide = self._parent(lookup, wide, context)
            lookups = [lookup for lookup in lookups if lookup not in ready]
        return wide, context

    def _patient_columns(self, leaves: list[m.Series], context: _Context) -> list[ir.Value]:
        """Leaves that are plain columns of `patients` come along with the base table."""
        base = self.table("patients")
        found = []
        for leaf in leaves:
            if isinstance(leaf, m.Column) and isinstance(leaf.source, m.SelectPatientTable):
                name = self._name()
                context.columns[leaf] = name
                found.append(base[leaf.name].name(name))
        return found

    def _leaf_tables(
        self, leaves: list[m.Series], context: _Context
    ) -> Iterable[tuple[ir.Table, list[str]]]:
        # One scan per table for the aggregations that need a code of some codelist, and one
        # for the rest (a union of codelists would not narrow rows that any code can match).
        # Those whose rows need more than the table's own columns share a scan only with
        # aggregations of the very same rows.
        batches: dict[tuple[str, bool] | m.Frame, list[m.AggregateByPatient]] = {}
        picks: dict[m.PickOneRowPerPatient, list[m.Column]] = {}
        for leaf in leaves:
            if isinstance(leaf, m.AggregateByPatient) and not self._needs_patient_values(leaf):
                key = (leaf.over.root.name, _required_codes(leaf.over) is None)  # type: ignore[union-attr]
                batches.setdefault(key, []).append(leaf)
            elif isinstance(leaf, m.AggregateByPatient):
                batches.setdefault(leaf.over, []).append(leaf)
            elif isinstance(leaf, m.Column) and isinstance(leaf.source, m.PickOneRowPerPatient):
                picks.setdefault(leaf.source, []).append(leaf)
            else:  # pragma: no cover - every leaf kind is listed above
                raise m.QueryError(f"cannot compile {type(leaf).__name__}")
        for batch in batches.values():
            yield from self._aggregates(batch, context)
        for pick, columns in picks.items():
            yield self._pick(pick, columns, context)

    def _needs_patient_values(self, aggregate: m.AggregateByPatient) -> bool:
        """True when the rows need more than their own columns (so cannot share a scan)."""
        row_series = self._row_series(aggregate.over, aggregate.source)
        return bool(_patient_parts(row_series) or _row_comparisons(row_series))

    # ---- many rows per patient -----------------------------------------------------------

    @staticmethod
    def _row_series(frame: m.Frame, source: m.Node) -> list[m.Series]:
        conditions = [f.condition for f in frame.ancestors() if isinstance(f, m.Filter)]
        own = [source] if isinstance(source, m.Series) else []
        sorts = [k for f in frame.ancestors() if isinstance(f, m.Sort) for k in f.keys]
        return [*conditions, *own, *sorts]

    def _rows(self, frame: m.Frame, extra: list[m.Series]) -> tuple[ir.Table, _Context]:
        """The root table's rows with every patient-level value the row series need."""
        rows = self._source_rows(frame)
        parts = _patient_parts(self._row_series(frame, frame) + extra)
        context = _Context()
        if parts:
            wide, inner = self.patient_table(parts)
            names = {part: self._name() for part in parts}
            right = wide.select(
                key=wide.patient_id,
                **{names[p]: self.expression(p, wide, inner) for p in parts},
            )
            rows = rows.inner_join(right, rows.patient_id == right.key).select(
                rows, *[right[n] for n in names.values()]
            )
            context.columns.update(names)
        comparisons = _row_comparisons(self._row_series(frame, frame) + extra)
        if comparisons:
            # Rows the frame's plain conditions drop need no comparison: filter them first
            # (a year's referrals, not every clinical event, are matched against FIT results).
            for ancestor in reversed(frame.ancestors()):
                if isinstance(ancestor, m.Filter) and not _row_comparisons([ancestor.condition]):
                    rows = rows.filter(self.expression(ancestor.condition, rows, context))
        for comparison in comparisons:
            rows = self._exists_between(comparison, rows, context)
        return rows, context

    def _exists_between(
        self, comparison: m.ExistsBetween, rows: ir.Table, context: _Context
    ) -> ir.Table:
        """Add a column saying, for each row, whether `other` has a row in its window: the
        distinct windows are matched against the other frame once, then joined back."""
        start = self.expression(comparison.start, rows, context)
        end = self.expression(comparison.end, rows, context)
        s, e, flag = self._name(), self._name(), self._name()
        rows = rows.mutate(**{s: start, e: end})
        windows = rows.select(wp=rows.patient_id, ws=rows[s], we=rows[e]).distinct()
        other_rows, other_context = self._rows(comparison.other, [])
        condition = self._condition(comparison.other, other_rows, other_context)
        if condition is not None:
            other_rows = other_rows.filter(condition)
        date = comparison.other.spec.date_column
        targets = other_rows.select(tp=other_rows.patient_id, td=other_rows[date])
        hits = (
            windows.inner_join(
                targets,
                [
                    windows.wp == targets.tp,
                    targets.td >= windows.ws,
                    targets.td <= windows.we,
                ],
            )
            .select("wp", "ws", "we")
            .distinct()
            .mutate(**{flag: ibis.literal(True)})
        )
        joined = rows.left_join(
            hits, [rows.patient_id == hits.wp, rows[s] == hits.ws, rows[e] == hits.we]
        )
        # no hit (or a missing start or end) is false, not missing
        rows = joined.select(rows, hits[flag].fill_null(False).name(flag))
        context.columns[comparison] = flag
        return rows

    def _condition(self, frame: m.Frame, rows: ir.Table, context: _Context) -> ir.Value | None:
        conditions = [f.condition for f in reversed(frame.ancestors()) if isinstance(f, m.Filter)]
        compiled = [self.expression(c, rows, context) for c in conditions]
        if not compiled:
            return None
        result = compiled[0]
        for more in compiled[1:]:
            result = result & more
        return result

    def _aggregates(
        self, batch: list[m.AggregateByPatient], context: _Context
    ) -> Iterable[tuple[ir.Table, list[str]]]:
        first = batch[0].over
        sources = [a.source for a in batch if isinstance(a.source, m.Series)]
        rows, row_context = self._rows(first, sources)
        if all(_required_codes(a.over) is not None for a in batch):
            rows = self._flag_codes(batch, rows, row_context)
        conditions = [self._condition(a.over, rows, row_context) for a in batch]
        if all(c is not None for c in conditions):
            narrowed = conditions[0]
            for more in conditions[1:]:
                narrowed = narrowed | more
            rows = rows.filter(narrowed)
            if all(c.equals(conditions[0]) for c in conditions):
                # every aggregation has the condition the rows now meet: no FILTER clause (a
                # distinct count with one groups by patient and value only, not the flag too)
                conditions = [None] * len(batch)
        by_value: dict[object, list[int]] = {}
        for i, aggregate in enumerate(batch):
            if aggregate.op == "count_distinct":
                source = aggregate.source
                # a column of the frame's rows is the same value whichever filter made them
                plain = isinstance(source, m.Column) and source.source is aggregate.over
                key = ("column", source.name) if plain else source  # type: ignore[union-attr]
                by_value.setdefault(key, []).append(i)
        shared = [found for found in by_value.values() if len(found) > 1]
        for found in shared:
            yield self._distinct_counts(
                [batch[i] for i in found],
                [conditions[i] for i in found],
                rows,
                row_context,
                context,
            )
        alone = [i for i in range(len(batch)) if not any(i in found for found in shared)]
        if not alone:
            return
        metrics = {}
        for i in alone:
            name = self._name()
            context.columns[batch[i]] = name
            context.unfilled.add(batch[i])
            metrics[name] = self._reduce(batch[i], rows, row_context, conditions[i])
        yield rows.group_by("patient_id").aggregate(**metrics), list(metrics)

    def _distinct_counts(
        self,
        batch: list[m.AggregateByPatient],
        conditions: list[ir.Value | None],
        rows: ir.Table,
        row_context: _Context,
        context: _Context,
    ) -> tuple[ir.Table, list[str]]:
        """Distinct counts of one value under several conditions (medicines in 6 and in 12
        months): one pass groups the rows by patient and value, noting which conditions
        any of the value's rows met; each count is then of the values that met its own."""
        value, flags = self._name(), [self._name() for _ in batch]
        rows = rows.mutate(**{value: self.expression(batch[0].source, rows, row_context)})
        rows = rows.filter(rows[value].notnull())
        pairs = rows.group_by(["patient_id", value]).aggregate(
            **{
                flag: (condition if condition is not None else ibis.literal(True)).any()
                for flag, condition in zip(flags, conditions, strict=True)
            }
        )
        names = []
        for aggregate in batch:
            names.append(self._name())
            context.columns[aggregate] = names[-1]
            context.unfilled.add(aggregate)
        counts = {
            n: pairs.patient_id.count(where=pairs[f]) for n, f in zip(names, flags, strict=True)
        }
        return pairs.group_by("patient_id").aggregate(**counts), names

    def _flag_codes(
        self, batch: list[m.AggregateByPatient], rows: ir.Table, context: _Context
    ) -> ir.Table:
        """Every aggregation needs a code of some codelist: join the rows to one small table
        of the codes of all those codelists, with a true/false column per codelist, so that
        only rows with one of the codes are kept and each codelist match is a column read."""
        matches = {match: None for a in batch for match in _code_matches(a.over)}
        codes = sorted(frozenset().union(*(match.values for match in matches)))
        names = {match: self._name() for match in matches}
        flags = ibis.memtable(
            {"code": codes} | {names[k]: [c in k.values for c in codes] for k in matches},
            schema={"code": "string"} | {name: "boolean" for name in names.values()},
        )
        key = self._name()
        flags = flags.rename({key: "code"})
        column = batch[0].over.spec.code_column
        joined = rows.inner_join(flags, rows[column] == flags[key])
        rows = joined.select(rows, *[flags[n] for n in names.values()])
        context.columns.update(names)
        return rows

    def _reduce(
        self,
        aggregate: m.AggregateByPatient,
        rows: ir.Table,
        context: _Context,
        condition: ir.Value | None,
    ) -> ir.Value:
        where = {"where": condition} if condition is not None else {}
        if aggregate.op in ("exists", "count"):
            return rows.patient_id.count(**where)
        value = self.expression(aggregate.source, rows, context)  # type: ignore[arg-type]
        if aggregate.op == "count_distinct":
            return value.nunique(**where)
        return getattr(value, aggregate.op)(**where)

    def _pick(
        self, pick: m.PickOneRowPerPatient, columns: list[m.Column], context: _Context
    ) -> tuple[ir.Table, list[str]]:
        rows, row_context = self._rows(pick.source, [])
        condition = self._condition(pick.source, rows, row_context)
        if condition is not None:
            rows = rows.filter(condition)
        descending = pick.position == "last"
        keys = [self.expression(k, rows, row_context) for k in pick.source.keys]
        spec = pick.spec
        keys += [rows[c] for c in spec.columns if c != "patient_id"]  # ties: the rest, in order
        order = [_sort_key(k, descending) for k in keys]
        rank = self._name()
        ranked = rows.mutate(
            **{rank: ibis.row_number().over(group_by=rows.patient_id, order_by=order)}
        )
        chosen = ranked.filter(ranked[rank] == 0)
        names = []
        outputs = {"patient_id": chosen.patient_id}
        for column in dict.fromkeys(columns):
            name = self._name()
            names.append(name)
            context.columns[column] = name
            outputs[name] = chosen[column.name]
        return chosen.select(**outputs), names

    def _parent(self, lookup: m.ParentOrganisation, wide: ir.Table, context: _Context) -> ir.Table:
        """The patient table with the organisation's parent on the date (the membership that
        holds on it with the latest start, then the highest parent code) as a column."""
        if not is_constant(lookup.on):
            raise m.QueryError("an organisation is looked up on a fixed date")
        on = constant_value(lookup.on, self.index_date)
        child = self.expression(lookup.child, wide, context)
        links = self.table("org_memberships")
        valid = links.filter(
            (links.relationship == lookup.relationship)
            & (links.valid_from <= on)
            & (links.valid_to.isnull() | (links.valid_to >= on))
        )
        rank, key, name = self._name(), self._name(), self._name()
        best = valid.mutate(
            **{
                rank: ibis.row_number().over(
                    group_by=valid.child_code,
                    order_by=[ibis.desc(valid.valid_from), ibis.desc(valid.parent_code)],
                )
            }
        )
        best = best.filter(best[rank] == 0).select(**{key: "child_code", name: "parent_code"})
        context.columns[lookup] = name
        return wide.left_join(best, child == best[key]).select(wide, best[name])

    # ---- expressions ---------------------------------------------------------------------

    def _codes(self, series: m.IsIn) -> list[str] | ir.Column:
        """A short list inline; a long one as a small table the engine matches against, so the
        SQL stays small (a codelist of 3,000 dm+d products is one table, not 3,000 literals)."""
        if len(series.values) <= INLINE_CODES:
            return sorted(series.values)
        return self._code_table(series.values)

    def _code_table(self, values: frozenset[str]) -> ir.Column:
        if values not in self._code_tables:
            table = ibis.memtable({"code": sorted(values)}, schema={"code": "string"})
            self._code_tables[values] = table.code
        return self._code_tables[values]

    def expression(self, series: m.Series, table: ir.Table, context: _Context) -> ir.Value:
        if series in context.columns:
            column = table[context.columns[series]]
            if series not in context.unfilled:
                return column
            if isinstance(series, m.AggregateByPatient) and series.op == "exists":
                return column.fill_null(0) > 0
            if isinstance(series, m.AggregateByPatient) and series.op in (
                "count",
                "count_distinct",
            ):
                return column.fill_null(0).cast("int64")
            return column
        if is_constant(series):
            return _literal(constant_value(series, self.index_date), series.type)
        if isinstance(series, m.Column):
            return table[series.name]
        if isinstance(series, m.Unary):
            return self._unary(series, self.expression(series.operand, table, context))
        if isinstance(series, m.Binary):
            left = self.expression(series.left, table, context)
            return self._binary(series, left, table, context)
        if isinstance(series, m.IsIn):
            return self.expression(series.series, table, context).isin(self._codes(series))
        if isinstance(series, m.Case):
            branches = [
                (self.expression(c, table, context), self.expression(v, table, context))
                for c, v in series.cases
            ]
            default = (
                self.expression(series.default, table, context)
                if series.default is not None
                else _literal(None, series.type)
            )
            return ibis.cases(*branches, else_=default).cast(ibis_type(series.type))
        raise m.QueryError(f"{type(series).__name__} is not on this table")  # pragma: no cover

    @staticmethod
    def _unary(series: m.Unary, value: ir.Value) -> ir.Value:
        op = series.op
        if op == "not":
            return ~value
        if op == "is_null":
            return value.isnull()
        if op == "year":
            return value.year().cast("int64")
        if op == "month":
            return value.month().cast("int64")
        if op == "negate":
            return -value
        if op in ("as_int", "as_float") and series.operand.type == m.BOOL:
            # 1, 0, or missing when missing (PostgreSQL cannot cast a bool to a float)
            return ibis.cases((value, 1), (~value, 0)).cast(ibis_type(series.type))
        if op == "as_int" and series.operand.type == m.FLOAT:
            # Towards zero, as Python's int(): a plain cast rounds to the nearest on DuckDB
            # and PostgreSQL (3.5 to 4) but truncates on Spark.
            return ibis.ifelse(value >= 0, value.floor(), value.ceil()).cast("int64")
        return value.cast(ibis_type(series.type))

    def _binary(
        self, series: m.Binary, left: ir.Value, table: ir.Table, context: _Context
    ) -> ir.Value:
        op = series.op
        if op == "add_days":
            return left + ibis.interval(days=series.right.value)  # type: ignore[attr-defined]
        if op == "add_months":
            return _add_months(left, series.right.value)  # type: ignore[attr-defined]
        right = self.expression(series.right, table, context)
        if op == "years_between":
            return _years_between(left, right).cast("int64")
        if op == "days_between":
            return right.delta(left, unit="day").cast("int64")
        if op == "coalesce":
            return ibis.coalesce(left, right)
        if op == "and":
            return left & right
        if op == "or":
            return left | right
        if op == "div":
            return left.cast("float64") / right
        return semantics.OPERATORS[op](left, right)


def _collect(roots: Iterable[m.Series], take, descend) -> list:
    """Series under the roots, each once, in order (children before their parent) where
    `take(series)` says so; the walk goes below a series only where `descend(series)`."""
    found: dict[m.Series, None] = {}

    def visit(series: m.Series) -> None:
        if descend(series):
            for child in series.children():
                if isinstance(child, m.Series):
                    visit(child)
        if take(series):
            found[series] = None

    for root in roots:
        visit(root)
    return list(found)


def _is_leaf(series: m.Series) -> bool:
    if isinstance(series, m.AggregateByPatient | m.ParentOrganisation):
        return True
    return isinstance(series, m.Column) and series.source.one_row_per_patient


def _patient_leaves(nodes: Iterable[m.Series]) -> list[m.Series]:
    """The leaves (see module doc) of patient-level expressions, in first-seen order."""
    return _collect(
        nodes,
        _is_leaf,
        lambda s: not isinstance(s, m.AggregateByPatient | m.ParentOrganisation | m.Column),
    )


def _frames_read(nodes: Iterable[m.Series]) -> list[m.Frame]:
    """The frames whose rows a query reads: aggregated, picked from or compared with."""
    found: dict[m.Frame, None] = {}
    for root in nodes:
        for node in m.walk(root):
            if isinstance(node, m.AggregateByPatient):
                found[node.over] = None
            elif isinstance(node, m.PickOneRowPerPatient):
                found[node.source] = None
            elif isinstance(node, m.ExistsBetween):
                found[node.other] = None
    return list(found)


def _code_matches(frame: m.Frame) -> list[m.IsIn]:
    """The codelist matches on the code column of the frame's table in its filters."""
    column = frame.spec.code_column
    conditions = [f.condition for f in frame.ancestors() if isinstance(f, m.Filter)]
    return _collect(
        conditions,
        lambda s: (
            isinstance(s, m.IsIn)
            and isinstance(s.series, m.Column)
            and s.series.frame is not None
            and s.series.name == column
        ),
        lambda s: s.frame is not None and not isinstance(s, m.ExistsBetween),
    )


def _codes_needed(condition: m.Series, column: str | None) -> frozenset[str] | None:
    """The codes a row must have for the condition to hold, where the condition says so: a
    codelist match on the code column, or an `or` of such, or an `and` with one."""
    if isinstance(condition, m.IsIn) and isinstance(condition.series, m.Column):
        return condition.values if condition.series.name == column else None
    if isinstance(condition, m.Binary) and condition.op in ("and", "or"):
        left = _codes_needed(condition.left, column)
        right = _codes_needed(condition.right, column)
        if condition.op == "or":
            return None if left is None or right is None else left | right
        known = [codes for codes in (left, right) if codes is not None]
        return frozenset.intersection(*known) if known else None
    return None


def _required_codes(frame: m.Frame) -> frozenset[str] | None:
    """The codes a row must have (in the table's code column) to be in the frame, when its
    filters say so (see `_codes_needed`); None when they do not."""
    column = frame.spec.code_column
    needed = [
        _codes_needed(f.condition, column) for f in frame.ancestors() if isinstance(f, m.Filter)
    ]
    found = [codes for codes in needed if codes is not None]
    return frozenset.intersection(*found) if found else None


def _row_comparisons(row_series: list[m.Series]) -> list[m.ExistsBetween]:
    """The comparisons with another frame in row expressions (innermost first)."""
    return _collect(
        row_series,
        lambda s: isinstance(s, m.ExistsBetween) and s.frame is not None,
        lambda s: s.frame is not None,
    )


def _patient_parts(row_series: list[m.Series]) -> list[m.Series]:
    """The largest parts of row expressions that are one value per patient and read a table."""
    return _collect(
        row_series,
        lambda s: s.frame is None and not is_constant(s),
        lambda s: s.frame is not None,
    )

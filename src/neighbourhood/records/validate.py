"""The checks a row must pass, generated from the data model as one DuckDB query per table.

For each row the query gives the typed values and `_problem`: the first failing check as
{field, reason} (null when the row is good). Checks run column by column in declared order
(required, type, values, pattern, snomed_ct_id (checked in Python once per distinct code), min,
max, first_of_month, not_future, references, within_life), then the table's row checks.
References look in the store table, which within a load already holds the rows accepted
earlier in the same load.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from neighbourhood.identifiers import sctid_problem
from neighbourhood.store.ddl import quote
from neighbourhood.store.model import Column, Table

NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
WHOLE_NUMBER = r"^[+-]?[0-9]+(\.0*)?$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
TRUE_WORDS = ("true", "1", "yes", "y")
FALSE_WORDS = ("false", "0", "no", "n")
TYPE_NAMES = {
    "integer": "a whole number",
    "decimal": "a number",
    "boolean": "true or false (true/false, 1/0, yes/no, y/n)",
    "date": "a valid date (expected YYYY-MM-DD)",
    "instant": "a valid instant (expected ISO 8601, e.g. 2025-03-01T09:15:00Z)",
}
STAGE = "_stage"
SCTID_FUNCTION = "neighbourhood_sctid_problem"


def _sctid_reason(code: str | None) -> str | None:
    return None if code is None else sctid_problem(code)


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The Python checks the generated SQL calls (once per connection)."""
    exists = con.execute(
        "SELECT 1 FROM duckdb_functions() WHERE function_name = ?", [SCTID_FUNCTION]
    ).fetchall()
    if not exists:
        con.create_function(
            SCTID_FUNCTION, _sctid_reason, ["VARCHAR"], "VARCHAR", null_handling="special"
        )


def literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def text_of(column: Column) -> str:
    return quote(column.name + "__text")


def _typed(column: Column) -> str:
    v = text_of(column)
    match column.type:
        case "text":
            return v
        case "integer":
            return (
                f"CASE WHEN regexp_full_match({v}, {literal(WHOLE_NUMBER)}) "
                rf"THEN TRY_CAST(regexp_replace({v}, '\.0*$', '') AS BIGINT) END"
            )
        case "decimal":
            return (
                f"CASE WHEN regexp_full_match({v}, {literal(NUMBER)}) "
                f"THEN TRY_CAST({v} AS DOUBLE) END"
            )
        case "boolean":
            true, false = (", ".join(literal(w) for w in ws) for ws in (TRUE_WORDS, FALSE_WORDS))
            return (
                f"CASE WHEN lower({v}) IN ({true}) THEN true "
                f"WHEN lower({v}) IN ({false}) THEN false END"
            )
        case "date":
            return (
                f"CASE WHEN regexp_full_match({v}, {literal(DATE)}) THEN TRY_CAST({v} AS DATE) END"
            )
        case "instant":
            return (
                f"CASE WHEN regexp_full_match({v}, {literal(INSTANT)}) "
                f"THEN timezone('UTC', TRY_CAST({v} AS TIMESTAMPTZ)) END"
            )
    raise ValueError(f"no parser for type {column.type!r}")


def shown(column: Column, expression: str) -> str:
    """SQL text of a typed value as a message shows it."""
    if column.type == "date":
        return f"strftime({expression}, '%Y-%m-%d')"
    if column.type == "instant":
        return f"strftime({expression}, '%Y-%m-%dT%H:%M:%SZ')"
    return f"CAST({expression} AS VARCHAR)"


def _number(value: object) -> str:
    return str(value)


def _column_checks(column: Column, now: dt.datetime) -> list[tuple[str, str]]:
    """(condition, reason expression) pairs for one column, in the order they are tried."""
    name, v, t = column.name, text_of(column), quote(column.name)
    quoted_text = f"'''' || {v} || ''''"
    checks = []
    if column.required:
        checks.append((f"{v} IS NULL", literal("required value missing")))
    if column.type != "text":
        checks.append(
            (
                f"{v} IS NOT NULL AND {t} IS NULL",
                f"{quoted_text} || {literal(' is not ' + TYPE_NAMES[column.type])}",
            )
        )
    values = column.constraint("values")
    if values:
        allowed = ", ".join(literal(x) for x in values)
        checks.append(
            (
                f"{t} NOT IN ({allowed})",
                f"{quoted_text} || {literal(' is not one of: ' + ', '.join(values))}",
            )
        )
    pattern = column.constraint("pattern")
    if pattern:
        checks.append(
            (
                f"NOT regexp_full_match({v}, {literal(pattern)})",
                f"{quoted_text} || {literal(' does not match the pattern ' + pattern)}",
            )
        )
    if column.constraint("snomed_ct_id"):
        alias = quote("_sct_" + name)
        checks.append((f"{alias}.reason IS NOT NULL", f"{alias}.reason"))
    for bound, operator, words in (
        ("min", "<", "below the minimum"),
        ("max", ">", "above the maximum"),
    ):
        limit = column.constraint(bound)
        if limit is not None:
            checks.append(
                (f"{t} {operator} {limit}", f"{v} || {literal(f' is {words} {_number(limit)}')}")
            )
    if column.constraint("first_of_month"):
        what = "date of birth" if name == "birth_month" else name
        checks.append((f"day({t}) <> 1", literal(f"{what} must be the first of the month")))
    if column.constraint("not_future"):
        moment = now.astimezone(dt.UTC).replace(tzinfo=None)
        limit = (
            f"DATE {literal(moment.date().isoformat())}"
            if column.type == "date"
            else f"TIMESTAMP {literal(moment.isoformat(sep=' '))}"
        )
        checks.append((f"{t} > {limit}", f"{shown(column, t)} || ' is in the future'"))
    reference = column.references
    if reference:
        target_table, _ = reference
        checks.append(
            (
                f"{t} IS NOT NULL AND {quote('_ref_' + name)}.k IS NULL",
                f"{literal('unknown ' + name + ' ')} || {quoted_text} || "
                f"{literal(f' (not in {target_table})')}",
            )
        )
    if column.constraint("within_life"):
        checks.append(
            (
                f"{t} < _life.birth_month",
                f"{shown(column, t)} || ' is before the patient''s month of birth ' || "
                "strftime(_life.birth_month, '%Y-%m-%d')",
            )
        )
        checks.append(
            (
                f"{t} > _life.date_of_death",
                f"{shown(column, t)} || ' is after the patient''s death on ' || "
                "strftime(_life.date_of_death, '%Y-%m-%d')",
            )
        )
    return [
        (condition, f"{{'field': {literal(name)}, 'reason': {reason}}}")
        for condition, reason in checks
    ]


def _row_checks(table: Table) -> list[tuple[str, str]]:
    checks = []
    for check in table.row_checks:
        a, b = table.column(check.column), table.column(check.other)
        reason = (
            f"{literal(a.name + ' ')} || {shown(a, quote(a.name))} || "
            f"{literal(' is before ' + b.name + ' ')} || {shown(b, quote(b.name))}"
        )
        checks.append(
            (
                f"{quote(a.name)} < {quote(b.name)}",
                f"{{'field': {literal(a.name)}, 'reason': {reason}}}",
            )
        )
    return checks


def _joins(table: Table) -> str:
    joins = []
    for column in table.columns:
        if column.references:
            target_table, target_column = column.references
            alias = quote("_ref_" + column.name)
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT {quote(target_column)} AS k "
                f"FROM {quote(target_table)}) {alias} ON {alias}.k = typed.{quote(column.name)}"
            )
        if column.constraint("snomed_ct_id"):
            alias, v = quote("_sct_" + column.name), text_of(column)
            joins.append(
                f"LEFT JOIN (SELECT k, {SCTID_FUNCTION}(k) AS reason FROM "
                f"(SELECT DISTINCT {v} AS k FROM texts WHERE {v} IS NOT NULL)) {alias} "
                f"ON {alias}.k = typed.{v}"
            )
    if table.needs_patient:
        joins.append(
            "LEFT JOIN (SELECT patient_id AS k, min(birth_month) AS birth_month, "
            "max(date_of_death) AS date_of_death FROM patients GROUP BY patient_id) _life "
            "ON _life.k = typed.patient_id"
        )
    return "\n".join(joins)


def checked_query(table: Table, now: dt.datetime) -> str:
    """SELECT over `_stage` giving `_line`, the typed columns, `_field`, `_reason` and
    `_first_line` (the first line of a good row with the same key; set on good rows only).

    A row the reader already rejected has `_shape` (the reason) and `_shape_field` (the
    column, or null for a whole-row reason) set; that reason wins over every check.
    """
    texts = ", ".join(f"NULLIF(trim({quote(c.name)}), '') AS {text_of(c)}" for c in table.columns)
    typed = ", ".join(f"{_typed(c)} AS {quote(c.name)}" for c in table.columns)
    cases = ["WHEN _shape IS NOT NULL THEN {'field': _shape_field, 'reason': _shape}"]
    for column in table.columns:
        cases += [f"WHEN {c} THEN {r}" for c, r in _column_checks(column, now)]
    cases += [f"WHEN {c} THEN {r}" for c, r in _row_checks(table)]
    problem = "CASE " + "\n    ".join(cases) + " END"
    names = ", ".join(f"typed.{quote(c.name)}" for c in table.columns)
    key = ", ".join(quote(k) for k in table.key)
    return f"""
WITH texts AS (SELECT _line, _shape, _shape_field, {texts} FROM {STAGE}),
typed AS (SELECT *, {typed} FROM texts),
checked AS (
  SELECT typed._line, {names},
    {problem} AS _problem
  FROM typed
  {_joins(table)}
)
SELECT _line, {", ".join(quote(c.name) for c in table.columns)},
  _problem.field AS _field, _problem.reason AS _reason,
  CASE WHEN _problem IS NULL
    THEN min(_line) OVER (PARTITION BY _problem IS NULL, {key}) END AS _first_line
FROM checked
"""

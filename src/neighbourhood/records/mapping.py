"""Column mapping files: a clinical-system export (EMIS, SystmOne, ...) loaded as it is.

A mapping file (YAML) names the data-model table an export goes to and, for each of the
table's columns, the export column it comes from (or a constant), with an optional date
format and pseudonymisation. Every export column is either mapped or listed under `ignore`,
so nothing is stored or dropped without the mapping saying so. See records/README.md,
"Column mapping files".

The export is read by `read_staged` as if its own columns were the table's; `ColumnMapping.apply`
turns that staged table into one with the data-model columns, and sets `_shape` /
`_shape_field` for a row whose NHS number fails its check and `_raw` (what quarantine shows)
to the mapped export columns only, pseudonymised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from neighbourhood.identifiers import nhs_number_problem
from neighbourhood.records.discover import ExtractFile, check_no_repeats, header_location
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.records.read import (
    LINE,
    RAW,
    SHAPE,
    SHAPE_FIELD,
    SOURCE,
    SOURCE_LINE,
    read_staged,
    read_staged_table,
)
from neighbourhood.records.report import LoadError
from neighbourhood.store.model import Column, DataModel, Table, load_data_model

KEYS = ("table", "files", "columns", "ignore")
COLUMN_KEYS = ("from", "value", "pseudonymise", "date_format")
NHS_NUMBER = "nhs_number"
IDENTIFIER = "identifier"
PSEUDONYMISE = (NHS_NUMBER, IDENTIFIER)
_PROBE = dt.datetime(2001, 2, 3, 4, 5, 6)  # a moment whose parts are all distinct
_PASSED_THROUGH = (LINE, SOURCE_LINE, SOURCE)  # staging columns kept as the reader gave them


@dataclass(frozen=True)
class ColumnRule:
    """How one data-model column is filled: from an export column or a constant."""

    column: Column
    source: str | None = None  # export column (`from`)
    value: str | None = None  # constant (`value`)
    pseudonymise: str | None = None  # nhs_number | identifier
    token_kind: str | None = None  # for identifier: "<table>.<column>" of the identity
    date_format: str | None = None  # strptime format


@dataclass(frozen=True)
class ColumnMapping:
    """A parsed, checked mapping file (see `load_mapping`)."""

    path: Path
    table: Table
    files: tuple[str, ...]
    rules: tuple[ColumnRule, ...]
    ignore: tuple[str, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        """The export columns read, in mapping order, each once."""
        return tuple(dict.fromkeys(r.source for r in self.rules if r.source is not None))

    @property
    def needs_pseudonymiser(self) -> bool:
        return any(r.pseudonymise for r in self.rules)

    def applies_to(self, path: Path) -> bool:
        """True when `files` is empty or one of its globs matches the file name (any case)."""
        name = path.name.lower()
        return not self.files or any(fnmatchcase(name, g.lower()) for g in self.files)

    def check_header(self, path: Path, header: tuple[str, ...]) -> None:
        """Every export column mapped or ignored; every column the mapping reads present."""
        where = header_location(path)
        check_no_repeats(where, header)
        known = set(self.sources) | set(self.ignore)
        unknown = [name for name in header if name not in known]
        if unknown:
            raise LoadError(
                f"{where}: column(s) neither mapped nor ignored by {self.path}: "
                f"{', '.join(unknown)} (map each under `columns` or list it under `ignore`)"
            )
        missing = [name for name in self.sources if name not in header]
        if missing:
            raise LoadError(
                f"{where}: header lacks column(s) that {self.path} maps from: {', '.join(missing)}"
            )

    def check_pseudonymiser(self, pseudonymiser: Pseudonymiser | None) -> None:
        """LoadError when the mapping pseudonymises a column and there is no key."""
        if self.needs_pseudonymiser and pseudonymiser is None:
            columns = ", ".join(r.column.name for r in self.rules if r.pseudonymise)
            raise LoadError(
                f"{self.path}: pseudonymises {columns} but no pseudonymisation key is "
                "configured (set NEIGHBOURHOOD_PSEUDONYM_KEY_FILE or pass a key file)"
            )

    def stage_function(
        self, pseudonymiser: Pseudonymiser | None
    ) -> Callable[[ExtractFile], pa.Table]:
        """The `stage` for `run_load`: files this mapping applies to are read and mapped, others
        are read as usual. LoadError when the mapping pseudonymises and there is no key."""
        self.check_pseudonymiser(pseudonymiser)

        def stage(file: ExtractFile) -> pa.Table:
            if not file.mapped:
                return read_staged(file)
            return self.apply(read_staged_table(export_view(file)), pseudonymiser)

        return stage

    def apply(self, staged: pa.Table, pseudonymiser: Pseudonymiser | None) -> pa.Table:
        """The staged export (its own columns + `_line`, `_shape`, `_raw`) as staged rows of the
        target table. An NHS number that fails its check is blanked and the row rejected."""
        self.check_pseudonymiser(pseudonymiser)  # a pseudonymising rule below has its key
        key = pseudonymiser
        n = staged.num_rows
        given = staged.column_names
        shapes = staged.column(SHAPE).to_pylist()
        fields = staged.column(SHAPE_FIELD).to_pylist() if SHAPE_FIELD in given else [None] * n
        values = {name: staged.column(name).to_pylist() for name in self.sources}
        shown = dict(values)  # export column -> what quarantine's raw shows
        columns: dict[str, pa.Array] = {}
        by_column = {r.column.name: r for r in self.rules}
        for column in self.table.columns:
            rule = by_column.get(column.name)
            if rule is None:
                columns[column.name] = pa.nulls(n, pa.string())
            elif rule.source is None:
                columns[column.name] = pa.array([rule.value] * n, pa.string())
            elif rule.pseudonymise == NHS_NUMBER:
                out, problems = _nhs_numbers(values[rule.source], key)
                for i, problem in enumerate(problems):
                    if problem is not None and shapes[i] is None:
                        shapes[i], fields[i] = problem, column.name
                columns[column.name] = pa.array(out, pa.string())
                shown[rule.source] = ["" if p else v for v, p in zip(out, problems, strict=True)]
            elif rule.pseudonymise == IDENTIFIER:
                out = _tokens(values[rule.source], key, rule.token_kind or "")
                columns[column.name] = pa.array(out, pa.string())
                shown[rule.source] = out
            elif rule.date_format is not None:
                out = _dates(values[rule.source], rule.date_format, column.type)
                columns[column.name] = pa.array(out, pa.string())
            else:
                columns[column.name] = pa.array(values[rule.source], pa.string())
        order = [name for name in given if name in shown]
        raws = (
            [
                json.dumps(dict(zip(order, row, strict=True)), ensure_ascii=False)
                for row in zip(*(shown[name] for name in order), strict=True)
            ]
            if order
            else ["{}"] * n
        )
        for name in _PASSED_THROUGH:
            if name in given:
                columns[name] = staged.column(name)
        columns[SHAPE] = pa.array(shapes, pa.string())
        columns[SHAPE_FIELD] = pa.array(fields, pa.string())
        columns[RAW] = pa.array(raws, pa.string())
        return pa.table(columns)


@dataclass(frozen=True)
class _ExportColumns:
    """Stands in for the target table while the export is read: its columns are the export's."""

    name: str
    column_names: tuple[str, ...]


def export_view(file: ExtractFile) -> ExtractFile:
    """`file` as `read_staged` should see it to give the export's own columns."""
    return dataclasses.replace(file, table=_ExportColumns(file.table.name, file.header))


def _each_distinct(values: list[str | None], work: Callable[[str], Any], blank: Any) -> list:
    """`work(value.strip())` for each value, computed once per distinct value; `blank` for a
    missing or empty one."""
    done: dict[str, Any] = {}
    out = []
    for value in values:
        if value is None or not value.strip():
            out.append(blank)
            continue
        if value not in done:
            done[value] = work(value.strip())
        out.append(done[value])
    return out


def _nhs_numbers(
    values: list[str | None], pseudonymiser: Pseudonymiser
) -> tuple[list[str | None], list[str | None]]:
    """Pseudonyms (None for a missing or invalid number) and the problem of each value."""

    def token_and_problem(value: str) -> tuple[str | None, str | None]:
        problem = nhs_number_problem(value)
        return (None if problem else pseudonymiser.patient_from_nhs_number(value)), problem

    pairs = _each_distinct(values, token_and_problem, (None, None))
    return [token for token, _ in pairs], [problem for _, problem in pairs]


def _tokens(values: list[str | None], pseudonymiser: Pseudonymiser, kind: str) -> list[str | None]:
    return _each_distinct(values, lambda value: pseudonymiser.token(kind, value), None)


def _dates(values: list[str | None], date_format: str, column_type: str) -> list[str | None]:
    """Each value parsed with `date_format` and written as the data model writes it; a value
    that does not parse is left as written (the validator rejects it with its usual reason)."""

    def written(value: str) -> str:
        try:
            moment = dt.datetime.strptime(value, date_format)
        except ValueError:
            return value
        return moment.date().isoformat() if column_type == "date" else moment.isoformat()

    parsed = _each_distinct(values, written, None)
    return [v if p is None else p for v, p in zip(values, parsed, strict=True)]


# --- reading and checking a mapping file ----------------------------------------------------


def _fail(path: Path, key: str, problem: str) -> LoadError:
    return LoadError(f"{path}: {key}: {problem}")


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    """A string or a list of non-empty strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise _fail(path, key, "expected a list of non-empty strings")
    return tuple(i.strip() for i in items)


def _constant(path: Path, key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float, dt.date)):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        if text.strip():
            return text
    raise _fail(path, key, "expected a non-empty text, number, boolean or date")


def _check_date_format(path: Path, key: str, date_format: Any, column: Column) -> str:
    if column.type not in ("date", "instant"):
        raise _fail(path, key, f"{column.name} is a {column.type} column, not a date or instant")
    if not isinstance(date_format, str) or "%" not in date_format:
        raise _fail(path, key, "expected a strptime format such as '%d-%b-%Y'")
    try:
        back = dt.datetime.strptime(_PROBE.strftime(date_format), date_format)
    except ValueError as error:
        raise _fail(
            path, key, f"{date_format!r} is not a usable strptime format ({error})"
        ) from error
    if (back.year, back.month) != (_PROBE.year, _PROBE.month):
        raise _fail(path, key, f"{date_format!r} does not give the year and month of a date")
    return date_format


def _identity_of(table: Table, column: Column) -> str:
    """The "<table>.<column>" an identifier's pseudonym is keyed on: the column it refers to
    when it is a reference, so that the same identifier links up across tables."""
    if column.references:
        target_table, target_column = column.references
        return f"{target_table}.{target_column}"
    return f"{table.name}.{column.name}"


def _rule(path: Path, table: Table, name: Any, spec: Any) -> ColumnRule:
    key = f"columns.{name}"
    if not isinstance(name, str) or name not in table.column_names:
        raise _fail(
            path,
            key,
            f"{table.name} has no column {name!r} (its columns: {', '.join(table.column_names)})",
        )
    column = table.column(name)
    if not isinstance(spec, dict):
        raise _fail(path, key, "expected {from: <export column>} or {value: <constant>}")
    unknown = [k for k in spec if k not in COLUMN_KEYS]
    if unknown:
        raise _fail(
            path,
            f"{key}.{unknown[0]}",
            f"unknown key (expected one of: {', '.join(COLUMN_KEYS)})",
        )
    if ("from" in spec) == ("value" in spec):
        raise _fail(path, key, "give exactly one of `from` (an export column) or `value`")
    if "value" in spec:
        for extra in ("pseudonymise", "date_format"):
            if extra in spec:
                raise _fail(path, f"{key}.{extra}", "only applies to a column mapped `from`")
        return ColumnRule(column, value=_constant(path, f"{key}.value", spec["value"]))
    source = spec["from"]
    if not isinstance(source, str) or not source.strip():
        raise _fail(path, f"{key}.from", "expected the name of an export column")
    pseudonymise = spec.get("pseudonymise")
    if pseudonymise is not None:
        if pseudonymise not in PSEUDONYMISE:
            raise _fail(
                path,
                f"{key}.pseudonymise",
                f"{pseudonymise!r} is not one of: {', '.join(PSEUDONYMISE)}",
            )
        if column.type != "text":
            raise _fail(path, f"{key}.pseudonymise", f"{name} is a {column.type} column")
        if "date_format" in spec:
            raise _fail(path, f"{key}.date_format", "a pseudonymised column is not a date")
    date_format = spec.get("date_format")
    if date_format is not None:
        date_format = _check_date_format(path, f"{key}.date_format", date_format, column)
    return ColumnRule(
        column,
        source=source.strip(),
        pseudonymise=pseudonymise,
        token_kind=_identity_of(table, column) if pseudonymise == IDENTIFIER else None,
        date_format=date_format,
    )


def _same_treatment(path: Path, rules: Iterable[ColumnRule]) -> None:
    """An export column read by several data-model columns is pseudonymised by all or none,
    so an NHS number cannot be hashed in one column and stored as written in another."""
    seen: dict[str, ColumnRule] = {}
    for rule in rules:
        if rule.source is None:
            continue
        first = seen.setdefault(rule.source, rule)
        if first.pseudonymise != rule.pseudonymise:
            raise _fail(
                path,
                f"columns.{rule.column.name}.pseudonymise",
                f"export column {rule.source!r} is also mapped to {first.column.name} with "
                f"pseudonymise: {first.pseudonymise or 'none'}; use the same for both",
            )


def parse_mapping(path: Path, document: Any, model: DataModel | None = None) -> ColumnMapping:
    """Check a mapping document (already parsed YAML); LoadError naming the key at fault."""
    model = model or load_data_model()
    if not isinstance(document, dict):
        raise LoadError(f"{path}: expected a mapping with keys {', '.join(KEYS)}")
    unknown = [k for k in document if k not in KEYS]
    if unknown:
        raise _fail(path, str(unknown[0]), f"unknown key (expected one of: {', '.join(KEYS)})")
    loadable = {t.name: t for t in model.loadable_tables}
    name = document.get("table")
    if name is None:
        raise _fail(path, "table", "missing: name the data-model table the export loads into")
    if not isinstance(name, str) or name not in loadable:
        raise _fail(
            path,
            "table",
            f"{name!r} is not a loadable table of the data model "
            f"(expected one of: {', '.join(loadable)})",
        )
    table = loadable[name]
    files = _strings(path, "files", document["files"]) if "files" in document else ()
    ignore = _strings(path, "ignore", document["ignore"]) if "ignore" in document else ()
    columns = document.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise _fail(path, "columns", "expected a mapping of data-model column to {from: ...}")
    rules = tuple(_rule(path, table, c, spec) for c, spec in columns.items())
    _same_treatment(path, rules)
    mapped = {r.column.name for r in rules}
    missing = [c.name for c in table.columns if c.required and c.name not in mapped]
    if missing:
        raise _fail(
            path,
            "columns",
            f"required column(s) of {table.name} not mapped: {', '.join(missing)}",
        )
    both = [s for s in dict.fromkeys(r.source for r in rules) if s in ignore]
    if both:
        raise _fail(path, "ignore", f"column(s) both mapped and ignored: {', '.join(both)}")
    order = {c: i for i, c in enumerate(table.column_names)}
    return ColumnMapping(
        path=path,
        table=table,
        files=files,
        rules=tuple(sorted(rules, key=lambda r: order[r.column.name])),
        ignore=ignore,
    )


def load_mapping(path: Path | str, model: DataModel | None = None) -> ColumnMapping:
    """Read and check a mapping file; LoadError("<path>: <key>: <problem>") when it is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise LoadError(f"{path}: no such mapping file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"{path}: cannot read the mapping file ({error})") from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LoadError(f"{path}: not valid YAML ({error})") from error
    return parse_mapping(path, document, model)

"""`load_paths`: extract files into the store in one transaction, rejected rows to quarantine."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from neighbourhood.progress import SILENT, Progress
from neighbourhood.records.discover import discover
from neighbourhood.records.mapping import load_mapping
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.records.read import (
    LINE,
    RAW,
    SHAPE,
    SHAPE_FIELD,
    SOURCE,
    SOURCE_LINE,
    Restart,
    read_staged,
)
from neighbourhood.records.report import FileReport, LoadReport, TableCounts
from neighbourhood.records.validate import STAGE, checked_query, literal, register_functions
from neighbourhood.store.ddl import quote
from neighbourhood.store.model import Table, load_data_model

CHECKED = "_records_checked"


class Loadable(Protocol):
    """What the loader needs to know about one file's rows for one table."""

    path: Path
    table: Table
    sha256: str
    synthetic: bool


def new_load_id(moment: dt.datetime) -> str:
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"


def _rows_of_earlier_load(con: duckdb.DuckDBPyConnection, file: Loadable) -> int | None:
    row = con.execute(
        "SELECT rows_read FROM load_log WHERE file_sha256 = ? AND target_table = ? LIMIT 1",
        [file.sha256, file.table.name],
    ).fetchone()
    return None if row is None else row[0]


def _quarantine(con: duckdb.DuckDBPyConnection, table: Table, file: Loadable, load_id: str) -> int:
    raw = (
        "json_object(" + ", ".join(f"{literal(c)}, s.{quote(c)}" for c in table.column_names) + ")"
    )
    path = literal(str(file.path))
    (count,) = con.execute(
        f"""INSERT INTO quarantine
        SELECT ?, COALESCE(s._source, {path}), ?, s._source_line, ?,
          CASE WHEN c._reason IS NOT NULL THEN c._field END,
          COALESCE(c._reason, 'duplicate of line ' || f._source_line ||
            CASE WHEN f._source IS DISTINCT FROM s._source
              THEN ' of ' || COALESCE(f._source, {path}) ELSE '' END),
          COALESCE(s._raw, CAST({raw} AS VARCHAR))
        FROM {CHECKED} c JOIN {STAGE} s ON s._line = c._line
        LEFT JOIN {STAGE} f ON f._line = c._first_line
        WHERE c._reason IS NOT NULL OR c._first_line < c._line""",
        [load_id, file.sha256, table.name],
    ).fetchone()
    return count


def _same_key(table: Table, left: str, right: str) -> str:
    return " AND ".join(
        f"{left}.{quote(k)} IS NOT DISTINCT FROM {right}.{quote(k)}" for k in table.key
    )


def keys_table(table: Table) -> str:
    """Temporary table of the keys (with line and file) this load added to `table`."""
    return quote(f"_records_keys_{table.name}")


def _mark_earlier_duplicates(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    con.execute(
        f"""UPDATE {CHECKED} c SET _reason = 'duplicate of line ' || k._line || ' of ' || k._path
        FROM {keys_table(table)} k
        WHERE c._reason IS NULL AND c._first_line = c._line AND {_same_key(table, "k", "c")}"""
    )


def _remember_keys(con: duckdb.DuckDBPyConnection, table: Table, file: Loadable, rows: str) -> None:
    """Note the keys of `rows` (a temp table of checked rows this file wrote) with their line
    and file, so that a later file of the load repeating one is told it is a duplicate."""
    key = ", ".join(f"n.{quote(k)}" for k in table.key)
    con.execute(
        f"""CREATE TEMP TABLE IF NOT EXISTS {keys_table(table)} AS
        SELECT {key}, n._line, CAST(NULL AS VARCHAR) AS _path FROM {rows} n LIMIT 0"""
    )
    con.execute(
        f"""INSERT INTO {keys_table(table)}
        SELECT {key}, s._source_line, COALESCE(s._source, ?)
        FROM {rows} n JOIN {STAGE} s ON s._line = n._line""",
        [str(file.path)],
    )


def _update_changed(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    file: Loadable,
    given: Sequence[str],
    remember: bool,
) -> int:
    """Overwrite each stored row whose key a good row of this file has but whose other values
    (those of the columns the file gives) differ; with `remember`, note their keys."""
    others = [c for c in given if c not in table.key]
    if not others:
        return 0
    differs = " OR ".join(f"t.{quote(c)} IS DISTINCT FROM c.{quote(c)}" for c in others)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _records_changed AS
        SELECT c.* FROM {CHECKED} c JOIN {quote(table.name)} t ON {_same_key(table, "t", "c")}
        WHERE c._reason IS NULL AND c._first_line = c._line AND ({differs})"""
    )
    (count,) = con.execute("SELECT count(*) FROM _records_changed").fetchone()
    if count:
        assignments = ", ".join(f"{quote(c)} = c.{quote(c)}" for c in others)
        con.execute(
            f"""UPDATE {quote(table.name)} t SET {assignments} FROM _records_changed c
            WHERE {_same_key(table, "t", "c")}"""
        )
        if remember:
            _remember_keys(con, table, file, "_records_changed")
    con.execute("DROP TABLE _records_changed")
    return count


def _insert_new(
    con: duckdb.DuckDBPyConnection, table: Table, file: Loadable, remember: bool
) -> int:
    """Add the good rows whose key is not in the store yet; with `remember`, note their keys."""
    columns = ", ".join(quote(c) for c in table.column_names)
    new_rows = f"""SELECT c.* FROM {CHECKED} c
        WHERE c._reason IS NULL AND c._first_line = c._line
          AND NOT EXISTS (SELECT 1 FROM {quote(table.name)} t WHERE {_same_key(table, "t", "c")})"""
    if not remember:
        (count,) = con.execute(
            f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM ({new_rows})"
        ).fetchone()
        return count
    con.execute(f"CREATE OR REPLACE TEMP TABLE _records_new AS {new_rows}")
    (count,) = con.execute(
        f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM _records_new"
    ).fetchone()
    _remember_keys(con, table, file, "_records_new")
    con.execute("DROP TABLE _records_new")
    return count


def _stage_columns(table: Table, names: Sequence[str]) -> str:
    """SELECT list turning a staged batch with columns `names` into a row of `_stage`: a
    declared column the batch lacks is missing in every row, and so are the optional staging
    columns: `_source_line` (the line quarantine reports; by default `_line`), `_source`
    (where the row came from when not the file itself, e.g. a sheet of a workbook), `_shape`,
    `_shape_field` and `_raw`."""
    present = set(names)

    def text(name: str) -> str:
        return quote(name) if name in present else f"CAST(NULL AS VARCHAR) AS {quote(name)}"

    source_line = SOURCE_LINE if SOURCE_LINE in present else LINE
    return ", ".join(
        [
            *(text(c) for c in table.column_names),
            f"CAST({LINE} AS BIGINT) AS {LINE}",
            f"CAST({source_line} AS BIGINT) AS {SOURCE_LINE}",
            *(text(name) for name in (SOURCE, SHAPE, SHAPE_FIELD, RAW)),
        ]
    )


class _Relay:
    """A stream's batches for DuckDB to pull, keeping for the caller any exception raised while
    reading them: raised inside a DuckDB statement it would abort the load's transaction and
    lose its type (a `Restart`, a `LoadError` naming the file and line)."""

    def __init__(self, stream: pa.RecordBatchReader) -> None:
        self.error: BaseException | None = None
        self.rows = 0
        self.reader = pa.RecordBatchReader.from_batches(stream.schema, self._batches(stream))

    def _batches(self, stream: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        try:
            for batch in stream:
                self.rows += batch.num_rows
                yield batch
        except GeneratorExit:
            raise
        except BaseException as error:  # handed back by _copy_to_stage
            self.error = error


def _copy_to_stage(
    con: duckdb.DuckDBPyConnection, table: Table, staged: pa.Table | pa.RecordBatchReader
) -> tuple[int, list[str]]:
    """Copy staged rows into the temp table `_stage`; gives the rows copied and the declared
    columns the rows give values for (in declared order): those of the stream, or of an
    in-memory table those with at least one value.

    DuckDB pulls a stream batch by batch, so only the batches in flight are in memory. The
    rows go in through a relation, not `con.register`: a view registered and dropped inside
    the load's transaction keeps its Arrow data alive until the transaction ends."""
    texts = [f"{quote(c)} VARCHAR" for c in table.column_names]
    extra = [f"{quote(n)} VARCHAR" for n in (SOURCE, SHAPE, SHAPE_FIELD, RAW)]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {STAGE} ("
        f"{', '.join([*texts, f'{LINE} BIGINT', f'{SOURCE_LINE} BIGINT', *extra])})"
    )
    select = _stage_columns(table, staged.schema.names)
    given = [c for c in table.column_names if c in staged.schema.names]
    if isinstance(staged, pa.Table):
        con.from_arrow(staged).project(select).insert_into(STAGE)
        # An in-memory batch (batches.py) has every column, those its reader had no value
        # for all missing: such a column says nothing about the stored values.
        given = [c for c in given if staged.column(c).null_count < staged.num_rows]
        return staged.num_rows, given
    relay = _Relay(staged)
    con.from_arrow(relay.reader).project(select).insert_into(STAGE)
    if relay.error is not None:
        raise relay.error
    return relay.rows, given


def _stage_rows(
    con: duckdb.DuckDBPyConnection, file: Loadable, stage: Callable[[Any], Any]
) -> tuple[int, list[str]]:
    try:
        return _copy_to_stage(con, file.table, stage(file))
    except Restart:  # the rows so far had wrong lines; read again, the careful way
        return _copy_to_stage(con, file.table, stage(file))


def load_file(
    con: duckdb.DuckDBPyConnection,
    file: Loadable,
    load_id: str,
    now: dt.datetime,
    *,
    after_earlier_file: bool = False,
    before_later_file: bool = False,
    stage: Callable[[Any], pa.Table | pa.RecordBatchReader] = read_staged,
) -> TableCounts:
    """Check one file's rows, add the good new ones and update the stored rows they change
    (inside the caller's transaction).

    `stage(file)` gives the rows as a `pa.Table` or a `pa.RecordBatchReader` (read.py); they
    are copied batch by batch into the temp table `_stage`, so only one batch is held in
    Python at a time. When other files of this load go to the same table, a row whose key an
    earlier one added or updated is a duplicate (quarantined), not a row already present.
    """
    rows, given = _stage_rows(con, file, stage)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CHECKED} AS {checked_query(file.table, now)}")
    if after_earlier_file:
        _mark_earlier_duplicates(con, file.table)
    quarantined = _quarantine(con, file.table, file, load_id)
    updated = _update_changed(con, file.table, file, given, remember=before_later_file)
    loaded = _insert_new(con, file.table, file, remember=before_later_file)
    con.execute(f"DROP TABLE {CHECKED}")
    con.execute(f"DROP TABLE {STAGE}")
    return TableCounts(loaded, quarantined, rows - loaded - quarantined - updated, updated)


LOG_COLUMNS = (
    "load_id", "loaded_at", "file_path", "file_sha256", "target_table", "rows_read",
    "rows_loaded", "rows_already_present", "rows_updated", "rows_quarantined", "synthetic",
)  # fmt: skip


def _log(con: duckdb.DuckDBPyConnection, load_id: str, reports: list[FileReport]) -> None:
    committed = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for r in reports:
        if r.skipped:
            continue
        c = r.counts
        con.execute(
            f"INSERT INTO load_log ({', '.join(LOG_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in LOG_COLUMNS)})",
            [
                load_id, committed, r.path, r.sha256, r.table, r.rows_read,
                c.loaded, c.already_present, c.updated, c.quarantined, r.synthetic,
            ],
        )  # fmt: skip


def _load_all(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Loadable],
    load_id: str,
    now: dt.datetime,
    progress: Progress,
    stage: Callable[[Any], pa.Table],
) -> list[FileReport]:
    rows_before: dict[tuple[str, str], int] = {}  # (sha256, table) of files loaded already
    for file in files:
        earlier = _rows_of_earlier_load(con, file)
        if earlier is not None:
            rows_before[(file.sha256, file.table.name)] = earlier
    to_read: dict[str, list[Loadable]] = {}
    for file in files:
        same = to_read.setdefault(file.table.name, [])
        is_copy = any(other.sha256 == file.sha256 for other in same)
        if (file.sha256, file.table.name) not in rows_before and not is_copy:
            same.append(file)
    reports: list[FileReport] = []
    for file in files:
        siblings = to_read[file.table.name]
        if file in siblings:
            counts = load_file(
                con,
                file,
                load_id,
                now,
                after_earlier_file=file is not siblings[0],
                before_later_file=file is not siblings[-1],
                stage=stage,
            )
            rows, skipped = counts.rows, False
        else:
            rows = rows_before.get((file.sha256, file.table.name))
            if rows is None:  # a copy of a file read earlier in this load
                rows = next(r.rows_read for r in reports if r.sha256 == file.sha256)
            counts, skipped = TableCounts(already_present=rows), True
        reports.append(
            FileReport(
                str(file.path), file.table.name, file.sha256, rows, counts, skipped, file.synthetic
            )
        )
        progress.step("load files", 1, len(files))
    for siblings in to_read.values():
        if len(siblings) > 1:
            con.execute(f"DROP TABLE IF EXISTS {keys_table(siblings[0].table)}")
    return reports


def moment_of(now: dt.datetime | None) -> dt.datetime:
    moment = now or dt.datetime.now(dt.UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def run_load(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Loadable],
    *,
    stage: Callable[[Any], pa.Table],
    progress: Progress,
    now: dt.datetime,
) -> LoadReport:
    """Load `files` (each with path, table, sha256, synthetic) in one transaction, all or nothing.

    `stage(file)` gives a file's rows as Arrow text columns with `_line` (see read.py).
    """
    model = load_data_model()
    load_id = new_load_id(dt.datetime.now(dt.UTC))
    (bar,) = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would write to stdout
    register_functions(con)
    con.execute("BEGIN TRANSACTION")
    try:
        reports = _load_all(con, files, load_id, now, progress, stage)
        _log(con, load_id, reports)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute(f"SET enable_progress_bar = {'true' if bar else 'false'}")
    tables: dict[str, TableCounts] = {}
    for table in model.loadable_tables:
        for report in reports:
            if report.table == table.name:
                tables[table.name] = tables.get(table.name, TableCounts()) + report.counts
    return LoadReport(
        load_id=load_id,
        tables=tables,
        files=tuple(reports),
        synthetic=bool(reports) and all(r.synthetic for r in reports),
    )


def load_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    *,
    progress: Progress = SILENT,
    now: dt.datetime | None = None,
    mapping: Path | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> LoadReport:
    """Load extract files (or folders of them) into the store, all or nothing.

    With `mapping` (a column mapping file, see mapping.py), the files it applies to are
    clinical-system exports read through it into its table; `pseudonymiser` holds the key for
    the columns it pseudonymises. Raises LoadError, with the store unchanged, when a file
    (or the mapping) cannot be used at all.
    """
    moment = moment_of(now)
    model = load_data_model()
    if mapping is None:
        files = discover(paths, model)
        return run_load(con, files, stage=read_staged, progress=progress, now=moment)
    rules = load_mapping(mapping, model)
    stage = rules.stage_function(pseudonymiser)
    files = discover(paths, model, mapping=rules)
    return run_load(con, files, stage=stage, progress=progress, now=moment)

"""Opening the store. The only module that knows the store is DuckDB."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from neighbourhood.store.ddl import quote, schema_sql, sql_type
from neighbourhood.store.model import load_data_model

DEFAULT_DB = "neighbourhood.duckdb"
DB_ENV = "NEIGHBOURHOOD_DB"
MEMORY_LIMIT_ENV = "NEIGHBOURHOOD_MEMORY_LIMIT"  # e.g. "2GB": DuckDB spills to disk beyond it


def default_db_path() -> str:
    return os.environ.get(DB_ENV, DEFAULT_DB)


def connect(
    path: str | Path | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open (and, unless read-only, create or upgrade) the store.

    `path` ":memory:" gives a private in-memory store, used by tests.
    """
    target = str(path) if path is not None else default_db_path()
    if read_only and target != ":memory:" and not Path(target).exists():
        raise FileNotFoundError(
            f"no store at {target}: run `neighbourhood load` or `neighbourhood demo` first"
        )
    con = duckdb.connect(target, read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    limit = os.environ.get(MEMORY_LIMIT_ENV)
    if limit:
        try:
            con.execute("SET memory_limit = ?", [limit])
        except duckdb.Error as error:
            con.close()
            raise ValueError(
                f"{MEMORY_LIMIT_ENV}={limit!r}: not a memory size ({error})"
            ) from error
    if not read_only:
        con.execute(schema_sql(load_data_model()))
        _add_new_columns(con)
    return con


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A store made by an earlier version gains the columns declared since (empty)."""
    present = set(
        con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        ).fetchall()
    )
    for table in load_data_model().tables:
        for column in table.columns:
            if (table.name, column.name) not in present:
                con.execute(
                    f"ALTER TABLE {quote(table.name)} "
                    f"ADD COLUMN {quote(column.name)} {sql_type(column)}"
                )

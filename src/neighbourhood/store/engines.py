"""The engines a query can run on, through Ibis: the embedded DuckDB store (default), a
PostgreSQL 15 database holding the same tables, or Spark in local mode (optional extra).

The store is the only place that knows which engine holds the data; the cohort compiler asks
for a table by name and gets an Ibis table, whatever the engine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis

from neighbourhood.store.connection import default_db_path
from neighbourhood.store.ddl import schema_sql
from neighbourhood.store.model import load_data_model

ENGINES = ("duckdb", "postgresql", "spark")


class EngineError(RuntimeError):
    """An engine could not be reached or lacks what the query needs."""


def stored(backend: Any, table):
    """`table.cache()` on the backend, with the small in-memory tables (codelists) the
    expression reads registered first: Ibis's PySpark backend does not do that for a cache."""
    backend._run_pre_execute_hooks(table)
    return table.cache()


@dataclass
class Engine:
    """An open Ibis backend with the name of its engine; `table(name)` is what queries read."""

    name: str
    backend: Any
    description: str
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def table(self, name: str):
        try:
            return self.backend.table(name)
        except Exception as error:
            raise EngineError(f"{self.description}: no table {name!r} ({error})") from error

    def stored(self, table):
        """The expression's rows as a temporary table of the engine (release it with
        `.release()`), so that several queries read them without working them out again."""
        return stored(self.backend, table)

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers.clear()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_engine(db: str | Path | None = None, engine: str = "duckdb") -> Engine:
    """`db` is a DuckDB file (default: the store), or a postgresql:// URL; `engine` spark
    copies the store's tables into a local Spark session."""
    target = str(db) if db is not None else default_db_path()
    if target.startswith(("postgresql://", "postgres://")):
        if engine not in ("duckdb", "postgresql"):
            raise EngineError(f"--engine {engine} cannot read a PostgreSQL URL")
        return open_postgresql(target)
    if engine == "postgresql":
        raise EngineError("--engine postgresql needs --db postgresql://user@host:port/database")
    if engine == "spark":
        return open_spark_from_duckdb(target)
    if engine != "duckdb":
        raise EngineError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")
    return open_duckdb(target)


def open_duckdb(path: str | Path) -> Engine:
    if str(path) != ":memory:" and not Path(path).exists():
        raise EngineError(f"no store at {path}: run `neighbourhood load` or `neighbourhood demo`")
    backend = ibis.duckdb.connect(str(path), read_only=str(path) != ":memory:")
    backend.raw_sql("SET TimeZone = 'UTC'")
    return Engine("duckdb", backend, f"DuckDB store {path}", [backend.disconnect])


def open_postgresql(url: str) -> Engine:
    try:
        backend = ibis.connect(url)
    except Exception as error:
        raise EngineError(f"cannot connect to PostgreSQL at {_safe(url)}: {error}") from error
    return Engine("postgresql", backend, f"PostgreSQL {_safe(url)}", [backend.disconnect])


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"


def spark_session(cores: int = 2):
    """A local Spark session (the `spark` extra): UTC, no UI, a private warehouse folder."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineError(
            "Spark is an optional extra: pip install 'neighbourhood[spark]' (needs Java 17)"
        ) from error
    warehouse = tempfile.mkdtemp(prefix="neighbourhood-spark-")
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("neighbourhood")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, cores)))
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
        .getOrCreate()
    )


def open_spark(session: Any = None) -> Engine:
    session = session or spark_session()
    return Engine("spark", ibis.pyspark.connect(session), "Spark (local)", [])


def open_spark_from_duckdb(path: str | Path, tables: Iterable[str] | None = None) -> Engine:
    """Spark reading the store's tables, exported to Parquet in a scratch folder."""
    source = open_duckdb(path)
    engine = open_spark()
    folder = Path(tempfile.mkdtemp(prefix="neighbourhood-parquet-"))
    try:
        for name in tables or loadable_table_names():
            file = folder / f"{name}.parquet"
            source.backend.to_parquet(source.table(name), file)
            engine.backend._session.read.parquet(str(file)).createOrReplaceTempView(name)
    finally:
        source.close()
    return engine


def loadable_table_names() -> list[str]:
    return [t.name for t in load_data_model().tables if t.loadable]


def copy_tables(source: Engine, target: Engine, names: Iterable[str]) -> None:
    """Fill a PostgreSQL database from the store: the data model's schema (created where
    missing), then each named table emptied and copied whole."""
    if target.name != "postgresql":
        raise EngineError(f"copy_tables fills a PostgreSQL database, not {target.description}")
    target.backend.raw_sql(schema_sql(load_data_model(), "postgresql")).close()
    for name in names:
        target.backend.truncate_table(name)
        target.backend.insert(name, source.table(name).to_pyarrow())

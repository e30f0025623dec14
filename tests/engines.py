"""Engines for the tests: a throwaway PostgreSQL server and a local Spark session.

PostgreSQL: `NEIGHBOURHOOD_TEST_POSTGRES` (a postgresql:// URL) when set; otherwise a server
of our own, made with initdb in a temporary folder and started with pg_ctl on a free port
(socket in that folder too), stopped and deleted at the end. PostgreSQL refuses to run as
root, so as root the server runs as the `postgres` OS user (the Debian package creates it).
When no server can be had the tests that need one fail, with the reason: they never skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

POSTGRES_ENV = "NEIGHBOURHOOD_TEST_POSTGRES"
HOW_TO_GET_POSTGRES = (
    f"install the PostgreSQL server (Debian: apt-get install postgresql), or set {POSTGRES_ENV} "
    "to the URL of a server to use (postgresql://user:password@host:port/database)"
)


class ServerError(RuntimeError):
    """A PostgreSQL server for the tests could not be found or started."""


def postgres_bindir() -> Path:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's newest version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    debian = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if debian:
        newest = max(debian, key=lambda path: int(Path(path).parts[-3].split(".")[0]))
        return Path(newest).parent
    raise ServerError(
        f"no PostgreSQL server binaries (initdb, pg_ctl) found: {HOW_TO_GET_POSTGRES}"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL server in a temporary folder: `start()`, use `url`, `stop()`."""

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="nbh-pg-"))  # short: the socket lives here
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0
        self.started = False
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                self._remove()
                raise ServerError(
                    "the tests run as root, PostgreSQL will not, and there is no `postgres` OS "
                    f"user to run it as: {HOW_TO_GET_POSTGRES}"
                ) from None
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            if not Path(runuser).exists():
                self._remove()
                raise ServerError("running as root, and no `runuser` to start PostgreSQL with")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as_user = [runuser, "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str | Path) -> None:
        args = [*self._as_user, *(str(c) for c in command)]
        done = subprocess.run(args, cwd=self.folder, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ServerError(
                f"`{' '.join(args)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}{log}"
            )

    def start(self) -> ThrowawayPostgres:
        try:
            self._run(
                self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                "--no-locale", "--encoding=UTF8", "--no-sync",
            )  # fmt: skip
            for attempt in range(3):  # a free port can be taken before the server binds it
                self.port = _free_port()
                options = (
                    f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                )
                try:
                    self._run(
                        self.bindir / "pg_ctl", "-D", self.data, "-l", self.log, "-w",
                        "-t", "60", "-o", options, "start",
                    )  # fmt: skip
                    break
                except ServerError:
                    if attempt == 2:
                        raise
            self.started = True
        except BaseException:
            self._remove()
            raise
        return self

    def stop(self) -> None:
        try:
            if self.started:
                self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
                self.started = False
        finally:
            self._remove()

    def _remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def local_spark_session(warehouse: Path):
    """Spark in local mode on one core: UTC, no UI, one shuffle partition, a private
    warehouse (and Derby metastore) folder."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("neighbourhood-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class PostgresSchema:
    """A schema of its own on a test server, holding the data model's tables (PostgreSQL
    layout); `fill` empties the named tables and copies rows in; `drop` removes it all."""

    def __init__(self, url: str, prefix: str) -> None:
        import psycopg

        from neighbourhood.store.ddl import schema_sql
        from neighbourhood.store.model import load_data_model

        self.model = load_data_model()
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.loader = psycopg.connect(url, autocommit=True)
        self.loader.execute(f'CREATE SCHEMA "{self.name}"')
        self.loader.execute(f'SET search_path TO "{self.name}"')
        self.loader.execute(schema_sql(self.model, "postgresql"))

    def fill(self, tables: dict[str, list[dict]], names: list[str]) -> None:
        with self.loader.transaction():
            self.loader.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in names))
            cursor = self.loader.cursor()
            for name in names:
                columns = list(self.model.table(name).column_names)
                quoted = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                    for row in tables.get(name, []):
                        copy.write_row([row.get(c) for c in columns])

    def drop(self) -> None:
        self.loader.execute(f'DROP SCHEMA "{self.name}" CASCADE')
        self.loader.close()

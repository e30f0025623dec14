"""Session fixtures shared by the tests: a PostgreSQL server, a local Spark session."""

from __future__ import annotations

import os
import shutil

import pytest

from engines import POSTGRES_ENV, ServerError, ThrowawayPostgres, local_spark_session


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL URL: NEIGHBOURHOOD_TEST_POSTGRES, or a throwaway server started here.
    Fails (never skips) when neither can be had."""
    configured = os.environ.get(POSTGRES_ENV)
    if configured:
        yield configured
        return
    try:
        server = ThrowawayPostgres().start()
    except ServerError as error:
        problem = str(error)
    else:
        problem = None
    if problem is not None:
        pytest.fail(f"no PostgreSQL for the tests: {problem}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """A local Spark session (one core), for tests marked `spark`."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail(
            "pyspark is not installed: `make test` installs it (pip install -e '.[dev,spark]'); "
            "or leave these tests out with -m 'not spark'",
            pytrace=False,
        )
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.fail("Spark needs Java 17 (no java on PATH, no JAVA_HOME)", pytrace=False)
    session = local_spark_session(tmp_path_factory.mktemp("spark-warehouse"))
    try:
        yield session
    finally:
        session.stop()


def pytest_collection_modifyitems(config, items):
    """Spark is only for tests marked `spark`, so `-m "not spark"` leaves it out entirely."""
    unmarked = [
        i.nodeid for i in items if "spark" in i.fixturenames and not i.get_closest_marker("spark")
    ]
    if unmarked:
        raise pytest.UsageError(f"tests using the spark fixture must be marked spark: {unmarked}")

"""Store settings from the environment."""

from __future__ import annotations

import pytest

from neighbourhood.store import connect
from neighbourhood.store.connection import MEMORY_LIMIT_ENV


def test_memory_limit_from_the_environment(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "300MB")
    con = connect(":memory:")
    (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit == "286.1 MiB"  # DuckDB shows 300 MB (10^6 bytes) in MiB
    con.close()


def test_a_bad_memory_limit_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match="NEIGHBOURHOOD_MEMORY_LIMIT='lots': not a memory size"):
        connect(":memory:")

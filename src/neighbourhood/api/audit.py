"""The append-only audit log of patient-level reads: who, what, when and why.

A table in its own SQLite file, apart from the store. Triggers abort any UPDATE or DELETE of
its rows, so a row once written cannot be changed through SQLite either; the API only ever
inserts. A read whose audit row cannot be written fails (500) without returning its rows.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,            -- UTC instant, ISO 8601
    user TEXT NOT NULL,
    kind TEXT NOT NULL,          -- user or service
    role TEXT NOT NULL,
    org_code TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,         -- the query string, the reason included
    reason TEXT NOT NULL,
    outcome TEXT NOT NULL,       -- read, denied or not_found
    rows INTEGER NOT NULL,
    patients TEXT NOT NULL       -- JSON list of the pseudonymous patient ids returned
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

COLUMNS = ("at", "user", "kind", "role", "org_code", "method", "path", "query", "reason",
           "outcome", "rows", "patients")  # fmt: skip


@dataclass(frozen=True)
class AuditLog:
    path: Path

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def write(self, *, patients: Iterable[str] = (), **entry: Any) -> None:
        ids = [str(p) for p in patients]
        row = {"at": dt.datetime.now(dt.UTC).isoformat(), "rows": len(ids)} | entry
        row["patients"] = json.dumps(ids)
        con = self._connect()
        try:
            con.execute(
                f"INSERT INTO audit_log ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in COLUMNS)})",
                [row[c] for c in COLUMNS],
            )
        finally:
            con.close()

    def rows(self) -> list[dict[str, Any]]:
        """Every row, oldest first (for review and tests; the API does not serve it)."""
        con = self._connect()
        con.row_factory = sqlite3.Row
        try:
            found = [dict(r) for r in con.execute("SELECT * FROM audit_log ORDER BY id")]
        finally:
            con.close()
        for r in found:
            r["patients"] = json.loads(r["patients"])
        return found

"""A small synthetic store for the API tests (built once per session), users of each role,
and a client."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import warnings
from pathlib import Path

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its test client
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from neighbourhood.api import ApiSettings, ServiceAccount, create_app, hash_key, mint_token
from neighbourhood.records import load_paths
from neighbourhood.store import connect
from neighbourhood.synthetic import generate

SECRET = "test-only-secret-" + "k" * 32  # a test key, made up here; never a real one
SERVICE_KEY = "service-key-for-the-tests-only"
AT = "2025-09-30"  # the synthetic store's reference date


@functools.cache
def store() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="neighbourhood-api-"))
    result = generate(folder / "extract", patients=500, seed=7)
    db = folder / "store.duckdb"
    con = connect(db)
    try:
        load_paths(con, [folder / "extract"])
    finally:
        con.close()
    assert result.reference_date == dt.date.fromisoformat(AT)
    return db


@functools.cache
def hierarchy() -> dict[str, str]:
    """Codes of the store: two PCNs (the first with patients in a care home cohort), a
    practice of the first, its ICB and region, a provider whose teams serve it."""
    con = connect(store(), read_only=True)
    try:

        def one(sql: str, *params: str) -> str:
            return con.execute(sql, list(params)).fetchone()[0]

        found = con.execute("SELECT org_code FROM organisations WHERE org_type = 'pcn' ORDER BY 1")
        pcns = [r[0] for r in found.fetchall()]
        pcn = pcns[0]
        member = "SELECT min(child_code) FROM org_memberships WHERE relationship = ? AND "
        practice = one(member + "parent_code = ?", "practice_in_pcn", pcn)
        sub_icb = one("SELECT parent_code FROM org_memberships WHERE relationship = "
                      "'pcn_in_sub_icb' AND child_code = ?", pcn)  # fmt: skip
        icb = one("SELECT parent_code FROM org_memberships WHERE relationship = "
                  "'sub_icb_in_icb' AND child_code = ?", sub_icb)  # fmt: skip
        region = one("SELECT parent_code FROM org_memberships WHERE relationship = "
                     "'icb_in_region' AND child_code = ?", icb)  # fmt: skip
        provider = one(
            """SELECT min(p.parent_code) FROM org_memberships p JOIN org_memberships s
               ON s.child_code = p.child_code AND s.relationship = 'team_serves_pcn'
               WHERE p.relationship = 'team_run_by_provider' AND s.parent_code = ?""",
            pcn,
        )
    finally:
        con.close()
    return {"pcn": pcn, "other_pcn": pcns[1], "practice": practice, "icb": icb,
            "region": region, "provider": provider}  # fmt: skip


def settings(tmp_path: Path) -> ApiSettings:
    return ApiSettings(
        db=store(),
        jwt_secret=SECRET,
        api_keys=(ServiceAccount("reporting", hash_key(SERVICE_KEY), "icb", hierarchy()["icb"]),),
        audit_log=tmp_path / "audit.sqlite",
    )


def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(settings(tmp_path)), raise_server_exceptions=False)


def token(role: str, org_code: str, **kwargs) -> str:
    found, _ = mint_token(SECRET, user=f"{role}-user", role=role, org_code=org_code, **kwargs)
    return found


def bearer(role: str, org_code: str, **kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, org_code, **kwargs)}"}


def national() -> dict[str, str]:
    return bearer("national", "ENGLAND")

"""Authentication: a missing, expired, forged or otherwise wrong token gets 401; API keys are
checked against their hashes; keys come from the environment or a configuration file."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from typer.testing import CliRunner

from api_support import SECRET, SERVICE_KEY, bearer, client, hierarchy, store, token
from neighbourhood.api import ApiSettings, ConfigError, hash_key
from neighbourhood.cli import app


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return client(tmp_path_factory.mktemp("api"))


def claims(**changes):
    now = dt.datetime.now(dt.UTC)
    found = {"sub": "someone", "role": "national", "org": "ENGLAND", "iat": now,
             "exp": now + dt.timedelta(hours=1), "iss": "neighbourhood"}  # fmt: skip
    return {k: v for k, v in (found | changes).items() if v is not None}


BAD_TOKENS = {
    "expired": lambda: token(
        "national", "ENGLAND", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)
    ),
    "forged": lambda: jwt.encode(claims(), "another-key-" + "x" * 40, algorithm="HS256"),
    "alg none": lambda: jwt.encode(claims(), None, algorithm="none"),
    "tampered": lambda: token("pcn", hierarchy()["pcn"])[:-4] + "AAAA",
    "other issuer": lambda: jwt.encode(claims(iss="elsewhere"), SECRET, algorithm="HS256"),
    "no role": lambda: jwt.encode(claims(role=None), SECRET, algorithm="HS256"),
    "unknown role": lambda: jwt.encode(claims(role="admin"), SECRET, algorithm="HS256"),
    "no expiry": lambda: jwt.encode(claims(exp=None), SECRET, algorithm="HS256"),
    "garbage": lambda: "not.a.token",
}


@pytest.mark.parametrize("name", BAD_TOKENS)
def test_bad_tokens_get_401(api, name):
    found = api.get("/v1/me", headers={"Authorization": f"Bearer {BAD_TOKENS[name]()}"})
    assert found.status_code == 401
    assert found.headers["content-type"].startswith("application/problem+json")
    assert found.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/me",
        "/v1/cohorts/efi/patients?reason=why",
        "/v1/access/ucr?month=2025-08",
        "/v1/capacity/scenarios",
    ],
)
def test_no_credentials_get_401(api, path):
    assert api.get(path).status_code == 401
    assert api.get(path, headers={"X-API-Key": "wrong"}).status_code == 401


def test_a_good_token_and_a_good_key_are_let_in(api):
    assert api.get("/v1/me", headers=bearer("pcn", hierarchy()["pcn"])).json()["role"] == "pcn"
    assert api.get("/v1/me", headers={"X-API-Key": SERVICE_KEY}).status_code == 200


def test_settings_from_the_environment_and_a_file(tmp_path):
    config = tmp_path / "api.yaml"
    config.write_text(
        f"jwt_secret: {'f' * 40}\naudit_log: {tmp_path / 'a.sqlite'}\napi_keys:\n"
        f"  - {{name: etl, sha256: {hash_key('k')}, role: pcn, org_code: U1}}\n",
        encoding="utf-8",
    )
    from_file = ApiSettings.load("s.duckdb", config=config, environ={})
    assert from_file.jwt_secret == "f" * 40
    assert from_file.api_keys[0].name == "etl"
    assert from_file.audit_log == tmp_path / "a.sqlite"
    env = {"NEIGHBOURHOOD_API_SECRET": "e" * 40, "NEIGHBOURHOOD_API_CONFIG": str(config)}
    assert ApiSettings.load("s.duckdb", environ=env).jwt_secret == "e" * 40
    assert "f" * 40 not in repr(from_file)
    with pytest.raises(ConfigError, match="32 characters"):
        ApiSettings.load("s.duckdb", environ={"NEIGHBOURHOOD_API_SECRET": "short"})
    config.write_text("api_keys:\n  - {name: x, sha256: abc, role: pcn, org_code: U1}\n")
    with pytest.raises(ConfigError, match="sha256"):
        ApiSettings.load("s.duckdb", config=config, environ={})


def test_without_a_configured_key_no_token_is_accepted(tmp_path):
    from fastapi.testclient import TestClient

    from neighbourhood.api import create_app

    api = TestClient(create_app(ApiSettings(db=store(), audit_log=tmp_path / "a.sqlite")))
    assert api.get("/v1/me", headers=bearer("national", "ENGLAND")).status_code == 401


def test_serve_prints_a_demo_token_for_the_first_pcn(monkeypatch):
    started = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: started.update(app=app, **kw))
    monkeypatch.delenv("NEIGHBOURHOOD_API_SECRET", raising=False)
    monkeypatch.delenv("NEIGHBOURHOOD_API_CONFIG", raising=False)
    result = CliRunner().invoke(app, ["--db", str(store()), "serve", "--port", "8123",
                                      "--demo-user"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert started["port"] == 8123 and started["host"] == "127.0.0.1"
    assert f"PCN {hierarchy()['pcn']}" in result.output and "expires" in result.output
    printed = next(w for w in result.output.split() if w.count(".") == 2 and len(w) > 100)
    secret = started["app"].state.neighbourhood.settings.jwt_secret
    decoded = jwt.decode(printed, secret, algorithms=["HS256"], issuer="neighbourhood")
    assert decoded["role"] == "pcn" and decoded["org"] == hierarchy()["pcn"]


def test_serve_refuses_a_missing_store(tmp_path):
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "none.duckdb"), "serve"])
    assert result.exit_code == 2

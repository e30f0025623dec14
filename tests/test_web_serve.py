"""`neighbourhood serve` runs the dashboard with the API, and refuses to start without the
NHS.UK frontend's files rather than serve unstyled pages."""

from __future__ import annotations

import warnings

from typer.testing import CliRunner

from api_support import store

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its test client
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from neighbourhood.cli import app


def test_serve_runs_the_dashboard_and_the_api(monkeypatch):
    started = {}
    monkeypatch.setattr("uvicorn.run", lambda site, **kw: started.update(site=site, **kw))
    monkeypatch.setenv("NEIGHBOURHOOD_API_SECRET", "s" * 40)
    result = CliRunner().invoke(app, ["--db", str(store()), "serve", "--demo-user"])
    assert result.exit_code == 0, result.output
    client = TestClient(started["site"])
    assert client.get("/sign-in").headers["content-type"].startswith("text/html")
    assert client.get("/v1/me").status_code == 401
    assert client.get("/nhsuk/nhsuk-frontend.min.css").status_code == 200
    assert (
        client.get("/dashboard", follow_redirects=False).headers["location"].startswith("/sign-in")
    )
    assert "/sign-in" in result.output


def test_serve_without_the_frontend_files_says_how_to_get_them(monkeypatch, tmp_path):
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: None)
    monkeypatch.setenv("NEIGHBOURHOOD_API_SECRET", "s" * 40)
    monkeypatch.setenv("NEIGHBOURHOOD_ASSETS", str(tmp_path))
    result = CliRunner().invoke(app, ["--db", str(store()), "serve"])
    assert result.exit_code == 2
    assert "nhsuk-frontend.min.css" in result.output and "npm ci --prefix frontend" in result.output


def test_several_workers_each_build_the_site_from_the_environment(monkeypatch):
    started = {}
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: started.update(target=target, **kw))
    for name in ("NEIGHBOURHOOD_API_SECRET", "NEIGHBOURHOOD_API_CONFIG", "NEIGHBOURHOOD_DB"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(
        app, ["--db", str(store()), "serve", "--workers", "2", "--demo-user"]
    )
    assert result.exit_code == 0, result.output
    assert started["target"] == "neighbourhood.web.site:from_environment"
    assert started["factory"] is True and started["workers"] == 2
    printed = next(w for w in result.output.split() if w.count(".") == 2 and len(w) > 100)

    from neighbourhood.web.site import from_environment

    worker = TestClient(from_environment())  # as a worker process would, from its environment
    signed_in = worker.post("/sign-in", data={"token": printed}, follow_redirects=False)
    assert signed_in.status_code == 303 and "neighbourhood_session" in signed_in.cookies

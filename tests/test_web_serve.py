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

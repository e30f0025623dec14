"""The whole site `neighbourhood serve` runs: the REST API, the dashboard's pages and the
NHS.UK frontend's files, all from this server (nothing from a CDN, so it works offline)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from neighbourhood.api import ApiSettings, create_app, scoped
from neighbourhood.api.auth import Principal
from neighbourhood.api.context import Context
from neighbourhood.api.problems import Problem
from neighbourhood.overview import data_date
from neighbourhood.payments.statement import statement_year
from neighbourhood.web import capacity, downloads, pages, session
from neighbourhood.web.assets import MOUNTED_AT, STYLESHEET, checked, offline_stylesheet
from neighbourhood.web.templating import render

log = logging.getLogger(__name__)
PAGES = ("/dashboard", "/sign-in", "/sign-out")


def create_site(
    settings: ApiSettings, assets: Path | None = None, *, warm_on_start: bool = False
) -> FastAPI:
    """The API (`create_app`) with the dashboard; `assets` is nhsuk-frontend's dist/nhsuk
    folder (by default the checkout's, see `web.assets`). With `warm_on_start`, the slowest
    results are worked out in the background as the server starts (`warm`)."""
    app = create_app(settings)
    if warm_on_start:
        app.router.lifespan_context = _warming
    folder = checked(assets)
    stylesheet = offline_stylesheet(folder)

    @app.get(f"{MOUNTED_AT}/{STYLESHEET}", include_in_schema=False)
    def nhsuk_stylesheet() -> Response:
        return Response(stylesheet, media_type="text/css; charset=utf-8")

    app.mount(MOUNTED_AT, StaticFiles(directory=folder), name="nhsuk")
    app.mount("/dashboard-static", StaticFiles(directory=Path(__file__).parent / "static"),
              name="dashboard-static")  # fmt: skip
    for module in (session, capacity, downloads, pages):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/dashboard", status_code=307)

    @app.exception_handler(session.SignInRequired)
    async def _sign_in(request: Request, error: session.SignInRequired) -> Response:
        response = RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)
        if error.stale:
            response.delete_cookie(session.COOKIE, path="/")
        return response

    _pages_answer_in_html(app)
    return app


def _pages_answer_in_html(app: FastAPI) -> None:
    """An error on a dashboard page is a page; on the API, problem details as before."""
    for kind in (Problem, RequestValidationError, StarletteHTTPException, Exception):
        api_handler = app.exception_handlers[kind]

        async def handler(request: Request, error: Exception, api_handler=api_handler):
            if not request.url.path.startswith(PAGES):
                return await api_handler(request, error)
            status, detail = _status_and_detail(error)
            if status >= 500:
                log.exception("unhandled error on %s", request.url.path, exc_info=error)
            return render(request, "error.html", status=status, message=detail,
                          heading=_HEADINGS.get(status))  # fmt: skip

        app.add_exception_handler(kind, handler)


def _status_and_detail(error: Exception) -> tuple[int, str]:
    if isinstance(error, Problem):
        return error.status, error.detail
    if isinstance(error, RequestValidationError):
        fields = ", ".join(str(e.get("loc", ("",))[-1]) for e in error.errors())
        return 422, f"Check what you asked for: {fields} is not valid."
    if isinstance(error, StarletteHTTPException):
        return error.status_code, "There is no such page." if error.status_code == 404 else str(
            error.detail
        )
    return 500, "The server failed to answer; the error is logged."


DB_ENV = "NEIGHBOURHOOD_DB"


def from_environment() -> FastAPI:
    """The site for each of several worker processes (`uvicorn --factory`): the store from
    $NEIGHBOURHOOD_DB, the API settings from their own environment variables."""
    return create_site(ApiSettings.load(Path(os.environ[DB_ENV])), warm_on_start=True)


@asynccontextmanager
async def _warming(app: FastAPI) -> AsyncIterator[None]:
    # Not a daemon: the server waits for it on shutdown rather than kill it inside DuckDB.
    worker = threading.Thread(target=warm, args=(app,), name="warm-up")
    worker.start()
    yield
    worker.join()


def warm(app: FastAPI) -> None:
    """Work out the slowest results (every cohort, the year's indicators) on the store's date,
    so the first visit to those pages does not wait for them. For a background thread."""
    try:
        _warm(app.state.neighbourhood)
    except Exception:  # the pages work the results out themselves when asked
        log.exception("warming the dashboard's results failed")


def _warm(state) -> None:
    ctx = Context(state, Principal(user="warm-up", kind="service", role="national",
                                   org_code="ENGLAND"), request=None)  # fmt: skip
    with ctx.store() as con:
        on = state.cache.get(("data-date",), lambda: data_date(con))
    scoped.library_runs(ctx, on)
    scoped.indicator_results(ctx, statement_year(on))


_HEADINGS = {403: "You cannot see this organisation", 404: "Page not found",
             422: "Sorry, there is a problem with what you asked for",
             500: "Sorry, there is a problem with the service"}  # fmt: skip

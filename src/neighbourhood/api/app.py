"""The FastAPI application over the store's results (see README.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from neighbourhood import __version__
from neighbourhood.api import problems
from neighbourhood.api.audit import AuditLog
from neighbourhood.api.context import AppState
from neighbourhood.api.routers import access, capacity, cohorts, indicators, organisations, payments
from neighbourhood.api.settings import ApiSettings

DESCRIPTION = """Footprints, cohorts, indicators, payments, access standards and capacity for
PCNs, community health services and ICBs in England.

Authenticate with a bearer JWT (HS256: `sub`, `role`, `org`) or a service account's
`X-API-Key`. Patient-level endpoints answer only inside your organisation's scope, need a
`reason` (query parameter or `X-Reason` header) and are written to the audit log. Aggregates
outside your scope come suppressed for publication. Every list takes `limit` and `offset`;
every answer is JSON, or CSV with `?format=csv` or `Accept: text/csv`. Errors are
`application/problem+json` (RFC 9457)."""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.neighbourhood.close()  # the store's connection


def create_app(settings: ApiSettings) -> FastAPI:
    app = FastAPI(
        title="neighbourhood API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.neighbourhood = AppState(settings=settings, audit=AuditLog(settings.audit_log))
    problems.install(app)
    for module in (organisations, cohorts, indicators, payments, access, capacity):
        app.include_router(module.router)

    @app.get("/health", tags=["service"], summary="The service is up (no authentication)")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

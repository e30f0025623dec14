"""Errors as problem details (RFC 9457, `application/problem+json`): type, title, status,
detail, and the instance (the request path). Every error the API gives has this shape."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:neighbourhood:problem:"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error to answer with: `slug` names its type (urn:neighbourhood:problem:<slug>)."""

    def __init__(self, status: int, slug: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


def unauthorised(detail: str) -> Problem:
    problem = Problem(401, "unauthorised", detail)
    problem.headers["WWW-Authenticate"] = 'Bearer realm="neighbourhood"'
    return problem


def forbidden(detail: str) -> Problem:
    return Problem(403, "outside-scope", detail)


def not_found(detail: str) -> Problem:
    return Problem(404, "not-found", detail)


def bad_request(detail: str, slug: str = "bad-request") -> Problem:
    return Problem(400, slug, detail)


def problem_response(
    request: Request, status: int, slug: str, detail: str, headers=None, **extra: Any
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    } | extra
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


_SLUGS = {400: "bad-request", 401: "unauthorised", 403: "outside-scope", 404: "not-found",
          405: "method-not-allowed", 406: "not-acceptable", 422: "invalid-parameters"}  # fmt: skip


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(
            request, error.status, error.slug, error.detail, error.headers or None, **error.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        slug = _SLUGS.get(error.status_code, "error")
        return problem_response(
            request, error.status_code, slug, str(error.detail), getattr(error, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": list(map(str, e.get("loc", ()))), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['location'])}: {e['message']}" for e in errors)
        return problem_response(request, 422, "invalid-parameters", detail, errors=errors)

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            request, 500, "server-error", "the server failed to answer; the error is logged"
        )

"""Signing in to the dashboard: a token (JWT) or service key, checked exactly as the API checks
it, kept in an HttpOnly, SameSite=Strict cookie for the session; every page asks for it again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from neighbourhood.api.auth import AuthError, authenticate
from neighbourhood.api.context import Context
from neighbourhood.web.templating import render

COOKIE = "neighbourhood_session"
SESSION_SECONDS = 8 * 60 * 60

router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    def __init__(self, next_path: str, stale: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.stale = stale  # a cookie whose token no longer signs in: cleared


def _principal(request: Request, credential: str):
    settings = request.app.state.neighbourhood.settings
    is_jwt = credential.count(".") == 2
    return authenticate(settings, credential if is_jwt else None, None if is_jwt else credential)


def viewer(request: Request) -> Context:
    """The signed-in user's context, or a redirect to the sign-in page."""
    credential = request.cookies.get(COOKIE)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not credential:
        raise SignInRequired(here)
    try:
        principal = _principal(request, credential)
    except AuthError:
        raise SignInRequired(here, stale=True) from None
    return Context(request.app.state.neighbourhood, principal, request)


Viewer = Annotated[Context, Depends(viewer)]


def _safe_next(path: str | None) -> str:
    """Only a path on this site (no scheme, no other host) is followed after signing in."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/dashboard"
    return path


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    return render(request, "sign_in.html", next=_safe_next(next), error=None)


@router.post("/sign-in")
def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=500)] = "/dashboard",
) -> Response:
    credential = token.strip()
    try:
        if not credential:
            raise AuthError("enter your access token or service key")
        _principal(request, credential)
    except AuthError as error:
        return render(request, "sign_in.html", status=401, next=_safe_next(next), error=str(error))
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, credential, max_age=SESSION_SECONDS, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response


@router.post("/sign-out")
def sign_out() -> Response:
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response

"""What every handler needs: the settings, the caller, their scope, the store, the audit log."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import duckdb
from fastapi import Depends, Header, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from neighbourhood.api.audit import AuditLog
from neighbourhood.api.auth import AuthError, Principal, authenticate
from neighbourhood.api.problems import Problem, bad_request, unauthorised
from neighbourhood.api.scope import Scope, scope_of
from neighbourhood.api.settings import ApiSettings
from neighbourhood.store import connect
from neighbourhood.store.engines import Engine, EngineError, open_duckdb

_bearer = HTTPBearer(auto_error=False, description="A JWT signed with the server's HS256 key.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="A service account key.")


class Cache:
    """A small least-recently-used cache of results worked out from the (read-only) store."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


@dataclass
class AppState:
    settings: ApiSettings
    audit: AuditLog
    cache: Cache = field(default_factory=Cache)
    capacity_runs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    state: AppState
    principal: Principal
    request: Request
    _scopes: dict[dt.date, Scope] = field(default_factory=dict)

    @property
    def settings(self) -> ApiSettings:
        return self.state.settings

    @contextmanager
    def store(self) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con = connect(self.settings.db, read_only=True)
        except FileNotFoundError as error:
            raise Problem(503, "no-store", str(error)) from None
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        try:
            opened = open_duckdb(self.settings.db)
        except EngineError as error:
            raise Problem(503, "no-store", str(error)) from None
        with opened:
            yield opened

    def scope(self, on: dt.date | None = None) -> Scope:
        on = on or dt.date.today()
        if on not in self._scopes:
            with self.store() as con:
                self._scopes[on] = scope_of(self.principal, con, on)
        return self._scopes[on]

    def audit(self, *, reason: str, outcome: str, patients: Iterable[str] = ()) -> None:
        """One row of the audit log for a patient-level read (or a refused one)."""
        p = self.principal
        self.state.audit.write(
            user=p.user, kind=p.kind, role=p.role, org_code=p.org_code,
            method=self.request.method, path=self.request.url.path,
            query=str(self.request.url.query), reason=reason, outcome=outcome,
            patients=patients,
        )  # fmt: skip


def _state(request: Request) -> AppState:
    return request.app.state.neighbourhood


def context(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Context:
    state = _state(request)
    try:
        principal = authenticate(state.settings, bearer.credentials if bearer else None, api_key)
    except AuthError as error:
        raise unauthorised(str(error)) from None
    return Context(state, principal, request)


Ctx = Annotated[Context, Depends(context)]


def reason(
    query: Annotated[
        str | None,
        Query(
            alias="reason",
            max_length=500,
            description="Why you are reading patient-level data (kept in the audit log); "
            "or the X-Reason header. Required.",
        ),
    ] = None,
    header: Annotated[str | None, Header(alias="X-Reason", max_length=500)] = None,
) -> str:
    given = (query or header or "").strip()
    if len(given) < 3:
        raise bad_request(
            "patient-level data needs a reason: give ?reason=... or an X-Reason header",
            "reason-required",
        )
    return given


Reason = Annotated[str, Depends(reason)]

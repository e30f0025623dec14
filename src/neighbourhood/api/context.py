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
    """A small least-recently-used cache of results worked out from the (read-only) store.

    A value asked for by several requests at once is made once: the others wait for it. A
    `make` must not ask the same cache for its own key.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Any, threading.Lock] = {}

    def get(
        self, key: Any, make: Callable[[], Any], *, keep: Callable[[Any], bool] | None = None
    ) -> Any:
        """The value kept for `key`, or `make()`, kept unless `keep(value)` is false."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            try:
                with self._lock:
                    if key in self._items:  # made while this request waited
                        return self._items[key]
                value = make()
                if keep is None or keep(value):
                    with self._lock:
                        self._items[key] = value
                        while len(self._items) > self.size:
                            self._items.popitem(last=False)
                return value
            finally:
                with self._lock:
                    if self._making.get(key) is making:
                        del self._making[key]


@dataclass
class AppState:
    """What the app keeps between requests. The store is read-only while served, so one
    connection to it serves every request (each its own cursor), and what is worked out from
    it is kept: large results (cohort runs, indicator years, statements) in `cache`, small
    ones (scopes, aggregates, KPIs) in `answers`."""

    settings: ApiSettings
    audit: AuditLog
    cache: Cache = field(default_factory=Cache)
    answers: Cache = field(default_factory=lambda: Cache(256))
    capacity_runs: dict[str, Any] = field(default_factory=dict)
    _store: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)
    _store_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the app's read-only connection to the store (opened on first use)."""
        with self._store_lock:
            if self._store is None:
                self._store = connect(self.settings.db, read_only=True)
            con = self._store.cursor()
        con.execute("SET TimeZone = 'UTC'")  # a cursor starts in the machine's time zone
        return con

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None


@dataclass
class Context:
    state: AppState
    principal: Principal
    request: Request

    @property
    def settings(self) -> ApiSettings:
        return self.state.settings

    @contextmanager
    def store(self) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con = self.state.cursor()
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

    def read(
        self,
        function: Callable[..., Any],
        /,
        *args: Any,
        keep: Callable[[Any], bool] | None = None,
        **kwargs: Any,
    ) -> Any:
        """`function(con, *args, **kwargs)` on the store, kept in `answers` under the function
        and its arguments (unless `keep(answer)` is false). The answer is shared: never change
        it."""

        def make() -> Any:
            with self.store() as con:
                return function(con, *args, **kwargs)

        key = (function.__module__, function.__qualname__, args, tuple(sorted(kwargs.items())))
        return self.state.answers.get(key, make, keep=keep)

    def scope(self, on: dt.date | None = None) -> Scope:
        """The caller's scope on the date (today when not given), kept per role, organisation
        and date."""
        on = on or dt.date.today()
        p = self.principal

        def make() -> Scope:
            with self.store() as con:
                return scope_of(p, con, on)

        return self.state.answers.get(("scope", p.role, p.org_code, on), make)

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


# `context` and `reason` are coroutines, though they never wait: FastAPI runs a plain function
# dependency in its thread pool, and that hop costs more than their work (a JWT check).


async def context(
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


async def reason(
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

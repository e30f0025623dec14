"""Answers as JSON or CSV (`?format=csv`, or `Accept: text/csv`), lists paginated with
`limit` and `offset` and their total."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import Query, Request
from fastapi.responses import Response

from neighbourhood.api.problems import Problem

MAX_LIMIT = 1000


class Format(StrEnum):
    json = "json"
    csv = "csv"


FormatQuery = Annotated[
    Format | None,
    Query(alias="format", description="json or csv; otherwise from the Accept header (text/csv)"),
]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]
OffsetQuery = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]


_AS_THEY_ARE = frozenset({str, int, bool, type(None)})


def plain(value: Any) -> Any:
    """A value JSON can hold: dates as ISO text, Decimals as text, NaN as null, numpy
    scalars as Python numbers, tuples and sets as lists."""
    kind = type(value)  # first the commonest types, by identity (a page holds thousands)
    if kind in _AS_THEY_ARE:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def wants_csv(request: Request, fmt: Format | None) -> bool:
    if fmt is not None:
        return fmt is Format.csv
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _cell(value: Any) -> Any:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return (
            json.dumps(value)
            if any(isinstance(v, dict | list) for v in value)
            else ("; ".join(map(str, value)) if isinstance(value, list) else json.dumps(value))
        )
    return value


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _orjson_default(value: Any) -> Any:
    # what orjson does not hold itself (Decimals, numpy scalars, sets, other mappings) as `plain`
    # makes it; orjson writes dates, NaN and infinities as `plain` would (ISO text, null)
    return plain(value)


def json_bytes(document: Any) -> bytes:
    """`document` as JSON, with the values `plain` gives it: by orjson (several times faster
    than the standard library's encoder, which matters under load), or, for what orjson
    refuses (keys that are not text, integers over 64 bits), as before."""
    try:
        return orjson.dumps(
            document, default=_orjson_default, option=orjson.OPT_PASSTHROUGH_DATACLASS
        )
    except TypeError:
        return json.dumps(plain(document), allow_nan=False).encode()


def _json(document: Any, status: int = 200) -> Response:
    return Response(json_bytes(document), status_code=status, media_type="application/json")


def page(
    request: Request,
    rows: Sequence[Mapping[str, Any]],
    *,
    fmt: Format | None,
    limit: int,
    offset: int,
    name: str,
    meta: Mapping[str, Any] | None = None,
) -> Response:
    """One page of rows: JSON `{total, limit, offset, items, ...meta}`, or CSV with the total
    in `X-Total-Count`."""
    total = len(rows)
    items = list(rows[offset : offset + limit])
    headers = {"X-Total-Count": str(total)}
    if wants_csv(request, fmt):
        return Response(
            csv_text(items),
            media_type="text/csv; charset=utf-8",
            headers=headers | {"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    document = {"total": total, "limit": limit, "offset": offset, "items": items}
    response = _json(document | dict(meta or {}))
    response.headers.update(headers)
    return response


def document(
    request: Request,
    body: Mapping[str, Any],
    *,
    fmt: Format | None,
    rows: Sequence[Mapping[str, Any]] | None,
    name: str,
    status: int = 200,
) -> Response:
    """A single document as JSON; as CSV, its `rows` (a 406 problem when it has none)."""
    if wants_csv(request, fmt):
        if rows is None:
            raise Problem(406, "not-acceptable", f"{name} has no CSV form: ask for JSON")
        return Response(
            csv_text(rows),
            status_code=status,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return _json(body, status)

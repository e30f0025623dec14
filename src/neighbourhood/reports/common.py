"""Small helpers the report sections share: months, publication (suppression of small
numbers) and cutting rows to a section's columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from neighbourhood.disclosure import SUPPRESSED, suppress_for_publication
from neighbourhood.reports.model import Column

Row = dict[str, Any]


def _text(value: Any) -> str | None:
    """A value for a text column: dates written out, booleans yes / no, empty text None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _never(_row: Mapping[str, Any]) -> bool:
    return False


def published(
    rows: Sequence[Mapping[str, Any]],
    on: bool,
    *,
    counts: Sequence[str],
    dependent: Mapping[str, Sequence[str]] | None = None,
    sums: Mapping[str, Sequence[str]] | None = None,
    group_by: Sequence[str] = (),
    is_total: Callable[[Mapping[str, Any]], bool] = _never,
) -> list[Row]:
    """The rows as they are, or (`on`) suppressed for publication; never the `suppressed`
    field (the report's notes say what applies)."""
    if not on:
        return [dict(r) for r in rows]
    found = suppress_for_publication(
        rows,
        count_fields=counts,
        dependent=dependent or {},
        sums=sums or {},
        group_by=group_by,
        is_total=is_total,
    )
    for row in found:
        row.pop(SUPPRESSED, None)
    return found


def project(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> list[Row]:
    """Each row cut to the columns, text columns written out."""
    return [
        {c.key: _text(r.get(c.key)) if c.kind == "text" else r.get(c.key) for c in columns}
        for r in rows
    ]

"""Financial years (1 April to 31 March), written 2024-25 (or 2024/25 where people type it)."""

from __future__ import annotations

import datetime as dt
import re

_YEAR = re.compile(r"(\d{4})([/-])(\d\d)")


def start_year(text: str, separators: str = "-/") -> int | None:
    """The calendar year a financial year starts in (2024 for "2024-25"), or None when the
    text is not one written with one of the separators."""
    found = _YEAR.fullmatch(str(text).strip())
    if not found or found[2] not in separators or (int(found[1]) + 1) % 100 != int(found[3]):
        return None
    return int(found[1])


def year_of(day: dt.date) -> str:
    """The financial year containing the date: 2025-09-30 is in 2025-26."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"

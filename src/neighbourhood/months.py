"""Calendar months, each held as its first day: read from YYYY-MM, counted and listed."""

from __future__ import annotations

import calendar
import datetime as dt
import re

EARLIEST_YEAR, LATEST_YEAR = 1990, 2100


class MonthError(ValueError):
    """Text that is not a month in the form YYYY-MM between 1990 and 2100."""


def parse_month(text: str | None) -> dt.date:
    """A YYYY-MM month as its first day; MonthError saying what is wrong otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}", text or ""):
        raise MonthError(f"{text!r} is not a month in the form YYYY-MM")
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise MonthError(f"{text!r} is not a real month") from None
    if not EARLIEST_YEAR <= first.year <= LATEST_YEAR:
        raise MonthError(f"{text} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    return first


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after `month`'s (before it when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first`'s to `last`'s, both included (none when last is earlier)."""
    count = (last.year - first.year) * 12 + last.month - first.month
    return [add_months(first.replace(day=1), i) for i in range(count + 1)]

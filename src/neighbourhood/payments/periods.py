"""Financial years and months: the calendar the payments are worked out on.

A financial year runs from 1 April to 31 March and is written `2024-25` (the file names of
the rates). Payments are worked out per whole calendar month: a period covers a month when it
covers the month's first day, and every period in the rates files starts on the first of a
month and ends on the last day of one (the loader refuses any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from neighbourhood.financial_years import start_year

__all__ = ["Months", "Period", "financial_year", "month_after"]


def financial_year(year: str) -> Period:
    """The period 1 April to 31 March of `2024-25`."""
    start = start_year(year, separators="-")
    if start is None:
        raise ValueError(f"{year!r} is not a financial year written like 2024-25")
    return Period(date(start, 4, 1), date(start + 1, 3, 31))


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _last_day(month: date) -> date:
    return month_after(month) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """From `start` to `end`, both inclusive, in whole calendar months."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise ValueError("a period needs a start date and an end date")
        if self.start.day != 1:
            raise ValueError(f"a period starts on the first of a month, not {self.start}")
        if self.end != _last_day(self.end.replace(day=1)):
            raise ValueError(f"a period ends on the last day of a month, not {self.end}")
        if self.end < self.start:
            raise ValueError(f"a period ends ({self.end}) before it starts ({self.start})")

    @property
    def months(self) -> tuple[date, ...]:
        """The first day of every month in the period."""
        found, month = [], self.start
        while month <= self.end:
            found.append(month)
            month = month_after(month)
        return tuple(found)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def within(self, other: Period) -> bool:
        return other.start <= self.start and self.end <= other.end

    def __str__(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


@dataclass(frozen=True)
class Months:
    """A run of whole months: `count` months from `first` (the first day of a month).

    `first=None` means from the start of the financial year the run is used in (1 April).
    """

    count: int = 12
    first: date | None = None

    def __post_init__(self) -> None:
        if type(self.count) is not int or not 0 <= self.count <= 12:
            raise ValueError(f"months must be a whole number from 0 to 12, not {self.count!r}")
        if self.first is not None and (not isinstance(self.first, date) or self.first.day != 1):
            raise ValueError(f"the first month is given by its first day, not {self.first!r}")

    def in_year(self, year: str) -> tuple[date, ...]:
        """The months of the run, checked to lie inside the financial year."""
        whole = financial_year(year)
        month = self.first or whole.start
        found = []
        for _ in range(self.count):
            if not whole.covers(month):
                raise ValueError(
                    f"{self.count} months from {self.first or whole.start} run outside {year}"
                )
            found.append(month)
            month = month_after(month)
        return tuple(found)

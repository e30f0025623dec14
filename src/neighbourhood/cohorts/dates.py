"""Date arithmetic with the rules the query language documents.

Adding months keeps the day of the month; a day that does not exist in the target month rolls
forward to the first day of the next month (6 months before 2024-03-31 is 2023-10-01, as
ehrQL counts it; a plain SQL `- INTERVAL 6 MONTH` gives 2023-09-30). Ages are whole years
elapsed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


def add_months(date: dt.date, months: int) -> dt.date:
    total = date.year * 12 + (date.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    if date.day <= calendar.monthrange(year, month)[1]:
        return dt.date(year, month, date.day)
    return dt.date(year + month // 12, month % 12 + 1, 1)


def years_between(start: dt.date, end: dt.date) -> int:
    """Whole years from `start` to `end` (an age on `end` for a birth on `start`)."""
    before_birthday = (end.month, end.day) < (start.month, start.day)
    return end.year - start.year - int(before_birthday)


@dataclass(frozen=True)
class Duration:
    """A number of days, months or years, added to or taken from a date."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in ("days", "months", "years"):
            raise ValueError(f"unknown duration unit {self.unit!r}")
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"a duration is a whole number of {self.unit}, not {self.amount!r}")

    def __neg__(self) -> Duration:
        return Duration(-self.amount, self.unit)

    @property
    def months(self) -> int:
        return self.amount * 12 if self.unit == "years" else self.amount

    def added_to(self, date: dt.date) -> dt.date:
        if self.unit == "days":
            return date + dt.timedelta(days=self.amount)
        return add_months(date, self.months)


def days(amount: int) -> Duration:
    return Duration(amount, "days")


def months(amount: int) -> Duration:
    return Duration(amount, "months")


def years(amount: int) -> Duration:
    return Duration(amount, "years")

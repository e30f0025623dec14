"""Months held as their first day: parsing YYYY-MM, counting and listing, against the
calendar worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.months import MonthError, add_months, month_end, months, parse_month


def test_a_month_is_its_first_day():
    assert parse_month("2025-09") == dt.date(2025, 9, 1)


@pytest.mark.parametrize(
    ("text", "says"),
    [("2025-9", "form YYYY-MM"), ("2025-13", "not a real month"), ("", "form YYYY-MM"),
     (None, "form YYYY-MM"), ("1989-12", "outside 1990-2100"), ("2025-09-01", "form")],
)  # fmt: skip
def test_what_is_not_a_month_says_why(text, says):
    with pytest.raises(MonthError, match=says):
        parse_month(text)


def test_adding_months_crosses_years_both_ways():
    assert add_months(dt.date(2025, 11, 1), 2) == dt.date(2026, 1, 1)
    assert add_months(dt.date(2025, 1, 1), -1) == dt.date(2024, 12, 1)
    assert add_months(dt.date(2025, 9, 1), -11) == dt.date(2024, 10, 1)


def test_month_ends_know_leap_years():
    assert month_end(dt.date(2024, 2, 1)) == dt.date(2024, 2, 29)
    assert month_end(dt.date(2025, 2, 1)) == dt.date(2025, 2, 28)
    assert month_end(dt.date(2025, 12, 1)) == dt.date(2025, 12, 31)


def test_months_lists_both_ends_and_nothing_backwards():
    listed = months(dt.date(2024, 11, 1), dt.date(2025, 2, 1))
    assert [f"{m:%Y-%m}" for m in listed] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert months(dt.date(2025, 2, 1), dt.date(2024, 11, 1)) == []

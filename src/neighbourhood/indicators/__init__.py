"""Indicators and payments: Investment and Impact Fund indicators as versioned definitions,
achievement per PCN and practice, points and pounds."""

from neighbourhood.indicators.achievement import (
    IndicatorResult,
    Settings,
    count_in_engine,
    list_sizes,
    measure_year,
    records_table,
)
from neighbourhood.indicators.definition import (
    Indicator,
    Sourced,
    indicators_of,
    load_definitions,
    read_indicator,
    shipped_definitions,
)
from neighbourhood.indicators.scoring import Counts, points_earned, pounds
from neighbourhood.indicators.years import YearValues, year_values

__all__ = [
    "Counts",
    "Indicator",
    "IndicatorResult",
    "Settings",
    "Sourced",
    "YearValues",
    "count_in_engine",
    "indicators_of",
    "list_sizes",
    "load_definitions",
    "measure_year",
    "points_earned",
    "pounds",
    "read_indicator",
    "records_table",
    "shipped_definitions",
    "year_values",
]

"""Discharge from hospital: the delay from the discharge-ready date to discharge, patients no
longer meeting the criteria to reside each day and their 7-day rolling average, the pathway
0-3 mix against the expected shares, and bed-days lost. From the store's `hospital_spells`;
every figure is one SQL query run in the store's engine (DuckDB).

Definitions and sources (shared domain notes, community standards section 3):
- The discharge-ready date (DRD) is the date a patient no longer met the criteria to reside;
  the metric is the time from the DRD to the actual discharge date (NHS England, "New
  discharge ready date", england.nhs.uk/long-read/new-discharge-ready-date/). The DRD may be
  left blank when the patient leaves on it (england.nhs.uk/long-read/discharge-ready-date-
  guidance-examples-and-frequently-asked-questions), so a blank DRD is counted apart, never
  read as a delay of zero or as a missing value to drop.
- Patients no longer meeting the criteria to reside on a day: in hospital at the end of the
  day with a DRD on or before it (DRD <= day < discharge date, or not yet discharged). A
  patient who leaves on the DRD is never counted. Analysts follow a 7-day rolling average of
  this count (Nuffield Trust, nuffieldtrust.org.uk/chart/patients-discharged-and-not-
  discharged-from-hospital); ours is the trailing mean of the day and the 6 before it.
- Bed-days lost: the days counted above, summed. For one spell that is discharge date - DRD,
  the delay itself. (No national definition of "beds freed" was found; this is ours.)
- Pathways 0-3 and their expected shares for people aged 65 and over: P0 at least 50%, P1 at
  least 45%, P2 at most 4%, P3 at most 1% (DHSC "Hospital discharge and community support
  guidance", quoted in the ASC glossary, marketingteam125.wixsite.com/ascglossary).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from neighbourhood.months import month_end, parse_month

__all__ = [
    "EXPECTED_PATHWAY_SHARES",
    "daily_not_meeting_criteria",
    "delay_summary",
    "discharge_headlines",
    "discharge_month",
    "discharge_report",
    "pathway_mix",
]

Row = dict[str, Any]

# pathway -> (description, bound, percent), DHSC guidance, people aged 65+ (module docstring)
EXPECTED_PATHWAY_SHARES: dict[int, tuple[str, str, float]] = {
    0: ("home, no new support (or existing package restarted)", ">=", 50.0),
    1: ("home with new or restarted health and/or social care support", ">=", 45.0),
    2: ("24-hour bedded setting for recovery, rehabilitation or assessment", "<=", 4.0),
    3: ("care home for the first time", "<=", 1.0),
}
PATHWAY_SOURCE = (
    "DHSC Hospital discharge and community support guidance, people aged 65+ "
    "(via marketingteam125.wixsite.com/ascglossary)"
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[Row]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _bounds(month: str) -> tuple[dt.date, dt.date]:
    first = parse_month(month)  # MonthError, a ValueError, when not YYYY-MM
    return first, month_end(first)


def discharge_month(con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> str | None:
    """The month ('YYYY-MM') of the latest discharge in the store, on or before `as_of` if
    given; None when there is none."""
    (latest,) = con.execute(
        """SELECT max(discharge_date) FROM hospital_spells
           WHERE $as_of IS NULL OR discharge_date <= $as_of""",
        {"as_of": as_of},
    ).fetchone()
    return None if latest is None else latest.strftime("%Y-%m")


def _data_span(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """The dates the spells speak for: their earliest admission to their latest admission,
    DRD or discharge."""
    return con.execute(
        """SELECT min(admission_date),
                  greatest(max(admission_date), max(discharge_ready_date), max(discharge_date))
           FROM hospital_spells"""
    ).fetchone()


_DAILY = """
    WITH days AS (
      SELECT CAST(unnest(generate_series(CAST($start AS TIMESTAMP), CAST($last AS TIMESTAMP),
                                         INTERVAL 1 DAY)) AS DATE) AS day),
    counts AS (
      SELECT day, count(s.spell_id) AS patients
      FROM days LEFT JOIN hospital_spells AS s
        ON s.discharge_ready_date <= day
       AND (s.discharge_date > day OR s.discharge_date IS NULL)
      GROUP BY day)
    SELECT day, patients,
           avg(patients) OVER seven AS rolling_7_day_average,
           count(*) OVER seven AS days_in_average
    FROM counts
    WINDOW seven AS (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
    QUALIFY day >= $first
    ORDER BY day"""


def daily_not_meeting_criteria(con: duckdb.DuckDBPyConnection, month: str) -> list[Row]:
    """One row per day of the month up to the last date the store's spells cover: day,
    patients (no longer meeting the criteria to reside, in hospital at the end of the day),
    rolling_7_day_average (None until 7 days are known: the first day counted is the store's
    earliest admission)."""
    first, last = _bounds(month)
    start_of_data, end = _data_span(con)
    if end is None:
        return []
    last = min(last, end)
    start = max(first - dt.timedelta(days=6), start_of_data)
    if last < first:
        return []
    rows = _rows(con, _DAILY, {"start": start, "first": first, "last": last})
    return [
        {
            "day": r["day"],
            "patients": r["patients"],
            "rolling_7_day_average": (
                round(r["rolling_7_day_average"], 2) if r["days_in_average"] == 7 else None
            ),
        }
        for r in rows
    ]


def delay_summary(con: duckdb.DuckDBPyConnection, month: str) -> Row:
    """Spells discharged in the month: how many, with and without a DRD, discharged on the DRD,
    delayed (a day or more), the mean, median and 90th centile delay in days (spells with a
    DRD), the delay days of these discharges; and the bed-days lost in the month (every
    patient's days past the DRD within the month, discharged or not)."""
    return _delay_summary(con, month, daily_not_meeting_criteria(con, month))


def _delay_summary(con: duckdb.DuckDBPyConnection, month: str, daily: list[Row]) -> Row:
    first, last = _bounds(month)
    row = _rows(
        con,
        """SELECT count(*) AS discharges,
                  count(discharge_ready_date) AS with_ready_date,
                  count(*) - count(discharge_ready_date) AS without_ready_date,
                  count(*) FILTER (WHERE discharge_date = discharge_ready_date)
                    AS discharged_on_ready_date,
                  count(*) FILTER (WHERE discharge_date > discharge_ready_date) AS delayed,
                  round(avg(discharge_date - discharge_ready_date), 2) AS mean_delay_days,
                  median(discharge_date - discharge_ready_date) AS median_delay_days,
                  round(quantile_cont(discharge_date - discharge_ready_date, 0.9), 2)
                    AS p90_delay_days,
                  coalesce(sum(discharge_date - discharge_ready_date), 0)
                    AS delay_days_of_these_discharges
           FROM hospital_spells
           WHERE discharge_date BETWEEN $first AND $last""",
        {"first": first, "last": last},
    )[0]
    return {
        "month": month,
        **row,
        "bed_days_lost_in_month": sum(d["patients"] for d in daily),
        "days_covered": len(daily),
    }


def pathway_mix(con: duckdb.DuckDBPyConnection, month: str) -> list[Row]:
    """Discharges in the month with a pathway, by pathway 0-3: aged 65+ on the discharge date
    (the group the expected shares are for) and all ages, each with its share; the expected
    share and whether the 65+ share is within it (None when there are no 65+ discharges)."""
    first, last = _bounds(month)
    counts = {
        r["pathway"]: r
        for r in _rows(
            con,
            """SELECT s.discharge_pathway AS pathway,
                      count(*) FILTER (WHERE p.birth_month + INTERVAL 65 YEAR
                                       <= s.discharge_date) AS aged_65_plus,
                      count(*) AS all_ages
               FROM hospital_spells AS s LEFT JOIN patients AS p USING (patient_id)
               WHERE s.discharge_date BETWEEN $first AND $last
                 AND s.discharge_pathway IS NOT NULL
               GROUP BY 1""",
            {"first": first, "last": last},
        )
    }
    total_65 = sum(r["aged_65_plus"] for r in counts.values())
    total_all = sum(r["all_ages"] for r in counts.values())
    out = []
    for pathway, (description, bound, percent) in EXPECTED_PATHWAY_SHARES.items():
        got = counts.get(pathway, {"aged_65_plus": 0, "all_ages": 0})
        share_65 = 100 * got["aged_65_plus"] / total_65 if total_65 else None
        within = None
        if share_65 is not None:
            within = share_65 >= percent if bound == ">=" else share_65 <= percent
        out.append(
            {
                "pathway": pathway,
                "description": description,
                "aged_65_plus": got["aged_65_plus"],
                "share_65_plus_percent": None if share_65 is None else round(share_65, 1),
                "expected_percent": f"{bound}{percent:g}",
                "within_expected": within,
                "all_ages": got["all_ages"],
                "share_all_percent": (
                    round(100 * got["all_ages"] / total_all, 1) if total_all else None
                ),
            }
        )
    return out


def discharge_report(con: duckdb.DuckDBPyConnection, month: str | None = None) -> Row | None:
    """The month's (by default the latest discharge's) delay summary, pathway mix and daily
    count, as `neighbourhood access discharge` prints them; None when there are no discharges."""
    month = month or discharge_month(con)
    if month is None:
        return None
    daily = daily_not_meeting_criteria(con, month)
    return {
        "month": month,
        "summary": [_delay_summary(con, month, daily)],
        "pathway_mix": pathway_mix(con, month),
        "pathway_shares_source": PATHWAY_SOURCE,
        "not_meeting_criteria_to_reside": daily,
    }


def discharge_headlines(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Row]:
    """The latest month's discharge figures in the demo's headline shape (figure, value,
    rule)."""
    month = discharge_month(con, as_of)
    if month is None:
        return []
    summary = delay_summary(con, month)
    return [
        {
            "figure": f"mean days from discharge-ready to discharge, {month}",
            "value": summary["mean_delay_days"],
            "rule": "discharges in the month with a discharge-ready date",
        },
        {
            "figure": f"bed-days lost past the discharge-ready date, {month}",
            "value": summary["bed_days_lost_in_month"],
            "rule": "days in the month in hospital after the discharge-ready date",
        },
    ]

"""The 2-hour UCR and 2-day reablement clock of every referral, worked out in the engine.

`clocks_sql(settings, as_of)` is one DuckDB query over the store's `community_referrals`,
`care_contacts`, `response_clocks` and `patients`; it gives one row per referral:

    referral_id, team_code, service, referral_source, clock, standard ('2_hour', '2_day' or
    NULL), received_at, start_at, stop_at (UTC), month (first day of the Europe/London month
    of the clock start), in_scope, scope_reason, elapsed_minutes, midnights, status

`status` is `met`, `not_met`, `open` (no stop yet and the standard can still be met at
`as_of`) or `out_of_scope`; a clock with no stop that has already run past its limit at
`as_of` is `not_met`. Instants are UTC in the store (the session time zone is UTC, as
`store.connect` sets it); elapsed time is the exact difference of the two UTC instants, so
crossing midnight or a clock change costs nothing; midnights are counted between the
Europe/London calendar dates of the start and the stop.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb

from neighbourhood.access.ucr_settings import TWO_HOURS_SECONDS, TWO_MIDNIGHTS, UcrSettings

__all__ = ["SUPPLIED_TYPE", "clocks", "clocks_sql", "local", "utc"]

TZ = "Europe/London"

SUPPLIED_TYPE = {"2_hour": "ucr_2_hour", "2_day": "intermediate_care_2_day"}
"""The `response_clocks.measurement_type` whose start and end a referral's clock may take."""


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _summer_time(years: range) -> tuple[list[int], list[int]]:
    """UTC microseconds at which British Summer Time starts and ends in each year, checked
    against zoneinfo (the rule since 1996: 01:00 UTC on the last Sundays of March and October)."""
    london, starts, ends = ZoneInfo(TZ), [], []
    for year in years:
        start = dt.datetime.combine(_last_sunday(year, 3), dt.time(1), tzinfo=dt.UTC)
        end = dt.datetime.combine(_last_sunday(year, 10), dt.time(1), tzinfo=dt.UTC)
        for moment, before, after in ((start, 0, 3600), (end, 3600, 0)):
            offsets = [(moment + dt.timedelta(seconds=s)).astimezone(london).utcoffset()
                       for s in (-1, 0)]  # fmt: skip
            if [o.total_seconds() for o in offsets] != [before, after]:
                raise RuntimeError(f"zoneinfo disagrees with the BST rule in {year}")
        starts.append(int(start.timestamp() * 1_000_000))
        ends.append(int(end.timestamp() * 1_000_000))
    return starts, ends


RULE_YEARS = range(1996, 2100)
_STARTS, _ENDS = _summer_time(RULE_YEARS)


def local(instant: str) -> str:
    """SQL: a UTC TIMESTAMP as Europe/London wall-clock TIMESTAMP.

    From 1996 to 2099 by the BST rule (checked against zoneinfo above: ten times quicker than
    DuckDB's ICU time zones per row); other years through ICU."""
    year = f"year({instant})"
    index = f"{year} - {RULE_YEARS.start - 1}"
    summer = (
        f"epoch_us({instant}) >= list_extract({_STARTS}, {index}) "
        f"AND epoch_us({instant}) < list_extract({_ENDS}, {index})"
    )
    return (
        f"CASE WHEN {year} BETWEEN {RULE_YEARS.start} AND {RULE_YEARS.stop - 1} "
        f"THEN ({instant}) + CASE WHEN {summer} THEN INTERVAL 1 HOUR ELSE INTERVAL 0 HOUR END "
        f"ELSE timezone('{TZ}', ({instant})::TIMESTAMPTZ) END"
    )


def utc(wall_clock: str) -> str:
    """SQL: a Europe/London wall-clock TIMESTAMP as a UTC TIMESTAMP."""
    return f"timezone('{TZ}', {wall_clock})::TIMESTAMP"


def _time(value: dt.time) -> str:
    return f"TIME '{value.strftime('%H:%M:%S')}'"


def _qualifying_contact(s: UcrSettings) -> str:
    outcome = "TRUE" if s.not_attended_stops_clock else "c.outcome = 'attended'"
    mechanisms = ["c.consultation_mechanism = 'face_to_face'"]
    if s.video_stops_clock:
        mechanisms.append("c.consultation_mechanism = 'video'")
    if s.unknown_mechanism_is_face_to_face:
        mechanisms.append("c.consultation_mechanism IS NULL")
    return f"({outcome}) AND ({' OR '.join(mechanisms)})"


def clocks_sql(settings: UcrSettings, as_of: dt.datetime) -> str:
    """The query (see the module docstring). `as_of` is an aware or UTC-naive instant."""
    s = settings
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(dt.UTC).replace(tzinfo=None)
    as_of_sql = f"TIMESTAMP '{as_of.isoformat(sep=' ')}'"
    opening, closing = (_time(t) for t in s.service_hours)
    supplied_start = "sc.started_at" if s.clock_start == "supplied" else "NULL"
    supplied_stop = "sc.ended_at" if s.clock_stop == "supplied" else "NULL"
    if s.outside_hours == "next_opening":
        start = f"""CASE WHEN standard = '2_hour' AND outside_hours THEN {
            utc(
                f"CASE WHEN local_start::TIME >= {closing} "
                f"THEN local_start::DATE + 1 ELSE local_start::DATE END + {opening}"
            )
        } ELSE base_start END"""
    else:
        start = "base_start"
    age_rule = (
        f"WHEN date_diff('year', birth_month, local_start::DATE) "
        f"- (strftime(local_start::DATE, '%m-%d') < strftime(birth_month, '%m-%d'))::INT "
        f"< {s.min_age} THEN 'younger than {s.min_age}'"
        if s.min_age is not None
        else ""
    )
    hours_rule = (
        "WHEN standard = '2_hour' AND outside_hours THEN 'received outside service hours'"
        if s.outside_hours == "exclude"
        else ""
    )
    hospital_rule = (
        "WHEN standard = '2_day' AND referral_source = 'hospital' "
        "THEN 'reablement referred from a hospital bed'"
        if s.reablement_excludes_hospital
        else ""
    )
    return f"""
WITH supplied AS (
    SELECT referral_id, measurement_type,
           min(started_at) AS started_at, arg_min(ended_at, started_at) AS ended_at
    FROM response_clocks
    WHERE measurement_type IN ('ucr_2_hour', 'intermediate_care_2_day')
    GROUP BY ALL
),
referrals AS (
    SELECT r.referral_id, r.team_code, r.service, r.referral_source, r.clock, r.received_at,
           CASE r.clock WHEN '2_hour' THEN '2_hour' WHEN '2_day' THEN '2_day' END AS standard,
           p.birth_month,
           coalesce({supplied_start}, r.received_at) AS base_start,
           {supplied_stop} AS supplied_stop
    FROM community_referrals r
    LEFT JOIN patients p ON p.patient_id = r.patient_id
    LEFT JOIN supplied sc ON sc.referral_id = r.referral_id
        AND sc.measurement_type = CASE r.clock WHEN '2_hour' THEN 'ucr_2_hour'
                                               WHEN '2_day' THEN 'intermediate_care_2_day' END
),
placed AS (
    SELECT *, {local("base_start")} AS local_start
    FROM referrals
),
hours AS (
    SELECT *, (local_start::TIME < {opening} OR local_start::TIME >= {closing}) AS outside_hours
    FROM placed
),
started AS (
    SELECT *, {start} AS start_at FROM hours
),
first_contact AS (
    SELECT c.referral_id, min(c.contact_at) AS contact_at
    FROM care_contacts c
    JOIN started s ON s.referral_id = c.referral_id
    WHERE {_qualifying_contact(s)} AND c.contact_at >= s.base_start
    GROUP BY c.referral_id
),
stopped AS (
    SELECT s.*, coalesce(s.supplied_stop, f.contact_at) AS stop_at,
           CASE
               WHEN s.standard IS NULL THEN 'no 2-hour or 2-day clock'
               {age_rule}
               {hours_rule}
               {hospital_rule}
           END AS scope_reason
    FROM started s
    LEFT JOIN first_contact f ON f.referral_id = s.referral_id
),
measured AS (
    SELECT *,
           greatest(epoch_us(stop_at) - epoch_us(start_at), 0) / 1000000.0 AS elapsed_seconds,
           greatest(epoch_us(stop_at) - epoch_us(start_at), 0) / 60000000.0 AS elapsed_minutes,
           greatest(date_diff('day', {local("start_at")}::DATE, {local("stop_at")}::DATE), 0)
               AS midnights,
           (epoch_us({as_of_sql}) - epoch_us(start_at)) / 1000000.0 AS running_seconds,
           date_diff('day', {local("start_at")}::DATE, {local(as_of_sql)}::DATE)
               AS running_midnights
    FROM stopped
)
SELECT referral_id, team_code, service, referral_source, clock, standard, received_at,
       start_at, stop_at,
       date_trunc('month', {local("start_at")})::DATE AS month,
       scope_reason IS NULL AS in_scope, scope_reason,
       elapsed_minutes, midnights,
       CASE
           WHEN scope_reason IS NOT NULL THEN 'out_of_scope'
           WHEN standard = '2_hour' AND stop_at IS NOT NULL THEN
               CASE WHEN elapsed_seconds <= {TWO_HOURS_SECONDS} THEN 'met' ELSE 'not_met' END
           WHEN standard = '2_hour' THEN
               CASE WHEN running_seconds > {TWO_HOURS_SECONDS} THEN 'not_met' ELSE 'open' END
           WHEN stop_at IS NOT NULL THEN
               CASE WHEN midnights <= {TWO_MIDNIGHTS} THEN 'met' ELSE 'not_met' END
           ELSE CASE WHEN running_midnights > {TWO_MIDNIGHTS} THEN 'not_met' ELSE 'open' END
       END AS status
FROM measured
"""


def clocks(
    con: duckdb.DuckDBPyConnection,
    settings: UcrSettings | None = None,
    as_of: dt.datetime | None = None,
) -> list[dict]:
    """Every referral's clock as a list of dicts (for inspection and tests; KPIs stay in SQL)."""
    query = clocks_sql(settings or UcrSettings(), as_of or dt.datetime.now(dt.UTC))
    cursor = con.execute(query + " ORDER BY referral_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

"""UCR and reablement KPIs by month and by team, provider, ICB, region and England.

One DuckDB query (`kpis_sql`) over the clocks of `ucr_clocks.clocks_sql`, the contacts and the
store's organisation tables. Nothing is computed row by row in Python. See README.md for the
definitions; in short, per organisation and month (the Europe/London month of the clock start
for referrals, of the contact for contacts):

- `two_hour_referrals`: 2-hour referrals in scope (KPI 2 of NHS England's publication [S13]);
  `two_hour_met`, `two_hour_not_met`, `two_hour_open`; `two_hour_percent_met` = met / (met +
  not met) x 100, a clock still open being neither (KPI 1), against the 70% target.
- `two_hour_contacts`: attended contacts on in-scope 2-hour referrals (KPI 3);
  `ucr_contacts`: attended contacts on any UCR referral.
- `ucr_referrals`: all urgent community response referrals (service
  `urgent_community_response` or a 2-hour clock), and their referral source mix
  (`source_*`, see `SOURCE_GROUPS`).
- `reablement_referrals`, `reablement_met`, `reablement_not_met`, `reablement_open`,
  `reablement_percent_met` (2 midnights or fewer).
- `out_of_scope`: referrals with a 2-hour or 2-day clock left out by a scope rule.
- `population`, `ucr_referrals_per_100k`: a crude rate, UCR referrals per 100,000 patients
  registered at the GP practices of the organisation's footprint (`practice_list_sizes`, the
  latest total on or before the month's last day; empty when any practice has none).

Footprints on the last day of each month: a team's provider is `community_teams.provider_code`;
its PCNs are its `team_serves_pcn` memberships; its ICB is the ICB (`pcn_in_sub_icb`,
`sub_icb_in_icb`) of most of those PCNs, the lowest code on a tie; its region is the ICB's
`icb_in_region`. A team's population is that of the practices (`practice_in_pcn`) of its PCNs;
a provider's, that of the practices of the PCNs any of its teams serves; an ICB's, that of
every practice in it (through `practice_in_sub_icb` or its PCN); a region's and England's, the
sum over their ICBs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import duckdb

from neighbourhood.access.ucr_clocks import clocks_sql, local
from neighbourhood.access.ucr_settings import TARGET_PERCENT, UcrSettings
from neighbourhood.months import add_months

__all__ = [
    "COUNT_COLUMNS",
    "KPI_COLUMNS",
    "LEVELS",
    "SOURCE_GROUPS",
    "kpis",
    "kpis_sql",
]

LEVELS = ("team", "provider", "icb", "region", "england")
ENGLAND = "ENGLAND"
UNKNOWN = "UNKNOWN"  # a team with no ICB (or an ICB with no region) on the date

SOURCE_GROUPS = {
    "ambulance_999": "ambulance_999",
    "nhs_111": "nhs_111",
    "clinical_assessment_service": "clinical_assessment_service",
    "care_home": "care_home",
    "gp": "gp",
    "self_or_carer": "self_or_carer",
    "hospital": "other",
    "other": "other",
}
"""`community_referrals.referral_source` -> source group of the mix. The groups are those of
NHS England's UCR referral-source reporting (ambulance, 111, clinical assessment services,
care homes, GP, self/carer/relative) [community-standards.md §1.1]; a hospital referral is
`other` in the mix."""

MIX = tuple(dict.fromkeys(SOURCE_GROUPS.values()))

COUNT_COLUMNS = (
    "ucr_referrals",
    "two_hour_referrals",
    "two_hour_met",
    "two_hour_not_met",
    "two_hour_open",
    "two_hour_contacts",
    "ucr_contacts",
    "reablement_referrals",
    "reablement_met",
    "reablement_not_met",
    "reablement_open",
    "out_of_scope",
    *(f"source_{g}" for g in MIX),
)

KPI_COLUMNS = (
    "level",
    "org_code",
    "org_name",
    "month",
    *COUNT_COLUMNS,
    "two_hour_percent_met",
    "meets_target",
    "reablement_percent_met",
    "population",
    "ucr_referrals_per_100k",
)


def _utc_midnight(day: dt.date) -> str:
    """The UTC instant of midnight at the start of `day` in Europe/London, as SQL text."""
    wall = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo("Europe/London"))
    return wall.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _valid(alias: str) -> str:
    return (
        f"{alias}.valid_from <= m.month_end "
        f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= m.month_end)"
    )


def kpis_sql(
    settings: UcrSettings, as_of: dt.datetime, first_month: dt.date, last_month: dt.date
) -> str:
    """All levels, every month from `first_month` to `last_month` (first days), one query."""
    first, last = first_month.replace(day=1), last_month.replace(day=1)
    after = add_months(last, 1)
    is_ucr = "(service = 'urgent_community_response' OR clock = '2_hour')"
    source_case = (
        "CASE referral_source "
        + " ".join(f"WHEN '{code}' THEN '{group}'" for code, group in SOURCE_GROUPS.items())
        + " ELSE 'other' END"
    )
    mix = ",\n".join(
        f"count(*) FILTER (WHERE {is_ucr} AND {source_case} = '{g}') AS source_{g}" for g in MIX
    )
    sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in COUNT_COLUMNS)
    levels = {
        "team": "team_code",
        "provider": "provider_code",
        "icb": "icb_code",
        "region": "region_code",
        "england": f"'{ENGLAND}'",
    }
    rollup = "\nUNION ALL\n".join(
        f"SELECT month, '{level}' AS level, {key} AS org_code, {sums} FROM team_counts GROUP BY ALL"
        for level, key in levels.items()
    )
    return f"""
WITH months AS (
    SELECT month::DATE AS month, (month + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS month_end
    FROM range(DATE '{first}', DATE '{last}' + INTERVAL 1 DAY, INTERVAL 1 MONTH) t(month)
),
clock AS MATERIALIZED ({clocks_sql(settings, as_of)}),
referral_counts AS (
    SELECT month, team_code,
        count(*) FILTER (WHERE {is_ucr}) AS ucr_referrals,
        count(*) FILTER (WHERE standard = '2_hour' AND in_scope) AS two_hour_referrals,
        count(*) FILTER (WHERE standard = '2_hour' AND status = 'met') AS two_hour_met,
        count(*) FILTER (WHERE standard = '2_hour' AND status = 'not_met') AS two_hour_not_met,
        count(*) FILTER (WHERE standard = '2_hour' AND status = 'open') AS two_hour_open,
        count(*) FILTER (WHERE standard = '2_day' AND in_scope) AS reablement_referrals,
        count(*) FILTER (WHERE standard = '2_day' AND status = 'met') AS reablement_met,
        count(*) FILTER (WHERE standard = '2_day' AND status = 'not_met') AS reablement_not_met,
        count(*) FILTER (WHERE standard = '2_day' AND status = 'open') AS reablement_open,
        count(*) FILTER (WHERE standard IS NOT NULL AND NOT in_scope) AS out_of_scope,
        {mix}
    FROM clock
    WHERE month BETWEEN DATE '{first}' AND DATE '{last}'
    GROUP BY ALL
),
contact_counts AS (
    SELECT date_trunc('month', {local("c.contact_at")})::DATE AS month, k.team_code,
        count(*) FILTER (WHERE k.standard = '2_hour' AND k.in_scope) AS two_hour_contacts,
        count(*) FILTER (WHERE k.service = 'urgent_community_response' OR k.clock = '2_hour')
            AS ucr_contacts
    FROM care_contacts c
    JOIN clock k ON k.referral_id = c.referral_id
    WHERE c.outcome = 'attended'
      AND c.contact_at >= TIMESTAMP '{_utc_midnight(first)}'
      AND c.contact_at < TIMESTAMP '{_utc_midnight(after)}'
    GROUP BY ALL
),
team_months AS (
    SELECT month, team_code FROM referral_counts
    UNION SELECT month, team_code FROM contact_counts
),
team_pcn AS (
    SELECT m.month, s.child_code AS team_code, s.parent_code AS pcn_code
    FROM months m JOIN org_memberships s ON s.relationship = 'team_serves_pcn' AND {_valid("s")}
),
pcn_icb AS (
    SELECT m.month, p.child_code AS pcn_code, i.parent_code AS icb_code
    FROM months m
    JOIN org_memberships p ON p.relationship = 'pcn_in_sub_icb' AND {_valid("p")}
    JOIN org_memberships i ON i.relationship = 'sub_icb_in_icb' AND {_valid("i")}
        AND i.child_code = p.parent_code
),
team_icb AS (
    SELECT month, team_code, first(icb_code ORDER BY n DESC, icb_code) AS icb_code
    FROM (SELECT t.month, t.team_code, pi.icb_code, count(*) AS n
          FROM team_pcn t JOIN pcn_icb pi USING (month, pcn_code) GROUP BY ALL)
    GROUP BY ALL
),
icb_region AS (
    SELECT m.month, r.child_code AS icb_code, r.parent_code AS region_code
    FROM months m JOIN org_memberships r ON r.relationship = 'icb_in_region' AND {_valid("r")}
),
team_counts AS (
    SELECT tm.month, tm.team_code,
        coalesce(ct.provider_code, '{UNKNOWN}') AS provider_code,
        coalesce(ti.icb_code, '{UNKNOWN}') AS icb_code,
        coalesce(ir.region_code, '{UNKNOWN}') AS region_code,
        {", ".join(f"coalesce({c}, 0) AS {c}" for c in COUNT_COLUMNS)}
    FROM team_months tm
    LEFT JOIN referral_counts USING (month, team_code)
    LEFT JOIN contact_counts USING (month, team_code)
    LEFT JOIN community_teams ct ON ct.org_code = tm.team_code
    LEFT JOIN team_icb ti ON ti.month = tm.month AND ti.team_code = tm.team_code
    LEFT JOIN icb_region ir ON ir.month = tm.month AND ir.icb_code = ti.icb_code
),
rolled AS ({rollup}),
practice_size AS (
    SELECT m.month, l.practice_code, arg_max(l.patients, l.extract_date) AS patients
    FROM months m JOIN practice_list_sizes l
        ON l.extract_date <= m.month_end AND l.sex = 'all' AND l.age_band = 'ALL'
    GROUP BY ALL
),
practice_pcn AS (
    SELECT m.month, p.child_code AS practice_code, p.parent_code AS pcn_code
    FROM months m JOIN org_memberships p ON p.relationship = 'practice_in_pcn' AND {_valid("p")}
),
practice_icb AS (
    SELECT DISTINCT month, practice_code, icb_code FROM (
        SELECT pp.month, pp.practice_code, pi.icb_code
        FROM practice_pcn pp JOIN pcn_icb pi USING (month, pcn_code)
        UNION ALL
        SELECT m.month, s.child_code, i.parent_code
        FROM months m
        JOIN org_memberships s ON s.relationship = 'practice_in_sub_icb' AND {_valid("s")}
        JOIN org_memberships i ON i.relationship = 'sub_icb_in_icb' AND {_valid("i")}
            AND i.child_code = s.parent_code
    )
),
footprint AS (
    SELECT DISTINCT month, level, org_code, practice_code FROM (
        SELECT t.month, 'team' AS level, t.team_code AS org_code, pp.practice_code
        FROM team_pcn t JOIN practice_pcn pp USING (month, pcn_code)
        UNION ALL
        SELECT t.month, 'provider', ct.provider_code, pp.practice_code
        FROM team_pcn t JOIN practice_pcn pp USING (month, pcn_code)
        JOIN community_teams ct ON ct.org_code = t.team_code
        UNION ALL
        SELECT month, 'icb', icb_code, practice_code FROM practice_icb
        UNION ALL
        SELECT pi.month, 'region', ir.region_code, pi.practice_code
        FROM practice_icb pi JOIN icb_region ir USING (month, icb_code)
        UNION ALL
        SELECT pi.month, 'england', '{ENGLAND}', pi.practice_code
        FROM practice_icb pi JOIN icb_region ir USING (month, icb_code)
    )
),
population AS (
    SELECT f.month, f.level, f.org_code,
        CASE WHEN count(*) FILTER (WHERE ps.patients IS NULL) = 0 THEN sum(ps.patients) END
            AS population
    FROM footprint f LEFT JOIN practice_size ps USING (month, practice_code)
    GROUP BY ALL
)
SELECT r.level, r.org_code,
    CASE WHEN r.level = 'england' THEN 'England' ELSE o.name END AS org_name,
    r.month,
    {", ".join(f"r.{c}" for c in COUNT_COLUMNS)},
    round(100.0 * r.two_hour_met / nullif(r.two_hour_met + r.two_hour_not_met, 0), 1)
        AS two_hour_percent_met,
    100.0 * r.two_hour_met / nullif(r.two_hour_met + r.two_hour_not_met, 0) >= {TARGET_PERCENT}
        AS meets_target,
    round(100.0 * r.reablement_met / nullif(r.reablement_met + r.reablement_not_met, 0), 1)
        AS reablement_percent_met,
    p.population::BIGINT AS population,
    round(100000.0 * r.ucr_referrals / nullif(p.population, 0), 1) AS ucr_referrals_per_100k
FROM rolled r
LEFT JOIN population p ON p.month = r.month AND p.level = r.level AND p.org_code = r.org_code
LEFT JOIN organisations o ON o.org_code = r.org_code
"""


def kpis(
    con: duckdb.DuckDBPyConnection,
    first_month: dt.date,
    last_month: dt.date | None = None,
    *,
    levels: Sequence[str] = LEVELS,
    settings: UcrSettings | None = None,
    as_of: dt.datetime | None = None,
) -> list[dict]:
    """KPI rows for the months and levels asked, ordered by level, organisation, month."""
    unknown = set(levels) - set(LEVELS)
    if unknown:
        raise ValueError(f"unknown level(s) {sorted(unknown)}: use {', '.join(LEVELS)}")
    query = kpis_sql(
        settings or UcrSettings(),
        as_of or dt.datetime.now(dt.UTC),
        first_month,
        last_month or first_month,
    )
    order = "CASE level " + " ".join(f"WHEN '{lv}' THEN {i}" for i, lv in enumerate(LEVELS))
    wanted = ", ".join(f"'{lv}'" for lv in levels)
    cursor = con.execute(
        f"SELECT * FROM ({query}) WHERE level IN ({wanted}) ORDER BY {order} END, org_code, month"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def demo_headlines(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[dict]:
    """England's UCR and reablement figures for the last whole month before `as_of`, as
    `overview.headline_figures` rows (figure, value, rule), for `neighbourhood demo`."""
    month = add_months(as_of.replace(day=1), -1)
    moment = dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)
    rows = kpis(con, month, levels=["england"], as_of=moment)
    if not rows:
        return []
    (r,) = rows
    label = f"{month:%B %Y}"
    rule = "ucr_kpis (README.md), default settings, month of the clock start in Europe/London"
    figures = [
        (f"2-hour UCR referrals in scope, {label}", r["two_hour_referrals"]),
        (f"2-hour UCR % within 2 hours (target {TARGET_PERCENT:.0f}%), {label}",
         r["two_hour_percent_met"]),
        (f"2-hour UCR contacts delivered, {label}", r["two_hour_contacts"]),
        (f"UCR referrals per 100,000 registered, {label}", r["ucr_referrals_per_100k"]),
        (f"reablement % within 2 midnights, {label}", r["reablement_percent_met"]),
    ]  # fmt: skip
    return [{"figure": f, "value": v, "rule": rule} for f, v in figures]

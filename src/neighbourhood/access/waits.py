"""Local community waiting lists from the store's `waiting_list_snapshots`: the latest
snapshot in the published weeks-waited bands, the trend over snapshots, children's waits over
52 weeks, queue measures, and the local figures beside the published ones.

Every figure is one SQL query over the data model, run in the store's engine (DuckDB).
The store holds month-end counts per band only (no patient-level waits), so the queue
measures use NHS England's regional community waits method (github.com/nhsengland/
community_waits, `data_load_wrangle.R`; shared domain notes, community standards section 2):
weekly referrals are taken as the number waiting 0-1 weeks, a month is 4.3 weeks, and the
patients removed in a month are the previous total + the month's referrals - the current total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from neighbourhood.access import waits_queue as q
from neighbourhood.access.discharge import discharge_headlines
from neighbourhood.access.waits_published import BANDS, published_month, published_waits

__all__ = [
    "CYP_LONG_WAIT_SOURCE",
    "QUEUE_METHOD_SOURCE",
    "QueueTarget",
    "access_headlines",
    "cyp_over_52_weeks",
    "latest_snapshot",
    "local_vs_published",
    "queue_measures",
    "trend",
    "waiting_list_headlines",
    "waiting_list_report",
]

Row = dict[str, Any]

CYP_LONG_WAIT_SOURCE = (
    "NHS England 2024/25 priorities and operational planning guidance: improve community "
    "services waiting times with a focus on reducing long waits, and plans to reduce waits over "
    "52 weeks for children's community services (written answer, api.parliament.uk; RCPCH "
    "briefing; neural.org.uk summary of the guidance)"
)
QUEUE_METHOD_SOURCE = (
    "NHS England regional community waits model (github.com/nhsengland/community_waits): weekly "
    "referrals = number waiting 0-1 weeks, 4.3 weeks a month, removals = previous total + "
    "referrals - current total; queue formulas from NHSRwaitinglist (Fong et al., medRxiv "
    "10.1101/2022.08.23.22279117)"
)
WEEKS_PER_MONTH = 4.3  # NHS England community_waits: weekly referrals x 4.3 = monthly
OVER_52 = ("'>52-104'", "'>104'")


@dataclass(frozen=True)
class QueueTarget:
    """A waiting time target: `weeks` met for `achievement` of patients; the relief capacity
    clears the excess queue in `relief_weeks`. The default, 52 weeks for 99%, is the target
    NHS England's regional community waits model uses; relief_weeks is a choice, not a
    standard."""

    weeks: float = 52
    achievement: float = 0.99
    relief_weeks: float = 52

    def __post_init__(self) -> None:
        if self.weeks <= 0 or self.relief_weeks <= 0:
            raise ValueError("target and relief weeks must be positive")
        q.factor_for_achievement(self.achievement)  # checks 0 < achievement < 1

    @property
    def factor(self) -> float:
        return q.factor_for_achievement(self.achievement)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[Row]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


_BAND_COLUMNS = ",\n".join(
    f"sum(patients) FILTER (WHERE weeks_waited_band = '{b}') AS \"{b}\"" for b in BANDS
)
_OVER_52_SUM = (
    f"coalesce(sum(patients) FILTER (WHERE weeks_waited_band IN ({', '.join(OVER_52)})), 0)"
)


def latest_snapshot(con: duckdb.DuckDBPyConnection, *, provider: str | None = None) -> list[Row]:
    """Each provider's latest month-end snapshot: provider_code, snapshot_date, service_line,
    age_group, total, then one column per published band (None where no row)."""
    return _rows(
        con,
        f"""WITH latest AS (
              SELECT provider_code, max(snapshot_date) AS snapshot_date
              FROM waiting_list_snapshots
              WHERE $provider IS NULL OR provider_code = $provider GROUP BY 1)
            SELECT provider_code, snapshot_date, service_line, age_group,
                   sum(patients) AS total, {_BAND_COLUMNS}
            FROM waiting_list_snapshots JOIN latest USING (provider_code, snapshot_date)
            GROUP BY ALL ORDER BY provider_code, age_group, service_line""",
        {"provider": provider},
    )


def trend(con: duckdb.DuckDBPyConnection, *, provider: str | None = None) -> list[Row]:
    """Per provider, age group and snapshot: total waiting, waiting over 18 and over 52 weeks,
    and the change in the total since the previous snapshot."""
    return _rows(
        con,
        f"""WITH by_month AS (
              SELECT provider_code, age_group, snapshot_date, sum(patients) AS total,
                     coalesce(sum(patients) FILTER (WHERE weeks_waited_band IN
                       ('>18-52', '>52-104', '>104')), 0) AS over_18_weeks,
                     {_OVER_52_SUM} AS over_52_weeks
              FROM waiting_list_snapshots
              WHERE $provider IS NULL OR provider_code = $provider
              GROUP BY ALL)
            SELECT *, total - lag(total) OVER (PARTITION BY provider_code, age_group
                                               ORDER BY snapshot_date) AS change
            FROM by_month ORDER BY provider_code, age_group, snapshot_date""",
        {"provider": provider},
    )


def cyp_over_52_weeks(con: duckdb.DuckDBPyConnection, *, provider: str | None = None) -> list[Row]:
    """Children and young people waiting over 52 weeks (bands >52-104 and >104) at each
    provider's latest snapshot, by service line, with the share of the line's list. The
    2024/25 guidance asks for plans to reduce these (CYP_LONG_WAIT_SOURCE)."""
    return _rows(
        con,
        f"""WITH latest AS (
              SELECT provider_code, max(snapshot_date) AS snapshot_date
              FROM waiting_list_snapshots
              WHERE $provider IS NULL OR provider_code = $provider GROUP BY 1)
            SELECT provider_code, snapshot_date, service_line, sum(patients) AS total,
                   {_OVER_52_SUM} AS over_52_weeks,
                   round(100.0 * {_OVER_52_SUM} / nullif(sum(patients), 0), 1)
                     AS over_52_weeks_percent
            FROM waiting_list_snapshots JOIN latest USING (provider_code, snapshot_date)
            WHERE age_group = 'cyp'
            GROUP BY ALL ORDER BY provider_code, over_52_weeks DESC, service_line""",
        {"provider": provider},
    )


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def queue_measures(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str | None = None,
    target: QueueTarget | None = None,
) -> list[Row]:
    """Per provider, service line and age group at the latest snapshot: the queue, weekly
    demand and capacity estimated from the last two snapshots (QUEUE_METHOD_SOURCE), load,
    the mean wait by Little's law (queue / demand), the target queue size, whether relief
    capacity is needed and how much, and the pressure on the target.

    Capacity needs two snapshots and a positive number removed; where it cannot be
    estimated the measures that need it are None."""
    target = target or QueueTarget()
    series = _rows(
        con,
        """WITH lines AS (
              SELECT provider_code, service_line, age_group, snapshot_date,
                     sum(patients) AS queue,
                     coalesce(sum(patients) FILTER (WHERE weeks_waited_band = '0-1'), 0)
                       AS waiting_0_1_weeks
              FROM waiting_list_snapshots
              WHERE $provider IS NULL OR provider_code = $provider
              GROUP BY ALL),
            ordered AS (
              SELECT *, lag(queue) OVER w AS previous_queue,
                     row_number() OVER (PARTITION BY provider_code, service_line, age_group
                                        ORDER BY snapshot_date DESC) AS recency
              FROM lines
              WINDOW w AS (PARTITION BY provider_code, service_line, age_group
                           ORDER BY snapshot_date))
            SELECT provider_code, service_line, age_group, snapshot_date, queue,
                   waiting_0_1_weeks, previous_queue
            FROM ordered WHERE recency = 1
            ORDER BY provider_code, age_group, service_line""",
        {"provider": provider},
    )
    out = []
    for row in series:
        demand = float(row["waiting_0_1_weeks"])  # a week's referrals
        queue = float(row["queue"])
        capacity = None
        if row["previous_queue"] is not None:
            removed = row["previous_queue"] + demand * WEEKS_PER_MONTH - queue
            capacity = removed / WEEKS_PER_MONTH if removed > 0 else None
        target_queue = q.target_queue_size(demand, target.weeks, target.factor)
        mean_wait = queue / demand if demand > 0 else None
        needed = q.relief_needed(queue, target_queue)
        out.append(
            {
                "provider_code": row["provider_code"],
                "service_line": row["service_line"],
                "age_group": row["age_group"],
                "snapshot_date": row["snapshot_date"],
                "queue": int(queue),
                "demand_per_week": demand,
                "capacity_per_week": _round(capacity),
                "load": _round(q.load(demand, capacity) if capacity else None, 3),
                "mean_wait_weeks": _round(mean_wait),
                "target_queue": _round(target_queue),
                "relief_needed": needed,
                "relief_capacity_per_week": _round(
                    q.relief_capacity(demand, queue, target_queue, target.relief_weeks)
                    if needed
                    else None
                ),
                "pressure": _round(
                    q.pressure(mean_wait, target.weeks) if mean_wait is not None else None, 3
                ),
            }
        )
    return out


def local_vs_published(con: duckdb.DuckDBPyConnection, *, provider: str) -> list[Row]:
    """The provider's latest local snapshot beside the published workbook's figures for the
    same provider and for its ICB (as placed by the published figures), per service line and
    age group: total and over 52 weeks, with the dates they refer to. The published figures
    are the latest in the shipped workbook; lines on only one side show None on the other."""
    local = {
        (r["service_line"], r["age_group"]): r
        for r in _rows(
            con,
            f"""SELECT service_line, age_group, max(snapshot_date) AS snapshot_date,
                       sum(patients) AS total, {_OVER_52_SUM} AS over_52_weeks
                FROM waiting_list_snapshots
                WHERE provider_code = $provider AND snapshot_date = (
                  SELECT max(snapshot_date) FROM waiting_list_snapshots
                  WHERE provider_code = $provider)
                GROUP BY ALL""",
            {"provider": provider},
        )
    }
    published = published_waits()
    own = published[(published["level"] == "provider") & (published["org_code"] == provider)]
    icb = own["icb_code"].dropna().unique()
    icb_code = str(icb[0]) if len(icb) else None
    theirs = published[(published["level"] == "icb") & (published["org_code"] == icb_code)]

    def summed(frame) -> dict[tuple[str, str], tuple[int, int]]:
        over = frame["weeks_waited_band"].isin([">52-104", ">104"])
        total = frame.groupby(["service_line", "age_group"])["patients"].sum()
        long = frame[over].groupby(["service_line", "age_group"])["patients"].sum()
        return {k: (int(v), int(long.get(k, 0))) for k, v in total.items()}

    mine, area = summed(own), summed(theirs)
    month = published_month()
    out = []
    for key in sorted(set(local) | set(mine)):
        lrow = local.get(key)
        p_total, p_long = mine.get(key, (None, None))
        i_total, i_long = area.get(key, (None, None))
        out.append(
            {
                "service_line": key[0],
                "age_group": key[1],
                "local_snapshot": lrow["snapshot_date"] if lrow else None,
                "local_total": lrow["total"] if lrow else None,
                "local_over_52_weeks": lrow["over_52_weeks"] if lrow else None,
                "published_month": month,
                "published_total": p_total,
                "published_over_52_weeks": p_long,
                "icb_code": icb_code,
                "icb_published_total": i_total,
                "icb_published_over_52_weeks": i_long,
            }
        )
    return out


def waiting_list_report(
    con: duckdb.DuckDBPyConnection,
    *,
    provider: str | None = None,
    target: QueueTarget | None = None,
) -> Row:
    """Every local figure above, as `neighbourhood access waits` prints them; the local
    figures beside the published ones only for one provider."""
    target = target or QueueTarget()
    report: Row = {
        "latest_snapshot": latest_snapshot(con, provider=provider),
        "trend": trend(con, provider=provider),
        "cyp_over_52_weeks": cyp_over_52_weeks(con, provider=provider),
        "cyp_over_52_weeks_source": CYP_LONG_WAIT_SOURCE,
        "queue_measures": queue_measures(con, provider=provider, target=target),
        "queue_target": repr(target),
        "queue_method": QUEUE_METHOD_SOURCE,
    }
    if provider:
        report["local_vs_published"] = local_vs_published(con, provider=provider)
    return report


def waiting_list_headlines(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Row]:
    """Whole-store figures in the shape of the demo's headlines (figure, value, rule)."""
    total, cyp_long, latest = con.execute(
        """SELECT sum(patients),
                  coalesce(sum(patients) FILTER (WHERE age_group = 'cyp'
                    AND weeks_waited_band IN ('>52-104', '>104')), 0),
                  max(snapshot_date)
           FROM waiting_list_snapshots
           WHERE snapshot_date = (SELECT max(snapshot_date) FROM waiting_list_snapshots
                                  WHERE snapshot_date <= $as_of)""",
        {"as_of": as_of},
    ).fetchone()
    if latest is None:
        return []
    return [
        {
            "figure": f"waiting for community services on {latest}",
            "value": int(total),
            "rule": "latest month-end snapshot on or before the date, every provider and band",
        },
        {
            "figure": "children and young people waiting over 52 weeks",
            "value": int(cyp_long),
            "rule": "same snapshot, CYP service lines, bands >52-104 and >104",
        },
    ]


def access_headlines(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Row]:
    """The waiting list and discharge headlines the demo prints (figure, value, rule)."""
    return waiting_list_headlines(con, as_of) + discharge_headlines(con, as_of)

"""Access sections: urgent community response and reablement (`access.ucr_kpis.kpis`) and
the community waiting list (`access.waits.latest_snapshot`), for the community providers whose
teams serve the PCNs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import duckdb

from neighbourhood.access.ucr_kpis import COUNT_COLUMNS as UCR_COUNTS
from neighbourhood.access.ucr_kpis import kpis
from neighbourhood.access.ucr_settings import TARGET_PERCENT
from neighbourhood.access.waits import latest_snapshot
from neighbourhood.access.waits_published import BANDS
from neighbourhood.disclosure import UCR_DEPENDENT
from neighbourhood.footprints import organisations, organisations_under
from neighbourhood.months import add_months
from neighbourhood.reports.common import Row, project, published
from neighbourhood.reports.model import Chart, Column, Section

UCR_MONTHS = 12

UCR_COLUMNS = (
    Column("level", "Level"),
    Column("org_code", "Code"),
    Column("org_name", "Organisation"),
    Column("month", "Month"),
    Column("two_hour_referrals", "2-hour referrals", "count"),
    Column("two_hour_met", "Met", "count"),
    Column("two_hour_not_met", "Not met", "count"),
    Column("two_hour_open", "Open", "count"),
    Column("two_hour_percent_met", "2-hour % met", "percent"),
    Column("meets_target", f"Meets {TARGET_PERCENT:g}%"),
    Column("ucr_referrals", "UCR referrals", "count"),
    Column("ucr_referrals_per_100k", "UCR referrals per 100,000", "number"),
    Column("reablement_referrals", "Reablement referrals", "count"),
    Column("reablement_met", "Reablement met", "count"),
    Column("reablement_not_met", "Reablement not met", "count"),
    Column("reablement_percent_met", "Reablement 2-day % met", "percent"),
)


REFERRALS = ("ucr_referrals", "two_hour_referrals", "reablement_referrals")


def serving_providers(
    con: duckdb.DuckDBPyConnection, pcn_codes: set[str], on: dt.date
) -> dict[str, str]:
    """Community providers whose teams serve any of the PCNs on the date (`team_serves_pcn`:
    a provider's footprint as `footprints.organisations_under` gives it): code -> name."""
    found = {}
    for provider in organisations(con, org_type="provider"):
        under = {r["org_code"] for r in organisations_under(con, provider["org_code"], on)}
        if under & pcn_codes:
            found[provider["org_code"]] = provider["name"] or ""
    return found


def ucr_section(
    con: duckdb.DuckDBPyConnection,
    month: dt.date,
    wanted: Sequence[tuple[str, str]],
    publishable: bool,
    made_at: dt.datetime,
    who: str,
) -> Section:
    """`kpis` for the 12 months to `month`, the (level, code) pairs wanted, in that order;
    teams with no referral in the months are left out (and named in a note). The chart is of
    the one team with 2-hour referrals when there is one, else of the ICB (the last ICB
    wanted)."""
    first = add_months(month, 1 - UCR_MONTHS)
    levels = sorted({level for level, _ in wanted})
    order = {key: i for i, key in enumerate(wanted)}
    rows = [
        r
        for r in kpis(con, first, month, levels=levels, as_of=made_at)
        if (r["level"], r["org_code"]) in order
    ]
    busy = {(r["level"], r["org_code"]) for r in rows if any(r[k] for k in REFERRALS)}
    quiet = sorted({r["org_code"] for r in rows if r["level"] == "team"
                    and ("team", r["org_code"]) not in busy})  # fmt: skip
    rows = [r for r in rows if r["level"] != "team" or r["org_code"] not in quiet]
    rows.sort(key=lambda r: (order[(r["level"], r["org_code"])], r["month"]))
    urgent = sorted({r["org_code"] for r in rows
                     if r["level"] == "team" and r["two_hour_referrals"]})  # fmt: skip
    icbs = [code for level, code in wanted if level == "icb"]
    chart_of = ("team", urgent[0]) if len(urgent) == 1 else ("icb", icbs[-1] if icbs else "")
    rows = published(rows, publishable, counts=UCR_COUNTS, dependent=UCR_DEPENDENT)
    for row in rows:
        row["month"] = f"{row['month']:%Y-%m}"
    notes = [
        f"{who}, {first:%B %Y} to {month:%B %Y}: 2-hour urgent community response (met within "
        f"120 minutes; open clocks in neither met nor not met) and 2-day reablement (2 "
        f"midnights or fewer), by the month of the clock start, clocks decided as at "
        f"{made_at:%Y-%m-%d %H:%M} UTC; default settings (neighbourhood.access.ucr_kpis.kpis)",
        f"Target: at least {TARGET_PERCENT:g}% of 2-hour referrals within 2 hours",
        "UCR referrals per 100,000 is a crude rate over the registered patients of the "
        "organisation's footprint",
    ]
    if not rows:
        notes.insert(0, "No UCR or reablement referral of these organisations in these months "
                        "is in the store")  # fmt: skip
    if quiet:
        notes.append(f"Not shown, no referral in these months: team(s) {', '.join(quiet)}")
    level, code = chart_of
    by_month = {r["month"]: r["two_hour_percent_met"] for r in rows
                if (r["level"], r["org_code"]) == (level, code)}  # fmt: skip
    name = next((r["org_name"] for r in rows if (r["level"], r["org_code"]) == chart_of), None)
    months = [f"{add_months(month, i + 1 - UCR_MONTHS):%Y-%m}" for i in range(UCR_MONTHS)]
    chart = Chart(
        "line",
        f"2-hour UCR within 2 hours: {name or code} ({level})",
        "% met within 2 hours",
        tuple((m, by_month.get(m)) for m in months),
        target=TARGET_PERCENT,
        target_label=f"Target {TARGET_PERCENT:g}%",
        unit="%",
        y_max=100,
    )
    return Section(
        "ucr",
        "Urgent community response and reablement",
        UCR_COLUMNS,
        project(rows, UCR_COLUMNS),
        tuple(notes),
        chart,
    )


def _band_key(band: str) -> str:
    return "weeks_" + band.replace(">", "over_").replace("-", "_")


WAITS_COLUMNS = (
    Column("provider_code", "Provider"),
    Column("provider_name", "Name"),
    Column("snapshot_date", "Snapshot"),
    Column("service_line", "Service line"),
    Column("age_group", "Age group"),
    Column("total", "Waiting", "count"),
    *(Column(_band_key(b), f"{b} weeks", "count") for b in BANDS),
)


def waits_section(
    con: duckdb.DuckDBPyConnection, providers: Mapping[str, str], end: dt.date, publishable: bool
) -> Section:
    """Each provider's latest snapshot (`latest_snapshot`), and a bar chart of all of them by
    weeks waited."""
    raw: list[Row] = []
    for code in sorted(providers):
        raw += [r | {"provider_name": providers[code]} for r in latest_snapshot(con, provider=code)]
    rows = published(raw, publishable, counts=("total", *BANDS), sums={"total": BANDS})
    for row in rows:
        for band in BANDS:
            row[_band_key(band)] = row.pop(band)
    notes = [
        "Each provider's latest month-end snapshot in the store (waiting_list_snapshots; "
        "neighbourhood.access.waits.latest_snapshot), by service line, age group and weeks "
        "waited; an empty band has no row in the snapshot"
    ]
    dates = sorted({r["snapshot_date"] for r in raw})
    if not providers:
        notes.insert(0, "No community provider's teams serve these PCNs on the date")
    elif not raw:
        notes.insert(0, "The store holds no waiting list snapshot of these providers")
    elif dates != [end]:
        notes.append(
            "The latest snapshots are dated " + ", ".join(map(str, dates)) + f", not {end}"
        )
    totals = {b: sum(r[b] or 0 for r in raw) for b in BANDS}
    bars = [{"band": b, "patients": n} for b, n in totals.items()]
    bars.append({"band": None, "patients": sum(totals.values())})
    bars = published(bars, publishable, counts=("patients",),
                      is_total=lambda r: r["band"] is None)  # fmt: skip
    chart = Chart(
        "bar",
        "Waiting list by weeks waited (all providers shown, latest snapshots)",
        "Patients waiting",
        tuple((f"{r['band']} wk", r["patients"]) for r in bars if r["band"] is not None),
    )
    return Section(
        "waits",
        "Community waiting list",
        WAITS_COLUMNS,
        project(rows, WAITS_COLUMNS),
        tuple(notes),
        chart if raw else None,
    )

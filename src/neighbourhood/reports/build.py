"""Monthly reports for a PCN and for an ICB, put together from the compute packages' own
functions: every figure is one those functions give (the same calls as the demo, the command
line and the API), cut to the organisation and laid out as sections. Nothing here adds a
rule; where a package has no answer (no UCR referrals in the store, no indicators for the
year) the section says so.

`pcn_report(con, engine, "U12345", month)` and `icb_report(con, engine, "QJK", month)` read
the store through both of its doors: `con`, the DuckDB connection the SQL packages take
(overview, footprints, access, alignment), and `engine`, the Ibis engine of the cohort
packages (cohorts, indicators, payments). `opened(db)` opens both on a store file.

With `publishable=True`, counts of people from 1 to 4 are hidden, with what is worked out from
them, by `neighbourhood.disclosure.suppress_for_publication` (as the API does outside a
caller's scope); otherwise the report is management information and says so.

This module checks what is asked and puts the sections together; each theme's sections are
made in a module of their own: `overview` (overview, member practices, the ICB's PCNs and
footprint findings), `cohorts`, `iif`, `access` (UCR and reablement, community waits),
`payments` and `discharge_alignment`, with the helpers they share in `common`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from neighbourhood.access.ucr_settings import TARGET_PERCENT
from neighbourhood.footprints import members, organisations, organisations_under, pcns
from neighbourhood.months import month_end
from neighbourhood.overview import pcn_summary, store_contents
from neighbourhood.payments.statement import statement_year
from neighbourhood.reports.access import serving_providers, ucr_section, waits_section
from neighbourhood.reports.cohorts import cohort_section
from neighbourhood.reports.common import Row
from neighbourhood.reports.discharge_alignment import alignment_sections, discharge_sections
from neighbourhood.reports.iif import icb_iif_section, pcn_iif_section
from neighbourhood.reports.model import Report
from neighbourhood.reports.overview import icb_overview_sections, pcn_overview_sections
from neighbourhood.reports.payments import payments_section
from neighbourhood.store import connect
from neighbourhood.store.engines import Engine, open_duckdb

__all__ = [
    "MANAGEMENT_NOTE",
    "PUBLISHABLE_NOTE",
    "ReportError",
    "icb_report",
    "opened",
    "pcn_report",
]

MANAGEMENT_NOTE = "Management information: contains unsuppressed small numbers; do not publish"
PUBLISHABLE_NOTE = (
    "Small numbers suppressed for publication: counts of people from 1 to 4 are hidden (–), "
    "with the figures worked out from them and a figure that would give them back "
    "(neighbourhood.disclosure.suppress_for_publication)"
)


class ReportError(ValueError):
    """The report cannot be made as asked: an unknown or closed organisation, a bad month."""


@contextmanager
def opened(db: str | Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Engine]]:
    """The store file opened read-only through both doors a report reads: the DuckDB
    connection and the Ibis engine. FileNotFoundError (from `connect`) when there is none."""
    con = connect(db, read_only=True)
    try:
        with open_duckdb(db) as engine:
            yield con, engine
    finally:
        con.close()


# ---- what is asked, and what every report says ----------------------------------------------


def _first_of(month: dt.date) -> dt.date:
    if not isinstance(month, dt.date) or isinstance(month, dt.datetime):
        raise ReportError(f"the month is a date, not {month!r}")
    return month.replace(day=1)


def _organisation(con: duckdb.DuckDBPyConnection, code: str, org_type: str, label: str) -> Row:
    found = organisations(con, code=code)
    if not found:
        raise ReportError(f"no {label} {code!r} in the store")
    if found[0]["org_type"] != org_type:
        article = "an" if label[0] in "AEIOU" else "a"
        raise ReportError(f"{code} is a {found[0]['org_type']}, not {article} {label}")
    return found[0]


def _synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    return any(r["synthetic"] for r in store_contents(con))


def _report_notes(publishable: bool, synthetic: bool, end: dt.date, made_at: dt.datetime) -> list:
    notes = [PUBLISHABLE_NOTE if publishable else MANAGEMENT_NOTE]
    if synthetic:
        notes.append(
            "SYNTHETIC DATA: the store holds data made by the synthetic generator "
            "(no real patients)"
        )
    notes.append(
        f"Figures are for the month's last day, {end}, unless a section says otherwise; "
        f"made {made_at:%Y-%m-%d %H:%M} UTC from the store as it then was"
    )
    return notes


def _sources(year: str, end: dt.date) -> tuple[str, ...]:
    rates = statement_year(end)
    return (
        "The store: registrations, patients, organisations, org_memberships, care homes, "
        "practice list sizes, clinical records, community referrals and contacts, waiting list "
        "snapshots, hospital spells, as loaded (load_log)",
        "Organisation tree and PCN rules: neighbourhood.footprints (rules.yaml: NHS England, "
        "Network Contract DES specification; NHS ODS)",
        "Cohorts: the shipped cohort library (neighbourhood/cohorts/library), each file citing "
        "its sources",
        f"IIF: the indicator definitions of {year} (neighbourhood/indicators/definitions/{year}) "
        f"and year values (indicators/years/{year}.yaml), each value with its source",
        "UCR and reablement: neighbourhood.access.ucr_kpis (NHS Data Model and Dictionary; NHS "
        f"England's 2-hour standard, target {TARGET_PERCENT:g}%)",
        "Community waits: neighbourhood.access.waits (NHS England community waits method)",
        f"Payments: neighbourhood.payments.statement, rates file payments/rates/{rates}.yaml, "
        "each rate with its source",
    )


# ---- the reports ----------------------------------------------------------------------------


def pcn_report(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    pcn_code: str,
    month: dt.date,
    *,
    publishable: bool = False,
    made_at: dt.datetime | None = None,
) -> Report:
    """A PCN's report for the month of `month`: overview, member practices, cohorts, IIF,
    UCR and reablement, community waits and the payment statement. `made_at` (default now)
    is also the moment the UCR clocks are decided at."""
    month = _first_of(month)
    end = month_end(month)
    made_at = made_at or dt.datetime.now(dt.UTC)
    org = _organisation(con, pcn_code, "pcn", "PCN")
    summary = [r for r in pcn_summary(con, end) if r["pcn_code"] == pcn_code]
    if not summary:
        raise ReportError(f"PCN {pcn_code} is not open on {end}")
    footprint = next(r for r in pcns(con, end) if r["pcn_code"] == pcn_code)
    icb = footprint["icb_code"]
    practices = [r for r in members(con, end) if pcn_code in (r["pcn_code"] or "").split(";")]

    codes = [r["practice_code"] for r in practices]
    sections = [
        *pcn_overview_sections(summary, footprint, practices, publishable),
        cohort_section(engine, pcn_code, codes, end, publishable),
    ]
    iif, year, iif_rows = pcn_iif_section(engine, pcn_code, end, publishable)
    sections.append(iif)

    teams = sorted(r["org_code"] for r in organisations_under(con, pcn_code, end)
                   if r["org_type"] == "community_team")  # fmt: skip
    providers = serving_providers(con, {pcn_code}, end)
    wanted = [("team", t) for t in teams] + [("provider", p) for p in sorted(providers)]
    wanted += [("icb", icb)] if icb else []
    who = (f"The community teams serving {pcn_code} ({', '.join(teams) or 'none'}), their "
           f"providers and the ICB")  # fmt: skip
    sections.append(ucr_section(con, month, wanted, publishable, made_at, who))
    sections.append(waits_section(con, providers, end, publishable))
    sections.append(payments_section(engine, pcn_code, end, iif_rows, publishable))

    return _report(con, "pcn", org, month, made_at, sections, year, publishable)


def icb_report(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    icb_code: str,
    month: dt.date,
    *,
    publishable: bool = False,
    made_at: dt.datetime | None = None,
) -> Report:
    """An ICB's report for the month of `month`: its PCNs (overview and footprint rules), IIF
    achievement per PCN, UCR and reablement for the ICB and the providers serving its PCNs,
    their waiting lists, discharge delays and care home alignment gaps."""
    month = _first_of(month)
    end = month_end(month)
    made_at = made_at or dt.datetime.now(dt.UTC)
    org = _organisation(con, icb_code, "icb", "ICB")
    sections, footprint = icb_overview_sections(con, icb_code, end, publishable)
    codes = [r["pcn_code"] for r in footprint]
    iif, year = icb_iif_section(engine, codes, end, publishable)
    sections.append(iif)
    providers = serving_providers(con, set(codes), end)
    wanted = [("icb", icb_code)] + [("provider", p) for p in sorted(providers)]
    who = f"{icb_code} and the community providers whose teams serve its PCNs"
    sections.append(ucr_section(con, month, wanted, publishable, made_at, who))
    sections.append(waits_section(con, providers, end, publishable))
    sections += discharge_sections(con, month, publishable)
    sections += alignment_sections(con, icb_code, end)
    return _report(con, "icb", org, month, made_at, sections, year, publishable)


def _report(con, kind, org, month, made_at, sections, year, publishable) -> Report:
    end = month_end(month)
    synthetic = _synthetic(con)
    return Report(
        kind=kind,
        org_code=org["org_code"],
        org_name=org["name"] or "",
        month=month,
        made_at=made_at,
        sections=tuple(sections),
        notes=tuple(_report_notes(publishable, synthetic, end, made_at)),
        sources=_sources(year, end),
        publishable=publishable,
        synthetic=synthetic,
    )

"""Overview and footprint sections: the PCN's overview and member practices, the ICB's PCNs
and its footprint rule findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from neighbourhood.disclosure import OVERVIEW_COUNTS, OVERVIEW_DEPENDENT
from neighbourhood.footprints import check, pcns
from neighbourhood.overview import pcn_summary
from neighbourhood.reports.common import Row, project, published
from neighbourhood.reports.model import Column, Section

OVERVIEW_COLUMNS = (
    Column("pcn_code", "PCN"),
    Column("pcn_name", "Name"),
    Column("practices", "Practices", "count"),
    Column("registered_patients", "Registered patients", "count"),
    Column("pct_65_plus", "Aged 65+ (%)", "percent"),
    Column("care_homes", "Care homes aligned", "count"),
    Column("care_home_residents", "Care home residents", "count"),
)
OVERVIEW_SUPPRESSION = {"counts": OVERVIEW_COUNTS, "dependent": OVERVIEW_DEPENDENT}
OVERVIEW_NOTE = (
    "Registered patients: registered with a member practice and alive on the date; aged 65+ "
    "in whole years from the month of birth; care homes aligned to the PCN on the date and "
    "their residents (neighbourhood.overview.pcn_summary)"
)
PRACTICE_COLUMNS = (
    Column("practice_code", "Practice"),
    Column("practice_name", "Name"),
    Column("list_size", "List size", "count"),
    Column("list_size_date", "List size date"),
)
ICB_PCN_COLUMNS = (
    Column("pcn_code", "PCN"),
    Column("pcn_name", "Name"),
    Column("sub_icb_code", "Sub-ICB"),
    Column("practices", "Practices", "count"),
    Column("registered_patients", "Registered patients", "count"),
    Column("pct_65_plus", "Aged 65+ (%)", "percent"),
    Column("care_homes", "Care homes aligned", "count"),
    Column("care_home_residents", "Care home residents", "count"),
    Column("list_size_patients", "List size (published)", "count"),
    Column("practices_without_list_size", "Practices without a list size", "count"),
    Column("flags", "Footprint rule flags"),
)
FINDING_COLUMNS = (
    Column("rule_id", "Rule"),
    Column("severity", "Severity"),
    Column("org_code", "Organisation"),
    Column("pcn_codes", "PCNs"),
    Column("detail", "Detail"),
)


def pcn_overview_sections(
    overview: Sequence[Row], footprint: Row, practices: Sequence[Row], publishable: bool
) -> list[Section]:
    """The PCN's overview (its `pcn_summary` row, with its ICB, sub-ICB and footprint rule
    flags from `footprints.pcns`) and its member practices (`footprints.members`)."""
    icb = footprint["icb_code"]
    overview_rows = published(overview, publishable, **OVERVIEW_SUPPRESSION)
    where = (
        f"ICB {icb or 'not known'}; sub-ICB {footprint['sub_icb_code'] or 'not known'}; "
        f"footprint rule flags: {footprint['flags'] or 'none'}"
    )
    practices_note = (
        "Open practices in the PCN on the date, with the latest published list size on or "
        "before it (neighbourhood.footprints.members; NHS Digital, Patients Registered at a GP "
        "Practice)"
    )
    return [
        Section(
            "overview",
            "Overview",
            OVERVIEW_COLUMNS,
            project(overview_rows, OVERVIEW_COLUMNS),
            (OVERVIEW_NOTE, where),
        ),
        Section(
            "practices",
            "Member practices",
            PRACTICE_COLUMNS,
            project(practices, PRACTICE_COLUMNS),
            (practices_note,),
        ),
    ]


def icb_overview_sections(
    con: duckdb.DuckDBPyConnection, icb: str, end: dt.date, publishable: bool
) -> tuple[list[Section], list[Row]]:
    """The ICB's PCNs (`pcn_summary` beside `footprints.pcns`) and its footprint rule
    findings (`footprints.check`); with the `footprints.pcns` rows of its PCNs."""
    footprint = pcns(con, end, icb)
    mine = {r["pcn_code"]: r for r in footprint}
    summary = [r for r in pcn_summary(con, end) if r["pcn_code"] in mine]
    summary = published(summary, publishable, **OVERVIEW_SUPPRESSION)
    rows = [
        r | {
            "sub_icb_code": mine[r["pcn_code"]]["sub_icb_code"],
            "list_size_patients": mine[r["pcn_code"]]["registered_patients"],
            "practices_without_list_size": mine[r["pcn_code"]]["practices_without_list_size"],
            "flags": mine[r["pcn_code"]]["flags"] or None,
        }
        for r in summary
    ]  # fmt: skip
    checked = check(con, end, icb)
    overview = Section(
        "pcns",
        "PCNs",
        ICB_PCN_COLUMNS,
        project(rows, ICB_PCN_COLUMNS),
        (OVERVIEW_NOTE,
         "List size (published): the sum of the open member practices' latest published list "
         "sizes on or before the date, empty when any has none; flags: the footprint rules "
         "that fire for the PCN (neighbourhood.footprints.pcns)"),
    )  # fmt: skip
    not_assessed = [f"Not assessed: {r['rule_id']} for {r['org_code'] or 'the ICB'}: "
                    f"{r['reason']}" for r in checked.not_assessed_rows()]  # fmt: skip
    findings = Section(
        "footprint_findings",
        "Footprint rule findings",
        FINDING_COLUMNS,
        project(checked.finding_rows(), FINDING_COLUMNS),
        ("The PCN rules of neighbourhood/footprints/rules.yaml checked on the date "
         "(neighbourhood.footprints.check)",
         *(() if checked.findings else ("No rule fires",)), *not_assessed),
    )  # fmt: skip
    return [overview, findings], footprint

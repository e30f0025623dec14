"""The ICB report's hospital discharge sections (`access.discharge`) and care home alignment
gaps (`alignment.current_alignment`)."""

from __future__ import annotations

import datetime as dt

import duckdb

from neighbourhood.access import discharge
from neighbourhood.alignment import current_alignment
from neighbourhood.disclosure import DISCHARGE_COUNTS, DISCHARGE_DEPENDENT
from neighbourhood.months import month_end
from neighbourhood.reports.common import project, published
from neighbourhood.reports.model import Column, Section

DISCHARGE_COLUMNS = (
    Column("month", "Month"),
    Column("discharges", "Discharges", "count"),
    Column("with_ready_date", "With a discharge-ready date", "count"),
    Column("without_ready_date", "Without one", "count"),
    Column("discharged_on_ready_date", "Discharged on the date", "count"),
    Column("delayed", "Delayed", "count"),
    Column("mean_delay_days", "Mean delay (days)", "number"),
    Column("median_delay_days", "Median delay (days)", "number"),
    Column("p90_delay_days", "90th centile delay (days)", "number"),
    Column("bed_days_lost_in_month", "Bed-days lost in the month", "count"),
)
DISCHARGE_SUPPRESSION = {"counts": DISCHARGE_COUNTS, "dependent": DISCHARGE_DEPENDENT}
PATHWAY_COLUMNS = (
    Column("pathway", "Pathway"),
    Column("description", "Description"),
    Column("aged_65_plus", "Aged 65+", "count"),
    Column("share_65_plus_percent", "Share aged 65+ (%)", "percent"),
    Column("expected_percent", "Expected (%)"),
    Column("within_expected", "Within expected"),
    Column("all_ages", "All ages", "count"),
    Column("share_all_percent", "Share, all ages (%)", "percent"),
)
PATHWAY_SUPPRESSION = {
    "counts": ("aged_65_plus", "all_ages"),
    "dependent": {
        "share_65_plus_percent": ("aged_65_plus",),
        "within_expected": ("share_65_plus_percent",),
        "share_all_percent": ("all_ages",),
    },
}
GAP_KINDS = {
    "unaligned": "Aligned to no PCN",
    "aligned_to_several_pcns": "Aligned to more than one PCN",
    "no_bed_count": "No registered bed count",
}
GAP_COUNT_COLUMNS = (
    Column("gap", "Gap"),
    Column("description", "What"),
    Column("homes", "Care homes", "count"),
)
GAP_COLUMNS = (
    Column("gap", "Gap"),
    Column("home_code", "Care home"),
    Column("home_name", "Name"),
    Column("pcn_codes", "PCNs"),
    Column("detail", "Detail"),
)


def discharge_sections(
    con: duckdb.DuckDBPyConnection, month: dt.date, publishable: bool
) -> list[Section]:
    text = f"{month:%Y-%m}"
    summary = discharge.delay_summary(con, text)
    pathways = discharge.pathway_mix(con, text)
    (summary,) = published([summary], publishable, **DISCHARGE_SUPPRESSION)
    pathways = published(pathways, publishable, **PATHWAY_SUPPRESSION)
    where = (
        "Every hospital spell in the store (hospital_spells has no hospital or PCN, so this is "
        "not cut to the ICB)"
    )
    notes = [
        f"{where}: spells discharged in {month:%B %Y}; delay = discharge date - "
        "discharge-ready date; bed-days lost: days in the month in hospital past the "
        "discharge-ready date (neighbourhood.access.discharge.delay_summary)"
    ]
    if not summary["discharges"]:
        notes.insert(0, "No discharge in the month is in the store")
    if summary["days_covered"] < month_end(month).day:
        notes.append(f"The store's spells cover {summary['days_covered']} day(s) of the month")
    return [
        Section("discharge", "Discharge delays", DISCHARGE_COLUMNS,
                project([summary], DISCHARGE_COLUMNS), tuple(notes)),
        Section("discharge_pathways", "Discharge pathways", PATHWAY_COLUMNS,
                project(pathways, PATHWAY_COLUMNS),
                (f"{where}: discharges in the month with a pathway, against the DHSC planning "
                 "shares for people aged 65+ (neighbourhood.access.discharge.pathway_mix)",)),
    ]  # fmt: skip


def alignment_sections(con: duckdb.DuckDBPyConnection, icb: str, end: dt.date) -> list[Section]:
    found = current_alignment(con, end, icb)
    counts = [
        {"gap": kind, "description": text,
         "homes": len({g["home_code"] for g in found.gaps if g["gap"] == kind})}
        for kind, text in GAP_KINDS.items()
    ]  # fmt: skip
    note = (
        f"{len(found.homes)} open care home(s) in scope on {end}: those aligned to one of the "
        "ICB's PCNs and unaligned homes nearest one of its practices "
        "(neighbourhood.alignment.current_alignment; Enhanced Health in Care Homes: one named "
        "PCN per care home)"
    )
    return [
        Section("care_home_gaps", "Care home alignment gaps", GAP_COUNT_COLUMNS, counts, (note,)),
        Section("care_home_gap_list", "Care homes with an alignment gap", GAP_COLUMNS,
                project(found.gaps, GAP_COLUMNS),
                (note,) if found.gaps else ("No care home has a gap", note)),
    ]  # fmt: skip

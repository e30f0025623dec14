"""NHS England "Community Health Services Waiting Times" (CHS SitRep), October 2025.

The shipped workbook (sources/data/nhs_waiting_times.xlsx, published 11/12/2025) holds, per
organisation (England, region, ICB, provider) and per service line, the total waiting list
(Table 4) and the number waiting in each weeks-waited band (Tables 4a to 4h). Blank cells mean
no organisation submitted for that service line; they are left out here, not read as zero.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file

WORKBOOK = "nhs_waiting_times.xlsx"
PERIOD = "2025-10-31"  # month-end of the latest data in the workbook (October 2025)
HEADER_ROW = 4  # zero-based row of "Organisation Type | Organisation Code | ..."
# Weeks-waited band (data model label) -> sheet holding it, and the words its title must hold.
BAND_SHEETS = {
    "0-1": ("Table 4a", "0-1 weeks"),
    ">1-2": ("Table 4b", ">1-2 weeks"),
    ">2-4": ("Table 4c", ">2-4 weeks"),
    ">4-12": ("Table 4d", ">4-12 weeks"),
    ">12-18": ("Table 4e", ">12-18 weeks"),
    ">18-52": ("Table 4f", ">18-52 weeks"),
    ">52-104": ("Table 4g", ">52-104 weeks"),
    ">104": ("Table 4h", "over 104 weeks"),
}
COLUMNS = [
    "org_type",
    "org_code",
    "org_name",
    "service_line",
    "age_group",
    "weeks_waited_band",
    "patients",
]


@cache
def _sheets() -> dict[str, list[tuple]]:
    import openpyxl  # imported here: only this reader needs it

    book = openpyxl.load_workbook(data_file(WORKBOOK), read_only=True, data_only=True)
    try:
        sheets = {}
        for name in ("Table 4", *(sheet for sheet, _ in BAND_SHEETS.values())):
            worksheet = book[name]
            worksheet.reset_dimensions()  # the file's stored dimensions are wrong
            sheets[name] = list(worksheet.iter_rows(values_only=True))
        return sheets
    finally:
        book.close()


def _sheet_rows(sheet: str) -> list[tuple]:
    return _sheets()[sheet]


def _service(header: str) -> tuple[str, str]:
    """'(A) Community nursing services' -> ('Community nursing services', 'adult')."""
    prefix, _, name = header.partition(") ")
    age_group = {"(A": "adult", "(CYP": "cyp"}.get(prefix)
    if age_group is None:
        raise ValueError(f"unexpected service column {header!r}")
    return name.strip(), age_group


def _long(rows: list[tuple], band: str) -> pd.DataFrame:
    header = rows[HEADER_ROW]
    if tuple(header[:3]) != ("Organisation Type", "Organisation Code", "Organisation Name"):
        raise ValueError(f"unexpected header row {header[:3]}")
    services = [(i, _service(h)) for i, h in enumerate(header) if i >= 3 and h]
    records = []
    for row in rows[HEADER_ROW + 1 :]:
        if not row or not row[0]:
            continue
        for i, (name, age_group) in services:
            value = row[i] if i < len(row) else None
            if value is None or value == "":
                continue
            records.append((row[0], row[1] or "", row[2], name, age_group, band, int(value)))
    return pd.DataFrame(records, columns=COLUMNS)


@cache
def read_waiting_by_band() -> pd.DataFrame:
    """Number waiting at the end of October 2025 per organisation, service line, adult/CYP
    and weeks-waited band: columns org_type (National/Region/ICB/Provider), org_code,
    org_name, service_line, age_group (adult/cyp), weeks_waited_band ('0-1' ... '>104'),
    patients."""
    frames = []
    for band, (sheet, words) in BAND_SHEETS.items():
        rows = _sheet_rows(sheet)
        title = str(rows[0][0])
        if words not in title:
            raise ValueError(f"{sheet} title {title!r} does not mention {words!r}")
        frames.append(_long(rows, band))
    return pd.concat(frames, ignore_index=True)


@cache
def read_total_waiting() -> pd.DataFrame:
    """Total waiting list per organisation and service line (Table 4); weeks_waited_band is
    'total'."""
    return _long(_sheet_rows("Table 4"), "total")


def national_waiting_by_band() -> pd.DataFrame:
    """England's rows of read_waiting_by_band(): service_line, age_group, weeks_waited_band,
    patients."""
    table = read_waiting_by_band()
    national = table[table["org_type"] == "National"]
    return national[["service_line", "age_group", "weeks_waited_band", "patients"]].reset_index(
        drop=True
    )


def organisation_names() -> dict[str, str]:
    """ODS code -> name as printed in the workbook (regions, ICBs, providers)."""
    table = read_total_waiting()
    named = table[table["org_code"] != ""]
    return dict(zip(named["org_code"], named["org_name"], strict=False))

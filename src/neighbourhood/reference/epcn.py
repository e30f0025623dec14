"""ODS ePCN → PCNs (organisations), PCN in sub-ICB, and practice-to-PCN memberships with dates.

Accepts the workbook `ePCN.xlsx` (sheets `PCNDetails` and `PCN Core Partner Details`) and CSV
exports of either sheet. Header cells are matched ignoring case, line breaks and extra spaces.
In the workbook a row's line is its sheet row (header = 1) and quarantine names the sheet as
`ePCN.xlsx#<sheet>`. Dates are YYYYMMDD text (or Excel dates in a workbook).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd

from neighbourhood.checksums import sha256_of
from neighbourhood.records import LoadError
from neighbourhood.reference.common import (
    LINE,
    SOURCE,
    Parsed,
    bad_date_reasons,
    frame_of,
    iso_dates,
    read_csv_rows,
    reject,
    text,
)

DETAILS_SHEET, PARTNERS_SHEET = "PCNDetails", "PCN Core Partner Details"
DETAILS = {
    "pcn_code": "pcn code",
    "pcn_name": "pcn name",
    "sub_icb_code": "current sub icb loc code",
    "sub_icb_name": "sub icb location",
    "open_date": "open date",
    "close_date": "close date",
    "postcode": "postcode",
}
PARTNERS = {
    "practice_code": "partner organisation code",
    "pcn_code": "pcn code",
    "start_date": "practice to pcn relationship start date",
    "end_date": "practice to pcn relationship end date",
}


def normalise(name: object) -> str:
    return " ".join(str(name or "").split()).lower()


def kind_of_header(header: list[str]) -> str | None:
    names = {normalise(h) for h in header}
    if set(PARTNERS.values()) <= names:
        return "partners"
    if set(DETAILS.values()) <= names:
        return "details"
    return None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y%m%d")
    return str(value)


def _sheets(path: Path) -> dict[str, tuple[list[str], list[list[str]], list[int]]]:
    import openpyxl  # only needed for workbooks

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise LoadError(f"{path}: not a readable .xlsx workbook ({error})") from error
    found = {}
    try:
        for sheet in (DETAILS_SHEET, PARTNERS_SHEET):
            if sheet not in book.sheetnames:
                raise LoadError(f"{path}: the workbook has no sheet {sheet!r}")
            rows = book[sheet].iter_rows(values_only=True)
            header = [normalise(h) for h in next(rows, ())]
            body, lines = [], []
            for number, row in enumerate(rows, start=2):
                cells = [_cell(v) for v in row[: len(header)]]
                if any(c.strip() for c in cells):
                    body.append(cells)
                    lines.append(number)
            found[sheet] = (header, body, lines)
    finally:
        book.close()
    return found


def _columns(frame: pd.DataFrame, wanted: dict[str, str], path: Path) -> dict[str, pd.Series]:
    by_name = {normalise(c): c for c in frame.columns}
    missing = [w for w in wanted.values() if w not in by_name]
    if missing:
        raise LoadError(f"{path}: line 1: missing column(s): {', '.join(missing)}")
    return {key: frame[by_name[name]] for key, name in wanted.items()}


def _details(parsed: Parsed, frame: pd.DataFrame, source: str | None) -> pd.DataFrame:
    c = _columns(frame, DETAILS, parsed.path)
    open_date, bad_open = iso_dates(c["open_date"])
    close_date, bad_close = iso_dates(c["close_date"])
    reject(frame, bad_open, "Open Date", bad_date_reasons(c["open_date"], "Open Date"))
    reject(frame, bad_close, "Close Date", bad_date_reasons(c["close_date"], "Close Date"))
    meta = frame[[LINE, "_raw", "_shape", "_shape_field"]].assign(**{SOURCE: source})
    pcns = pd.DataFrame(
        {
            "org_code": text(c["pcn_code"]),
            "org_type": "pcn",
            "name": text(c["pcn_name"]),
            "postcode": text(c["postcode"]),
            "open_date": open_date,
            "close_date": close_date,
        }
    )
    parsed.add("organisations", pd.concat([pcns, meta], axis=1))
    links = pd.DataFrame(
        {
            "child_code": pcns["org_code"],
            "parent_code": text(c["sub_icb_code"]),
            "relationship": "pcn_in_sub_icb",
            "valid_from": open_date,
            "valid_to": close_date,
        }
    )
    parsed.add("org_memberships", pd.concat([links, meta], axis=1))
    return pd.DataFrame(
        {
            "sub_icb_code": links["parent_code"],
            "sub_icb_name": text(c["sub_icb_name"]),
            LINE: frame[LINE],
            SOURCE: source,
        }
    )


def _partners(parsed: Parsed, frame: pd.DataFrame, source: str | None) -> None:
    c = _columns(frame, PARTNERS, parsed.path)
    start, bad_start = iso_dates(c["start_date"])
    end, bad_end = iso_dates(c["end_date"])
    label_start, label_end = "Practice to PCN Relationship Start Date", "… End Date"
    reject(frame, bad_start, label_start, bad_date_reasons(c["start_date"], label_start))
    reject(frame, bad_end, label_end, bad_date_reasons(c["end_date"], label_end))
    meta = frame[[LINE, "_raw", "_shape", "_shape_field"]].assign(**{SOURCE: source})
    links = pd.DataFrame(
        {
            "child_code": text(c["practice_code"]),
            "parent_code": text(c["pcn_code"]),
            "relationship": "practice_in_pcn",
            "valid_from": start,
            "valid_to": end,
        }
    )
    parsed.add("org_memberships", pd.concat([links, meta], axis=1))


def read(path: Path) -> tuple[Parsed, pd.DataFrame]:
    """PCN rows and memberships of one ePCN file, and the sub-ICB codes (with names) its PCNs
    point at: sub_icb_code, sub_icb_name, `_line`, `_source`."""
    parsed = Parsed(path, sha256_of(path), "epcn")
    sub_icbs = pd.DataFrame(columns=["sub_icb_code", "sub_icb_name", LINE, SOURCE])
    if path.suffix.lower() == ".xlsx":
        sheets = _sheets(path)
        header, rows, lines = sheets[DETAILS_SHEET]
        sub_icbs = _details(parsed, frame_of(header, rows, lines), f"{path}#{DETAILS_SHEET}")
        header, rows, lines = sheets[PARTNERS_SHEET]
        _partners(parsed, frame_of(header, rows, lines), f"{path}#{PARTNERS_SHEET}")
        return parsed, sub_icbs
    header, rows, lines = read_csv_rows(path)
    kind = kind_of_header(header)
    if kind == "details":
        sub_icbs = _details(parsed, frame_of(header, rows, lines), None)
    elif kind == "partners":
        _partners(parsed, frame_of(header, rows, lines), None)
    else:
        raise LoadError(f"{path}: line 1: not an ePCN PCNDetails or Core Partner header")
    return parsed, sub_icbs

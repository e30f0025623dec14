"""A report as an Excel workbook (openpyxl): a "Report" sheet (title, organisation, month,
when made, notes, sources and the list of sheets), then one sheet per section: a bold, frozen
header row, the rows with numbers as numbers in the format of their column's kind (counts
`#,##0`, percentages `0.0`, pounds as on the payment statement's workbook), then the
section's notes below a blank row."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from neighbourhood.payments.statement_xlsx import POUNDS
from neighbourhood.reports.html import format_value
from neighbourhood.reports.model import Report, Section

__all__ = ["NUMBER_FORMATS", "REPORT_SHEET", "sheet_names", "to_xlsx"]

REPORT_SHEET = "Report"
NUMBER_FORMATS = {"count": "#,##0", "percent": "0.0", "pounds": POUNDS, "number": "General"}
MIN_WIDTH, MAX_WIDTH = 8, 60
_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_names(report: Report) -> dict[str, str]:
    """Section key -> its sheet's name: the title, without the characters Excel refuses, cut
    to 31 characters, numbered when two would be the same."""
    taken = {REPORT_SHEET.lower()}
    found = {}
    for section in report.sections:
        base = _BAD.sub(" ", section.title).strip()[:31] or section.key[:31]
        name, n = base, 2
        while name.lower() in taken:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        taken.add(name.lower())
        found[section.key] = name
    return found


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """A cell with the value as it is: numbers as numbers, text always as text (never a
    formula, even when it starts with =)."""
    if isinstance(value, Decimal):
        value = float(value)
    cell = sheet.cell(row, column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _report_sheet(sheet: Worksheet, report: Report, names: dict[str, str]) -> None:
    sheet.title = REPORT_SHEET
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    if report.synthetic:
        sheet["A1"].fill = PatternFill("solid", fgColor="FFF2CC")
    made = f"{report.made_at:%Y-%m-%d %H:%M %Z}" if report.made_at else ""
    for label, value in (
        ("Organisation", f"{report.org_name} ({report.org_code})"),
        ("Level", "PCN" if report.kind == "pcn" else "ICB"),
        ("Month", f"{report.month:%Y-%m}"),
        ("Made", made),
    ):
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for heading, lines in (
        ("Notes", report.notes),
        ("Sources", report.sources),
        ("Sheets", [f"{names[s.key]}: {s.title}" for s in report.sections]),
    ):
        sheet.append([])
        sheet.append([heading])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        for line in lines:
            _put(sheet, sheet.max_row + 1, 1, line)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 80


def _section_sheet(sheet: Worksheet, section: Section) -> None:
    columns = section.columns
    for index, column in enumerate(columns, start=1):
        _put(sheet, 1, index, column.label).font = Font(bold=True)
    widths = [len(c.label) for c in columns]
    for row_index, row in enumerate(section.rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = row[column.key]
            cell = _put(sheet, row_index, index, value)
            if column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            shown = len(format_value(value, column.kind)) if value is not None else 0
            widths[index - 1] = max(widths[index - 1], shown)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    for line_row in sheet.iter_rows(min_row=1, max_row=1):
        for cell in line_row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    at = len(section.rows) + 3
    notes = section.notes or ()
    if not section.rows:
        notes = ("No rows.", *notes)
    for offset, note in enumerate(notes):
        _put(sheet, at + offset, 1, f"Note: {note}")


def to_xlsx(report: Report) -> bytes:
    """The report as the bytes of an .xlsx workbook."""
    book = Workbook()
    names = sheet_names(report)
    _report_sheet(book.active, report, names)
    for section in report.sections:
        _section_sheet(book.create_sheet(names[section.key]), section)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

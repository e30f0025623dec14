"""A payment statement as an Excel workbook (openpyxl): a title row (PCN code and name, year,
"SYNTHETIC DATA" when the store is synthetic), a header, one row per line with the amount as
a number in £ (empty when incomplete), a total row and the notes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from neighbourhood.payments.statement import Statement

POUNDS = '"£"#,##0.00'
HEADER = ("Section", "Item", "Payee", "Basis", "Amount (£)", "Status", "In total", "Reasons",
          "Warnings", "Evidence")  # fmt: skip
WIDTHS = (30, 50, 12, 70, 14, 11, 9, 50, 40, 70)
AMOUNT_COLUMN = HEADER.index("Amount (£)") + 1


def write_statement(statement: Statement, path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{statement.pcn} {statement.year}"
    sheet.append([statement.title])
    sheet["A1"].font = Font(bold=True, size=14)
    if statement.synthetic:
        sheet["A1"].fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.append(
        [f"Registered lists on {statement.list_date}; care home residents on {statement.at}; "
         f"practices: {', '.join(statement.practices) or 'none'}"]
    )  # fmt: skip
    sheet.append(list(HEADER))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for line in statement.lines:
        row = line.record()
        sheet.append(
            [row["section"], row["item"], row["payee"], row["basis"],
             float(line.amount) if line.amount is not None else None, row["status"],
             "yes" if line.in_total else "no", row["reasons"], row["warnings"], row["evidence"]]
        )  # fmt: skip
        sheet.cell(sheet.max_row, AMOUNT_COLUMN).number_format = POUNDS
    totals = statement.totals()
    sheet.append(
        ["Total", "complete lines", None, None, float(statement.total),
         f"{totals['incomplete_lines']} incomplete line(s) not in the total"]
    )  # fmt: skip
    total_row = sheet.max_row
    sheet.cell(total_row, AMOUNT_COLUMN).number_format = POUNDS
    for cell in sheet[total_row]:
        cell.font = Font(bold=True)
    for note in statement.notes:
        sheet.append([f"Note: {note}"])
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=4, max_row=total_row - 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A4"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path

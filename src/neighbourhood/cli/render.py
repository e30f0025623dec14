"""Printing results as a Rich table, JSON or CSV (`--format table|json|csv`)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


Rows = Sequence[Mapping[str, Any]]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def render_rows(
    rows: Rows, fmt: OutputFormat, *, title: str | None = None, console: Console
) -> None:
    """Print rows (dicts sharing the same keys) in the chosen format."""
    columns = list(rows[0].keys()) if rows else []
    if fmt is OutputFormat.json:
        payload = [{k: _plain(v) for k, v in r.items()} for r in rows]
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r[c] is None else _plain(r[c]) for c in columns])
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            numeric = bool(rows) and isinstance(rows[0][c], int | float)
            table.add_column(c, justify="right" if numeric else "left")
        for r in rows:
            table.add_row(*(_cell(r[c]) for c in columns))
        console.print(table)


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def render_document(document: Mapping[str, Any], fmt: OutputFormat, *, console: Console) -> None:
    """Print a nested result: JSON as is; table and CSV by flattening its `tables`-like sections."""
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(document, indent=2, default=_plain) + "\n")
        return
    for section, value in document.items():
        if isinstance(value, list) and value and isinstance(value[0], Mapping):
            render_sections({section: value}, fmt, console=console)
        elif fmt is OutputFormat.table and not isinstance(value, list | dict):
            console.print(f"[bold]{section.replace('_', ' ')}[/bold]: {value}")


def render_sections(sections: Mapping[str, Rows], fmt: OutputFormat, *, console: Console) -> None:
    """Several named row sets: one table each, or CSV blocks headed `# name`."""
    for name, rows in sections.items():
        title = name.replace("_", " ")
        if fmt is OutputFormat.csv:
            sys.stdout.write(f"# {name}\n")
        if rows:
            render_rows(rows, fmt, title=title, console=console)
        elif fmt is OutputFormat.table:
            console.print(f"[bold]{title}[/bold]: none")


def render_statement(statement: Any, *, console: Console) -> None:
    """A payment statement as tables: one per section, then the totals and the notes."""
    console.rule(f"[bold]{statement.title}[/bold]")
    console.print(
        f"Registered lists on {statement.list_date}; care home residents on {statement.at}; "
        f"practices: {', '.join(statement.practices) or 'none'}",
        soft_wrap=True,
    )
    for section in dict.fromkeys(line.section for line in statement.lines):
        table = Table(title=section, show_lines=True)
        for name in ("item", "payee", "amount", "status", "basis, and why incomplete"):
            table.add_column(name, justify="right" if name == "amount" else "left")
        for line in statement.section(section):
            amount = "-" if line.amount is None else f"£{line.amount:,.2f}"
            if not line.in_total:
                amount += " (not in total)"
            why = "".join(f"\nincomplete: {r}" for r in line.reasons)
            table.add_row(line.item, line.payee, amount, line.status, line.basis + why)
        console.print(table)
    totals = statement.totals()
    console.print(
        f"[bold]Total of complete lines: £{statement.total:,.2f}[/bold] "
        f"({totals['complete_lines']} complete; {totals['incomplete_lines']} incomplete, "
        "with no amount, not in the total)"
    )
    for note in statement.notes:
        console.print(f"note: {note}", soft_wrap=True)

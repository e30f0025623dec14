"""`neighbourhood payments entitlements|care-homes|arrs|statement`: Network Contract DES
payments, and a PCN's payment statement read from the store."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption, fail, parse_date
from neighbourhood.cli.render import OutputFormat, render_sections, render_statement
from neighbourhood.indicators.definition import financial_year
from neighbourhood.payments import (
    IncompleteEntitlementWarning,
    RatesFileError,
    Report,
    arrs_claims,
    care_home_premium,
    entitlements,
)
from neighbourhood.payments.input_files import (
    InputFileError,
    Inputs,
    read_care_homes_csv,
    read_inputs,
    read_staff_claims_csv,
)
from neighbourhood.payments.statement import statement
from neighbourhood.store.engines import EngineError, open_engine

payments_app = typer.Typer(
    help=(
        "What a PCN and its practices are entitled to under the Network Contract DES: per-head "
        "entitlements, the Care Home Premium and ARRS, each line with its formula and sources, "
        "or incomplete with the reason."
    )
)
app.add_typer(payments_app, name="payments")

T = TypeVar("T")
YearOption = Annotated[str, typer.Option("--year", help="The financial year, e.g. 2024-25.")]
InputsOption = Annotated[
    Path, typer.Option("--inputs", help="The inputs file (YAML; see `payments --help`).")
]
AsPublishedOption = Annotated[
    str | None,
    typer.Option("--as-published", help="Rates as published by this date (YYYY-MM-DD)."),
]


def _inputs(settings: Settings, path: Path, year: str) -> Inputs:
    if not path.is_file():
        raise fail(settings, f"no inputs file {path}")
    try:
        found = read_inputs(path)
    except InputFileError as error:
        raise fail(settings, str(error)) from error
    if found.year is not None and found.year != year:
        raise fail(settings, f"{path}: the inputs are for {found.year}, not {year}")
    return found


def _compute(settings: Settings, work: Callable[[], T]) -> T:
    """Run a computation; its incomplete-entitlement warnings go to stderr (the lines say
    the same), and a bad input or year is a clear error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IncompleteEntitlementWarning)
        try:
            found = work()
        except (ValueError, KeyError, RatesFileError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            raise fail(settings, str(message)) from error
    for warning in caught:
        if issubclass(warning.category, IncompleteEntitlementWarning):
            settings.errors.print(f"[yellow]incomplete:[/yellow] {warning.message}",
                                  soft_wrap=True)  # fmt: skip
    return found


def _line_row(line) -> dict[str, Any]:
    summary = line.summary()
    return {
        "entitlement": summary["entitlement"],
        "payee": summary["payee"],
        "paid_to": summary["paid_to"],
        "amount": summary["amount"],
        "formula": summary["formula"],
        "inputs": "; ".join(f"{k}: {v}" for k, v in summary["inputs"].items()),
        "incomplete": "; ".join(summary["reasons"]),
        "warnings": "; ".join(summary["warnings"]),
        "sources": "; ".join(summary["sources"]),
    }


def _report(settings: Settings, report: Report, fmt: OutputFormat, extra=None) -> None:
    totals = [{"total_of_complete_lines": str(report.total), "complete": report.complete,
               "incomplete_lines": len(report.incomplete)}]  # fmt: skip
    if fmt is OutputFormat.json:
        payload = {"year": report.year, "lines": [line.summary() for line in report.lines],
                   "totals": totals[0], "notes": list(report.notes)} | (extra or {})  # fmt: skip
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return
    sections = {"lines": [_line_row(line) for line in report.lines], "totals": totals}
    sections |= {k: v for k, v in (extra or {}).items() if isinstance(v, list)}
    sections["notes"] = [{"note": n} for n in report.notes]
    render_sections(sections, fmt, console=settings.console)


@payments_app.command("entitlements")
def entitlements_command(
    ctx: typer.Context,
    year: YearOption,
    inputs: InputsOption,
    as_published: AsPublishedOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The per-head entitlements of each PCN (`pcns:` in the inputs) and its practices."""
    settings: Settings = ctx.obj
    found = _inputs(settings, inputs, year)
    if not found.pcns:
        raise fail(settings, f"{inputs}: no pcns in the inputs")
    when = parse_date(as_published) if as_published else None
    report = _compute(settings, lambda: entitlements(year, found.pcns, as_published=when))
    _report(settings, report, fmt)


@payments_app.command("care-homes")
def care_homes_command(
    ctx: typer.Context,
    year: YearOption,
    inputs: Annotated[
        Path, typer.Option("--inputs", help="The inputs file (YAML `care_homes:`) or a CSV.")
    ],
    as_published: AsPublishedOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The Care Home Premium per aligned care home."""
    settings: Settings = ctx.obj
    if inputs.suffix.lower() == ".csv":
        try:
            homes = read_care_homes_csv(inputs)
        except InputFileError as error:
            raise fail(settings, str(error)) from error
    else:
        homes = _inputs(settings, inputs, year).care_homes
    if not homes:
        raise fail(settings, f"{inputs}: no care homes in the inputs")
    when = parse_date(as_published) if as_published else None
    report = _compute(settings, lambda: care_home_premium(year, homes, as_published=when))
    _report(settings, report, fmt)


@payments_app.command("arrs")
def arrs_command(
    ctx: typer.Context,
    year: YearOption,
    inputs: Annotated[
        Path, typer.Option("--inputs", help="The inputs file (YAML with an `arrs:` section).")
    ],
    claims_csv: Annotated[
        Path | None, typer.Option("--claims", help="Staff claims from a CSV instead.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """ARRS: the PCN's entitlement, each claim, each pot (paid, unspent, overspend), caps."""
    settings: Settings = ctx.obj
    found = _inputs(settings, inputs, year)
    if found.arrs is None:
        raise fail(settings, f"{inputs}: no arrs section in the inputs")
    claims = found.arrs.claims
    if claims_csv is not None:
        try:
            claims = read_staff_claims_csv(claims_csv)
        except InputFileError as error:
            raise fail(settings, str(error)) from error
    arrs = found.arrs
    report = _compute(
        settings,
        lambda: arrs_claims(year, claims, weighted_population=arrs.weighted_population,
                            registered_patients=arrs.registered_patients, pcn=arrs.pcn),
    )  # fmt: skip

    def text(value: Any) -> Any:
        return None if value is None else str(value)

    claim_rows = [
        {"staff_id": c.staff_id, "role": c.role, "pot": c.pot, "wte": text(c.wte),
         "months": c.months, "claimed": text(c.claimed), "reimbursable": text(c.reimbursable),
         "formula": c.formula, "incomplete": "; ".join(c.reasons), "notes": "; ".join(c.notes)}
        for c in report.claims
    ]  # fmt: skip
    pots = [
        {"pot": p.pot, "title": p.title, "entitlement": text(p.entitlement),
         "claimed": text(p.claimed), "reimbursable": text(p.reimbursable), "paid": text(p.paid),
         "unspent": text(p.unspent), "overspend": text(p.overspend),
         "incomplete": "; ".join(p.reasons)}
        for p in report.pots.values()
    ]  # fmt: skip
    breaches = [
        {"cap": b.cap, "rule": b.rule, "roles": ", ".join(b.roles), "max_wte": text(b.max_wte),
         "wte_in_post": text(b.wte_in_post), "months": ", ".join(m.isoformat() for m in b.months)}
        for b in report.breaches
    ]  # fmt: skip
    totals = [{"paid": text(report.total_reimbursable), "unspent": text(report.unspent),
               "overspend": text(report.overspend), "claimed": text(report.total_claimed),
               "complete": report.complete}]  # fmt: skip
    if fmt is OutputFormat.json:
        payload = {"year": year, "pcn": arrs.pcn,
                   "entitlement": [line.summary() for line in report.entitlement.lines],
                   "claims": claim_rows, "pots": pots, "cap_breaches": breaches,
                   "totals": totals[0], "notes": list(report.notes)}  # fmt: skip
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return
    sections = {
        "entitlement": [_line_row(line) for line in report.entitlement.lines],
        "claims": claim_rows,
        "pots": pots,
        "cap_breaches": breaches,
        "totals": totals,
        "notes": [{"note": n} for n in report.notes],
    }
    render_sections(sections, fmt, console=settings.console)


class StatementFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@payments_app.command("statement")
def statement_command(
    ctx: typer.Context,
    year: Annotated[str, typer.Option("--year", help="The financial year: 2024/25 or 2024-25.")],
    pcn: Annotated[str, typer.Option("--pcn", help="ODS code of the PCN, e.g. U12345.")],
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            help="Weighted and adjusted populations, care homes, ARRS "
            "claims (YAML; see `payments --help`).",
        ),
    ] = None,
    fmt: Annotated[
        StatementFormat,
        typer.Option("--format", "-f", help="How to give the statement.", case_sensitive=False),
    ] = StatementFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (needed for xlsx).")
    ] = None,
) -> None:
    """A PCN's payment statement for a year, from the store: per-head entitlements (registered
    lists counted on 1 January), the Care Home Premium of each aligned home, ARRS (from the
    inputs) and the IIF, each line with its basis and evidence, or incomplete with why."""
    settings: Settings = ctx.obj
    if fmt is StatementFormat.xlsx and out is None:
        raise fail(settings, "--format xlsx writes a workbook: give --out FILE.xlsx")
    try:
        year = financial_year(year)
    except KeyError as error:
        raise fail(settings, str(error.args[0])) from error
    given = _inputs(settings, inputs, year) if inputs is not None else None
    try:
        engine = open_engine(settings.target)
    except EngineError as error:
        raise fail(settings, str(error)) from error
    with engine:
        try:
            found = _compute(settings, lambda: statement(engine, year, pcn.upper(), inputs=given))
        except EngineError as error:
            raise fail(settings, str(error)) from error
    if fmt is StatementFormat.xlsx:
        found.write_xlsx(out)  # type: ignore[arg-type]
        settings.errors.print(f"wrote {out}")
        return
    if fmt is StatementFormat.table and out is None:
        render_statement(found, console=settings.console)
        return
    text = found.to_csv() if fmt is StatementFormat.csv else found.to_json()
    if fmt is StatementFormat.table:  # a table to a file: the CSV's plain text is more useful
        text = found.to_csv()
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    settings.errors.print(f"wrote {out}")

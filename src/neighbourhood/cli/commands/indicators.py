"""`neighbourhood indicators list|show|run|reconcile`: Investment and Impact Fund indicators."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption, fail, parse_date
from neighbourhood.cli.progress_bar import RichProgress
from neighbourhood.cli.render import OutputFormat, render_rows, render_sections
from neighbourhood.cohorts import DefinitionError, QueryError
from neighbourhood.disclosure import SUPPRESSED, suppress_for_publication
from neighbourhood.indicators import Settings as IndicatorSettings
from neighbourhood.indicators import indicators_of, measure_year, shipped_definitions
from neighbourhood.indicators.reconcile import (
    PublishedFileError,
    read_published,
    reconcile_year,
)
from neighbourhood.store.engines import EngineError, open_engine

indicators_app = typer.Typer(
    help=(
        "Investment and Impact Fund indicators: versioned definitions with their sources, "
        "achievement per PCN and practice, points and pounds, and reconciliation with NHS "
        "England's published counts."
    )
)
app.add_typer(indicators_app, name="indicators")

YearOption = Annotated[str, typer.Option("--year", help="The IIF year, e.g. 2024-25.")]


class Level(StrEnum):
    all = "all"
    pcn = "pcn"
    practice = "practice"


def _definitions(settings: Settings) -> dict:
    try:
        return shipped_definitions()
    except DefinitionError as error:
        raise fail(settings, f"a shipped indicator definition is broken:\n{error}") from error


def _of_year(settings: Settings, year: str) -> dict:
    _definitions(settings)
    try:
        return indicators_of(year)
    except KeyError as error:
        raise fail(settings, str(error.args[0])) from error


def _open(settings: Settings):
    try:
        return open_engine(settings.target)
    except EngineError as error:
        raise fail(settings, str(error)) from error


def _warn(settings: Settings, warnings: list[str]) -> None:
    for warning in dict.fromkeys(warnings):
        settings.errors.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True)


def _exact(value: Any) -> Any:
    """A threshold as written (a table would round 0.65 to one decimal)."""
    return str(value) if isinstance(value, float) else value


def _flat(rows: list[dict[str, Any]], fmt: OutputFormat) -> list[dict[str, Any]]:
    """Lists as text for a table or CSV (JSON keeps them); proportions as percentages in a
    table (CSV and JSON keep the exact figure); every row with every column (practice rows
    have no points or pounds: those are the PCN's)."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    rows = [{k: row.get(k) for k in columns} for row in rows]
    if fmt is OutputFormat.json:
        return rows
    found = []
    for row in rows:
        flat = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v
                for k, v in row.items()}  # fmt: skip
        if fmt is OutputFormat.table:
            for name in ("achievement", "prevalence"):
                if isinstance(flat.get(name), float):
                    flat[name] = f"{flat[name]:.2%}"
        found.append(flat)
    return found


@indicators_app.command("list")
def list_command(
    ctx: typer.Context,
    year: Annotated[str | None, typer.Option("--year", help="Only this IIF year.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every shipped indicator: year, id, title, status, period, thresholds and points."""
    settings: Settings = ctx.obj
    chosen = _of_year(settings, year).values() if year else _definitions(settings).values()
    rows = [
        {
            "year": i.year,
            "id": i.id,
            "version": i.version,
            "title": i.title,
            "status": i.status,
            "period": f"{i.period_start} to {i.period_end}",
            "lower_threshold": _exact(i.value("lower_threshold")),
            "upper_threshold": _exact(i.value("upper_threshold")),
            "points": i.value("points"),
        }
        for i in chosen
    ]
    render_rows(rows, fmt, title="IIF indicators", console=settings.console)


@indicators_app.command("show")
def show_command(
    ctx: typer.Context,
    indicator: Annotated[str, typer.Argument(help="Indicator id, e.g. CAN-04.")],
    year: YearOption,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One indicator: its values with their sources, status, why incomplete, codelists."""
    settings: Settings = ctx.obj
    chosen = _of_year(settings, year)
    if indicator not in chosen:
        raise fail(settings, f"no indicator {indicator!r} in {year}: {', '.join(chosen)}")
    found = chosen[indicator]
    summary = found.summary() | {"description": found.description, "definition": found.path}
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
        return
    values = []
    for name, sourced in found.values.items():
        source = found.source_of(name) or {}
        values.append(
            {
                "value": name,
                "is": _exact(sourced.value),
                "source": sourced.source or "",
                "publisher": source.get("publisher", ""),
                "kind": source.get("kind", ""),
                "url": source.get("url", ""),
                "not_found": sourced.not_found or "",
            }
        )
    if fmt is OutputFormat.table:
        settings.console.print(f"[bold]{found.key}[/bold] v{found.version}: {found.title}")
        settings.console.print(f"status: {found.status}; period {summary['period']}")
    sections = {
        "values": [{k: "" if v is None else v for k, v in row.items()} for row in values],
        "incomplete": [{"reason": r} for r in found.incomplete],
        "codelists": [{"codelist": k, "version": v} for k, v in found.cohort.codelists.items()],
        "choices": [{"choice": c} for c in found.choices],
    }
    render_sections(sections, fmt, console=settings.console)


@indicators_app.command("run")
def run_command(
    ctx: typer.Context,
    year: YearOption,
    pcn: Annotated[str | None, typer.Option("--pcn", help="Only this PCN.")] = None,
    level: Annotated[
        Level, typer.Option("--level", help="PCN rows, practice rows or both.")
    ] = Level.all,
    only: Annotated[
        list[str] | None, typer.Option("--indicator", help="Only this indicator (repeatable).")
    ] = None,
    publish: Annotated[
        bool,
        typer.Option(
            "--publish",
            help="For publication: hide small counts (and what is worked out from them, and a "
            "sibling that would give them back). No row is dropped.",
        ),
    ] = False,
    suppress_below: Annotated[
        int,
        typer.Option("--suppress-below", min=1, help="With --publish: counts 1 to N-1 hidden."),
    ] = 5,
    average_list_size: Annotated[
        float | None,
        typer.Option("--average-list-size", help="National average PCN list size (pounds)."),
    ] = None,
    list_size_date: Annotated[
        str | None,
        typer.Option("--list-size-date", help="Date of the list sizes (default 1 January)."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Achievement per PCN and practice for a year's indicators, with points and pounds."""
    settings: Settings = ctx.obj
    chosen = _of_year(settings, year)
    try:
        options = IndicatorSettings(
            list_size_date=parse_date(list_size_date) if list_size_date else None,
            average_pcn_list_size=average_list_size,
        )
    except ValueError as error:
        raise fail(settings, str(error)) from error
    engine = _open(settings)
    with engine, RichProgress(settings.errors) as bars:
        try:
            results = measure_year(
                engine, year, settings=options, only=only or None,
                pcn=pcn.upper() if pcn else None, progress=bars,
            )  # fmt: skip
        except KeyError as error:
            raise fail(settings, str(error.args[0])) from error
        except (QueryError, EngineError) as error:
            raise fail(settings, str(error)) from error
    _warn(settings, [w for r in results for w in r.warnings])
    records = [record for result in results for record in result.records]
    if publish:
        records = suppress_for_publication(records, threshold=suppress_below)
    if level is not Level.all:
        records = [r for r in records if r["level"] == level.value]
    what = f"{len(results)} of {len(chosen)} indicators"
    if publish:
        what += f"; counts 1 to {suppress_below - 1} hidden ({SUPPRESSED!r} says which)"
    render_rows(_flat(records, fmt), fmt, title=f"IIF {year}: {what}", console=settings.console)


@indicators_app.command("reconcile")
def reconcile_command(
    ctx: typer.Context,
    published: Annotated[str, typer.Argument(help="NHS England's practice-level counts (CSV).")],
    year: YearOption,
    pcn: Annotated[str | None, typer.Option("--pcn", help="Only this PCN's practices.")] = None,
    tolerance: Annotated[
        int, typer.Option("--tolerance", min=0, help="Differences up to this count match.")
    ] = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Our practice counts against the published ones: match, differs, only published, only
    computed; and every published row rejected, with its reason."""
    settings: Settings = ctx.obj
    _of_year(settings, year)
    try:
        found = read_published(published)
    except PublishedFileError as error:
        raise fail(settings, str(error)) from error
    engine = _open(settings)
    with engine, RichProgress(settings.errors) as bars:
        try:
            rows, warnings = reconcile_year(
                engine, found, year, tolerance=tolerance,
                pcn=pcn.upper() if pcn else None, progress=bars,
            )  # fmt: skip
        except (QueryError, EngineError) as error:
            raise fail(settings, str(error)) from error
    _warn(settings, warnings)
    rejected = [r.summary() for r in found.rejected]
    if fmt is OutputFormat.json:
        payload = {"reconciliation": rows, "rejected": rejected}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    render_sections({"reconciliation": rows, "rejected": rejected}, fmt, console=settings.console)
    if rejected and fmt is OutputFormat.table:
        settings.errors.print(f"{len(rejected)} published rows rejected (listed above).")

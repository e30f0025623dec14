"""`neighbourhood cohorts list|show|run|explain|sql`: the cohort library on any engine."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption, fail, parse_date, today
from neighbourhood.cli.progress_bar import RichProgress
from neighbourhood.cli.render import OutputFormat, render_rows
from neighbourhood.cohorts import (
    DefinitionError,
    QueryError,
    counts,
    explain,
    run_cohort,
    shipped_library,
    sql,
)
from neighbourhood.store.engines import ENGINES, Engine, EngineError, open_engine

cohorts_app = typer.Typer(
    help=(
        "Patient cohorts of the Network Contract DES service specifications (SMR, care homes, "
        "anticipatory and personalised care, early cancer diagnosis) and the eFI: open, "
        "versioned definitions that run on DuckDB, PostgreSQL or Spark."
    )
)
app.add_typer(cohorts_app, name="cohorts")

AtOption = Annotated[
    str, typer.Option("--at", help="The index date (YYYY-MM-DD); today if not given.")
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help=f"Query engine: {', '.join(ENGINES)} (spark copies the store into local Spark).",
    ),
]
NameArgument = Annotated[
    str, typer.Argument(help="Cohort id, as `neighbourhood cohorts list` shows.")
]


def _library(settings: Settings) -> dict:
    try:
        return shipped_library()
    except DefinitionError as error:
        raise fail(settings, f"a shipped cohort definition is broken:\n{error}") from error


def _engine(settings: Settings, engine: str) -> Engine:
    try:
        return open_engine(settings.target, engine)
    except EngineError as error:
        raise fail(settings, str(error)) from error


def _cohort(settings: Settings, name: str):
    library = _library(settings)
    if name not in library:
        raise fail(settings, f"no cohort {name!r}; the library has: {', '.join(library)}")
    return library[name]


@cohorts_app.command("list")
def list_command(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Every cohort in the library: id, title, service, criteria and codelists."""
    settings: Settings = ctx.obj
    library = _library(settings)
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps([c.summary() for c in library.values()], indent=2) + "\n")
        return
    rows = [
        {
            "id": c.id,
            "version": c.version,
            "title": c.title,
            "criteria": ", ".join(c.criteria),
            "codelists": len(c.codelists),
        }
        for c in library.values()
    ]
    render_rows(rows, fmt, title="cohort library", console=settings.console)


@cohorts_app.command("show")
def show_command(ctx: typer.Context, name: NameArgument) -> None:
    """One definition in full: description, sources, choices, parameters and codelists."""
    settings: Settings = ctx.obj
    sys.stdout.write(json.dumps(_cohort(settings, name).summary(), indent=2) + "\n")


@cohorts_app.command("run")
def run_command(
    ctx: typer.Context,
    name: NameArgument,
    at: AtOption = "",
    pcn: Annotated[str | None, typer.Option("--pcn", help="Only patients of this PCN.")] = None,
    show_counts: Annotated[
        bool, typer.Option("--counts", help="Counts per PCN and practice instead of patients.")
    ] = False,
    engine: EngineOption = "duckdb",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The cohort's patients (pseudonymous ids) on a date, or counts per PCN and practice."""
    settings: Settings = ctx.obj
    chosen = _cohort(settings, name)
    date = parse_date(at or today())
    step = f"cohort {name} on {date}"
    with RichProgress(settings.errors) as bars:
        bars.step(step, 0, total=2)
        with _engine(settings, engine) as opened:
            bars.step(step)
            try:
                result = run_cohort(opened, chosen, date, pcn=pcn.upper() if pcn else None)
            except (QueryError, EngineError) as error:
                raise fail(settings, str(error)) from error
            bars.step(step)
    rows: list[dict[str, Any]] = counts(result) if show_counts else result.records()
    what = "counts" if show_counts else "patients"
    title = f"{chosen.title}: {what} on {date} ({result.rows.num_rows} patients, {opened.name})"
    render_rows(rows, fmt, title=title, console=settings.console)
    if fmt is OutputFormat.table:
        settings.console.print(
            f"definition {chosen.id} v{chosen.version}; {len(chosen.codelists)} codelists; "
            "`neighbourhood cohorts explain` shows why a patient is in it."
        )


@cohorts_app.command("explain")
def explain_command(
    ctx: typer.Context,
    name: NameArgument,
    patient: Annotated[str, typer.Argument(help="Pseudonymous patient id.")],
    at: AtOption = "",
    engine: EngineOption = "duckdb",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Why one patient is (or is not) in a cohort: each criterion and the records behind it."""
    settings: Settings = ctx.obj
    chosen = _cohort(settings, name)
    date = parse_date(at or today())
    with _engine(settings, engine) as opened:
        try:
            found = explain(opened, chosen, patient, date)
        except KeyError as error:
            raise fail(settings, str(error.args[0])) from error
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(found, indent=2, default=str) + "\n")
        return
    verdict = "IN" if found["in_cohort"] else "NOT in"
    settings.console.print(
        f"Patient {patient} is {verdict} {chosen.id} on {date} "
        f"(practice {found['practice_code']}, PCN {found['pcn_code']})."
    )
    for criterion in found["criteria"]:
        title = f"{criterion['criterion']} = {criterion['value']}"
        if criterion["records"]:
            render_rows(criterion["records"], fmt, title=title, console=settings.console)
        else:
            settings.console.print(f"{title} (no records)")
    variables = [{"variable": k, "value": v} for k, v in found["variables"].items()]
    render_rows(variables, fmt, title="every variable", console=settings.console)


@cohorts_app.command("sql")
def sql_command(
    ctx: typer.Context, name: NameArgument, at: AtOption = "", engine: EngineOption = "duckdb"
) -> None:
    """The SQL a cohort compiles to on the chosen engine (for review)."""
    settings: Settings = ctx.obj
    chosen = _cohort(settings, name)
    with _engine(settings, engine) as opened:
        sys.stdout.write(sql(opened, chosen, parse_date(at or today())) + "\n")

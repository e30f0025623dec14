"""`neighbourhood alignment care-homes|propose-care-homes|teams`: EHCH and team alignment."""

from __future__ import annotations

from typing import Annotated

import typer

from neighbourhood.alignment import current_alignment, propose_care_homes, team_alignment
from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.commands.footprints import AsOfOption, IcbOption, run_dated
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.render import OutputFormat, render_document, render_sections

alignment_app = typer.Typer(
    help="Care homes aligned to PCNs (EHCH) and community teams to PCN footprints."
)
app.add_typer(alignment_app, name="alignment")


@alignment_app.command("care-homes")
def care_homes_command(
    ctx: typer.Context,
    as_of: AsOfOption = "",
    icb: IcbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Each care home's PCN on the date; gaps; beds per 1,000 patients aged 65+ by PCN."""
    settings: Settings = ctx.obj
    result = run_dated(settings, current_alignment, as_of, icb.upper() if icb else None)
    if fmt is OutputFormat.json:
        render_document(result.to_dict(), fmt, console=settings.console)
        return
    about = [
        {
            "as_of": result.as_of,
            "icb": result.icb,
            "icb_beds_per_1000_65_plus": result.icb_beds_per_1000_65_plus,
            "population_source": result.population_source,
            "source": result.source,
        }
    ]
    render_sections(
        {"summary": about, "gaps": result.gaps, "pcns": result.pcns}, fmt, console=settings.console
    )


@alignment_app.command("propose-care-homes")
def propose_command(
    ctx: typer.Context,
    as_of: AsOfOption = "",
    icb: IcbOption = None,
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance",
            min=0.0,
            max=0.99,
            help="Allowed deviation of each PCN's beds per 65+ from the ICB ratio (0.25 = ±25%).",
        ),
    ] = 0.25,
    nearest: Annotated[
        int, typer.Option("--nearest", min=1, help="PCNs considered per home (the closest ones).")
    ] = 8,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every home to exactly one PCN, least travel within the balance: MILP solved by HiGHS."""
    settings: Settings = ctx.obj
    result = run_dated(
        settings,
        propose_care_homes,
        as_of,
        icb.upper() if icb else None,
        tolerance=tolerance,
        nearest=nearest,
    )
    if fmt is OutputFormat.json:
        render_document(result.to_dict(), fmt, console=settings.console)
        return
    render_sections(
        {
            "summary": [result.summary()],
            "pcns": result.balance_rows(),
            "homes": result.homes,
            "practice_locations": result.practice_locations,
            "left_out": result.left_out,
        },
        fmt,
        console=settings.console,
    )


@alignment_app.command("teams")
def teams_command(
    ctx: typer.Context, as_of: AsOfOption = "", fmt: FormatOption = OutputFormat.table
) -> None:
    """Share of each community team's caseload in the PCNs it serves, before and after."""
    settings: Settings = ctx.obj
    result = run_dated(settings, team_alignment, as_of)
    if fmt is OutputFormat.json:
        render_document(result.to_dict(), fmt, console=settings.console)
        return
    render_sections(
        {"teams": result.teams, "proposed_moves": result.proposed_moves},
        fmt,
        console=settings.console,
    )

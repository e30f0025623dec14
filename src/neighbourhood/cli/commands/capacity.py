"""`neighbourhood capacity simulate|staff`: simulate a responder service from a scenario file,
and find the fewest responders that meet its target."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from neighbourhood.capacity import (
    METRICS,
    Scenario,
    ScenarioError,
    optimise,
    plot,
    read_scenario,
    replicate,
)
from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.render import OutputFormat, render_rows

capacity_app = typer.Typer(
    help=(
        "Urgent response capacity: simulate a scenario (arrivals, rosters, travel, time on "
        "site) and find the staffing that meets its target."
    )
)
app.add_typer(capacity_app, name="capacity")

ReplicationsOption = Annotated[
    int, typer.Option("--replications", "-n", min=1, help="Independent runs of the scenario.")
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the random numbers.")]
DaysOption = Annotated[
    int | None, typer.Option("--days", min=1, help="Days measured (default: the file's).")
]


def _scenario(settings: Settings, path: Path, days: int | None) -> Scenario:
    if not path.is_file():
        settings.errors.print(f"[red]error:[/red] no scenario file {path}")
        raise typer.Exit(2)
    try:
        scenario = read_scenario(path)
    except ScenarioError as error:
        settings.errors.print(f"[red]error:[/red] {error}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from error
    if scenario.illustrative:
        settings.errors.print(f"[yellow]note:[/yellow] {scenario.title}: illustrative figures")
    return scenario if days is None else scenario.with_days(days)


def _number(value: Any) -> Any:
    return None if isinstance(value, float) and value != value else value  # NaN -> null


@capacity_app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The scenario file (YAML).")],
    replications: ReplicationsOption = 20,
    seed: SeedOption = 0,
    days: DaysOption = None,
    records: Annotated[
        Path | None, typer.Option("--records", help="Write one CSV row per referral here.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Each measure's mean over the replications with its 95% confidence interval."""
    settings: Settings = ctx.obj
    scenario = _scenario(settings, path, days)
    try:
        result = replicate(
            scenario, replications, np.random.default_rng(seed), keep=records is not None
        )
    except ValueError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    if records is not None:
        with records.open("w", newline="", encoding="utf-8") as handle:
            rows = result.records()
            first = next(rows)
            writer = csv.DictWriter(handle, fieldnames=list(first), lineterminator="\n")
            writer.writeheader()
            writer.writerow(first)
            writer.writerows(rows)
    rows = [{k: _number(v) for k, v in r.items()} for r in result.summary_rows()]
    met = result.meets_target()
    if fmt is OutputFormat.json:
        payload = {
            "title": scenario.title,
            "illustrative": scenario.illustrative,
            "target": scenario.target.label(),
            "replications": replications,
            "seed": seed,
            "engine": result.engine,
            "meets_target": met,
            "metrics": rows,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    for row in rows:
        row["what"] = METRICS.get(row["metric"], "share within target for this priority")
        if fmt is OutputFormat.table:  # shares need more than the table's one decimal
            row |= {k: f"{v:.4g}" for k, v in row.items() if isinstance(v, float)}
    render_rows(rows, fmt, title=scenario.title, console=settings.console)
    if fmt is OutputFormat.table:
        verdict = "met" if met else "not met"
        settings.console.print(f"target {scenario.target.label()}: {verdict} (95% confidence)")


@capacity_app.command("staff")
def staff_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The scenario file (YAML).")],
    replications: ReplicationsOption = 20,
    seed: SeedOption = 0,
    days: DaysOption = None,
    confidence: Annotated[
        float, typer.Option("--confidence", min=0.5, max=0.999, help="Confidence of meeting it.")
    ] = 0.95,
    max_per_slot: Annotated[int, typer.Option("--max-per-slot", min=1)] = 40,
    plot_path: Annotated[
        Path | None, typer.Option("--plot", help="Write the staffing curve as a PNG here.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The fewest responders on each roster slot that meet the target, and the curve."""
    settings: Settings = ctx.obj
    scenario = _scenario(settings, path, days)
    plan = optimise(
        scenario,
        np.random.default_rng(seed),
        replications=replications,
        confidence=confidence,
        max_per_slot=max_per_slot,
    )
    if plot_path is not None:
        try:
            plot(plan, plot_path)
        except RuntimeError as error:
            settings.errors.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2) from error
    best = None if plan.best is None else dict(zip(plan.labels, plan.best, strict=True))
    curve = [{k: _number(v) for k, v in r.items()} for r in plan.rows()]
    if fmt is OutputFormat.json:
        payload = {
            "title": scenario.title,
            "target": scenario.target.label(),
            "confidence": confidence,
            "replications": replications,
            "seed": seed,
            "fewest_responders": best,
            "curve": curve,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        if best is None:
            raise typer.Exit(1)
        return
    render_rows(curve, fmt, title=f"{scenario.title}: staffing curve", console=settings.console)
    if fmt is OutputFormat.table:
        if best is None:
            settings.console.print(f"target {scenario.target.label()} not met by {max_per_slot}")
        else:
            listed = ", ".join(f"{label}: {n}" for label, n in best.items())
            settings.console.print(f"fewest responders meeting {scenario.target.label()}: {listed}")
    if best is None:
        raise typer.Exit(1)

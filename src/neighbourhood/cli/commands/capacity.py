"""`neighbourhood capacity simulate|staff|waits|intermediate-care`: simulate a responder service
from a scenario file (its arrivals optionally fitted from the store's referrals), find the
fewest responders that meet its target, model a waiting list's clearance and intermediate
care against discharge demand."""

from __future__ import annotations

import csv
import dataclasses
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
    history,
    intermediate_care,
    optimise,
    plot,
    read_scenario,
    replicate,
    waiting_list,
)
from neighbourhood.capacity.distributions import Exponential, Lognormal
from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption, fail
from neighbourhood.cli.render import OutputFormat, render_rows

capacity_app = typer.Typer(
    help=(
        "Capacity: simulate an urgent response scenario (arrivals, rosters, travel, time on "
        "site) and find the staffing that meets its target; waiting list clearance; "
        "intermediate care against discharge demand."
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
        raise fail(settings, f"no scenario file {path}")
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
    from_history: Annotated[
        bool,
        typer.Option(
            "--from-history",
            help="Replace the file's arrivals with rates fitted from the store's UCR referrals.",
        ),
    ] = False,
    team: Annotated[str | None, typer.Option("--team", help="Fit one team's referrals.")] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Fit the referrals of a provider's teams.")
    ] = None,
    icb: Annotated[
        str | None, typer.Option("--icb", help="Fit the referrals of an ICB's teams.")
    ] = None,
    months: Annotated[int, typer.Option("--months", min=1, help="Months of history.")] = 12,
    cohort: Annotated[
        str | None,
        typer.Option(
            "--cohort",
            help=f"Express demand per 1,000 patients of: {', '.join(history.COHORT_MEASURES)}.",
        ),
    ] = None,
    cohort_patients: Annotated[
        int | None,
        typer.Option("--cohort-patients", min=1, help="Scale demand to this many cohort patients."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Each measure's mean over the replications with its 95% confidence interval."""
    settings: Settings = ctx.obj
    scenario = _scenario(settings, path, days)
    fitted = None
    if from_history:
        fitted = _fit(settings, team, provider, icb, months, cohort, cohort_patients)
        scenario = dataclasses.replace(
            scenario,
            arrivals=fitted.arrivals,
            title=f"{scenario.title}, arrivals fitted from history",
        )
        if fmt is OutputFormat.table:
            settings.console.print(f"arrivals: {fitted.describe()}")
    elif any(x is not None for x in (team, provider, icb, cohort, cohort_patients)):
        raise fail(settings, "--team, --provider, --icb and --cohort need --from-history")
    try:
        result = replicate(
            scenario, replications, np.random.default_rng(seed), keep=records is not None
        )
    except ValueError as error:
        raise fail(settings, str(error)) from error
    if records is not None:
        with records.open("w", newline="", encoding="utf-8") as handle:
            rows = result.records()
            first = next(rows)
            writer = csv.DictWriter(handle, fieldnames=list(first), lineterminator="\n")
            writer.writeheader()
            writer.writerow(first)
            writer.writerows(rows)
    rows = [_float_row(r, fmt) for r in result.summary_rows()]  # shares need .4g in a table
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
        if fitted is not None:
            payload["arrivals_fitted"] = fitted.to_dict()
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    for row in rows:
        row["what"] = METRICS.get(row["metric"], "share within target for this priority")
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
            raise fail(settings, str(error)) from error
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


def _fit(
    settings: Settings,
    team: str | None,
    provider: str | None,
    icb: str | None,
    months: int,
    cohort: str | None,
    cohort_patients: int | None,
) -> history.FittedArrivals:
    """Arrivals fitted from the store given by --db (see `capacity.history`)."""
    chosen = [(lv, c) for lv, c in (("team", team), ("provider", provider), ("icb", icb)) if c]
    if len(chosen) > 1:
        raise fail(settings, "give one of --team, --provider and --icb")
    level, code = chosen[0] if chosen else (None, None)
    if cohort_patients is not None and cohort is None:
        raise fail(settings, "--cohort-patients needs --cohort")
    if cohort is not None and cohort not in history.COHORT_MEASURES:
        known = ", ".join(history.COHORT_MEASURES)
        raise fail(settings, f"no cohort measure {cohort!r}: use {known}")
    if not settings.db.exists():
        raise fail(settings, f"no store at {settings.db}")
    from neighbourhood.store import connect

    con = connect(settings.db, read_only=True)
    try:
        fitted = history.fit_arrivals(con, level=level, code=code and code.upper(), months=months)
        if cohort is not None:
            from neighbourhood.store.engines import open_duckdb

            measure = history.COHORT_MEASURES[cohort]
            with open_duckdb(settings.db) as engine:
                count = history.cohort_count(engine, measure, fitted.last_day, fitted.teams, con)
            fitted = fitted.scaled_to(measure.label, count, cohort_patients)
    except ValueError as error:
        raise fail(settings, str(error)) from error
    finally:
        con.close()
    return fitted


def _float_row(row: dict[str, Any], fmt: OutputFormat) -> dict[str, Any]:
    row = {k: _number(v) for k, v in row.items()}
    if fmt is OutputFormat.table:
        row = {k: f"{v:.4g}" if isinstance(v, float) else v for k, v in row.items()}
    return row


@capacity_app.command("waits")
def waits_command(
    ctx: typer.Context,
    demand: Annotated[float, typer.Option("--demand", min=0, help="Patients added a week.")],
    capacity: Annotated[float, typer.Option("--capacity", min=0, help="Patients seen a week.")],
    queue: Annotated[float, typer.Option("--queue", min=0, help="Patients waiting now.")],
    target_wait: Annotated[
        float, typer.Option("--target-wait", min=0.1, help="Target wait, weeks.")
    ] = 52.0,
    achievement: Annotated[
        float | None,
        typer.Option(
            "--achievement",
            min=0.5,
            max=0.9999,
            help="Share seen within the target wait (factor qexp(share)); default factor 4.",
        ),
    ] = None,
    extra: Annotated[
        list[float] | None,
        typer.Option("--extra", help="Extra capacity a week to try (repeat the option)."),
    ] = None,
    time_to_target: Annotated[
        float,
        typer.Option(
            "--time-to-target", min=1, help="Weeks for the relief capacity to reach the target."
        ),
    ] = 26.0,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Weeks modelled.")] = 52,
    replications: ReplicationsOption = 200,
    seed: SeedOption = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Weeks to bring a waiting list to its target size, and to clear waits over the target,
    for extra capacity (by default none, and the relief capacity for --time-to-target)."""
    settings: Settings = ctx.obj
    from neighbourhood.access import waits_queue

    factor = (
        waits_queue.DEFAULT_FACTOR
        if achievement is None
        else waits_queue.factor_for_achievement(achievement)
    )
    try:
        wl = waiting_list.WaitingList(demand, capacity, queue, target_wait, factor)
    except ValueError as error:
        raise fail(settings, str(error)) from error
    relief = wl.relief_capacity(time_to_target)
    extras = list(extra) if extra else [0.0, max(relief - capacity, 0.0)]
    results = waiting_list.clearing(
        wl, extras, np.random.default_rng(seed), weeks=weeks, replications=replications
    )
    rows = [_float_row(r.row(), fmt) for r in results]
    if fmt is OutputFormat.json:
        payload = {
            "demand": demand,
            "capacity": capacity,
            "queue": queue,
            "target_wait_weeks": target_wait,
            "factor": factor,
            "target_queue": wl.target_queue,
            "relief_needed": waits_queue.relief_needed(queue, wl.target_queue),
            "relief_capacity": relief,
            "time_to_target_weeks": time_to_target,
            "weeks": weeks,
            "replications": replications,
            "seed": seed,
            "results": rows,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    title = (
        f"waiting list: {demand:g} a week added, {capacity:g} seen, {queue:g} waiting; "
        f"target queue {wl.target_queue:.0f} (wait {target_wait:g} weeks / factor {factor:.2f})"
    )
    render_rows(rows, fmt, title=title, console=settings.console)
    if fmt is OutputFormat.table:
        settings.console.print(
            f"relief capacity to reach the target queue in {time_to_target:g} weeks: "
            f"{relief:.1f} a week ({relief - capacity:+.1f})"
        )


def _los(mean: float, sd: float | None):
    return Exponential(mean) if sd is None else Lognormal(mean, sd)


@capacity_app.command("intermediate-care")
def intermediate_care_command(
    ctx: typer.Context,
    p1_per_day: Annotated[
        float | None, typer.Option("--p1-per-day", min=0, help="Patients ready for P1 a day.")
    ] = None,
    p1_places: Annotated[int, typer.Option("--p1-places", min=1, help="P1 places.")] = 1,
    p1_los: Annotated[float, typer.Option("--p1-los", min=0.01, help="P1 mean stay, days.")] = 21,
    p1_los_sd: Annotated[
        float | None, typer.Option("--p1-los-sd", help="P1 stay sd (lognormal; else exponential).")
    ] = None,
    p2_per_day: Annotated[
        float | None, typer.Option("--p2-per-day", min=0, help="Patients ready for P2 a day.")
    ] = None,
    p2_places: Annotated[int, typer.Option("--p2-places", min=1, help="P2 beds.")] = 1,
    p2_los: Annotated[float, typer.Option("--p2-los", min=0.01, help="P2 mean stay, days.")] = 28,
    p2_los_sd: Annotated[
        float | None, typer.Option("--p2-los-sd", help="P2 stay sd (lognormal; else exponential).")
    ] = None,
    extra_p1: Annotated[int, typer.Option("--extra-p1", min=0, help="P1 places to add.")] = 0,
    extra_p2: Annotated[int, typer.Option("--extra-p2", min=0, help="P2 beds to add.")] = 0,
    days: Annotated[int, typer.Option("--days", min=1, help="Days measured.")] = 365,
    warm_up_days: Annotated[int, typer.Option("--warm-up-days", min=0)] = 90,
    replications: ReplicationsOption = 20,
    seed: SeedOption = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Discharge delays waiting for a pathway 1 place or a pathway 2 bed, and the acute
    bed-days a year freed by adding places, with 95% confidence intervals."""
    settings: Settings = ctx.obj
    pathways = []
    try:
        if p1_per_day:
            pathways.append(
                intermediate_care.Pathway("P1", p1_per_day, p1_places, _los(p1_los, p1_los_sd))
            )
        if p2_per_day:
            pathways.append(
                intermediate_care.Pathway("P2", p2_per_day, p2_places, _los(p2_los, p2_los_sd))
            )
        model = intermediate_care.IntermediateCare(
            "intermediate care", tuple(pathways), days, warm_up_days
        )
    except ValueError as error:
        raise fail(settings, f"{error} (give --p1-per-day or --p2-per-day)") from error
    extra = {k: v for k, v in (("P1", extra_p1), ("P2", extra_p2)) if v and k in
             {p.name for p in pathways}}  # fmt: skip
    result = intermediate_care.replicate(
        model, replications, np.random.default_rng(seed), extra=extra
    )
    for p in model.pathways:
        if not p.stable:
            settings.errors.print(
                f"[yellow]note:[/yellow] {p.name}: {p.offered_load:.1f} places needed on average, "
                f"{p.capacity} given: the delays grow without limit, so they depend on --days"
            )
    metrics = [_float_row(r, fmt) for r in result.rows()]
    freed = [_float_row(r, fmt) for r in result.freed_rows()]
    if fmt is OutputFormat.json:
        payload = {
            "days": days,
            "warm_up_days": warm_up_days,
            "replications": replications,
            "seed": seed,
            "pathways": [
                {
                    "name": p.name,
                    "per_day": p.per_day,
                    "places": p.capacity,
                    "length_of_stay": p.length_of_stay.describe(),
                }
                for p in model.pathways
            ],
            "extra": extra,
            "freed": freed,
            "metrics": metrics,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    render_rows(metrics, fmt, title="discharge delays by pathway", console=settings.console)
    render_rows(freed, fmt, title="acute bed-days a year freed by the extra places",
                console=settings.console)  # fmt: skip

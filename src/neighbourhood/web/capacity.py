"""The dashboard's capacity scenario runner: a shipped scenario, simulated with a seed, and
where in the day its roster meets the 2-hour standard."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from neighbourhood.capacity import ScenarioError, examples_folder, read_scenario, replicate
from neighbourhood.capacity.profile import within_target_by_hour
from neighbourhood.reports.charts import series_chart
from neighbourhood.web.pages import OrgQuery, page
from neighbourhood.web.place import place_of
from neighbourhood.web.session import Viewer

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def _scenarios() -> dict[str, str]:
    found = {}
    for path in sorted(examples_folder().glob("*.yaml")):
        try:
            found[path.stem] = read_scenario(path).title
        except ScenarioError:
            continue
    return found


@router.get("/capacity")
def capacity_form(request: Request, ctx: Viewer, org: OrgQuery = None) -> Response:
    place = place_of(ctx, org)
    return page(request, ctx, place, "capacity", "capacity.html", scenarios=_scenarios(),
                chosen=None, result=None, errors={}, form={"replications": 5, "seed": 1,
                                                           "days": 7})  # fmt: skip


@router.post("/capacity")
def capacity_run(
    request: Request, ctx: Viewer, org: OrgQuery = None,
    scenario: Annotated[str, Form(max_length=80)] = "",
    replications: Annotated[str, Form(max_length=100)] = "5",
    seed: Annotated[str, Form(max_length=100)] = "1",
    days: Annotated[str, Form(max_length=100)] = "7",
) -> Response:  # fmt: skip
    place = place_of(ctx, org)
    settings = ctx.settings
    scenarios = _scenarios()
    form = {"replications": replications, "seed": seed, "days": days}
    errors = {}
    if scenario not in scenarios:
        errors["scenario"] = "Select a scenario"
    limits = {"replications": (1, settings.capacity_max_replications),
              "seed": (0, 2**32 - 1), "days": (1, settings.capacity_max_days)}  # fmt: skip
    numbers = {}
    for name, (low, high) in limits.items():
        text = form[name].strip()
        if not (text.isdigit() and len(text) <= 12 and low <= int(text) <= high):
            errors[name] = f"Enter a whole number from {low} to {high:,}"
        else:
            numbers[name] = int(text)
    if errors:
        return page(request, ctx, place, "capacity", "capacity.html", status=422,
                    scenarios=scenarios, chosen=scenario, result=None, errors=errors,
                    form=form)  # fmt: skip
    chosen = read_scenario(examples_folder() / f"{scenario}.yaml").with_days(numbers["days"])
    result = replicate(chosen, numbers["replications"], np.random.default_rng(numbers["seed"]),
                       keep=True)  # fmt: skip
    hours = [h for h in within_target_by_hour(result) if h["referrals"]]
    target = 100 * chosen.target.share
    chart = series_chart(
        {"within target": [(h["hour"], 100 * h["mean"]) for h in hours],
         f"{target:.0f}% standard": [(0, target), (23, target)]},
        bands={"within target": [(h["hour"], 100 * h["ci_low"], 100 * h["ci_high"])
                                 for h in hours if h["replications"] > 1]},
        title=f"Share within target by hour of arrival: {chosen.title}",
        x_label="hour of arrival", y_label="% within target",
    )  # fmt: skip
    summary = {"rows": result.summary_rows(), "meets_target": result.meets_target(),
               "engine": result.engine, "hours": hours, "chart": chart, "title": chosen.title,
               "illustrative": chosen.illustrative, "target": target}  # fmt: skip
    return page(request, ctx, place, "capacity", "capacity.html", scenarios=scenarios,
                chosen=scenario, result=summary, errors={}, form=form)  # fmt: skip

"""Capacity scenarios: the shipped examples, and seeded simulation runs of them."""

from __future__ import annotations

import uuid
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from neighbourhood.api.context import Ctx
from neighbourhood.api.problems import Problem, not_found
from neighbourhood.api.responses import FormatQuery, LimitQuery, OffsetQuery, document, page
from neighbourhood.capacity import ScenarioError, examples_folder, read_scenario, replicate

router = APIRouter(prefix="/v1/capacity", tags=["capacity"])

MAX_REPLICATIONS = 20
MAX_DAYS = 28
KEPT_RUNS = 100


class RunRequest(BaseModel):
    scenario: Annotated[
        str,
        Field(
            pattern=r"^[a-z0-9][a-z0-9-]{0,60}$",
            description="A shipped example, e.g. ucr-two-hour.",
        ),
    ]
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 5
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    days: Annotated[int | None, Field(ge=1, le=MAX_DAYS, description="Days measured.")] = 7


def _examples() -> dict:
    return {p.stem: p for p in sorted(examples_folder().glob("*.yaml"))}


@router.get("/scenarios", summary="The shipped example scenarios")
def scenarios(
    ctx: Ctx, request: Request, fmt: FormatQuery = None, limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
):  # fmt: skip
    rows = []
    for name, path in _examples().items():
        found = read_scenario(path)
        rows.append({"scenario": name, "title": found.title, "illustrative": found.illustrative,
                     "days": found.days})  # fmt: skip
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="scenarios")


@router.post("/runs", status_code=201, summary="Simulate a shipped scenario with a seed")
def run(ctx: Ctx, request: Request, body: RunRequest, fmt: FormatQuery = None):
    examples = _examples()
    if body.scenario not in examples:
        raise not_found(f"no scenario {body.scenario!r}; shipped: {', '.join(examples)}")
    settings = ctx.settings
    if body.replications > settings.capacity_max_replications or (
        body.days is not None and body.days > settings.capacity_max_days
    ):
        raise Problem(422, "invalid-parameters", "more replications or days than this server runs")
    try:
        scenario = read_scenario(examples[body.scenario])
    except ScenarioError as error:
        raise Problem(500, "server-error", f"a shipped scenario is broken: {error}") from None
    if body.days is not None:
        scenario = scenario.with_days(body.days)
    result = replicate(scenario, body.replications, np.random.default_rng(body.seed))
    run_id = uuid.uuid4().hex
    found = {
        "id": run_id,
        "scenario": body.scenario,
        "title": scenario.title,
        "illustrative": scenario.illustrative,
        "replications": body.replications,
        "seed": body.seed,
        "days": scenario.days,
        "engine": result.engine,
        "meets_target": result.meets_target(),
        "summary": result.summary_rows(),
        "requested_by": ctx.principal.user,
    }
    runs = ctx.state.capacity_runs
    runs[run_id] = found
    while len(runs) > KEPT_RUNS:
        runs.pop(next(iter(runs)))
    response = document(request, found, fmt=fmt, rows=found["summary"], name=f"run-{run_id}",
                        status=201)  # fmt: skip
    response.headers["Location"] = f"/v1/capacity/runs/{run_id}"
    return response


@router.get("/runs/{run_id}", summary="A simulation run, by its id")
def run_result(ctx: Ctx, request: Request, run_id: str, fmt: FormatQuery = None):
    found = ctx.state.capacity_runs.get(run_id)
    if found is None:
        raise not_found(f"no run {run_id!r} (runs are kept in memory, the latest {KEPT_RUNS})")
    return document(request, found, fmt=fmt, rows=found["summary"], name=f"run-{run_id}")

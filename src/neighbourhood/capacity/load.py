"""Reading a scenario file: YAML validated by `scenario.schema.json`, then built into a
`Scenario`. Every problem is reported at once, each with the file, line and field."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from neighbourhood.capacity.distributions import (
    Distribution,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)
from neighbourhood.capacity.scenario import (
    WEEKDAYS,
    Arrivals,
    Priority,
    Scenario,
    Shift,
    Target,
    Team,
)
from neighbourhood.yaml_lines import Problems, key_lines

__all__ = ["ScenarioError", "examples_folder", "read_scenario", "schema"]

_DAYS = {"every day": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6)}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message lists every problem found."""


@cache
def schema() -> dict[str, Any]:
    text = resources.files("neighbourhood.capacity").joinpath("scenario.schema.json")
    return json.loads(text.read_text("utf-8"))


def examples_folder() -> Path:
    return Path(str(resources.files("neighbourhood.capacity").joinpath("examples")))


def _duration(spec: Any) -> Distribution:
    if isinstance(spec, int | float):
        return Fixed(spec)
    ((kind, p),) = spec.items()
    if kind == "fixed":
        return Fixed(p)
    if kind == "exponential":
        return Exponential(p["mean"])
    if kind in ("lognormal", "gamma"):
        return (Lognormal if kind == "lognormal" else Gamma)(p["mean"], p["sd"])
    if kind == "uniform":
        return Uniform(p["low"], p["high"])
    return Triangular(p["low"], p["mode"], p["high"])


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _arrivals(spec: dict[str, Any]) -> Arrivals:
    if "per_hour" in spec:
        return Arrivals(tuple(float(r) for day in WEEKDAYS for r in spec["per_hour"][day]))
    weekday = spec.get("by_weekday")
    return Arrivals.profile(
        spec["per_day"],
        by_hour=spec.get("by_hour"),
        by_weekday=None if weekday is None else tuple(weekday[d] for d in WEEKDAYS),
    )


def read_scenario(path: Path | str) -> Scenario:
    """Read, check and build a scenario file, or raise `ScenarioError` listing every problem."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from error
    problems = Problems(path, key_lines(text))
    validator = jsonschema.Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        message = error.message
        if error.validator == "oneOf":
            message = error.schema.get("x-message", message)
        problems.add(error.absolute_path, message)
    if problems.found:
        raise ScenarioError("\n".join(problems.found))

    d = document
    arrivals = problems.attempt(("arrivals",), _arrivals, d["arrivals"])
    on_site = problems.attempt(("time_on_site",), _duration, d["time_on_site"])
    travel = problems.attempt(("travel",), _duration, d.get("travel", 0))
    priorities = []
    for i, spec in enumerate(d.get("priorities", [{"name": "all", "share": 1}])):
        own = spec.get("time_on_site")
        own = None if own is None else problems.attempt(("priorities", i), _duration, own)
        built = problems.attempt(
            ("priorities", i), Priority, spec["name"], spec["share"], spec.get("skill"), own
        )
        priorities.append(built)
    teams = []
    for t, spec in enumerate(d["teams"]):
        shifts = []
        for s, shift in enumerate(spec["rosters"]):
            days = shift["days"]
            days = _DAYS[days] if isinstance(days, str) else tuple(WEEKDAYS.index(x) for x in days)
            keys = ("teams", t, "rosters", s)
            start, end = _minutes(shift["start"]), _minutes(shift["end"])
            if start == 24 * 60:
                problems.add((*keys, "start"), "a shift cannot start at 24:00")
                continue
            shifts.append(problems.attempt(keys, Shift, days, start, end, shift["responders"]))
        skills = frozenset(spec.get("skills", ()))
        if None in shifts:
            continue
        teams.append(problems.attempt(("teams", t), Team, spec["name"], tuple(shifts), skills))
    t = d["target"]
    target = problems.attempt(
        ("target",), Target, t["within_minutes"], t["share"], t.get("priority")
    )
    _cross_checks(d, problems)
    if problems.found:
        raise ScenarioError("\n".join(problems.found))
    scenario = problems.attempt(
        (),
        Scenario,
        d["title"],
        arrivals,
        tuple(teams),
        on_site,
        target,
        travel,
        tuple(priorities),
        d.get("days", 365),
        d.get("warm_up_days", 28),
        d.get("description", ""),
        d.get("illustrative", False),
    )
    if problems.found:
        raise ScenarioError("\n".join(problems.found))
    return scenario


def _cross_checks(d: dict[str, Any], problems: Problems) -> None:
    """What the schema cannot say: names unique, shares adding up, skills and the target's
    priority that exist."""
    priorities = d.get("priorities", [{"name": "all", "share": 1}])
    for kind, one, items in (("teams", "team", d["teams"]), ("priorities", "priority", priorities)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item["name"] in seen:
                problems.add((kind, i, "name"), f"a second {one} named {item['name']!r}")
            seen.add(item["name"])
    total = sum(p["share"] for p in priorities)
    if abs(total - 1) > 1e-6:
        problems.add(("priorities",), f"the shares add up to {total:g}, not 1")
    skills = {s for team in d["teams"] for s in team.get("skills", ())}
    for i, p in enumerate(priorities):
        if "skill" in p and p["skill"] not in skills:
            problems.add(("priorities", i, "skill"), f"no team has the skill {p['skill']!r}")
    wanted = d["target"].get("priority")
    if wanted is not None and wanted not in {p["name"] for p in priorities}:
        problems.add(("target", "priority"), f"no priority named {wanted!r}")

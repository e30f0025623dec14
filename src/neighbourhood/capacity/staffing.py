"""The fewest responders on each roster slot (one shift of one team) that meet the target at
a stated confidence, and the curve of staffing against performance.

"Meets at confidence q" means: over the replications, the one-sided lower q confidence bound
of the mean share within target reaches the target share. Every staffing level is simulated
on the same random referrals (a copy of the one generator), so the curve compares levels and
not luck.

The search: with one slot, count up from the offered load until the target is met, then
down while it still is. With several slots, add one responder at a time to the slot whose
addition raises the lower bound most per responder-hour, until the target is met; then take
responders away, longest shifts first, while it is still met.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neighbourhood.capacity.scenario import Scenario
from neighbourhood.capacity.simulate import Estimate, estimate, replicate

__all__ = ["StaffingPlan", "StaffingPoint", "evaluate", "optimise", "plot"]


@dataclass(frozen=True)
class StaffingPoint:
    responders: tuple[int, ...]
    responder_hours_a_week: float
    within_target: Estimate
    lower_bound: float
    meets: bool
    utilisation: float
    mean_wait: float

    def row(self, labels: tuple[str, ...]) -> dict[str, object]:
        row: dict[str, object] = dict(zip(labels, self.responders, strict=True))
        row |= {
            "responder_hours_a_week": self.responder_hours_a_week,
            "within_target": self.within_target.mean,
            "ci_low": self.within_target.low,
            "ci_high": self.within_target.high,
            "lower_bound": self.lower_bound,
            "meets": self.meets,
            "utilisation": self.utilisation,
            "mean_wait": self.mean_wait,
        }
        return row


@dataclass(frozen=True)
class StaffingPlan:
    scenario: Scenario
    best: tuple[int, ...] | None
    points: tuple[StaffingPoint, ...]
    confidence: float
    replications: int

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(slot.label for slot in self.scenario.slots)

    def curve(self) -> list[StaffingPoint]:
        """Every level simulated, by responder-hours a week."""
        return sorted(self.points, key=lambda p: (p.responder_hours_a_week, p.responders))

    def rows(self) -> list[dict[str, object]]:
        return [p.row(self.labels) for p in self.curve()]


def _hours(scenario: Scenario, counts: tuple[int, ...]) -> float:
    lengths = [s.length * len(s.days) / 60 for team in scenario.teams for s in team.shifts]
    return float(sum(n * h for n, h in zip(counts, lengths, strict=True)))


def evaluate(
    scenario: Scenario,
    counts: tuple[int, ...],
    rng: np.random.Generator,
    *,
    replications: int,
    confidence: float,
) -> StaffingPoint:
    """Simulate `counts` responders per slot on a copy of `rng` (so every level sees the same
    referrals). A level with nobody who can see some priority meets nothing."""
    candidate = scenario.with_responders(counts)
    hours = _hours(scenario, counts)
    try:
        result = replicate(candidate, replications, copy.deepcopy(rng), confidence=confidence)
    except ValueError:
        zero = estimate([0.0] * replications, confidence)
        return StaffingPoint(counts, hours, zero, 0.0, False, math.nan, math.inf)
    summary = result.summary()
    within = summary["within_target"]
    low = within.one_sided_low()
    return StaffingPoint(
        counts,
        hours,
        within,
        low,
        bool(low >= scenario.target.share),
        summary["utilisation"].mean,
        summary["mean_wait"].mean,
    )


def optimise(
    scenario: Scenario,
    rng: np.random.Generator,
    *,
    replications: int = 20,
    confidence: float = 0.95,
    max_per_slot: int = 40,
) -> StaffingPlan:
    """The fewest responders per slot meeting the target at `confidence` (`best` is None when
    even `max_per_slot` on every slot does not)."""
    seen: dict[tuple[int, ...], StaffingPoint] = {}

    def at(counts: tuple[int, ...]) -> StaffingPoint:
        if counts not in seen:
            seen[counts] = evaluate(
                scenario, counts, rng, replications=replications, confidence=confidence
            )
        return seen[counts]

    k = len(scenario.slots)
    if k == 1:
        best = _one_slot(scenario, at, max_per_slot)
    else:
        best = _many_slots(scenario, at, k, max_per_slot)
    return StaffingPlan(scenario, best, tuple(seen.values()), confidence, replications)


def _one_slot(scenario: Scenario, at, max_per_slot: int) -> tuple[int, ...] | None:
    n = max(1, math.floor(scenario.offered_load()))
    while not at((n,)).meets:
        if n >= max_per_slot:
            return None
        n += 1
    while n > 1 and at((n - 1,)).meets:
        n -= 1
    for extra in (n - 2, n - 1, n + 1, n + 2):  # the curve either side of the answer
        if 1 <= extra <= max_per_slot:
            at((extra,))
    return (n,)


def _many_slots(scenario: Scenario, at, k: int, max_per_slot: int) -> tuple[int, ...] | None:
    lengths = [s.length * len(s.days) / 60 for team in scenario.teams for s in team.shifts]
    counts = tuple(1 for _ in range(k))
    while not at(counts).meets:
        here = at(counts).lower_bound
        options = []
        for i in range(k):
            if counts[i] < max_per_slot:
                more = (*counts[:i], counts[i] + 1, *counts[i + 1 :])
                options.append(((at(more).lower_bound - here) / lengths[i], -lengths[i], more))
        if not options:
            return None
        counts = max(options)[2]
    for i in sorted(range(k), key=lambda j: -lengths[j]):
        while counts[i] > 0:
            fewer = (*counts[:i], counts[i] - 1, *counts[i + 1 :])
            if not at(fewer).meets:
                break
            counts = fewer
    return counts


def plot(plan: StaffingPlan, path: Path | str) -> Path:
    """Write the staffing curve as a PNG: share within target (mean and confidence interval)
    against responders (one slot) or responder-hours a week, with the target line."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "the plot needs matplotlib: pip install 'neighbourhood[plot]'"
        ) from error
    curve = plan.curve()
    one = len(plan.scenario.slots) == 1
    x = [p.responders[0] if one else p.responder_hours_a_week for p in curve]
    y = np.array([p.within_target.mean for p in curve]) * 100
    low = np.array([p.within_target.low for p in curve]) * 100
    high = np.array([p.within_target.high for p in curve]) * 100
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.errorbar(x, y, yerr=[y - low, high - y], fmt="o-", capsize=3, label="within target (CI)")
    ax.axhline(plan.scenario.target.share * 100, color="grey", ls="--", label="target")
    if plan.best is not None:
        chosen = next(p for p in curve if p.responders == plan.best)
        cx = chosen.responders[0] if one else chosen.responder_hours_a_week
        ax.plot([cx], [chosen.within_target.mean * 100], "s", ms=10, mfc="none", label="fewest")
    ax.set_xlabel("responders on duty" if one else "responder-hours a week")
    ax.set_ylabel(f"% reached within {plan.scenario.target.within_minutes:g} minutes")
    ax.set_title(plan.scenario.title, fontsize=10)
    ax.set_ylim(0, 100)
    ax.legend(loc="lower right")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path

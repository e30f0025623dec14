"""A community waiting list week by week: patients added (demand), patients seen (capacity),
first come first served, over a horizon (52 weeks by default). It answers "with this much
extra capacity, how many weeks until the list is down to its target size, and until nobody
waits longer than the target wait?".

The week: the week's additions join the back of the list, then up to the week's capacity
is taken from the front (this week's additions included). A patient added in week a and seen
in week s waited s - a weeks, so the mean number on the list at the ends of weeks is demand
x mean wait exactly (Little's law, checked in the tests). The list at the start is spread
evenly over the weeks before, as if it had arrived at the demand rate (the front has waited
queue / demand weeks), unless its ages are given.

- `deterministic`: demand and capacity are the same every week (fractions of patients
  allowed): the list falls by capacity - demand a week, so the relief capacity of
  `access.waits_queue.relief_capacity` brings it to its target in exactly the time asked.
- `stochastic`: each week's additions and removals are Poisson counts with those means
  (as NHSRwaitinglist's `wl_simulator`), drawn from the `numpy.random.Generator` passed in;
  replications use `rng.spawn(n)`.

The target queue size is Little's law on the target mean wait (`waits_queue`): demand x
target wait / factor, the factor being qexp(share) for `share` of patients seen within the
target wait (4.6 for 99%) or 4 by default.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from neighbourhood.access import waits_queue
from neighbourhood.capacity.simulate import Estimate, estimate

__all__ = [
    "ClearingResult",
    "WaitingList",
    "WeekRow",
    "clearing",
    "run_weeks",
]


@dataclass(frozen=True)
class WaitingList:
    """A waiting list: weekly `demand` and `capacity` (patients a week), the `queue` waiting
    now, the `target_wait` in weeks and the `factor` relating it to the target mean wait.
    `backlog_ages`, when given, are (weeks waited, patients) pairs for the list now."""

    demand: float
    capacity: float
    queue: float
    target_wait: float = 52.0
    factor: float = waits_queue.DEFAULT_FACTOR
    backlog_ages: tuple[tuple[float, float], ...] | None = None

    def __post_init__(self) -> None:
        for name in ("demand", "capacity", "queue"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number, 0 or more")
        if self.demand == 0 and self.queue == 0:
            raise ValueError("an empty list with no demand has nothing to model")
        if not self.target_wait > 0 or not self.factor > 0:
            raise ValueError("the target wait and the factor must be positive")
        if self.backlog_ages is not None:
            if any(w < 0 or n < 0 for w, n in self.backlog_ages):
                raise ValueError("backlog ages and counts must be 0 or more")
            if abs(sum(n for _, n in self.backlog_ages) - self.queue) > 1e-6:
                raise ValueError("the backlog ages must add up to the queue")

    @property
    def load(self) -> float:
        return waits_queue.load(self.demand, self.capacity)

    @property
    def target_queue(self) -> float:
        return waits_queue.target_queue_size(self.demand, self.target_wait, self.factor)

    def relief_capacity(self, weeks: float) -> float:
        """The capacity that brings the list to its target size in `weeks`."""
        return waits_queue.relief_capacity(self.demand, self.queue, self.target_queue, weeks)

    def with_extra(self, extra: float) -> WaitingList:
        return replace(self, capacity=self.capacity + extra)

    def start(self) -> deque[list[float]]:
        """The list now as [week added, patients] from the front (week 0 is this week)."""
        if self.backlog_ages is not None:
            ages = sorted(self.backlog_ages, reverse=True)
            return deque([-w, n] for w, n in ages if n > 0)
        if self.queue == 0:
            return deque()
        if self.demand == 0:
            return deque([[0.0, self.queue]])
        weeks = self.queue / self.demand
        whole = math.floor(weeks)
        cohorts = [[-float(w), float(self.demand)] for w in range(whole - 1, -1, -1)]
        if weeks > whole:
            cohorts.insert(0, [-float(whole), (weeks - whole) * self.demand])
        return deque(c for c in cohorts if c[1] > 0)


@dataclass(frozen=True)
class WeekRow:
    week: int
    added: float
    seen: float
    queue: float
    over_target: float  # patients at the week's end who have waited more than the target wait
    longest_wait: float  # weeks, at the week's end (0 when the list is empty)
    mean_wait_seen: float  # weeks, of those seen this week (NaN when nobody)
    waited_weeks: float  # the sum of the waits of those seen this week


def run_weeks(
    waiting_list: WaitingList,
    weeks: int = 52,
    rng: np.random.Generator | None = None,
) -> list[WeekRow]:
    """Week by week, deterministic when `rng` is None, else with Poisson additions and
    removals drawn from `rng` (additions first, then removals, for all weeks up front)."""
    if weeks < 1:
        raise ValueError("weeks must be 1 or more")
    if rng is None:
        added = np.full(weeks, float(waiting_list.demand))
        capacity = np.full(weeks, float(waiting_list.capacity))
    else:
        if not isinstance(rng, np.random.Generator):
            raise TypeError("pass a numpy.random.Generator, e.g. numpy.random.default_rng(seed)")
        added = rng.poisson(waiting_list.demand, weeks).astype(float)
        capacity = rng.poisson(waiting_list.capacity, weeks).astype(float)
    cohorts = waiting_list.start()
    size = sum(n for _, n in cohorts)
    target = waiting_list.target_wait
    rows = []
    for t in range(1, weeks + 1):
        a, room = float(added[t - 1]), float(capacity[t - 1])
        if a > 0:
            cohorts.append([float(t), a])
        size += a
        seen = waited = 0.0
        while room > 1e-12 and cohorts:
            front = cohorts[0]
            take = min(room, front[1])
            seen += take
            waited += take * (t - front[0])
            room -= take
            front[1] -= take
            if front[1] <= 1e-12:
                cohorts.popleft()
        size = max(size - seen, 0.0)
        over = sum(n for w, n in cohorts if t - w > target + 1e-9)
        rows.append(
            WeekRow(
                week=t,
                added=a,
                seen=seen,
                queue=size,
                over_target=over,
                longest_wait=float(t - cohorts[0][0]) if cohorts else 0.0,
                mean_wait_seen=waited / seen if seen else math.nan,
                waited_weeks=waited,
            )
        )
    return rows


def _first(rows: list[WeekRow], test) -> int | None:
    return next((r.week for r in rows if test(r)), None)


@dataclass(frozen=True)
class ClearingResult:
    """For one extra capacity: weeks until the list is at its target size and until nobody
    waits longer than the target wait (None: not within the horizon), deterministic, and
    over stochastic replications the share that got there and the mean weeks with its CI
    (over the replications that got there)."""

    extra: float
    capacity: float
    load: float
    weeks_to_target_queue: int | None
    weeks_to_no_breaches: int | None
    queue_at_end: float
    reached_target_queue: float  # share of replications
    mean_weeks_to_target_queue: Estimate
    cleared_breaches: float  # share of replications
    mean_weeks_to_no_breaches: Estimate
    queue_at_end_stochastic: Estimate

    def row(self) -> dict[str, Any]:
        e, b, q = (
            self.mean_weeks_to_target_queue,
            self.mean_weeks_to_no_breaches,
            self.queue_at_end_stochastic,
        )
        return {
            "extra_a_week": self.extra,
            "capacity_a_week": self.capacity,
            "load": self.load,
            "weeks_to_target_queue": self.weeks_to_target_queue,
            "weeks_to_no_breaches": self.weeks_to_no_breaches,
            "queue_at_end": self.queue_at_end,
            "stochastic_share_reaching_target_queue": self.reached_target_queue,
            "stochastic_mean_weeks_to_target_queue": e.mean,
            "stochastic_weeks_ci_low": e.low,
            "stochastic_weeks_ci_high": e.high,
            "stochastic_share_clearing_breaches": self.cleared_breaches,
            "stochastic_mean_weeks_to_no_breaches": b.mean,
            "stochastic_queue_at_end": q.mean,
            "stochastic_queue_ci_low": q.low,
            "stochastic_queue_ci_high": q.high,
        }


def clearing(
    waiting_list: WaitingList,
    extras: list[float] | tuple[float, ...],
    rng: np.random.Generator,
    *,
    weeks: int = 52,
    replications: int = 200,
    confidence: float = 0.95,
) -> list[ClearingResult]:
    """For each extra capacity a week: the deterministic weeks to the target queue and to no
    one waiting over the target, and the same over stochastic replications. Every extra is
    run on the same children of `rng` (common random numbers: the weekly additions are the
    same, and the removals differ only by the extra capacity's own draws)."""
    if replications < 1:
        raise ValueError("replications must be 1 or more")
    target_queue = waiting_list.target_queue
    seeds = rng.spawn(replications)
    results = []
    for extra in extras:
        wl = waiting_list.with_extra(extra)
        rows = run_weeks(wl, weeks)
        to_target, to_clear, ends = [], [], []
        for child in seeds:
            runs = run_weeks(wl, weeks, copy.deepcopy(child))
            to_target.append(_first(runs, lambda r: r.queue <= target_queue + 1e-9))
            to_clear.append(_first(runs, lambda r: r.over_target <= 1e-9))
            ends.append(runs[-1].queue)
        reached = [w for w in to_target if w is not None]
        cleared = [w for w in to_clear if w is not None]
        results.append(
            ClearingResult(
                extra=float(extra),
                capacity=wl.capacity,
                load=wl.load if wl.capacity > 0 else math.inf,
                weeks_to_target_queue=_first(rows, lambda r: r.queue <= target_queue + 1e-9),
                weeks_to_no_breaches=_first(rows, lambda r: r.over_target <= 1e-9),
                queue_at_end=rows[-1].queue,
                reached_target_queue=len(reached) / replications,
                mean_weeks_to_target_queue=estimate(reached, confidence),
                cleared_breaches=len(cleared) / replications,
                mean_weeks_to_no_breaches=estimate(cleared, confidence),
                queue_at_end_stochastic=estimate(ends, confidence),
            )
        )
    return results

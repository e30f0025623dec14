"""The discrete-event simulation of a responder service: one replication, and replications
with confidence intervals.

Every random draw is made up front, in a fixed order, from the generator passed in: the
arrival times (a Poisson process at each hour's rate), each referral's priority, travel and
time on site. The same generator therefore gives the same referrals whatever the staffing, so
staffing levels are compared on common random numbers. Then one of two engines runs:

- `events`: an event loop over three streams in time order (arrivals, shift starts and ends,
  visit ends on a heap). A free responder on duty takes the first referral of the highest
  priority it has the skill for; a referral arriving takes a free responder of the first team
  listed that can see it, or queues. A responder finishes a visit that runs past the end of a
  shift, then goes off duty.
- `fast`: one team on duty all week, one priority. First come, first served on c identical
  responders needs only each responder's next free time: a referral starts at the later of
  its arrival and the earliest free time (the Kiefer-Wolfowitz recursion, on a heap).
  It gives the same start times as `events` for such a scenario (a test checks).

The referrals that arrive in the warm-up are simulated but not measured; time averages
(utilisation, queue length) cover the measured window only. Arrivals stop at the end of the
window and the queue is then served to the end, so every referral has its times.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from neighbourhood.capacity.scenario import (
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WEEKDAYS,
    Scenario,
)

__all__ = [
    "METRICS",
    "Engine",
    "Estimate",
    "Replication",
    "SimulationResult",
    "draw",
    "estimate",
    "fast_path_applies",
    "replicate",
    "simulate",
]

Engine = Literal["auto", "events", "fast"]

METRICS = {
    "referrals": "referrals that arrived in the measured window",
    "within_target": "share of the target's referrals reached within the target time",
    "mean_wait": "mean minutes from referral to a responder setting off",
    "p90_wait": "90th centile of the wait, minutes",
    "mean_response": "mean minutes from referral to arrival on site (wait + travel)",
    "p90_response": "90th centile of the response, minutes",
    "utilisation": "busy responder-minutes (overtime included) / rostered responder-minutes",
    "mean_queue": "time-average number of referrals waiting for a responder",
}


@dataclass(frozen=True)
class Draws:
    """The random inputs of one replication, one value per referral, in arrival order."""

    arrival: np.ndarray
    priority: np.ndarray
    travel: np.ndarray
    on_site: np.ndarray


def draw(scenario: Scenario, rng: np.random.Generator) -> Draws:
    """Referrals for the warm-up and the measured days, from `rng` in a fixed order."""
    total_days = scenario.warm_up_days + scenario.days
    hours = total_days * 24
    rates = np.tile(np.asarray(scenario.arrivals.per_hour), -(-total_days // 7))[:hours]
    counts = rng.poisson(rates)
    n = int(counts.sum())
    arrival = np.sort((np.repeat(np.arange(hours), counts) + rng.random(n)) * 60.0)
    shares = np.cumsum([p.share for p in scenario.priorities])
    last = len(scenario.priorities) - 1
    priority = np.minimum(np.searchsorted(shares, rng.random(n), side="right"), last)
    travel = scenario.travel.sample(rng, n)
    on_site = scenario.time_on_site.sample(rng, n)
    for index, p in enumerate(scenario.priorities):
        if p.time_on_site is not None:
            chosen = priority == index
            on_site[chosen] = p.time_on_site.sample(rng, int(chosen.sum()))
    return Draws(arrival, priority.astype(np.int16), travel, on_site)


def fast_path_applies(scenario: Scenario) -> bool:
    """One team, one priority, and every staffed shift on duty all week."""
    (team, *others) = scenario.teams
    return (
        not others
        and len(scenario.priorities) == 1
        and all(s.always_on for s in team.shifts if s.responders)
        and sum(s.responders for s in team.shifts) > 0
    )


def _fast(scenario: Scenario, d: Draws) -> tuple[np.ndarray, np.ndarray]:
    c = sum(s.responders for s in scenario.teams[0].shifts)
    free = [0.0] * c
    replace = heapq.heapreplace
    start = []
    append = start.append
    for a, busy in zip(d.arrival.tolist(), (d.travel + d.on_site).tolist(), strict=True):
        f = free[0]
        s = a if a > f else f
        replace(free, s + busy)
        append(s)
    return np.asarray(start), np.zeros(len(start), dtype=np.int16)


def _roster(scenario: Scenario) -> tuple[list[int], list[int], list[tuple[int, int, int]]]:
    """Each responder's team, those on duty all week, and the week's on/off events
    (offset in minutes, 1 on / 0 off, responder)."""
    team_of: list[int] = []
    always: list[int] = []
    pattern: list[tuple[int, int, int]] = []
    for t, team in enumerate(scenario.teams):
        for shift in team.shifts:
            intervals = shift.intervals()
            for _ in range(shift.responders):
                r = len(team_of)
                team_of.append(t)
                if shift.always_on:
                    always.append(r)
                    continue
                for a, b in intervals:
                    pattern += [(a, 1, r), (b, 0, r)]
    pattern.sort()
    return team_of, always, pattern


def _events(scenario: Scenario, d: Draws) -> tuple[np.ndarray, np.ndarray]:
    team_of, always, pattern = _roster(scenario)
    staffed = [sum(s.responders for s in team.shifts) for team in scenario.teams]
    teams_of_priority = [
        [t for t in scenario.teams_for(p) if staffed[t]] for p in scenario.priorities
    ]
    for p, teams in zip(scenario.priorities, teams_of_priority, strict=True):
        if not teams:
            raise ValueError(f"no responder is rostered who can see {p.name} referrals")
    priorities_of_team = [
        [i for i, teams in enumerate(teams_of_priority) if t in teams]
        for t in range(len(scenario.teams))
    ]
    n = len(d.arrival)
    arrival = d.arrival.tolist()
    priority = d.priority.tolist()
    busy_for = (d.travel + d.on_site).tolist()
    start = [0.0] * n
    served_by = [0] * n
    on_duty = [False] * len(team_of)
    busy = [False] * len(team_of)
    pool: list[list[int]] = [[] for _ in scenario.teams]
    queues: list[deque[int]] = [deque() for _ in scenario.priorities]
    heap: list[tuple[float, int]] = []
    for r in reversed(always):
        on_duty[r] = True
        pool[team_of[r]].append(r)

    roster_t: list[float] = []
    roster_e: list[tuple[int, int]] = []
    week = -1

    def add_week() -> None:
        nonlocal week
        base = week * MINUTES_PER_WEEK
        for offset, kind, r in pattern:
            roster_t.append(base + offset)
            roster_e.append((kind, r))
        week += 1

    if pattern:
        for _ in range(3):
            add_week()
    inf = math.inf
    ai = ri = queued = 0

    def take(r: int, now: float) -> bool:
        nonlocal queued
        for p in priorities_of_team[team_of[r]]:
            q = queues[p]
            if q:
                i = q.popleft()
                queued -= 1
                start[i] = now
                served_by[i] = team_of[r]
                busy[r] = True
                heapq.heappush(heap, (now + busy_for[i], r))
                return True
        return False

    while True:
        tc = heap[0][0] if heap else inf
        ta = arrival[ai] if ai < n else inf
        if ai < n or queued:
            if pattern and len(roster_t) - ri < len(pattern):
                add_week()
            tr = roster_t[ri] if ri < len(roster_t) else inf
        else:
            tr = inf
        if tc <= tr and tc <= ta:
            if tc == inf:
                break
            _, r = heapq.heappop(heap)
            busy[r] = False
            if on_duty[r] and not take(r, tc):
                pool[team_of[r]].append(r)
        elif tr <= ta:
            kind, r = roster_e[ri]
            ri += 1
            if kind:
                on_duty[r] = True
                if not busy[r] and not take(r, tr):
                    pool[team_of[r]].append(r)
            else:
                on_duty[r] = False
                if not busy[r]:
                    pool[team_of[r]].remove(r)
        else:
            i = ai
            ai += 1
            p = priority[i]
            for t in teams_of_priority[p]:
                free = pool[t]
                if free:
                    r = free.pop()
                    start[i] = ta
                    served_by[i] = t
                    busy[r] = True
                    heapq.heappush(heap, (ta + busy_for[i], r))
                    break
            else:
                queues[p].append(i)
                queued += 1
    return np.asarray(start, dtype=float), np.asarray(served_by, dtype=np.int16)


@dataclass(frozen=True)
class Replication:
    """One replication: one row per referral (as columns) and what its metrics need."""

    index: int
    engine: str
    arrival: np.ndarray
    priority: np.ndarray
    team: np.ndarray
    start: np.ndarray
    travel: np.ndarray
    on_site: np.ndarray
    window: tuple[float, float]
    rostered_minutes: float
    within_minutes: float
    target_priority: int | None
    priority_names: tuple[str, ...]
    team_names: tuple[str, ...]

    @property
    def wait(self) -> np.ndarray:
        return self.start - self.arrival

    @property
    def response(self) -> np.ndarray:
        return self.start - self.arrival + self.travel

    @property
    def measured(self) -> np.ndarray:
        return self.arrival >= self.window[0]

    def metrics(self) -> dict[str, float]:
        lo, hi = self.window
        measured = self.measured
        wait, response = self.wait[measured], self.response[measured]
        within = response <= self.within_minutes
        counted = np.ones(len(within), dtype=bool)
        if self.target_priority is not None:
            counted = self.priority[measured] == self.target_priority
        finish = self.start + self.travel + self.on_site
        busy = np.clip(finish, lo, hi) - np.clip(self.start, lo, hi)
        waiting = np.clip(self.start, lo, hi) - np.clip(self.arrival, lo, hi)
        nan = math.nan
        found = {
            "referrals": float(measured.sum()),
            "within_target": float(within[counted].mean()) if counted.any() else nan,
            "mean_wait": float(wait.mean()) if len(wait) else nan,
            "p90_wait": float(np.percentile(wait, 90)) if len(wait) else nan,
            "mean_response": float(response.mean()) if len(wait) else nan,
            "p90_response": float(np.percentile(response, 90)) if len(wait) else nan,
            "utilisation": float(busy.sum() / self.rostered_minutes),
            "mean_queue": float(waiting.sum() / (hi - lo)),
        }
        if len(self.priority_names) > 1:
            for index, name in enumerate(self.priority_names):
                chosen = self.priority[measured] == index
                share = float(within[chosen].mean()) if chosen.any() else nan
                found[f"within_target_{name}"] = share
        return found

    def records(self) -> Iterator[dict[str, Any]]:
        """One flat row per referral, warm-up ones flagged."""
        measured = self.measured
        for i in range(len(self.arrival)):
            minute = float(self.arrival[i])
            wait = float(self.start[i] - minute)
            response = wait + float(self.travel[i])
            yield {
                "replication": self.index,
                "referral": i,
                "arrival_minute": round(minute, 3),
                "day": int(minute // MINUTES_PER_DAY),
                "weekday": WEEKDAYS[int(minute // MINUTES_PER_DAY) % 7],
                "hour": int(minute % MINUTES_PER_DAY // 60),
                "priority": self.priority_names[int(self.priority[i])],
                "team": self.team_names[int(self.team[i])],
                "wait": round(wait, 3),
                "travel": round(float(self.travel[i]), 3),
                "on_site": round(float(self.on_site[i]), 3),
                "response": round(response, 3),
                "within_target": response <= self.within_minutes,
                "warm_up": not bool(measured[i]),
            }


def _rostered_minutes(scenario: Scenario) -> float:
    weekly = sum(team.coverage() for team in scenario.teams)
    daily = np.asarray(weekly).reshape(7, MINUTES_PER_DAY).sum(axis=1)
    total = scenario.warm_up_days + scenario.days
    return float(daily[np.arange(scenario.warm_up_days, total) % 7].sum())


def simulate(
    scenario: Scenario, rng: np.random.Generator, *, engine: Engine = "auto", index: int = 0
) -> Replication:
    """One replication of `scenario`, every random draw taken from `rng`."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError("pass a numpy.random.Generator, e.g. numpy.random.default_rng(seed)")
    if engine == "fast" and not fast_path_applies(scenario):
        raise ValueError("the fast engine needs one team on duty all week and one priority")
    chosen = (
        "fast"
        if engine == "fast" or (engine == "auto" and fast_path_applies(scenario))
        else "events"
    )
    d = draw(scenario, rng)
    start, team = (_fast if chosen == "fast" else _events)(scenario, d)
    target = scenario.target.priority
    return Replication(
        index=index,
        engine=chosen,
        arrival=d.arrival,
        priority=d.priority,
        team=team,
        start=start,
        travel=d.travel,
        on_site=d.on_site,
        window=(
            float(scenario.warm_up_days * MINUTES_PER_DAY),
            float((scenario.warm_up_days + scenario.days) * MINUTES_PER_DAY),
        ),
        rostered_minutes=_rostered_minutes(scenario),
        within_minutes=scenario.target.within_minutes,
        target_priority=None if target is None else scenario.priority_names.index(target),
        priority_names=scenario.priority_names,
        team_names=tuple(t.name for t in scenario.teams),
    )


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its two-sided confidence interval (Student's t)."""

    mean: float
    low: float
    high: float
    sd: float
    n: int
    confidence: float

    def one_sided_low(self) -> float:
        """The lower bound that the true mean exceeds with probability `confidence`."""
        if self.n < 2:
            return self.mean
        t = float(stats.t.ppf(self.confidence, self.n - 1))
        return self.mean - t * self.sd / math.sqrt(self.n)


def estimate(values: list[float] | np.ndarray, confidence: float = 0.95) -> Estimate:
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, confidence)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, math.nan, 1, confidence)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, sd, n, confidence)


@dataclass(frozen=True)
class SimulationResult:
    scenario: Scenario
    engine: str
    metrics: tuple[dict[str, float], ...]
    confidence: float = 0.95
    kept: tuple[Replication, ...] = field(default=(), repr=False)

    def summary(self) -> dict[str, Estimate]:
        names = list(self.metrics[0])
        return {k: estimate([m[k] for m in self.metrics], self.confidence) for k in names}

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = []
        for name, e in self.summary().items():
            rows.append(
                {
                    "metric": name,
                    "mean": e.mean,
                    "ci_low": e.low,
                    "ci_high": e.high,
                    "sd": e.sd,
                    "replications": e.n,
                }
            )
        return rows

    def meets_target(self, confidence: float | None = None) -> bool:
        """The one-sided lower confidence bound of the share within target reaches the target
        share (at `confidence`, by default the result's own)."""
        level = self.confidence if confidence is None else confidence
        low = estimate([m["within_target"] for m in self.metrics], level).one_sided_low()
        return bool(low >= self.scenario.target.share)

    def records(self) -> Iterator[dict[str, Any]]:
        for replication in self.kept:
            yield from replication.records()


def replicate(
    scenario: Scenario,
    replications: int,
    rng: np.random.Generator,
    *,
    engine: Engine = "auto",
    confidence: float = 0.95,
    keep: bool = False,
) -> SimulationResult:
    """`replications` independent runs, each from its own child of `rng` (`rng.spawn`)."""
    if replications < 1:
        raise ValueError("replications must be 1 or more")
    runs = []
    metrics = []
    used = "events"
    for index, child in enumerate(rng.spawn(replications)):
        run = simulate(scenario, child, engine=engine, index=index)
        used = run.engine
        metrics.append(run.metrics())
        if keep:
            runs.append(run)
    return SimulationResult(scenario, used, tuple(metrics), confidence, tuple(runs))

"""Intermediate care against discharge demand: home-based capacity (pathway 1, packages of
care or reablement at home, counted as places) and intermediate care beds (pathway 2), and
the patients ready to leave an acute bed who wait for a place.

Each pathway is a queue of its own: patients become ready for discharge on a pathway as a
Poisson process (`per_day`, optionally shaped by weekday), wait in their acute bed until one
of `capacity` places is free (first come, first served), then hold the place for a length of
stay drawn from a `Distribution` (in days). The wait is the **discharge delay**; each day of
it is an acute bed-day lost to a delayed discharge. With exponential lengths of stay and no
weekday shape this is the M/M/c queue, and the tests check the mean delay against Erlang C
(`erlang.mean_wait`).

`replicate(model, n, rng, extra=...)` runs `n` replications, each on its own child of `rng`
(`rng.spawn`), with and without the extra places on the same patients (common random
numbers), so the acute bed-days freed by the extra places are paired differences with a
tight confidence interval. The first `warm_up_days` are simulated and not measured (places
start empty); arrivals stop at the end of the measured days and the queue is then served.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from neighbourhood.capacity import erlang
from neighbourhood.capacity.distributions import Distribution, Exponential
from neighbourhood.capacity.simulate import Estimate, estimate

__all__ = [
    "PATHWAYS",
    "IntermediateCare",
    "IntermediateCareResult",
    "Pathway",
    "replicate",
]

PATHWAYS = {
    "P1": "pathway 1: home with support (home-based intermediate care, reablement)",
    "P2": "pathway 2: a bed-based intermediate care (step-down) bed",
}

METRICS = {
    "ready": "patients ready for discharge on the pathway in the measured days",
    "mean_delay_days": "mean days from ready for discharge to a free place",
    "p90_delay_days": "90th centile of the delay, days",
    "share_delayed": "share of patients who waited for a place at all",
    "delayed_bed_days_a_year": "acute bed-days a year spent waiting for a place",
    "delayed_beds": "acute beds occupied on an average day by patients waiting for a place",
    "occupancy": "share of the places in use (time average)",
}


@dataclass(frozen=True)
class Pathway:
    """One discharge pathway: patients ready a day, places, and their length of stay (days).
    `by_weekday` (Monday first) shapes the readiness, scaled to a mean of 1."""

    name: str
    per_day: float
    capacity: int
    length_of_stay: Distribution
    by_weekday: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a pathway needs a name")
        if not math.isfinite(self.per_day) or self.per_day <= 0:
            raise ValueError(f"{self.name}: patients a day must be positive")
        if not isinstance(self.capacity, int) or self.capacity < 1:
            raise ValueError(f"{self.name}: capacity must be a whole number, 1 or more")
        if self.by_weekday is not None:
            w = self.by_weekday
            if len(w) != 7 or min(w) < 0 or sum(w) == 0:
                raise ValueError(f"{self.name}: by_weekday needs 7 weights, not all zero")

    @property
    def offered_load(self) -> float:
        """Places kept busy on average: patients a day x mean length of stay."""
        return self.per_day * self.length_of_stay.mean

    @property
    def stable(self) -> bool:
        return self.offered_load < self.capacity

    def erlang_mean_delay(self) -> float | None:
        """Erlang C mean delay (days) when the length of stay is exponential, readiness flat
        and the pathway stable; None otherwise."""
        if not isinstance(self.length_of_stay, Exponential) or self.by_weekday is not None:
            return None
        if not self.stable:
            return None
        return erlang.mean_wait(self.capacity, self.per_day, 1 / self.length_of_stay.mean)


@dataclass(frozen=True)
class IntermediateCare:
    title: str
    pathways: tuple[Pathway, ...]
    days: int = 365
    warm_up_days: int = 90

    def __post_init__(self) -> None:
        if not self.pathways:
            raise ValueError("give at least one pathway")
        names = [p.name for p in self.pathways]
        if len(set(names)) != len(names):
            raise ValueError("two pathways have the same name")
        if self.days < 1 or self.warm_up_days < 0:
            raise ValueError("days must be 1 or more and warm_up_days 0 or more")

    def pathway(self, name: str) -> Pathway:
        for p in self.pathways:
            if p.name == name:
                return p
        names = ", ".join(p.name for p in self.pathways)
        raise KeyError(f"no pathway {name!r}: the model has {names}")

    def with_extra(self, extra: dict[str, int]) -> IntermediateCare:
        unknown = set(extra) - {p.name for p in self.pathways}
        if unknown:
            raise KeyError(f"no pathway {sorted(unknown)[0]!r} to add places to")
        return replace(
            self,
            pathways=tuple(
                replace(p, capacity=p.capacity + int(extra.get(p.name, 0))) for p in self.pathways
            ),
        )


def _draw(p: Pathway, total_days: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Arrival days (fractional, sorted) and lengths of stay, for one pathway."""
    rates = np.full(total_days, p.per_day)
    if p.by_weekday is not None:
        w = np.asarray(p.by_weekday, dtype=float)
        rates = rates * (w / w.mean())[np.arange(total_days) % 7]
    counts = rng.poisson(rates)
    n = int(counts.sum())
    arrival = np.sort(np.repeat(np.arange(total_days), counts) + rng.random(n))
    return arrival, p.length_of_stay.sample(rng, n)


def _starts(arrival: np.ndarray, stay: np.ndarray, c: int) -> np.ndarray:
    """First come first served on c places: each patient starts at the later of its arrival
    and the earliest time a place is free (a heap of next free times)."""
    free = [0.0] * c
    start = []
    for a, s in zip(arrival.tolist(), stay.tolist(), strict=True):
        f = free[0]
        begin = a if a > f else f
        heapq.heapreplace(free, begin + s)
        start.append(begin)
    return np.asarray(start, dtype=float)


def _metrics(
    arrival: np.ndarray, stay: np.ndarray, start: np.ndarray, c: int, lo: float, hi: float
) -> dict[str, float]:
    measured = arrival >= lo
    delay = (start - arrival)[measured]
    waiting = np.clip(start, lo, hi) - np.clip(arrival, lo, hi)  # delay days inside the window
    finish = start + stay
    used = np.clip(finish, lo, hi) - np.clip(start, lo, hi)
    span = hi - lo
    nan = math.nan
    return {
        "ready": float(measured.sum()),
        "mean_delay_days": float(delay.mean()) if len(delay) else nan,
        "p90_delay_days": float(np.percentile(delay, 90)) if len(delay) else nan,
        "share_delayed": float((delay > 1e-9).mean()) if len(delay) else nan,
        "delayed_bed_days_a_year": float(waiting.sum() / span * 365),
        "delayed_beds": float(waiting.sum() / span),
        "occupancy": float(used.sum() / (c * span)) if c else nan,
    }


@dataclass(frozen=True)
class IntermediateCareResult:
    model: IntermediateCare
    extra: dict[str, int]
    replications: int
    confidence: float
    base: dict[str, tuple[dict[str, float], ...]] = field(repr=False)
    added: dict[str, tuple[dict[str, float], ...]] = field(repr=False)

    def summary(self, pathway: str, *, with_extra: bool = False) -> dict[str, Estimate]:
        runs = (self.added if with_extra else self.base)[pathway]
        return {k: estimate([r[k] for r in runs], self.confidence) for k in runs[0]}

    def bed_days_freed(self, pathway: str) -> Estimate:
        """Acute bed-days a year freed by the extra places: paired differences."""
        pairs = zip(self.base[pathway], self.added[pathway], strict=True)
        key = "delayed_bed_days_a_year"
        return estimate([b[key] - a[key] for b, a in pairs], self.confidence)

    def rows(self) -> list[dict[str, Any]]:
        """One row per pathway and metric: without and with the extra places, and the beds
        freed (on the `delayed_bed_days_a_year` row)."""
        out = []
        for p in self.model.pathways:
            base, more = self.summary(p.name), self.summary(p.name, with_extra=True)
            for metric in METRICS:
                b, m = base[metric], more[metric]
                row: dict[str, Any] = {
                    "pathway": p.name,
                    "metric": metric,
                    "places": p.capacity,
                    "mean": b.mean,
                    "ci_low": b.low,
                    "ci_high": b.high,
                    "places_with_extra": p.capacity + self.extra.get(p.name, 0),
                    "mean_with_extra": m.mean,
                    "ci_low_with_extra": m.low,
                    "ci_high_with_extra": m.high,
                }
                out.append(row)
        return out

    def freed_rows(self) -> list[dict[str, Any]]:
        out = []
        for p in self.model.pathways:
            freed = self.bed_days_freed(p.name)
            out.append(
                {
                    "pathway": p.name,
                    "places": p.capacity,
                    "extra_places": self.extra.get(p.name, 0),
                    "offered_load": p.offered_load,
                    "stable": p.stable,
                    "erlang_mean_delay_days": p.erlang_mean_delay(),
                    "acute_bed_days_freed_a_year": freed.mean,
                    "ci_low": freed.low,
                    "ci_high": freed.high,
                }
            )
        return out


def replicate(
    model: IntermediateCare,
    replications: int,
    rng: np.random.Generator,
    *,
    extra: dict[str, int] | None = None,
    confidence: float = 0.95,
) -> IntermediateCareResult:
    """`replications` runs, each on a child of `rng`; every pathway with its own places and
    with `extra` more (on the same patients)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError("pass a numpy.random.Generator, e.g. numpy.random.default_rng(seed)")
    if replications < 1:
        raise ValueError("replications must be 1 or more")
    extra = dict(extra or {})
    bigger = model.with_extra(extra)
    total = model.warm_up_days + model.days
    lo, hi = float(model.warm_up_days), float(total)
    base: dict[str, list[dict[str, float]]] = {p.name: [] for p in model.pathways}
    added: dict[str, list[dict[str, float]]] = {p.name: [] for p in model.pathways}
    for child in rng.spawn(replications):
        for p, q in zip(model.pathways, bigger.pathways, strict=True):
            arrival, stay = _draw(p, total, child)
            base[p.name].append(_metrics(arrival, stay, _starts(arrival, stay, p.capacity),
                                         p.capacity, lo, hi))  # fmt: skip
            if q.capacity == p.capacity:
                added[p.name].append(base[p.name][-1])
            else:
                start = _starts(arrival, stay, q.capacity)
                added[p.name].append(_metrics(arrival, stay, start, q.capacity, lo, hi))
    return IntermediateCareResult(
        model,
        extra,
        replications,
        confidence,
        {k: tuple(v) for k, v in base.items()},
        {k: tuple(v) for k, v in added.items()},
    )

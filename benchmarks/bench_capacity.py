"""Capacity simulation: ours against an equivalent SimPy model, same scenario, same run.

    .venv/bin/python benchmarks/bench_capacity.py [--replications 100]

The scenario: 40 referrals a day (Poisson), 4 responders on duty all day every day, visits
exponential with a mean of 2 hours, target 70% within 120 minutes; one year measured after a
28-day warm-up; 100 replications. Ours runs twice (the fast path it chooses, and the general
event loop forced), SimPy once (the model in tests/capacity_simpy.py). Each is timed end to
end (drawing, simulating, measuring), and the answers are checked to agree: the 99% confidence
interval of the difference of the means contains 0, and Erlang C's exact values lie in each
99% confidence interval.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from capacity_simpy import simpy_replicate  # noqa: E402
from neighbourhood.capacity import (  # noqa: E402
    Arrivals,
    Exponential,
    Scenario,
    Shift,
    Target,
    Team,
    erlang,
    estimate,
    replicate,
)

MEASURES = ("within_target", "mean_wait", "utilisation", "mean_queue")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    scenario = Scenario(
        "40 a day, 4 responders",
        Arrivals.constant(40),
        (Team("responders", (Shift(tuple(range(7)), 0, 1440, 4),)),),
        Exponential(120),
        Target(120, 0.7),
        days=args.days,
        warm_up_days=28,
    )
    lam, mu = 40 / 1440, 1 / 120
    exact = {
        "within_target": 1 - erlang.prob_wait_exceeds(120, 4, lam, mu),
        "mean_wait": erlang.mean_wait(4, lam, mu),
        "utilisation": erlang.utilisation(4, lam, mu),
        "mean_queue": erlang.mean_queue_length(4, lam, mu),
    }
    n = args.replications
    runs: dict[str, tuple[float, list[dict[str, float]]]] = {}
    for name, engine in (("ours (fast path)", "fast"), ("ours (event loop)", "events")):
        t = time.perf_counter()
        result = replicate(scenario, n, np.random.default_rng(1), engine=engine)
        runs[name] = (time.perf_counter() - t, list(result.metrics))
    t = time.perf_counter()
    runs["SimPy"] = (
        time.perf_counter() - t,
        simpy_replicate(scenario, n, np.random.default_rng(2)),
    )
    runs["SimPy"] = (time.perf_counter() - t, runs["SimPy"][1])

    print(f"{n} replications x {args.days} days (+28 warm-up), 40/day, 4 responders, M/M/4")
    simpy_time = runs["SimPy"][0]
    for name, (seconds, _) in runs.items():
        print(f"  {name:18s} {seconds:8.2f} s   SimPy / this = {simpy_time / seconds:6.1f}x")
    print(f"  {'measure':14s} {'Erlang C':>10s}  " + "  ".join(f"{k:>28s}" for k in runs))
    agree = True
    for measure in MEASURES:
        cells = []
        for _, metrics in runs.values():
            e = estimate([m[measure] for m in metrics], 0.99)
            agree &= e.low <= exact[measure] <= e.high
            cells.append(f"{e.mean:10.4f} [{e.low:7.4f}, {e.high:7.4f}]")
        ours = np.array([m[measure] for m in runs["ours (fast path)"][1]])
        theirs = np.array([m[measure] for m in runs["SimPy"][1]])
        diff = estimate(ours - theirs, 0.99)
        agree &= diff.low <= 0 <= diff.high
        print(f"  {measure:14s} {exact[measure]:10.4f}  " + "  ".join(cells))
    print("answers agree within the 99% confidence intervals:", "yes" if agree else "NO")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()

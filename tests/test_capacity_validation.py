"""The simulation checked against theory and against an independent model.

- M/M/c: Erlang C gives P(W > t) = C(c, a) exp(-(c mu - lam) t), the mean wait, the mean queue
  and the utilisation exactly; long runs of both engines must hold each within a 99%
  confidence interval of the replications.
- SimPy: an equivalent model written in `capacity_simpy.py` (time-varying arrivals, two
  priorities, travel, lognormal visits) must agree with ours: the 99% confidence interval of
  the difference of the two means contains 0 for every measure.
- The fast path and the event loop give identical start times on the same referrals.
"""

from __future__ import annotations

import numpy as np
import pytest

from capacity_simpy import simpy_replicate
from neighbourhood.capacity import (
    Arrivals,
    Exponential,
    Lognormal,
    Priority,
    Scenario,
    Shift,
    Target,
    Team,
    Triangular,
    erlang,
    estimate,
    replicate,
    simulate,
)

LAM, MEAN_SERVICE, C = 40 / 1440, 120.0, 4  # 40 a day, 2-hour visits, 4 responders (rho 0.83)


def mmc(days: int = 365, c: int = C) -> Scenario:
    return Scenario(
        "M/M/c",
        Arrivals.constant(LAM * 1440),
        (Team("t", (Shift(tuple(range(7)), 0, 1440, c),)),),
        Exponential(MEAN_SERVICE),
        Target(120, 0.7),
        days=days,
        warm_up_days=28,
    )


def _wait_share(run, t: float) -> float:
    return float((run.wait[run.measured] > t).mean())


@pytest.mark.parametrize(("engine", "replications"), [("fast", 60), ("events", 15)])
def test_mmc_agrees_with_erlang_c(engine, replications):
    scenario = mmc()
    runs = [
        simulate(scenario, child, engine=engine)
        for child in np.random.default_rng(8).spawn(replications)
    ]
    mu = 1 / MEAN_SERVICE
    for t in (0.0, 30.0, 120.0, 360.0):
        got = estimate([_wait_share(r, t) for r in runs], 0.99)
        want = erlang.prob_wait_exceeds(t, C, LAM, mu)
        assert got.low <= want <= got.high, (t, got, want)
    metrics = [r.metrics() for r in runs]
    for name, want in (
        ("mean_wait", erlang.mean_wait(C, LAM, mu)),
        ("mean_queue", erlang.mean_queue_length(C, LAM, mu)),
        ("utilisation", erlang.utilisation(C, LAM, mu)),
        ("within_target", 1 - erlang.prob_wait_exceeds(120, C, LAM, mu)),
    ):
        got = estimate([m[name] for m in metrics], 0.99)
        assert got.low <= want <= got.high, (name, got, want)


def test_erlang_c_known_values():
    # offered load 2 on 3 servers: C = 4/9 (textbook value)
    assert erlang.erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang.erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang.servers_needed(LAM, 1 / MEAN_SERVICE, 120, 0.7) == 5
    with pytest.raises(ValueError, match="unstable"):
        erlang.mean_wait(3, LAM, 1 / MEAN_SERVICE)


def test_fast_path_and_event_loop_give_the_same_start_times():
    scenario = mmc(days=60)
    fast = simulate(scenario, np.random.default_rng(3), engine="fast")
    events = simulate(scenario, np.random.default_rng(3), engine="events")
    assert fast.engine == "fast" and events.engine == "events"
    np.testing.assert_array_equal(fast.arrival, events.arrival)
    np.testing.assert_allclose(fast.start, events.start, rtol=0, atol=1e-9)


def profiled_two_priorities(days: int) -> Scenario:
    by_hour = [0.3] * 7 + [1.5] * 12 + [0.6] * 5
    return Scenario(
        "profiled",
        Arrivals.profile(40, by_hour=by_hour, by_weekday=(1.2, 1.1, 1, 1, 1, 0.8, 0.9)),
        (Team("ucr", (Shift(tuple(range(7)), 0, 1440, 4),)),),
        Lognormal(70, 35),
        Target(120, 0.7, "urgent"),
        travel=Triangular(10, 20, 45),
        priorities=(Priority("urgent", 0.75), Priority("routine", 0.25, None, Exponential(40))),
        days=days,
        warm_up_days=14,
    )


def test_agrees_with_an_equivalent_simpy_model():
    scenario = profiled_two_priorities(days=120)
    ours = replicate(scenario, 20, np.random.default_rng(11))
    assert ours.engine == "events"
    theirs = simpy_replicate(scenario, 20, np.random.default_rng(12))
    for name in ("referrals", "within_target", "mean_wait", "utilisation", "mean_queue"):
        a = np.array([m[name] for m in ours.metrics])
        b = np.array([m[name] for m in theirs])
        diff = estimate(a - b[: len(a)], 0.99)  # independent runs paired only by index
        assert diff.low <= 0 <= diff.high, (name, a.mean(), b.mean(), diff)


def test_simpy_agrees_with_erlang_c_too():
    """The oracle is itself checked, so a shared misunderstanding would show."""
    scenario = mmc(days=200)
    runs = simpy_replicate(scenario, 10, np.random.default_rng(5))
    got = estimate([m["within_target"] for m in runs], 0.99)
    want = 1 - erlang.prob_wait_exceeds(120, C, LAM, 1 / MEAN_SERVICE)
    assert got.low <= want <= got.high

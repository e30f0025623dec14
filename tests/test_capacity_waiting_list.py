"""The waiting list model against the queueing formulas of `access.waits_queue`.

Hand-worked example (used throughout): 50 patients added a week, 50 seen, 1,200 waiting, a
target wait of 18 weeks with the default factor 4.
- load = 50 / 50 = 1: the list never falls on its own.
- target mean wait = 18 / 4 = 4.5 weeks; target queue (Little's law) = 50 x 4.5 = 225.
- relief capacity to reach it in 26 weeks = 50 + (1,200 - 225) / 26 = 50 + 37.5 = 87.5.
- so the list falls by 87.5 - 50 = 37.5 a week: 1,200 - 26 x 37.5 = 225 at week 26.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neighbourhood.access import waits_queue
from neighbourhood.capacity.waiting_list import WaitingList, clearing, run_weeks
from neighbourhood.cli import app

WL = WaitingList(demand=50, capacity=50, queue=1200, target_wait=18)


def test_the_hand_worked_figures():
    assert WL.load == 1
    assert WL.target_queue == 225 == waits_queue.target_queue_size(50, 18)
    assert WL.relief_capacity(26) == 87.5


def test_relief_capacity_reaches_the_target_queue_in_the_stated_time():
    rows = run_weeks(WL.with_extra(WL.relief_capacity(26) - WL.capacity), 52)
    assert [r.queue for r in rows[:2]] == [1162.5, 1125.0]
    assert rows[25].week == 26 and rows[25].queue == pytest.approx(225)
    assert rows[24].queue > 225
    (result,) = clearing(WL, [37.5], np.random.default_rng(0), replications=1)
    assert result.weeks_to_target_queue == 26
    # any other time to target, too
    for weeks in (10, 20, 40):
        rows = run_weeks(WL.with_extra(WL.relief_capacity(weeks) - 50), 52)
        first = next(r.week for r in rows if r.queue <= WL.target_queue + 1e-9)
        assert first == weeks


def test_load_at_or_above_one_never_clears():
    at_one = run_weeks(WL, 52)
    assert all(r.queue == 1200 for r in at_one)
    above = run_weeks(WaitingList(60, 50, 1200, 18), 52)
    assert above[-1].queue == pytest.approx(1200 + 52 * 10)  # grows by demand - capacity


def test_stochastic_relief_capacity_clears_near_the_stated_time():
    (none, relief) = clearing(WL, [0, 37.5], np.random.default_rng(7), replications=200)
    assert none.reached_target_queue == 0
    assert relief.reached_target_queue == 1
    # first passage below the target: the week the formula gives, or just after
    assert 26 <= relief.mean_weeks_to_target_queue.mean <= 27.5
    again = clearing(WL, [0, 37.5], np.random.default_rng(7), replications=200)
    assert again[1].row() == relief.row()  # the same generator, the same answer


def test_waits_over_the_target_and_the_starting_ages():
    # 1,200 waiting at 50 a week: 24 weeks of additions, the front added 23 weeks ago. In
    # week 1 the front 50 are seen after 24 weeks; the next front has waited 23; those added
    # 19 to 23 weeks before week 1 (5 x 50) have waited more than 18.
    (row,) = run_weeks(WL, 1)
    assert row.mean_wait_seen == 24 and row.longest_wait == 23 and row.over_target == 250
    aged = WaitingList(10, 10, 30, 4, backlog_ages=((10, 10), (2, 20)))
    first = run_weeks(aged, 1)[0]
    assert first.seen == 10 and first.mean_wait_seen == 11  # the 10 oldest go first
    with pytest.raises(ValueError, match="add up"):
        WaitingList(10, 10, 31, 4, backlog_ages=((10, 10), (2, 20)))


def test_littles_law_and_the_target_capacity_in_steady_state():
    """At the Kingman target capacity (cv 1 for Poisson demand and capacity), the long-run
    mean queue is the target queue size: demand x target wait / factor (= 225 here), and the
    mean wait of those seen x demand is the mean queue (Little's law)."""
    capacity = waits_queue.target_capacity(50, 18, cv_demand=1, cv_capacity=1)
    assert capacity == pytest.approx(50 + 4 / 18)
    wl = WaitingList(50, capacity, 225, 18)
    rows = run_weeks(wl, 60_000, np.random.default_rng(3))[5_000:]
    queue = np.array([r.queue for r in rows])
    waited = sum(r.waited_weeks for r in rows) / sum(r.seen for r in rows)
    assert queue.mean() == pytest.approx(50 * waited, rel=0.03)  # Little's law
    batches = queue.reshape(11, -1).mean(axis=1)  # batch means for the uncertainty
    half = 3.2 * batches.std(ddof=1) / np.sqrt(len(batches))
    assert abs(queue.mean() - wl.target_queue) < half + 0.1 * wl.target_queue


def test_cli_waits_json():
    result = CliRunner().invoke(
        app,
        ["capacity", "waits", "--demand", "50", "--capacity", "50", "--queue", "1200",
         "--target-wait", "18", "-n", "20", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["target_queue"] == 225 and payload["relief_capacity"] == 87.5
    assert payload["relief_needed"] is True
    extras = {r["extra_a_week"]: r for r in payload["results"]}
    assert extras[37.5]["weeks_to_target_queue"] == 26
    assert extras[0]["weeks_to_target_queue"] is None
    table = CliRunner().invoke(
        app, ["capacity", "waits", "--demand", "50", "--capacity", "60", "--queue", "1200",
              "--achievement", "0.99", "--extra", "5", "-n", "5"],
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "factor 4.61" in table.stdout

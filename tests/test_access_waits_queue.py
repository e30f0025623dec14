"""The queue formulas (NHSRwaitinglist, Fong et al.; NHS England community_waits), each worked
by hand."""

from __future__ import annotations

import math

import pytest

from neighbourhood.access import waits_queue as q


def test_load_is_demand_over_capacity():
    # 30 referrals a week, capacity 40 a week: 30 / 40 = 0.75
    assert q.load(30, 40) == 0.75
    # demand above capacity: the queue grows, load 1.25
    assert q.load(50, 40) == 1.25
    with pytest.raises(ValueError):
        q.load(10, 0)


def test_target_queue_size_is_littles_law():
    # L = lambda x W: 30 a week, 18-week target, factor 4 -> mean wait 4.5 weeks -> 135
    assert q.target_mean_wait(18) == 4.5
    assert q.target_queue_size(30, 18) == 135
    # factor given: 10 a week, 52 weeks, factor 4 -> 10 x 13 = 130
    assert q.target_queue_size(10, 52, 4) == 130


def test_factor_for_achievement_is_the_exponential_quantile():
    # qexp(0.99) = -ln(0.01) = 4.60517 (NHS England: 52 weeks at 99%, factor about 4.6)
    assert q.factor_for_achievement(0.99) == pytest.approx(4.605170, abs=1e-6)
    # qexp(0.92) = -ln(0.08) = 2.525729 (the 18-week, 92% aspiration)
    assert q.factor_for_achievement(0.92) == pytest.approx(2.525729, abs=1e-6)
    # qexp(0.5) = ln 2, the median of an exponential with mean 1
    assert q.factor_for_achievement(0.5) == pytest.approx(math.log(2))
    for bad in (0, 1, 1.5):
        with pytest.raises(ValueError):
            q.factor_for_achievement(bad)


def test_relief_capacity_clears_the_excess_in_the_time_given():
    # queue 400, target 135, 30 a week, 26 weeks: 30 + (400 - 135) / 26 = 30 + 10.1923 = 40.1923
    assert q.relief_capacity(30, 400, 135, 26) == pytest.approx(40.192308, abs=1e-6)
    # needed only when the queue is more than twice the target: 400 > 270 yes; 270 > 270 no
    assert q.relief_needed(400, 135)
    assert not q.relief_needed(270, 135)
    assert q.relief_needed(270.5, 135)
    with pytest.raises(ValueError):
        q.relief_capacity(30, 400, 135, 0)


def test_target_capacity_kingman():
    # 30 a week, 18 weeks, factor 4, cv 1 and 1: 30 + ((1 + 1) / 2) x (4 / 18) = 30.2222
    assert q.target_capacity(30, 18, cv_demand=1, cv_capacity=1) == pytest.approx(30.222222)
    # cv 2 and 0: 30 + (4 / 2) x (4 / 18) = 30.4444
    assert q.target_capacity(30, 18, cv_demand=2, cv_capacity=0) == pytest.approx(30.444444)


def test_pressure():
    # mean wait 6 weeks against 18: 2 x 6 / 18 = 0.667 (likely met); 12 weeks: 1.333 (missed)
    assert q.pressure(6, 18) == pytest.approx(2 / 3)
    assert q.pressure(12, 18) == pytest.approx(4 / 3)
    assert q.pressure(9, 18) == 1

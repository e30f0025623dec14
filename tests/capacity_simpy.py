"""An equivalent SimPy model of a capacity scenario, written independently of
`neighbourhood.capacity.simulate`: the oracle its tests and benchmark compare against.

It handles the scenarios SimPy expresses directly: one team of c responders on duty all week
(a `PriorityResource`), arrivals at each hour's rate (exponential gaps, restarted at each hour,
which the memoryless property makes exact), priorities served in order and first come first
served within one, travel and time on site drawn from the scenario's distributions.
"""

from __future__ import annotations

import numpy as np
import simpy

from neighbourhood.capacity import Scenario

DAY = 24 * 60


def simpy_replication(scenario: Scenario, rng: np.random.Generator) -> dict[str, float]:
    """One run; the same measures, by the same definitions, as `Replication.metrics`."""
    (team,) = scenario.teams
    c = sum(s.responders for s in team.shifts)
    assert all(s.always_on for s in team.shifts if s.responders)
    env = simpy.Environment()
    responders = simpy.PriorityResource(env, capacity=c)
    warm = scenario.warm_up_days * DAY
    end = (scenario.warm_up_days + scenario.days) * DAY
    shares = np.array([p.share for p in scenario.priorities])
    rows: list[tuple[float, float, float, float, int]] = []  # arrival, start, travel, busy, p

    def referral(arrived: float, p: int):
        travel = float(scenario.travel.sample(rng, 1)[0])
        site = scenario.priorities[p].time_on_site or scenario.time_on_site
        busy = travel + float(site.sample(rng, 1)[0])
        with responders.request(priority=p) as request:
            yield request
            rows.append((arrived, env.now, travel, busy, p))
            yield env.timeout(busy)

    def arrivals():
        hour = 0
        rates = scenario.arrivals.per_hour
        while hour * 60 < end:
            rate = rates[hour % 168] / 60
            edge = (hour + 1) * 60
            if rate > 0:
                while True:
                    gap = rng.exponential(1 / rate)
                    if env.now + gap >= edge:
                        break
                    yield env.timeout(gap)
                    p = int(rng.choice(len(shares), p=shares)) if len(shares) > 1 else 0
                    env.process(referral(env.now, p))
            yield env.timeout(edge - env.now)
            hour += 1

    env.process(arrivals())
    env.run()
    a, s, travel, busy, p = (np.array(x) for x in zip(*rows, strict=True))
    measured = a >= warm
    response = s - a + travel
    counted = measured.copy()
    if scenario.target.priority is not None:
        counted &= p == scenario.priority_names.index(scenario.target.priority)
    busy_in = np.clip(s + busy, warm, end) - np.clip(s, warm, end)
    waiting = np.clip(s, warm, end) - np.clip(a, warm, end)
    return {
        "referrals": float(measured.sum()),
        "within_target": float((response[counted] <= scenario.target.within_minutes).mean()),
        "mean_wait": float((s - a)[measured].mean()),
        "mean_response": float(response[measured].mean()),
        "utilisation": float(busy_in.sum() / (c * (end - warm))),
        "mean_queue": float(waiting.sum() / (end - warm)),
    }


def simpy_replicate(
    scenario: Scenario, replications: int, rng: np.random.Generator
) -> list[dict[str, float]]:
    return [simpy_replication(scenario, child) for child in rng.spawn(replications)]

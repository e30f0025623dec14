"""The demo's capacity figures: for each urgent community response team of an ICB, arrivals
fitted from its referrals in the store (`history.fit_arrivals`, 12 months), simulated with a
default roster, and the fewest responders that reach 70% within 2 hours.

The defaults (illustrative, not any real service's): `DEMO_RESPONDERS` responders on duty
around the clock, every day; travel triangular 10/20/45 minutes and time on site lognormal
mean 75, sd 35 minutes (as `examples/ucr-two-hour.yaml`); the target is 70% of referrals
reached within 120 minutes; 20 replications of 365 days after 28 days of warm-up; the
staffing is the fewest responders meeting the target at 95% confidence (`staffing.optimise`).
The ICB row pools the teams' referrals in each replication.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np

from neighbourhood.capacity.distributions import Lognormal, Triangular
from neighbourhood.capacity.history import fit_arrivals, teams_of
from neighbourhood.capacity.scenario import Scenario, Shift, Target, Team
from neighbourhood.capacity.simulate import estimate, replicate
from neighbourhood.capacity.staffing import optimise

__all__ = ["DEMO_RESPONDERS", "demo_rows"]

DEMO_RESPONDERS = 1
REPLICATIONS = 20
DAYS, WARM_UP = 365, 28


def _scenario(title: str, arrivals) -> Scenario:
    return Scenario(
        title=title,
        arrivals=arrivals,
        teams=(Team("ucr", (Shift(tuple(range(7)), 0, 24 * 60, DEMO_RESPONDERS),)),),
        time_on_site=Lognormal(75, 35),
        travel=Triangular(10, 20, 45),
        target=Target(120, 0.7),
        days=DAYS,
        warm_up_days=WARM_UP,
        illustrative=True,
    )


def demo_rows(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, icb: str, seed: int = 0
) -> list[dict[str, Any]]:
    """One row per UCR team of the ICB and one for the ICB: referrals a day (fitted), the
    default responders, % within 2 hours with its 95% CI, and the responders needed for 70%."""
    teams = [
        t
        for t in teams_of(con, "icb", icb, as_of)
        if con.execute(
            "SELECT count(*) FROM community_teams WHERE org_code = ? "
            "AND service = 'urgent_community_response'",
            [t],
        ).fetchone()[0]
    ]
    rows, pooled_within, pooled_n = [], np.zeros(REPLICATIONS), np.zeros(REPLICATIONS)
    for index, team in enumerate(teams):
        try:
            fitted = fit_arrivals(con, level="team", code=team, months=12, until=as_of)
        except ValueError:  # no UCR referrals in the window
            continue
        scenario = _scenario(f"UCR team {team}", fitted.arrivals)
        rng = np.random.default_rng([seed, index])
        result = replicate(scenario, REPLICATIONS, rng)
        within = np.array([m["within_target"] for m in result.metrics])
        n = np.array([m["referrals"] for m in result.metrics])
        pooled_within += within * n
        pooled_n += n
        plan = optimise(scenario, np.random.default_rng([seed, index, 1]), replications=10)
        rows.append(_row(team, fitted.per_day, estimate(within), plan.best, DEMO_RESPONDERS))
    if rows:
        share = estimate(pooled_within / np.maximum(pooled_n, 1))
        needed = [r["responders_for_70%"] for r in rows]
        total = None if None in needed else sum(needed)
        per_day = sum(r["referrals_a_day"] for r in rows)
        rows.append(_row(f"ICB {icb}", per_day, share, total, DEMO_RESPONDERS * len(rows)))
    return rows


def _row(who: str, per_day: float, share, best, responders: int) -> dict[str, Any]:
    if isinstance(best, tuple):
        best = best[0]
    return {
        "team": who,
        "referrals_a_day": round(per_day, 2),
        "responders": responders,
        "%_within_2_hours": round(100 * share.mean, 1),
        "ci_low": round(100 * share.low, 1),
        "ci_high": round(100 * share.high, 1),
        "responders_for_70%": best,
    }

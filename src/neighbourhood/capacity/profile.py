"""The share of referrals answered within the target, by hour of arrival, across replications:
where in the day a roster falls short. Needs a result made with `replicate(..., keep=True)`."""

from __future__ import annotations

from typing import Any

import numpy as np

from neighbourhood.capacity.scenario import MINUTES_PER_DAY
from neighbourhood.capacity.simulate import SimulationResult, estimate


def within_target_by_hour(result: SimulationResult) -> list[dict[str, Any]]:
    """One row per hour of the day (0-23): referrals arriving in it (all replications), and
    the mean share within target with its confidence interval over replications (NaN for an
    hour with no referrals). Counts only the target's priority when the target names one."""
    if not result.kept:
        raise ValueError("within_target_by_hour needs the replications: replicate(keep=True)")
    shares = np.full((len(result.kept), 24), np.nan)
    referrals = np.zeros(24, dtype=int)
    for i, run in enumerate(result.kept):
        chosen = run.measured
        if run.target_priority is not None:
            chosen &= run.priority == run.target_priority
        hour = (run.arrival[chosen] % MINUTES_PER_DAY // 60).astype(int)
        within = run.response[chosen] <= run.within_minutes
        counted = np.bincount(hour, minlength=24)
        met = np.bincount(hour, weights=within, minlength=24)
        referrals += counted
        with np.errstate(invalid="ignore", divide="ignore"):
            shares[i] = np.where(counted > 0, met / counted, np.nan)
    rows = []
    for hour in range(24):
        e = estimate(shares[:, hour], result.confidence)
        rows.append({"hour": hour, "referrals": int(referrals[hour]), "mean": e.mean,
                     "ci_low": e.low, "ci_high": e.high, "replications": e.n})  # fmt: skip
    return rows

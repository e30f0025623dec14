"""Waiting list queue measures: load, target queue size (Little's law), relief capacity,
target capacity and pressure.

The formulas are those of the NHS-R community package NHSRwaitinglist
(github.com/nhs-r-community/NHSRwaitinglist: `R/calc_target_queue_size.R`,
`R/calc_relief_capacity.R`, `R/calc_target_capacity.R`, `R/calc_waiting_list_pressure.R`, and
the vignette `example_walkthrough`), which follow Fong et al., "Waiting list size, waiting time
and capacity", medRxiv 10.1101/2022.08.23.22279117. The achievement factor for a target met by
a share of patients (`factor_for_achievement`) is `qexp(p)`, as used by NHS England's regional
community waits modelling (github.com/nhsengland/community_waits: 52 weeks at 99%, factor
qexp(0.99) = 4.6). See docs: shared domain notes, community standards sections 2 and 4.4.

Units are the caller's, but must agree: demand and capacity per unit of time (we use weeks),
waits in the same unit, queue sizes in patients.
"""

from __future__ import annotations

import math

__all__ = [
    "DEFAULT_FACTOR",
    "factor_for_achievement",
    "load",
    "pressure",
    "relief_capacity",
    "relief_needed",
    "target_capacity",
    "target_mean_wait",
    "target_queue_size",
]

DEFAULT_FACTOR = 4.0  # NHSRwaitinglist default: the mean wait is a quarter of the target


def load(demand: float, capacity: float) -> float:
    """Demand / capacity. At 1 or more the queue grows without limit (it must be below 1)."""
    if capacity <= 0:
        raise ValueError("capacity must be positive")
    return demand / capacity


def factor_for_achievement(share: float) -> float:
    """qexp(share) = -ln(1 - share): with exponentially distributed waits, the target wait is
    this many mean waits when `share` of patients wait less than the target (0.99 -> 4.6)."""
    if not 0 < share < 1:
        raise ValueError("share must be between 0 and 1")
    return -math.log1p(-share)


def target_mean_wait(target_wait: float, factor: float = DEFAULT_FACTOR) -> float:
    """The mean wait that meets the target: target_wait / factor."""
    return target_wait / factor


def target_queue_size(demand: float, target_wait: float, factor: float = DEFAULT_FACTOR) -> float:
    """Little's law, L = lambda x W, with W the target mean wait:
    demand x target_wait / factor."""
    return demand * target_mean_wait(target_wait, factor)


def relief_needed(queue_size: float, target_queue: float) -> bool:
    """Relief capacity is needed when the queue is more than twice its target size."""
    return queue_size > 2 * target_queue


def relief_capacity(
    demand: float, queue_size: float, target_queue: float, time_to_target: float
) -> float:
    """Capacity that brings the queue down to its target in `time_to_target`:
    demand + (queue_size - target_queue) / time_to_target."""
    if time_to_target <= 0:
        raise ValueError("time_to_target must be positive")
    return demand + (queue_size - target_queue) / time_to_target


def target_capacity(
    demand: float,
    target_wait: float,
    *,
    cv_demand: float,
    cv_capacity: float,
    factor: float = DEFAULT_FACTOR,
) -> float:
    """Capacity that keeps the mean wait at target_wait / factor (Kingman's approximation):
    demand + ((cv_demand^2 + cv_capacity^2) / 2) x (factor / target_wait). The coefficients
    of variation have no default: they are the service's own."""
    return demand + ((cv_demand**2 + cv_capacity**2) / 2) * (factor / target_wait)


def pressure(mean_wait: float, target_wait: float) -> float:
    """2 x mean_wait / target_wait; above 1 the target will likely be missed."""
    return 2 * mean_wait / target_wait

"""The M/M/c queue (Erlang C): Poisson arrivals at rate `lam`, exponential service at rate `mu`
per server, `c` servers, first come first served. Used to check the simulation, and as a quick
first answer before simulating. Any time unit, so long as `lam` and `mu` share it.
"""

from __future__ import annotations

import math

__all__ = [
    "erlang_c",
    "mean_queue_length",
    "mean_wait",
    "prob_wait_exceeds",
    "servers_needed",
    "utilisation",
]


def _check(c: int, lam: float, mu: float) -> float:
    if c < 1 or lam <= 0 or mu <= 0:
        raise ValueError("need c >= 1 and positive rates")
    a = lam / mu
    if a >= c:
        raise ValueError(f"unstable: offered load {a:.3g} is not below {c} servers")
    return a


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits, with offered load a = lam/mu < c (computed through
    the Erlang B recursion, which is stable for large c)."""
    if not 0 < a < c:
        raise ValueError("need 0 < a < c")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho + rho * b)


def prob_wait_exceeds(t: float, c: int, lam: float, mu: float) -> float:
    """P(W > t) = C(c, a) exp(-(c mu - lam) t)."""
    a = _check(c, lam, mu)
    return erlang_c(c, a) * math.exp(-(c * mu - lam) * t)


def mean_wait(c: int, lam: float, mu: float) -> float:
    """E[W] = C(c, a) / (c mu - lam)."""
    a = _check(c, lam, mu)
    return erlang_c(c, a) / (c * mu - lam)


def mean_queue_length(c: int, lam: float, mu: float) -> float:
    """Lq = lam E[W] (Little's law)."""
    return lam * mean_wait(c, lam, mu)


def utilisation(c: int, lam: float, mu: float) -> float:
    return _check(c, lam, mu) / c


def servers_needed(lam: float, mu: float, t: float, share: float) -> int:
    """The fewest servers with P(W <= t) >= share."""
    c = max(1, math.floor(lam / mu) + 1)
    while 1 - prob_wait_exceeds(t, c, lam, mu) < share:
        c += 1
    return c

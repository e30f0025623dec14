"""Durations as small frozen values that know their theory: each draws a vector of samples from
a generator it is given, and states its analytic mean and variance (so tests and the M/M/c
formulas can be checked against them). Units are the scenario's: minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = [
    "Distribution",
    "Exponential",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Triangular",
    "Uniform",
]


class Distribution:
    """A non-negative duration. Subclasses are frozen dataclasses checked when built."""

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _positive(name: str, value: float, *, zero: bool = False) -> None:
    if not isinstance(value, int | float) or math.isnan(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number, not {value!r}")
    if value == 0 and not zero:
        raise ValueError(f"{name} must be positive")


@dataclass(frozen=True)
class Fixed(Distribution):
    value: float

    def __post_init__(self) -> None:
        _positive("fixed", self.value, zero=True)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, float(self.value))

    @property
    def mean(self) -> float:
        return float(self.value)

    @property
    def variance(self) -> float:
        return 0.0

    def describe(self) -> str:
        return f"fixed {self.value:g}"


@dataclass(frozen=True)
class Exponential(Distribution):
    mean_value: float

    def __post_init__(self) -> None:
        _positive("exponential mean", self.mean_value)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_value, size)

    @property
    def mean(self) -> float:
        return float(self.mean_value)

    @property
    def variance(self) -> float:
        return float(self.mean_value) ** 2

    def describe(self) -> str:
        return f"exponential, mean {self.mean_value:g}"


@dataclass(frozen=True)
class _MeanSd(Distribution):
    """Given by its mean and standard deviation; `kind` names it in messages."""

    mean_value: float
    sd: float
    kind: ClassVar[str]

    def __post_init__(self) -> None:
        _positive(f"{self.kind} mean", self.mean_value)
        _positive(f"{self.kind} sd", self.sd)

    @property
    def mean(self) -> float:
        return float(self.mean_value)

    @property
    def variance(self) -> float:
        return float(self.sd) ** 2

    def describe(self) -> str:
        return f"{self.kind}, mean {self.mean_value:g}, sd {self.sd:g}"


@dataclass(frozen=True)
class Lognormal(_MeanSd):
    """Given by its own mean and standard deviation (not those of its logarithm)."""

    kind = "lognormal"

    def _log_params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_value) ** 2)
        return math.log(self.mean_value) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        mu, sigma = self._log_params()
        return rng.lognormal(mu, sigma, size)


@dataclass(frozen=True)
class Gamma(_MeanSd):
    """Given by its mean and standard deviation."""

    kind = "gamma"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = (self.mean_value / self.sd) ** 2
        return rng.gamma(shape, self.mean_value / shape, size)


@dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float

    def __post_init__(self) -> None:
        _positive("uniform low", self.low, zero=True)
        _positive("uniform high", self.high, zero=True)
        if self.high < self.low:
            raise ValueError("uniform high must not be below low")

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def describe(self) -> str:
        return f"uniform {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class Triangular(Distribution):
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        for name in ("low", "mode", "high"):
            _positive(f"triangular {name}", getattr(self, name), zero=True)
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("triangular needs low <= mode <= high and low < high")

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, b, c = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def describe(self) -> str:
        return f"triangular {self.low:g}, {self.mode:g}, {self.high:g}"

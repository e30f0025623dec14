"""Deaths, registrations and dated events in the year before the reference date."""

from __future__ import annotations

import numpy as np

from neighbourhood.synthetic.calibration import figure

DAY = np.timedelta64(1, "D")


def relative_mortality(age: np.ndarray) -> np.ndarray:
    table = sorted((int(k), v) for k, v in figure("deaths", "relative_rate_by_age").items())
    lows = np.array([low for low, _ in table])
    rates = np.array([rate for _, rate in table])
    return rates[np.searchsorted(lows, age, side="right") - 1]


def death_chance(age: np.ndarray, frailty: np.ndarray, in_care_home: np.ndarray) -> np.ndarray:
    """Each person's chance of dying in the 12 months before the reference date."""
    # Clegg 2016 one-year mortality hazard ratios for mild / moderate / severe frailty.
    hazard = relative_mortality(age) * np.array([1.0, 1.92, 3.10, 4.52])[frailty]
    hazard = hazard * np.where(in_care_home, 2.0, 1.0)
    target = figure("deaths", "per_1000_a_year") / 1000
    scale = target / hazard.mean()
    for _ in range(5):  # undo the loss from capping at 0.9
        chance = np.minimum(scale * hazard, 0.9)
        scale *= target / chance.mean()
    return np.minimum(scale * hazard, 0.9)


def assign_deaths(
    chance: np.ndarray,
    born: np.ndarray,
    reference: np.datetime64,
    rng: np.random.Generator,
) -> np.ndarray:
    """Date of death within the 12 months before the reference date, NaT if alive."""
    dies = rng.random(chance.size) < chance
    death = np.full(chance.size, np.datetime64("NaT"), dtype="datetime64[D]")
    days_before = (rng.random(chance.size) * 365).astype("timedelta64[D]")
    death[dies] = np.maximum(reference - days_before[dies], born[dies])
    return death


def end_of_life(death: np.ndarray, reference: np.datetime64) -> np.ndarray:
    """Last date anything can happen: the reference date or the date of death."""
    return np.where(np.isnat(death), reference, death).astype("datetime64[D]")


def dates_in_last_year(
    patients: np.ndarray,
    born: np.ndarray,
    last: np.ndarray,
    reference: np.datetime64,
    rng: np.random.Generator,
) -> np.ndarray:
    """Uniform dates in the 12 months to the reference date, within each patient's life."""
    start = np.maximum(reference - 364 * DAY, born[patients])
    end = last[patients]
    span = np.maximum((end - start).astype(np.int64), 0)
    return start + (rng.random(patients.size) * (span + 1)).astype("timedelta64[D]")


def poisson_events(weight: np.ndarray, per_1000: float, rng: np.random.Generator) -> np.ndarray:
    """Patient indices (repeated for several events) with mean rate per_1000 a year overall,
    shared out in proportion to `weight`."""
    rate = weight * (per_1000 / 1000) / weight.mean()
    counts = rng.poisson(rate)
    return np.repeat(np.arange(weight.size, dtype=np.int32), counts)


def registrations(
    practice_index: np.ndarray,
    n_practices: int,
    born: np.ndarray,
    death: np.ndarray,
    reference: np.datetime64,
    rng: np.random.Generator,
):
    """Current registration (start after birth, ends at death) and, for a minority, an
    earlier one at another practice of the ICB that ends the day before."""
    n = born.size
    years_here = rng.exponential(10.0, n)
    start = reference - (years_here * 365.25).astype("timedelta64[D]")
    start = np.maximum(start, born)
    last = end_of_life(death, reference)
    start = np.minimum(start, last)
    share = figure("registrations", "previous_practice_share")
    earlier = (rng.random(n) < share) & (start > born + 30 * DAY) & (n_practices > 1)
    movers = np.flatnonzero(earlier)
    shift = rng.integers(1, max(n_practices, 2), movers.size)
    previous_practice = (practice_index[movers] + shift) % n_practices
    previous_end = start[movers] - DAY
    previous_years = rng.exponential(8.0, movers.size)
    previous_start = previous_end - (previous_years * 365.25).astype("timedelta64[D]")
    previous_start = np.maximum(previous_start, born[movers])
    current_end = death  # NaT while alive and registered
    return (
        (np.arange(n, dtype=np.int32), practice_index, start, current_end),
        (movers.astype(np.int32), previous_practice, previous_start, previous_end),
    )

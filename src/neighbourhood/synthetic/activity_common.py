"""Shared pieces of the activity generator: its calibration figures, event sampling over a
weighted calendar, local-to-UTC times and building tables in the data model's column order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from neighbourhood.store.model import load_data_model
from neighbourhood.synthetic.calibration import figure_in
from neighbourhood.synthetic.population import Population

DAY = np.timedelta64(1, "D")
LOCAL_ZONE = "Europe/London"
ARROW_TYPES = {
    "text": pa.string(),
    "date": pa.date32(),
    "instant": pa.timestamp("s", tz="UTC"),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "boolean": pa.bool_(),
}


def figure(*path: str) -> Any:
    """A figure of calibration_activity.yaml: its `value` when it has one, else the node."""
    return figure_in("calibration_activity.yaml", *path)


def relative_rate(population: Population, spec: dict[str, Any]) -> np.ndarray:
    """Per-patient weight from age bands ([[from_age, weight], ...]), frailty and care home."""
    bands = spec["age_bands"]
    starts = np.array([b[0] for b in bands])
    weights = np.array([b[1] for b in bands], dtype=float)
    weight = weights[np.searchsorted(starts, population.age, side="right") - 1]
    if "frailty" in spec:
        weight = weight * np.asarray(spec["frailty"], dtype=float)[population.frailty]
    if "care_home_resident" in spec:
        resident = population.care_home_code != ""
        weight = np.where(resident, weight * spec["care_home_resident"], weight)
    if "per_ltc" in spec:
        weight = weight * (1.0 + spec["per_ltc"] * population.ltc_count)
    return weight


class Calendar:
    """Days from `first` to `last` inclusive, each with a weekday weight (Monday first);
    events fall on day d with probability proportional to its weight."""

    def __init__(self, first: np.datetime64, last: np.datetime64, weekday_weights) -> None:
        self.first = np.datetime64(first, "D")
        self.days = self.first + np.arange(int((last - self.first) / DAY) + 1) * DAY
        weekday = (self.days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
        weights = np.asarray(weekday_weights, dtype=float)
        self.weight = weights[weekday] / weights.mean()
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.weight)])

    def index(self, day: np.ndarray) -> np.ndarray:
        return np.clip((day - self.first) / DAY, 0, len(self.days)).astype(np.int64)

    def exposure(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Weighted days from `start` to `end` inclusive (0 when end < start)."""
        lo, hi = self.index(start), self.index(end + DAY)
        return np.maximum(self.cumulative[hi] - self.cumulative[lo], 0.0)

    def sample(self, start: np.ndarray, end: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        lo, hi = self.cumulative[self.index(start)], self.cumulative[self.index(end + DAY)]
        position = lo + rng.random(lo.size) * (hi - lo)
        at = np.searchsorted(self.cumulative, position, side="right") - 1
        return self.days[np.clip(at, 0, len(self.days) - 1)]


def last_day(population: Population) -> np.ndarray:
    """Last day each patient can have activity: death or the reference date."""
    reference = np.datetime64(population.reference_date, "D")
    death = population.date_of_death.astype("datetime64[D]")
    return np.where(np.isnat(death), reference, np.minimum(death, reference))


def first_day(population: Population, window_first: np.datetime64) -> np.ndarray:
    """First day each patient can have activity: the window start, or for a baby the latest
    birth date its age allows (age whole years => born on or before reference - age years,
    and age x 365 days never reaches back past that)."""
    reference = np.datetime64(population.reference_date, "D")
    born_by = reference - population.age.astype(np.int64) * 365 * DAY
    return np.maximum(np.datetime64(window_first, "D"), born_by)


def draw_events(
    weight: np.ndarray,
    rate_per_day: float,
    calendar: Calendar,
    start: np.ndarray,
    end: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson events per patient at `rate_per_day` x weight (weights normalised to a mean of
    1 over the patients' exposure), placed on weighted days. Returns (patient index, day)."""
    exposure = calendar.exposure(start, end)
    total = float(np.sum(exposure))
    if total <= 0:
        return np.zeros(0, np.int64), np.zeros(0, "datetime64[D]")
    scale = total / float(np.sum(weight * exposure))
    counts = rng.poisson(rate_per_day * scale * weight * exposure)
    patient = np.repeat(np.arange(weight.size), counts)
    return patient, calendar.sample(start[patient], end[patient], rng)


def categorical(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    names = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=float)
    return names[rng.choice(len(names), size=size, p=p / p.sum())]


def local_seconds_to_utc(day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Europe/London wall-clock time (day + seconds after midnight) -> UTC epoch seconds.
    In the autumn repeated hour the first (summer time) reading is taken; a time in the
    missing spring hour is moved forward an hour."""
    local = pd.DatetimeIndex(
        day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    ).tz_localize(LOCAL_ZONE, ambiguous=np.ones(day.size, dtype=bool), nonexistent="shift_forward")
    return local.tz_convert("UTC").as_unit("s").asi8


def arrival_seconds(rng: np.random.Generator, hour_weights, size: int) -> np.ndarray:
    p = np.asarray(hour_weights, dtype=float)
    hour = rng.choice(24, size=size, p=p / p.sum())
    return hour * 3600 + rng.integers(0, 3600, size)


def identifiers(prefix: str, count: int, width: int = 8) -> np.ndarray:
    numbers = np.char.zfill(np.arange(1, count + 1).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def model_table(name: str, columns: dict[str, Any]) -> pa.Table:
    """A pyarrow table with exactly the data-model columns of `name`, in declared order and
    types. Instants are given as UTC epoch seconds, dates as datetime64[D]."""
    table = load_data_model().table(name)
    if set(columns) != set(table.column_names):
        raise ValueError(f"{name}: columns {sorted(columns)} != {sorted(table.column_names)}")
    arrays = {}
    for column in table.columns:
        values = columns[column.name]
        kind = ARROW_TYPES[column.type]
        if column.type == "date":
            values = np.asarray(values, dtype="datetime64[D]")
            arrays[column.name] = pa.array(values, type=kind, mask=np.isnat(values))
        elif column.type == "instant":
            arrays[column.name] = pa.array(np.asarray(values, dtype=np.int64), type=kind)
        else:
            arrays[column.name] = pa.array(values, type=kind, from_pandas=True)
    return pa.table(arrays)

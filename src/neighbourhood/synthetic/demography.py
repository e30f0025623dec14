"""Who the patients are: practice, age, sex, month of birth, LSOA and IMD decile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neighbourhood.synthetic.calibration import figure
from neighbourhood.synthetic.footprint import AGE_BANDS, Footprint


@dataclass(frozen=True)
class Demography:
    practice_index: np.ndarray  # int32 index into footprint.practices
    age: np.ndarray  # int16
    male: np.ndarray  # bool
    birth_month: np.ndarray  # datetime64[D], first of month
    lsoa_index: np.ndarray  # int32 index into footprint.lsoas
    imd_decile: np.ndarray  # int8


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integers proportional to `weights` (largest remainder method)."""
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    short = total - counts.sum()
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def single_year_weights() -> np.ndarray:
    """Relative size of each single year of age 0..max_age (see calibration.yaml age_profile)."""
    profile = figure("age_profile")
    max_age = profile["max_age"]
    weights = np.ones(max_age + 1)
    bands = sorted((int(k), v) for k, v in profile["adult_band_shares"].items())
    for (low, share), nxt in zip(bands, [*bands[1:], (80, None)], strict=True):
        high = nxt[0] if low < 80 else None
        if high is not None:
            weights[low:high] = share / (high - low)
    decline = profile["decline_80_plus"] ** np.arange(max_age + 1 - 80)
    weights[80:] = bands[-1][1] * decline / decline.sum()
    weights[:18] = weights[18]  # children: flat within their bands
    return weights


def _ages(band: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    weights = single_year_weights()
    ages = np.empty(band.size, dtype=np.int16)
    for index, (low, high) in enumerate(AGE_BANDS):
        members = np.flatnonzero(band == index)
        cumulative = np.cumsum(weights[low : high + 1])
        draws = rng.random(members.size) * cumulative[-1]
        ages[members] = low + np.searchsorted(cumulative, draws, side="right")
    return ages


def birth_months(age: np.ndarray, reference: np.datetime64, rng: np.random.Generator):
    """First of a month such that the whole-years age at `reference` is `age` whatever the day.

    With months_back = 12*age + m (m in 0..11) every day of that month gives the same age at a
    reference date at the end of its month.
    """
    reference_month = reference.astype("datetime64[M]")
    months_back = age.astype(np.int64) * 12 + rng.integers(0, 12, age.size)
    return (reference_month - months_back).astype("datetime64[D]")


def _lsoa_candidates(footprint: Footprint) -> list[np.ndarray]:
    """Per practice, the LSOAs its patients may live in: those of a local authority named in
    the practice address (e.g. PLYMOUTH, EXETER), else every LSOA of the ICB footprint."""
    lsoas = footprint.lsoas
    everywhere = np.arange(len(lsoas), dtype=np.int32)
    by_lad = {
        name.upper(): np.flatnonzero(lsoas["lad_name"].to_numpy() == name).astype(np.int32)
        for name in lsoas["lad_name"].unique()
    }
    address_columns = ["address_1", "address_2", "address_3", "address_4", "address_5"]
    candidates = []
    for address in footprint.practices[address_columns].itertuples(index=False):
        words = {part.strip().upper() for part in address if part}
        matched = [by_lad[name] for name in sorted(by_lad) if name in words]
        candidates.append(np.concatenate(matched) if matched else everywhere)
    return candidates


def build_demography(
    footprint: Footprint, patients: int, reference: np.datetime64, rng: np.random.Generator
) -> tuple[Demography, np.ndarray]:
    """The patients' demography and the sample size per practice."""
    practices = footprint.practices
    sample_sizes = allocate(patients, practices["list_size"].to_numpy(float))
    practice_index = np.repeat(np.arange(len(practices), dtype=np.int32), sample_sizes)
    cumulative = np.cumsum(footprint.band_shares, axis=1)[practice_index]
    band = (rng.random(patients)[:, None] > cumulative[:, :-1]).sum(axis=1)
    age = _ages(band, rng)
    male = rng.random(patients) < practices["share_male"].to_numpy()[practice_index]
    born = birth_months(age, reference, rng)
    candidates = _lsoa_candidates(footprint)
    sizes = np.array([c.size for c in candidates])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate(candidates)
    pick = (rng.random(patients) * sizes[practice_index]).astype(np.int64)
    lsoa_index = flat[offsets[practice_index] + pick]
    imd = footprint.lsoas["imd_decile"].to_numpy(np.int8)[lsoa_index]
    demography = Demography(practice_index, age, male, born, lsoa_index, imd)
    return demography, sample_sizes

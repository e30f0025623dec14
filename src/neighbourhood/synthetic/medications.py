"""Repeat medicines: distinct medicines per patient calibrated to the National Overprescribing
Review (15% on 5+, 7% on 8+), issued every 28-84 days over the last 12 months."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from neighbourhood.identifiers import sctid_problem
from neighbourhood.sources import read_gm_sde_codes
from neighbourhood.synthetic.calibration import figure

MEDICINE_CONCEPTS = (
    "proton-pump-inhibitors",
    "salbutamol",
    "beclometasone",
    "budesonide",
    "ipratropium-bromide",
    "nsaids",
    "gabapentinoid",
    "opioids",
    "benzodiazepines",
    "antipsychotics",
    "anticholinergic-medications",
)
INTERVALS = np.array([28, 56, 84])
INTERVAL_SHARES = np.array([0.5, 0.3, 0.2])
STRIDES = np.array([7, 11, 13, 17, 19, 23, 29, 31])


@dataclass(frozen=True)
class Issues:
    patient: np.ndarray  # int32
    issue_date: np.ndarray  # datetime64[D]
    dmd_code: np.ndarray  # object
    quantity: np.ndarray  # float64


@cache
def medicine_pool() -> np.ndarray:
    """dm+d product ids of the GM SDE medication code sets (shipped), sorted, unique, trimmed
    to a prime count."""
    codes = read_gm_sde_codes()
    chosen = codes[codes["concept"].isin(MEDICINE_CONCEPTS)]["code"]
    # Some rows of the published file carry ids mangled by floating point (e.g.
    # 21678411000001100 for 21678411000001105); the Verhoeff check digit keeps them out.
    valid = sorted(c for c in set(chosen) if sctid_problem(c) is None)
    pool = np.array(valid, dtype=object)
    # A prime pool size makes every stride give distinct medicines for one patient.
    size = pool.size
    while any(size % k == 0 for k in range(2, int(size**0.5) + 1)):
        size -= 1
    return pool[:size]


def medicine_counts(
    age: np.ndarray, ltc_count: np.ndarray, frailty: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Distinct repeat medicines per patient, by rank of a latent need score so that the
    shares on 5+ and 8+ hit the calibration exactly (about half take none)."""
    five = figure("polypharmacy", "five_plus")
    eight = figure("polypharmacy", "eight_plus")
    need = 0.045 * age + 0.8 * ltc_count + 0.4 * frailty + rng.logistic(0, 0.9, age.size)
    rank = np.empty(age.size, dtype=np.float64)
    rank[np.argsort(need, kind="stable")] = np.arange(age.size) / age.size
    counts = np.zeros(age.size, dtype=np.int8)
    some = (rank >= 0.5) & (rank < 1 - five)
    counts[some] = rng.integers(1, 5, some.sum())
    mid = (rank >= 1 - five) & (rank < 1 - eight)
    counts[mid] = rng.integers(5, 8, mid.sum())
    top = rank >= 1 - eight
    counts[top] = 8 + np.minimum(rng.geometric(0.4, top.sum()) - 1, 7)
    return counts


def issue_medicines(
    counts: np.ndarray,
    born: np.ndarray,
    last: np.ndarray,
    reference: np.datetime64,
    rng: np.random.Generator,
) -> Issues:
    pool = medicine_pool()
    patient = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
    slot = np.arange(patient.size) - np.repeat(np.cumsum(counts) - counts, counts)
    start_index = rng.integers(0, pool.size, counts.size)
    stride = STRIDES[rng.integers(0, STRIDES.size, counts.size)]
    medicine = (start_index[patient] + slot * stride[patient]) % pool.size
    interval = INTERVALS[rng.choice(INTERVALS.size, patient.size, p=INTERVAL_SHARES)]
    window_start = np.maximum(reference - np.timedelta64(364, "D"), born[patient])
    first = window_start + (rng.random(patient.size) * interval).astype("timedelta64[D]")
    span = (last[patient] - first).astype(np.int64)
    issues = np.where(span >= 0, span // interval + 1, 0)
    row_slot = np.repeat(np.arange(patient.size), issues)
    step = np.arange(row_slot.size) - np.repeat(np.cumsum(issues) - issues, issues)
    dates = first[row_slot] + (step * interval[row_slot]).astype("timedelta64[D]")
    return Issues(
        patient=patient[row_slot],
        issue_date=dates.astype("datetime64[D]"),
        dmd_code=pool[medicine[row_slot]],
        quantity=interval[row_slot].astype(np.float64),
    )

"""Long-term conditions (QOF 2019/20 prevalence by region and IMD decile) and frailty (eFI)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from neighbourhood.sources import read_imd_prevalence, read_region_prevalence
from neighbourhood.synthetic.calibration import figure

NOT_LONG_TERM = ("OB",)  # recorded, but not counted as a long-term condition


@dataclass(frozen=True)
class Diagnoses:
    patient: np.ndarray  # int32 patient index
    group: np.ndarray  # object QOF group code
    snomed: np.ndarray  # object SNOMED CT code
    onset: np.ndarray  # datetime64[D]


def expected_prevalence(ons_regions: tuple[str, ...]) -> pd.DataFrame:
    """Index (group_code, imd_decile) -> prevalence = region prevalence x decile prevalence /
    national prevalence, from the QOF 2019/20 outputs."""
    region = read_region_prevalence()
    region = region[region["region"].isin(ons_regions)].groupby("group_code")[["register", "list"]]
    region_rate = region.sum().eval("register / list")
    by_decile = read_imd_prevalence()
    totals = by_decile.groupby("group_code")[["register", "list"]].sum()
    national = totals["register"] / totals["list"]
    ratio = (
        by_decile.set_index(["group_code", "imd_decile"])["prevalence"]
        / national.reindex(by_decile["group_code"]).to_numpy()
    )
    groups = ratio.index.get_level_values("group_code")
    return (ratio * region_rate.reindex(groups).to_numpy()).rename("prevalence").to_frame()


def calibrated_logit(score: np.ndarray, target: float) -> np.ndarray:
    """Probabilities sigmoid(a + score) with `a` chosen so that their mean is `target`."""
    low, high = -30.0, 30.0
    for _ in range(50):
        middle = (low + high) / 2
        if np.mean(1 / (1 + np.exp(-(middle + score)))) < target:
            low = middle
        else:
            high = middle
    return 1 / (1 + np.exp(-((low + high) / 2 + score)))


def assign_conditions(
    age: np.ndarray,
    imd: np.ndarray,
    born: np.ndarray,
    reference: np.datetime64,
    ons_regions: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[Diagnoses, np.ndarray]:
    """Diagnoses and the number of long-term conditions per patient."""
    prevalence = expected_prevalence(ons_regions)["prevalence"]
    settings = figure("conditions")
    ltc_count = np.zeros(age.size, dtype=np.int8)
    patients, groups, codes, onsets = [], [], [], []
    for group in sorted(settings):
        setting = settings[group]
        by_decile = prevalence.loc[group].reindex(range(1, 11)).to_numpy()
        eligible = age >= setting["min_age"]
        base = by_decile[imd - 1]
        weight = np.exp(setting["age_slope"] * (age - 50.0))
        weight /= weight[eligible].mean()
        chance = np.where(eligible, np.minimum(base * weight, 0.9), 0.0)
        has = np.flatnonzero(rng.random(age.size) < chance)
        if group not in NOT_LONG_TERM:
            ltc_count[has] += 1
        span_days = np.minimum((reference - born[has]).astype(np.int64), 25 * 365)
        onset = reference - (rng.random(has.size) * span_days).astype("timedelta64[D]")
        patients.append(has.astype(np.int32))
        groups.append(np.full(has.size, group, dtype=object))
        codes.append(np.full(has.size, setting["snomed"], dtype=object))
        onsets.append(onset)
    diagnoses = Diagnoses(
        np.concatenate(patients),
        np.concatenate(groups),
        np.concatenate(codes),
        np.concatenate(onsets).astype("datetime64[D]"),
    )
    return diagnoses, ltc_count


def assign_frailty(age: np.ndarray, ltc_count: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """eFI category 0 fit, 1 mild, 2 moderate, 3 severe; rising with age and conditions."""
    settings = figure("frailty")
    split = settings["severity_split"]
    frailty = np.zeros(age.size, dtype=np.int8)
    score = 0.06 * (age - 65.0) + 0.45 * ltc_count + rng.normal(0, 0.8, age.size)
    for low, high, key in ((65, 200, "any_frailty_65_plus"), (50, 64, "any_frailty_50_64")):
        members = np.flatnonzero((age >= low) & (age <= high))
        if members.size == 0:
            continue
        chance = calibrated_logit(score[members], figure("frailty", key))
        frail = members[rng.random(members.size) < chance]
        if frail.size == 0:
            continue
        severity = score[frail] + rng.normal(0, 0.5, frail.size)
        cut_moderate, cut_severe = np.quantile(
            severity, [split["mild"], split["mild"] + split["moderate"]]
        )
        frailty[frail] = 1 + (severity > cut_moderate) + (severity > cut_severe)
    return frailty

"""Care home residents placed in the ICB's real CQC care homes, and home-to-PCN alignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from neighbourhood.synthetic.calibration import figure


@dataclass(frozen=True)
class Placements:
    patient: np.ndarray  # int32 patient index of each resident
    home: np.ndarray  # int32 index into the care homes frame
    capacity: np.ndarray  # int64 places per home (beds x occupancy x sample fraction, rounded)
    home_pcn: np.ndarray  # object PCN code each home is aligned to ('' if none)


def align_homes(homes: pd.DataFrame, pcn_codes: np.ndarray, pcn_weight: np.ndarray) -> np.ndarray:
    """Give each home (largest first) to the PCN furthest below its share of older patients'
    beds: the ICB's beds end up split between PCNs in proportion to their people aged 65+.
    (No practice coordinates are shipped, so nearest-practice alignment is not possible.)"""
    share = pcn_weight / pcn_weight.sum()
    assigned = np.zeros(len(pcn_codes))
    result = np.full(len(homes), "", dtype=object)
    order = np.lexsort((homes["location_id"].to_numpy(), -homes["beds"].to_numpy()))
    total = 0.0
    for home in order:
        beds = float(homes["beds"].iloc[home])
        total += beds
        target = np.argmax(share * total - assigned)
        assigned[target] += beds
        result[home] = pcn_codes[target]
    return result


def place_residents(
    age: np.ndarray,
    frailty: np.ndarray,
    pcn_code: np.ndarray,
    homes: pd.DataFrame,
    sample_fraction: float,
    rng: np.random.Generator,
    share_65_plus: float | None = None,
) -> Placements:
    """Place `share_65_plus` (default: the Census figure) of people aged 65+ in care homes."""
    settings = figure("care_homes")
    if share_65_plus is None:
        share_65_plus = settings["share_65_plus"]["value"]
    older = age >= 65
    pcn_codes, pcn_index = np.unique(pcn_code, return_inverse=True)
    home_pcn = align_homes(
        homes, pcn_codes, np.bincount(pcn_index[older], minlength=len(pcn_codes))
    )
    places = homes["beds"].to_numpy(float) * settings["occupancy"]["value"] * sample_fraction
    capacity = np.floor(places + rng.random(len(homes))).astype(np.int64)
    wanted = round(share_65_plus * older.sum())
    if len(homes) == 0 or wanted == 0:
        empty = np.zeros(0, dtype=np.int32)
        return Placements(empty, empty, capacity, home_pcn)
    oldest = round(settings["share_85_plus_among_65_plus_residents"]["value"] * wanted)
    chosen = []
    for members, count in (
        (np.flatnonzero(age >= 85), oldest),
        (np.flatnonzero(older & (age < 85)), wanted - oldest),
    ):
        weight = (1.0 + frailty[members]) ** 2
        count = min(count, members.size)
        chosen.append(rng.choice(members, size=count, replace=False, p=weight / weight.sum()))
    residents = np.sort(np.concatenate(chosen))
    remaining = capacity.copy()
    placed_patient, placed_home = [], []
    leftovers = []
    for code in pcn_codes:
        own = np.flatnonzero(home_pcn == code)
        group = residents[pcn_code[residents] == code]
        slots = rng.permutation(np.repeat(own, remaining[own]))
        take = min(slots.size, group.size)
        placed_patient.append(group[:take])
        placed_home.append(slots[:take])
        np.subtract.at(remaining, slots[:take], 1)
        leftovers.append(group[take:])
    spill = np.concatenate(leftovers)
    slots = rng.permutation(np.repeat(np.arange(len(homes)), remaining))[: spill.size]
    placed_patient.append(spill[: slots.size])
    placed_home.append(slots)
    patient = np.concatenate(placed_patient).astype(np.int32)
    home = np.concatenate(placed_home).astype(np.int32)
    order = np.argsort(patient, kind="stable")
    return Placements(patient[order], home[order], capacity, home_pcn)

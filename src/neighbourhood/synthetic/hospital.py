"""Hospital spells over the 12 months before the reference date: emergency and elective
admissions, discharge-ready date, delay to discharge, discharge pathway, deaths in hospital."""

from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood.synthetic.activity_common import (
    DAY,
    Calendar,
    draw_events,
    figure,
    first_day,
    last_day,
    relative_rate,
)
from neighbourhood.synthetic.population import Population

NAT = np.datetime64("NaT", "D")


def _days_to_ready(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    spec = figure("hospital", "length_of_stay_to_ready_days")
    median = np.where(age >= 65, spec["median_65_plus"], spec["median_under_65"])
    days = np.exp(np.log(median) + spec["sigma"] * rng.standard_normal(age.size))
    return np.maximum(np.round(days), 1).astype(np.int64)  # inpatient spells: a night or more


def _pathways(rng: np.random.Generator, resident: np.ndarray) -> np.ndarray:
    """DHSC shares overall; care home residents return home on pathway 0, so the others'
    shares are adjusted to keep the overall split."""
    shares = np.asarray(figure("hospital", "pathway_shares"), dtype=float)
    fraction = resident.mean() if resident.size else 0.0
    others = shares.copy()
    if fraction < shares[0]:
        others[0] = (shares[0] - fraction) / (1 - fraction)
        others[1:] = shares[1:] / (1 - fraction)
    others = others / others.sum()
    pathway = rng.choice(4, size=resident.size, p=others)
    return np.where(resident, 0, pathway)


def spell_rows(population: Population, rng: np.random.Generator) -> pd.DataFrame:
    """patient (index), admission_date, admission_method, discharge_ready_date,
    discharge_date, discharge_pathway (-1 when none)."""
    reference = np.datetime64(population.reference_date, "D")
    calendar = Calendar(reference - 364 * DAY, reference, [1, 1, 1, 1, 1, 1, 1])
    end = last_day(population)
    start = first_day(population, calendar.first)
    emergency_weight = relative_rate(population, figure("hospital", "relative_rate"))
    elective_weight = relative_rate(population, figure("hospital", "elective_relative_rate"))
    e_patient, e_day = draw_events(
        emergency_weight,
        figure("hospital", "emergency_per_1000_a_year") / 1000 / 365.25,
        calendar,
        start,
        end,
        rng,
    )
    el_patient, el_day = draw_events(
        elective_weight,
        figure("hospital", "elective_per_1000_a_year") / 1000 / 365.25,
        calendar,
        start,
        end,
        rng,
    )
    # Some deaths in the window end an emergency spell.
    death = population.date_of_death.astype("datetime64[D]")
    died = np.flatnonzero(~np.isnat(death) & (death >= calendar.first) & (death <= reference))
    died = died[rng.random(died.size) < figure("hospital", "in_hospital_death_share")]
    stay = _days_to_ready(rng, population.age[died])
    d_day = np.minimum(np.maximum(death[died] - stay * DAY, start[died]), death[died])

    patient = np.concatenate([e_patient, el_patient, died])
    admitted = np.concatenate([e_day, el_day, d_day])
    method = np.concatenate(
        [
            np.full(e_patient.size, "emergency", dtype=object),
            np.full(el_patient.size, "elective", dtype=object),
            np.full(died.size, "emergency", dtype=object),
        ]
    )
    ready = admitted + _days_to_ready(rng, population.age[patient]) * DAY
    resident = population.care_home_code[patient] != ""
    pathway = _pathways(rng, resident)
    elective = method == "elective"
    pathway[elective] = np.where(rng.random(int(elective.sum())) < 0.95, 0, 1)
    delay_mean = np.asarray(figure("hospital", "delay_by_pathway"), dtype=float)
    discharged = ready + rng.poisson(delay_mean[pathway]) * DAY

    patient_death = death[patient]
    dies_in_spell = ~np.isnat(patient_death) & (patient_death <= discharged)
    if died.size:
        dies_in_spell[-died.size :] = True
    still_in = ~dies_in_spell & (discharged > reference)
    ready = np.where(dies_in_spell & (ready >= patient_death), NAT, ready)
    ready = np.where(ready > reference, NAT, ready)
    discharged = np.where(dies_in_spell, patient_death, discharged)
    discharged = np.where(still_in, NAT, discharged)
    pathway = np.where(dies_in_spell | still_in, -1, pathway)
    return pd.DataFrame(
        {
            "patient": patient,
            "admission_date": admitted,
            "admission_method": method,
            "discharge_ready_date": ready,
            "discharge_date": discharged,
            "discharge_pathway": pathway,
        }
    )

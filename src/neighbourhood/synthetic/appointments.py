"""GP appointments over the last months before the reference date (GPAD-shaped)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood.synthetic.activity_common import (
    DAY,
    Calendar,
    categorical,
    draw_events,
    figure,
    first_day,
    last_day,
    relative_rate,
)
from neighbourhood.synthetic.population import Population


def _booked_to_seen(rng: np.random.Generator, size: int) -> np.ndarray:
    spec = figure("gp_appointments", "booked_to_seen")
    same_day, within = spec["same_day"], spec["within_14_days"]
    u = rng.random(size)
    days = np.zeros(size, dtype=np.int64)
    soon = (u >= same_day) & (u < within)
    days[soon] = rng.integers(1, 15, int(soon.sum()))
    later = u >= within
    days[later] = 15 + rng.geometric(1 / 14, int(later.sum())) - 1
    return np.minimum(days, 366)


def _modes(rng: np.random.Generator, resident: np.ndarray) -> np.ndarray:
    """GPAD modes; a care home resident's face-to-face appointment is often a home visit.
    The other patients' face-to-face share is raised so that the overall share holds."""
    shares = dict(figure("gp_appointments", "mode"))
    visit = figure("gp_appointments", "care_home_home_visit_share")
    moved = shares["face_to_face"] * visit * resident.mean()
    others = dict(shares)
    if resident.size and resident.mean() < 1:
        others["face_to_face"] += moved / (1 - resident.mean())
        others["telephone"] -= moved / (1 - resident.mean())
    mode = categorical(rng, others, resident.size)
    from_home = resident & (mode == "face_to_face") & (rng.random(resident.size) < visit)
    mode[from_home] = "home_visit"
    return mode


def appointment_rows(population: Population, rng: np.random.Generator) -> pd.DataFrame:
    """patient (index), practice_code, appointment_date, mode, hcp_type, status,
    booked_to_seen_days."""
    reference = np.datetime64(population.reference_date, "D")
    window = figure("gp_appointments", "window_days")
    calendar = Calendar(
        reference - (window - 1) * DAY, reference, figure("gp_appointments", "weekday_weights")
    )
    weight = relative_rate(population, figure("gp_appointments", "relative_rate"))
    per_day = figure("gp_appointments", "per_patient_year") / 365.25
    end = last_day(population)
    start = first_day(population, calendar.first)
    patient, day = draw_events(weight, per_day, calendar, start, end, rng)
    n = patient.size
    dna = figure("gp_appointments", "did_not_attend")
    unknown = figure("gp_appointments", "status_unknown")
    status = categorical(
        rng, {"attended": 1 - dna - unknown, "did_not_attend": dna, "unknown": unknown}, n
    )
    return pd.DataFrame(
        {
            "patient": patient,
            "practice_code": population.practice_code[patient],
            "appointment_date": day,
            "mode": _modes(rng, population.care_home_code[patient] != ""),
            "hcp_type": categorical(rng, figure("gp_appointments", "hcp_type"), n),
            "status": status,
            "booked_to_seen_days": _booked_to_seen(rng, n),
        }
    )

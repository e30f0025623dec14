"""Month-end community waiting list snapshots per provider, scaled from the national CHS
SitRep counts (October 2025) by the synthetic population's share of England."""

from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood.sources.chs_waiting_times import national_waiting_by_band
from neighbourhood.synthetic.activity_common import figure
from neighbourhood.synthetic.population import Population


def month_ends(reference: np.datetime64, months: int) -> np.ndarray:
    """The last `months` month-ends on or before `reference`, oldest first."""
    after = (np.datetime64(reference, "D") + 1).astype("datetime64[M]")  # month after the last end
    return (after - np.arange(months - 1, -1, -1)).astype("datetime64[D]") - 1


def snapshot_rows(
    population: Population, provider_share: dict[str, float], rng: np.random.Generator
) -> pd.DataFrame:
    """provider_code, snapshot_date, service_line, age_group, weeks_waited_band, patients."""
    national = national_waiting_by_band()
    scale = population.size / figure("england_registered_patients")
    dates = month_ends(np.datetime64(population.reference_date), figure("waiting_lists", "months"))
    frames = []
    for provider, share in provider_share.items():
        expected = national["patients"].to_numpy(float) * scale * share
        for snapshot in dates:
            frames.append(
                national.assign(
                    provider_code=provider,
                    snapshot_date=snapshot,
                    patients=rng.poisson(expected),
                )
            )
    rows = pd.concat(frames, ignore_index=True)
    return rows[
        [
            "provider_code",
            "snapshot_date",
            "service_line",
            "age_group",
            "weeks_waited_band",
            "patients",
        ]
    ]

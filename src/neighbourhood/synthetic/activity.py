"""Synthetic activity for a synthetic population: community teams and their referrals and
contacts, community waiting lists, GP appointments, hospital spells, workforce and finance.

`generate_activity(population, rng)` returns one pyarrow table per data-model table, with
exactly the model's columns in declared order. Every figure used is in
calibration_activity.yaml with its source; everything is drawn from `rng` alone, nothing
falls after the reference date, before a patient's birth or after their death.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from neighbourhood.progress import SILENT, Progress
from neighbourhood.sources.chs_waiting_times import organisation_names
from neighbourhood.synthetic import appointments, community, hospital, waiting_lists, workforce
from neighbourhood.synthetic.activity_common import identifiers, model_table
from neighbourhood.synthetic.population import Population

STEP = "Synthetic activity"
PHASES = (
    "community teams",
    "community referrals",
    "waiting lists",
    "GP appointments",
    "hospital spells",
    "workforce and finance",
)


def _organisation_tables(teams: community.Teams) -> dict[str, pa.Table]:
    providers, rows = teams.providers, teams.teams
    valid_from = np.datetime64(teams.valid_from, "D")
    n_providers, n_teams = len(providers), len(rows)
    nat = np.datetime64("NaT", "D")
    organisations = model_table(
        "organisations",
        {
            "org_code": [*providers["provider_code"], *rows["org_code"]],
            "org_type": ["provider"] * n_providers + ["community_team"] * n_teams,
            "name": [*providers["name"], *rows["name"]],
            "postcode": [None] * (n_providers + n_teams),
            "open_date": np.array([nat] * n_providers + [valid_from] * n_teams),
            "close_date": np.full(n_providers + n_teams, nat),
        },
    )
    child = [*teams.serves["team_code"], *rows["org_code"]]
    memberships = model_table(
        "org_memberships",
        {
            "child_code": child,
            "parent_code": [*teams.serves["pcn_code"], *rows["provider_code"]],
            "relationship": ["team_serves_pcn"] * len(teams.serves)
            + ["team_run_by_provider"] * n_teams,
            "valid_from": np.full(len(child), valid_from),
            "valid_to": np.full(len(child), nat),
        },
    )
    community_teams = model_table(
        "community_teams",
        {
            "org_code": rows["org_code"],
            "service": rows["service"],
            "provider_code": rows["provider_code"],
        },
    )
    return {
        "organisations": organisations,
        "org_memberships": memberships,
        "community_teams": community_teams,
    }


def _referral_tables(population: Population, parts: list[community.Referrals]) -> dict:
    offsets = np.cumsum([0, *(p.patient.size for p in parts)])
    joined = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in ("patient", "team_code", "service", "source", "received", "clock")
    }
    referral_ids = identifiers("R", int(offsets[-1]))
    contact_referral = np.concatenate(
        [p.contact_referral + offset for p, offset in zip(parts, offsets, strict=False)]
    )
    contact_at = np.concatenate([p.contact_at for p in parts])
    outcome = np.concatenate([p.contact_outcome for p in parts])
    order = np.lexsort((contact_at, contact_referral))
    referrals = model_table(
        "community_referrals",
        {
            "referral_id": referral_ids,
            "patient_id": population.patient_id[joined["patient"]],
            "team_code": joined["team_code"],
            "service": joined["service"],
            "referral_source": joined["source"],
            "received_at": joined["received"],
            "clock": joined["clock"],
        },
    )
    contacts = model_table(
        "care_contacts",
        {
            "contact_id": identifiers("C", order.size, width=9),
            "referral_id": referral_ids[contact_referral[order]],
            "contact_at": contact_at[order],
            "outcome": outcome[order],
            # not generated: the access standards take a contact with none as face to face
            "consultation_mechanism": np.full(order.size, None, dtype=object),
        },
    )
    return {"community_referrals": referrals, "care_contacts": contacts}


def generate_activity(
    population: Population, rng: np.random.Generator, progress: Progress = SILENT
) -> dict[str, pa.Table]:
    """Every activity table for `population`, drawn from `rng` only."""

    def step() -> None:
        progress.step(STEP, 1, len(PHASES))

    teams = community.build_teams(population, organisation_names())
    tables = _organisation_tables(teams)
    step()

    tables |= _referral_tables(population, community.generate_referrals(population, teams, rng))
    step()

    provider_of = community.provider_of_pcn(population)
    patients_per_pcn = pd.Series(population.pcn_code).value_counts().sort_index()
    by_provider = patients_per_pcn.groupby(patients_per_pcn.index.map(provider_of)).sum()
    share = {
        p: float(by_provider.get(p, 0)) / population.size for p in teams.providers["provider_code"]
    }
    snapshots = waiting_lists.snapshot_rows(population, share, rng)
    tables["waiting_list_snapshots"] = model_table(
        "waiting_list_snapshots", {c: snapshots[c].to_numpy() for c in snapshots.columns}
    )
    step()

    booked = appointments.appointment_rows(population, rng)
    columns = {c: booked[c].to_numpy() for c in booked.columns if c != "patient"}
    tables["gp_appointments"] = model_table(
        "gp_appointments",
        columns
        | {
            "appointment_id": identifiers("A", len(booked), width=9),
            "patient_id": population.patient_id[booked["patient"].to_numpy()],
        },
    )
    step()

    spells = hospital.spell_rows(population, rng)
    pathway = spells["discharge_pathway"].to_numpy()
    tables["hospital_spells"] = model_table(
        "hospital_spells",
        {
            "spell_id": identifiers("H", len(spells)),
            "patient_id": population.patient_id[spells["patient"].to_numpy()],
            "admission_date": spells["admission_date"].to_numpy(),
            "admission_method": spells["admission_method"].to_numpy(),
            "discharge_ready_date": spells["discharge_ready_date"].to_numpy(),
            "discharge_date": spells["discharge_date"].to_numpy(),
            "discharge_pathway": pd.array(np.where(pathway < 0, None, pathway), dtype="Int64"),
        },
    )
    step()

    served = teams.serves.assign(patients=teams.serves["pcn_code"].map(patients_per_pcn))
    team_patients = (
        served.groupby("team_code", as_index=False)["patients"]
        .sum()
        .merge(teams.teams, left_on="team_code", right_on="org_code")
    )
    staff = workforce.staff_rows(patients_per_pcn, team_patients, population.reference_date, rng)
    tables["workforce"] = model_table("workforce", {c: staff[c].to_numpy() for c in staff.columns})
    finance = workforce.finance_rows(staff, patients_per_pcn, population.reference_date)
    tables["finance_lines"] = model_table(
        "finance_lines", {c: finance[c].to_numpy() for c in finance.columns}
    )
    step()
    return tables


__all__ = ["generate_activity"]

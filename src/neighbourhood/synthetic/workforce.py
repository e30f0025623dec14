"""Staff in post (ARRS roles per PCN, community team staff) and PCN finance lines."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from neighbourhood.synthetic.activity_common import DAY, figure

POST_SIZES = np.array([1.0, 0.8, 0.6, 0.5])
POST_SHARES = np.array([0.55, 0.2, 0.15, 0.1])
ARRS_FROM = np.datetime64("2020-04-01", "D")  # ARRS at 100% for all roles (Pulse)


def _posts(
    rng: np.random.Generator, organisation: list[str], role: list[str], wte: np.ndarray
) -> pd.DataFrame:
    """Split each (organisation, role) WTE into posts of usual sizes, about the target WTE."""
    mean_post = float(POST_SIZES @ POST_SHARES)
    count = rng.poisson(np.asarray(wte) / mean_post)
    owner = np.repeat(np.arange(len(organisation)), count)
    return pd.DataFrame(
        {
            "organisation_code": np.asarray(organisation, dtype=object)[owner],
            "role": np.asarray(role, dtype=object)[owner],
            "wte": POST_SIZES[rng.choice(POST_SIZES.size, owner.size, p=POST_SHARES)],
        }
    )


def staff_rows(
    pcn_patients: pd.Series,
    team_patients: pd.DataFrame,
    reference: date,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """pcn_patients: synthetic patients per PCN code; team_patients: team org_code, service,
    patients served. Returns the workforce table's columns."""
    arrs = figure("workforce", "arrs_wte_per_10000_patients")
    pcns = pcn_patients.index.to_list()
    organisation, role, wte = [], [], []
    for pcn, patients in zip(pcns, pcn_patients.to_numpy(float), strict=True):
        for name, per_10000 in arrs.items():
            organisation.append(pcn)
            role.append(name)
            wte.append(per_10000 * patients / 10000)
    staffing = figure("workforce", "community_team_wte_per_10000_patients")
    for team in team_patients.itertuples():
        for name, per_10000 in staffing[team.service].items():
            organisation.append(team.org_code)
            role.append(name)
            wte.append(per_10000 * team.patients / 10000)
    posts = _posts(rng, organisation, role, np.array(wte))
    ref = np.datetime64(reference, "D")
    span = int((ref - ARRS_FROM) / DAY)
    start = ARRS_FROM + rng.integers(0, span + 1, len(posts)) * DAY
    leaves = rng.random(len(posts)) < 0.12  # assumed turnover within the history
    stay = rng.integers(30, 900, len(posts)) * DAY
    end = np.where(leaves & (start + stay < ref), start + stay, np.datetime64("NaT", "D"))
    cost_of = {
        name: spec["amount"]
        for name, spec in figure("workforce", "arrs_maximum_reimbursement").items()
    } | figure("workforce", "community_annual_cost")
    cost = posts["wte"].to_numpy() * posts["role"].map(cost_of).to_numpy(float)
    return posts.assign(
        staff_id=[f"W{i:07d}" for i in range(1, len(posts) + 1)],
        start_date=start,
        end_date=end,
        annual_cost=np.round(cost, 2),
    )[["staff_id", "organisation_code", "role", "wte", "start_date", "end_date", "annual_cost"]]


def _financial_years(reference: date) -> list[tuple[str, np.datetime64, np.datetime64, int]]:
    """The financial year holding the reference date and the one before, with the part of
    each up to the reference date."""
    first_year = reference.year - 1 if reference.month < 4 else reference.year
    years = []
    for year in (first_year - 1, first_year):
        start = np.datetime64(f"{year}-04-01", "D")
        next_start = np.datetime64(f"{year + 1}-04-01", "D")
        end = min(next_start - DAY, np.datetime64(reference, "D"))
        year_days = int((next_start - start) / DAY)
        years.append((f"{year}/{(year + 1) % 100:02d}", start, end, year_days))
    return years


def finance_rows(staff: pd.DataFrame, pcn_patients: pd.Series, reference: date) -> pd.DataFrame:
    """Per PCN and financial year (to the reference date): ARRS reimbursement claimed for its
    staff (WTE x maximum x days in post), the ARRS entitlement and core PCN funding at the
    cited per-patient rates (the synthetic list stands in for the weighted population)."""
    rows = []
    arrs_staff = staff[staff["organisation_code"].isin(pcn_patients.index)]
    rate = {k: v["amount"] for k, v in figure("workforce", "arrs_maximum_reimbursement").items()}
    entitlement = figure("workforce", "arrs_entitlement_per_weighted_patient")
    core = figure("workforce", "core_pcn_funding_per_patient")
    start = arrs_staff["start_date"].to_numpy("datetime64[D]")
    end = arrs_staff["end_date"].to_numpy("datetime64[D]")
    annual = arrs_staff["wte"].to_numpy() * arrs_staff["role"].map(rate).to_numpy(float)
    for label, fy_start, fy_end, year_days in _financial_years(reference):
        stop = np.where(np.isnat(end), fy_end, np.minimum(end, fy_end))
        days = np.maximum((stop - np.maximum(start, fy_start)) / DAY + 1, 0)
        claimed = (
            pd.Series(annual * days / year_days, index=arrs_staff.index)
            .groupby(arrs_staff["organisation_code"])
            .sum()
        )
        part = (((fy_end - fy_start) / DAY) + 1) / year_days
        for pcn, patients in pcn_patients.items():
            rows.append((pcn, label, "arrs_reimbursement", round(float(claimed.get(pcn, 0)), 2)))
            rows.append((pcn, label, "arrs_entitlement", round(entitlement * patients * part, 2)))
            rows.append((pcn, label, "core_pcn_funding", round(core * patients * part, 2)))
    return pd.DataFrame(rows, columns=["organisation_code", "financial_year", "category", "amount"])

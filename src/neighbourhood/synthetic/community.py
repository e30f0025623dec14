"""Community teams, the PCNs they serve, and their referrals (UCR 2-hour, reablement 2-day,
community nursing) with care contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

import numpy as np
import pandas as pd

from neighbourhood.synthetic.activity_common import (
    DAY,
    Calendar,
    arrival_seconds,
    categorical,
    draw_events,
    figure,
    first_day,
    last_day,
    local_seconds_to_utc,
    relative_rate,
)
from neighbourhood.synthetic.population import Population

SERVICES = {  # service -> team code suffix
    "urgent_community_response": "UCR1",
    "reablement": "REAB1",
    "community_nursing": "CN1",
}
HOUR = 3600


@dataclass(frozen=True)
class Teams:
    providers: pd.DataFrame  # provider_code, name
    teams: pd.DataFrame  # org_code, service, provider_code, name
    serves: pd.DataFrame  # team_code, pcn_code
    valid_from: date


def provider_of_pcn(population: Population) -> dict[str, str]:
    """Split the PCNs into contiguous blocks (by sub-ICB, then PCN code) of about equal
    synthetic population, one block per provider."""
    providers = population.provider_codes or (f"{population.icb_code}-CHS",)
    practices = population.practices
    pcns = (
        practices.groupby("pcn_code", as_index=False)
        .agg(sub_icb_code=("sub_icb_code", "first"))
        .merge(
            pd.Series(population.pcn_code).value_counts().rename_axis("pcn_code").rename("n"),
            on="pcn_code",
            how="left",
        )
        .fillna({"n": 0})
        .sort_values(["sub_icb_code", "pcn_code"])
    )
    share = np.cumsum(pcns["n"].to_numpy(float)) / max(pcns["n"].sum(), 1)
    block = np.minimum((share * len(providers) - 1e-9).astype(int), len(providers) - 1)
    block = np.maximum.accumulate(np.maximum(block, 0))
    mapping = dict(zip(pcns["pcn_code"], np.array(providers, dtype=object)[block], strict=True))
    for pcn in np.unique(population.pcn_code):  # PCNs missing from the practice table
        mapping.setdefault(pcn, providers[0])
    return mapping


def build_teams(population: Population, names: dict[str, str]) -> Teams:
    mapping = provider_of_pcn(population)
    providers = population.provider_codes or (f"{population.icb_code}-CHS",)
    provider_rows = pd.DataFrame(
        {
            "provider_code": list(providers),
            "name": [names.get(p, f"Community services provider {p}") for p in providers],
        }
    )
    labels = {
        "urgent_community_response": "Urgent Community Response",
        "reablement": "Reablement",
        "community_nursing": "Community Nursing",
    }
    teams, serves = [], []
    for provider in providers:
        for service, suffix in SERVICES.items():
            code = f"{provider}-{suffix}"
            teams.append((code, service, provider, f"{labels[service]} Team 1 ({provider})"))
            serves += [(code, pcn) for pcn, p in sorted(mapping.items()) if p == provider]
    return Teams(
        providers=provider_rows,
        teams=pd.DataFrame(teams, columns=["org_code", "service", "provider_code", "name"]),
        serves=pd.DataFrame(serves, columns=["team_code", "pcn_code"]),
        valid_from=date.fromisoformat(figure("teams", "valid_from")),
    )


@dataclass(frozen=True)
class Referrals:
    patient: np.ndarray  # index into the population
    team_code: np.ndarray
    service: np.ndarray
    source: np.ndarray
    received: np.ndarray  # UTC epoch seconds
    clock: np.ndarray
    # contacts
    contact_referral: np.ndarray  # index into the referrals
    contact_at: np.ndarray  # UTC epoch seconds
    contact_outcome: np.ndarray


def _sources(rng: np.random.Generator, mix: dict[str, float], resident: np.ndarray) -> np.ndarray:
    """Referral sources with the overall mix kept, but 'care_home' only for residents."""
    share = mix.get("care_home", 0.0)
    others = {k: v for k, v in mix.items() if k != "care_home"}
    source = categorical(rng, others, resident.size)
    if share > 0 and resident.any():
        from_home = min(1.0, share / resident.mean())
        source[resident & (rng.random(resident.size) < from_home)] = "care_home"
    return source


def _follow_ups(
    rng: np.random.Generator, first_at: np.ndarray, mean: float, spread_seconds: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count = rng.poisson(mean, first_at.size)
    owner = np.repeat(np.arange(first_at.size), count)
    at = first_at[owner] + rng.uniform(4 * HOUR, spread_seconds, owner.size).astype(np.int64)
    outcome = categorical(rng, {"attended": 1.0} | _not_attended(), owner.size)
    return owner, at, outcome


def _not_attended() -> dict[str, float]:
    shares = figure("contact_outcomes", "follow_up_not_attended")
    return {"attended": 1.0 - sum(shares.values()), **shares}


def _service_referrals(
    population: Population,
    service: str,
    calendar: Calendar,
    team_of_pcn: dict[str, str],
    rng: np.random.Generator,
) -> Referrals:
    def spec(*key: str):
        return figure(service, *key)

    weight = relative_rate(population, spec("relative_rate"))
    if service == "urgent_community_response":
        per_day = spec("referrals_per_1000_a_month") / 1000 * 12 / 365.25
    elif service == "reablement":
        older = population.age >= 65
        per_year = spec("referrals_per_1000_aged_65_plus_a_year") / 1000
        # The 65+ rate is cited; the crude rate follows from the weights of younger adults.
        per_day = per_year / 365.25 * float(weight.sum()) / max(float(weight[older].sum()), 1e-9)
        per_day *= older.mean()
    else:
        per_day = spec("referrals_per_1000_a_year") / 1000 / 365.25
    end = last_day(population)
    start = first_day(population, calendar.first)
    patient, day = draw_events(weight, per_day, calendar, start, end, rng)
    n = patient.size
    arrivals = spec("arrivals")
    received = local_seconds_to_utc(day, arrival_seconds(rng, arrivals["hour_weights"], n))
    resident = population.care_home_code[patient] != ""
    source = _sources(rng, spec("source_mix"), resident)
    if service == "urgent_community_response":
        two_hour = rng.random(n) < spec("two_hour_clock_share")
        clock = np.where(two_hour, "2_hour", "none").astype(object)
        sigma = spec("response_sigma")
        median = 120.0 * np.exp(-sigma * NormalDist().inv_cdf(spec("within_two_hours")))
        minutes = np.exp(np.log(median) + sigma * rng.standard_normal(n))
        minutes = np.where(two_hour, minutes, minutes * 3)  # no 2-hour clock: less urgent
        first = received + (minutes * 60).astype(np.int64)
        spread = 48 * HOUR
    elif service == "reablement":
        clock = np.full(n, "2_day", dtype=object)
        in_time = rng.random(n) < spec("within_two_days")
        midnights = np.where(in_time, rng.integers(0, 3, n), rng.integers(3, 8, n))
        contact_day = day + midnights * DAY
        first = local_seconds_to_utc(contact_day, rng.integers(9 * HOUR, 17 * HOUR, n))
        first = np.maximum(first, received + HOUR)
        spread = 42 * 24 * HOUR
    else:
        clock = np.full(n, "none", dtype=object)
        wait = rng.exponential(spec("first_contact_days_median") / np.log(2), n)
        contact_day = day + np.round(wait).astype(np.int64) * DAY
        first = local_seconds_to_utc(contact_day, rng.integers(9 * HOUR, 17 * HOUR, n))
        first = np.maximum(first, received + HOUR)
        spread = 56 * 24 * HOUR
    failed_share = figure("urgent_community_response", "failed_first_visit_share")
    failed = np.flatnonzero(rng.random(n) < failed_share)
    failed_at = received[failed] + (
        rng.uniform(0.3, 0.9, failed.size) * (first[failed] - received[failed])
    ).astype(np.int64)
    failed_outcome = categorical(rng, {"did_not_attend": 0.5, "cancelled": 0.5}, failed.size)
    owner, follow_at, follow_outcome = _follow_ups(
        rng, first, spec("follow_up_contacts_mean"), spread
    )
    contact_referral = np.concatenate([np.arange(n), failed, owner])
    contact_at = np.concatenate([first, failed_at, follow_at])
    outcome = np.concatenate([np.full(n, "attended", dtype=object), failed_outcome, follow_outcome])
    # Nothing after the reference date or after death (UTC day of the contact).
    limit = (end[patient].astype("datetime64[s]") + DAY).astype(np.int64)
    keep = contact_at < limit[contact_referral]
    pcn = population.pcn_code[patient]
    team = np.array([team_of_pcn[p] for p in pcn], dtype=object)
    return Referrals(
        patient=patient,
        team_code=team,
        service=np.full(n, service, dtype=object),
        source=source,
        received=received,
        clock=clock,
        contact_referral=contact_referral[keep],
        contact_at=contact_at[keep],
        contact_outcome=outcome[keep],
    )


def generate_referrals(
    population: Population, teams: Teams, rng: np.random.Generator
) -> list[Referrals]:
    """Referrals over the 12 months up to the reference date for each service."""
    reference = np.datetime64(population.reference_date, "D")
    first = reference - 364 * DAY
    members = teams.serves.merge(teams.teams, left_on="team_code", right_on="org_code")
    out = []
    for service in SERVICES:
        rows = members[members["service"] == service]
        team_of_pcn = dict(zip(rows["pcn_code"], rows["team_code"], strict=True))
        weekday = figure(service, "arrivals")["weekday_weights"]
        calendar = Calendar(first, reference, weekday)
        out.append(_service_referrals(population, service, calendar, team_of_pcn, rng))
    return out

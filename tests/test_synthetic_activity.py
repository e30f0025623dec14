"""The activity generator: schema, determinism, calibration targets and consistency.

The population is built here directly (the Population contract), so the expectations do not
depend on the population generator. Targets are the cited figures (calibration_activity.yaml
states the sources) written out again here, with tolerances wide enough for sampling noise at
40,000 patients.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from neighbourhood.sources.paths import data_file
from neighbourhood.store.model import load_data_model
from neighbourhood.synthetic.activity import generate_activity
from neighbourhood.synthetic.activity_common import local_seconds_to_utc
from neighbourhood.synthetic.population import Population

REFERENCE = date(2025, 9, 30)
ARROW = {
    "text": pa.string(),
    "date": pa.date32(),
    "instant": pa.timestamp("s", tz="UTC"),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "boolean": pa.bool_(),
}
TABLES = (
    "organisations",
    "org_memberships",
    "community_teams",
    "community_referrals",
    "care_contacts",
    "waiting_list_snapshots",
    "gp_appointments",
    "hospital_spells",
    "workforce",
    "finance_lines",
)


def make_population(n: int, seed: int = 1) -> Population:
    """An older-than-average population at 40 practices in 10 PCNs, with deaths over the
    last two years, frailty at 65+ and some care home residents aged 75+."""
    rng = np.random.default_rng(seed)
    ref = np.datetime64(REFERENCE, "D")
    age = np.minimum(rng.exponential(38, n), 104).astype(np.int16)
    practices = pd.DataFrame(
        {
            "practice_code": [f"L{i:05d}" for i in range(40)],
            "practice_name": [f"Practice {i}" for i in range(40)],
            "pcn_code": [f"U{10000 + i // 4}" for i in range(40)],
            "pcn_name": [f"PCN {i // 4}" for i in range(40)],
            "sub_icb_code": ["15N"] * 20 + ["15M"] * 20,
            "postcode": ["EX1 1AA"] * 40,
            "list_size": [8000] * 40,
        }
    )
    which = rng.integers(0, 40, n)
    practices["sample_size"] = np.bincount(which, minlength=40)
    frailty = np.where(age >= 65, rng.choice(4, n, p=[0.56, 0.28, 0.12, 0.04]), 0)
    home = (age >= 75) & (rng.random(n) < 0.04)
    death = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    dies = rng.random(n) < np.where(age >= 75, 0.06, 0.004)
    death[dies] = ref - rng.integers(0, 700, int(dies.sum()))
    return Population(
        reference_date=REFERENCE,
        icb_code="QJK",
        patient_id=np.array([f"S{i:07d}" for i in range(1, n + 1)], dtype=object),
        practice_code=practices["practice_code"].to_numpy(object)[which],
        pcn_code=practices["pcn_code"].to_numpy(object)[which],
        age=age,
        sex=np.where(rng.random(n) < 0.5, "male", "female").astype(object),
        imd_decile=rng.integers(1, 11, n).astype(np.int8),
        care_home_code=np.where(home, "1-000000001", "").astype(object),
        frailty=frailty.astype(np.int8),
        ltc_count=rng.poisson(np.maximum(age - 30, 0) / 20).astype(np.int8),
        date_of_death=death,
        practices=practices,
        provider_codes=("RH8", "RA9", "RK9"),
    )


@pytest.fixture(scope="module")
def population() -> Population:
    return make_population(40_000)


@pytest.fixture(scope="module")
def tables(population) -> dict[str, pa.Table]:
    return generate_activity(population, np.random.default_rng(2024))


def frame(tables, name) -> pd.DataFrame:
    return tables[name].to_pandas()


def test_every_table_has_the_data_model_columns_and_types(tables):
    model = load_data_model()
    assert set(tables) == set(TABLES)
    for name in TABLES:
        declared = model.table(name)
        assert tuple(tables[name].column_names) == declared.column_names, name
        for column in declared.columns:
            assert tables[name].schema.field(column.name).type == ARROW[column.type], (
                name,
                column.name,
            )
        for column in declared.columns:
            if column.required:
                assert tables[name].column(column.name).null_count == 0, (name, column.name)
            allowed = column.constraint("values")
            if allowed:
                seen = set(tables[name].column(column.name).drop_null().to_pylist())
                assert seen <= set(allowed), (name, column.name, seen - set(allowed))


def test_keys_are_unique(tables):
    model = load_data_model()
    for name in TABLES:
        key = list(model.table(name).key)
        data = frame(tables, name)
        assert not data.duplicated(key).any(), name


def test_same_seed_gives_equal_tables_and_another_seed_differs():
    small = make_population(3_000, seed=7)
    first = generate_activity(small, np.random.default_rng(11))
    again = generate_activity(small, np.random.default_rng(11))
    other = generate_activity(small, np.random.default_rng(12))
    assert all(first[name].equals(again[name]) for name in TABLES)
    assert not first["gp_appointments"].equals(other["gp_appointments"])


def test_ucr_referral_rate_is_the_national_rate(tables, population):
    referrals = frame(tables, "community_referrals")
    ucr = referrals[referrals["service"] == "urgent_community_response"]
    # 73,455 referrals in Oct 2023 / 62.7m registered = 1.17 per 1,000 a month, over 12 months.
    expected = 73_455 / 62.7e6 * 12 * population.size
    assert abs(len(ucr) - expected) < 0.12 * expected


def test_ucr_referrals_are_older_and_frailer_than_the_population(tables, population):
    referrals = frame(tables, "community_referrals")
    ucr = referrals[referrals["service"] == "urgent_community_response"]
    index = ucr["patient_id"].str[1:].astype(int).to_numpy() - 1
    assert (population.age[index] >= 18).all()
    assert np.mean(population.age[index] >= 75) > 3 * np.mean(population.age >= 75)
    resident_share = np.mean(population.care_home_code[index] != "")
    assert resident_share > 3 * np.mean(population.care_home_code != "")


def test_ucr_source_mix(tables):
    referrals = frame(tables, "community_referrals")
    ucr = referrals[referrals["service"] == "urgent_community_response"]
    share = ucr["referral_source"].value_counts(normalize=True)
    # NHS Providers UCR briefing 2023 (Oct 2023)
    assert share["self_or_carer"] == pytest.approx(0.375, abs=0.035)
    assert share["gp"] == pytest.approx(0.156, abs=0.03)
    assert share["ambulance_999"] == pytest.approx(0.084, abs=0.025)


def test_reablement_never_comes_from_hospital_and_has_a_two_day_clock(tables):
    referrals = frame(tables, "community_referrals")
    reablement = referrals[referrals["service"] == "reablement"]
    assert len(reablement) > 100
    assert (reablement["referral_source"] != "hospital").all()
    assert (reablement["clock"] == "2_day").all()
    ucr = referrals[referrals["service"] == "urgent_community_response"]
    assert set(ucr["clock"]) == {"2_hour", "none"}


def test_care_home_source_only_for_care_home_residents(tables, population):
    referrals = frame(tables, "community_referrals")
    from_home = referrals[referrals["referral_source"] == "care_home"]
    index = from_home["patient_id"].str[1:].astype(int).to_numpy() - 1
    assert len(from_home) > 0
    assert (population.care_home_code[index] != "").all()


def first_attended(tables) -> pd.DataFrame:
    referrals = frame(tables, "community_referrals")
    contacts = frame(tables, "care_contacts")
    attended = contacts[contacts["outcome"] == "attended"]
    first = attended.groupby("referral_id")["contact_at"].min().rename("first_at")
    return referrals.merge(first, left_on="referral_id", right_index=True, how="left")


def test_two_hour_share_is_the_cited_achievement(tables, population):
    data = first_attended(tables)
    reference_end = pd.Timestamp(REFERENCE, tz="UTC") + pd.Timedelta(days=1)
    two_hour = data[
        (data["clock"] == "2_hour")
        & (data["received_at"] < reference_end - pd.Timedelta(days=2))
        & data["first_at"].notna()
    ]
    within = (two_hour["first_at"] - two_hour["received_at"]) <= pd.Timedelta(hours=2)
    # 78% of 2-hour UCR referrals met the standard (NHS Confederation, April 2022); >= 70% target
    assert within.mean() == pytest.approx(0.78, abs=0.035)
    assert within.mean() >= 0.70


def test_ucr_arrivals_peak_in_service_hours_in_london_time(tables):
    referrals = frame(tables, "community_referrals")
    ucr = referrals[referrals["service"] == "urgent_community_response"]
    london = ucr["received_at"].dt.tz_convert("Europe/London")
    hours = london.dt.hour.value_counts(normalize=True)
    # The stated profile ([A] in calibration_activity.yaml) puts 81/86.4 of referrals in the
    # 8am-8pm service hours and 29/86.4 in 10:00-12:59 (the late-morning peak).
    assert hours[(hours.index >= 8) & (hours.index < 20)].sum() == pytest.approx(0.9375, abs=0.03)
    late_morning = hours[(hours.index >= 10) & (hours.index < 13)].sum()
    assert late_morning == pytest.approx(29 / 86.4, abs=0.06)
    assert hours.idxmax() in range(8, 20)
    weekday = london.dt.day_of_week.value_counts(normalize=True)
    assert weekday[[5, 6]].mean() < weekday[[0, 1, 2, 3, 4]].mean()


def test_local_times_become_utc_across_daylight_saving_changes():
    days = np.array(
        ["2025-03-29", "2025-03-31", "2024-10-26", "2024-10-27", "2025-07-01"],
        dtype="datetime64[D]",
    )
    ten_am = np.full(days.size, 10 * 3600)
    utc = local_seconds_to_utc(days, ten_am)
    london = ZoneInfo("Europe/London")
    expected = [
        int(datetime(d.year, d.month, d.day, 10, tzinfo=london).timestamp())
        for d in days.astype(object)
    ]
    assert list(utc) == expected
    # hand-checked: GMT before 30 Mar 2025, BST after; BST before 27 Oct 2024, GMT after
    assert list((utc - days.astype("datetime64[s]").astype(np.int64)) // 3600) == [10, 9, 9, 10, 9]


def test_contacts_follow_their_referral_and_nothing_is_after_reference_or_death(tables, population):
    referrals = frame(tables, "community_referrals")
    contacts = frame(tables, "care_contacts").merge(
        referrals[["referral_id", "patient_id", "received_at"]], on="referral_id"
    )
    assert len(contacts) == tables["care_contacts"].num_rows
    assert (contacts["contact_at"] >= contacts["received_at"]).all()
    end = pd.Timestamp(REFERENCE, tz="UTC") + pd.Timedelta(days=1)
    assert (referrals["received_at"] < end).all()
    assert (contacts["contact_at"] < end).all()
    death = pd.Series(population.date_of_death, index=population.patient_id)
    for data, column in ((referrals, "received_at"), (contacts, "contact_at")):
        died = pd.to_datetime(death.reindex(data["patient_id"]).to_numpy())
        day = data[column].dt.tz_convert(None).dt.normalize().to_numpy()
        assert not (pd.notna(died) & (day > died)).any()


def test_every_referral_goes_to_a_team_serving_the_patients_pcn(tables, population):
    memberships = frame(tables, "org_memberships")
    serves = set(
        map(
            tuple,
            memberships[memberships["relationship"] == "team_serves_pcn"][
                ["child_code", "parent_code"]
            ].to_numpy(),
        )
    )
    referrals = frame(tables, "community_referrals")
    pcn = dict(zip(population.patient_id, population.pcn_code, strict=True))
    pairs = set(zip(referrals["team_code"], referrals["patient_id"].map(pcn), strict=True))
    assert pairs <= serves
    teams = frame(tables, "community_teams")
    service_of = dict(zip(teams["org_code"], teams["service"], strict=True))
    assert (referrals["team_code"].map(service_of) == referrals["service"]).all()


def test_each_pcn_is_served_by_one_team_of_each_service(tables, population):
    memberships = frame(tables, "org_memberships")
    serves = memberships[memberships["relationship"] == "team_serves_pcn"]
    teams = frame(tables, "community_teams")
    serves = serves.merge(teams, left_on="child_code", right_on="org_code")
    per_pcn = serves.groupby(["parent_code", "service"]).size()
    assert (per_pcn == 1).all()
    assert set(serves["parent_code"]) == set(population.pcn_code)
    run_by = memberships[memberships["relationship"] == "team_run_by_provider"]
    assert dict(zip(run_by["child_code"], run_by["parent_code"], strict=True)) == dict(
        zip(teams["org_code"], teams["provider_code"], strict=True)
    )
    orgs = frame(tables, "organisations")
    assert set(orgs[orgs["org_type"] == "provider"]["org_code"]) == {"RH8", "RA9", "RK9"}


def test_gp_appointment_shares(tables, population):
    booked = frame(tables, "gp_appointments")
    # 383.3m a year / 63.9m patients, over the 92 days generated (few deaths in this window)
    expected = 383.3 / 63.9 * population.size * 92 / 365.25
    assert abs(len(booked) - expected) < 0.05 * expected
    # RCGP summary of GPAD (Apr 2024); DNA 1.2m of 28.7m (June 2024)
    assert (booked["booked_to_seen_days"] == 0).mean() == pytest.approx(0.45, abs=0.02)
    assert (booked["booked_to_seen_days"] <= 14).mean() == pytest.approx(0.82, abs=0.02)
    assert (booked["mode"] == "face_to_face").mean() == pytest.approx(0.65, abs=0.02)
    assert (booked["hcp_type"] == "gp").mean() == pytest.approx(0.45, abs=0.02)
    assert (booked["status"] == "did_not_attend").mean() == pytest.approx(0.042, abs=0.006)
    dates = pd.to_datetime(booked["appointment_date"])
    assert dates.max() <= pd.Timestamp(REFERENCE)


def test_older_and_care_home_patients_have_more_and_home_appointments(tables, population):
    booked = frame(tables, "gp_appointments")
    index = booked["patient_id"].str[1:].astype(int).to_numpy() - 1
    per_patient = np.bincount(index, minlength=population.size)
    assert (
        per_patient[population.age >= 75].mean()
        > 1.5 * per_patient[(population.age >= 18) & (population.age < 45)].mean()
    )
    resident = population.care_home_code[index] != ""
    visits = booked["mode"] == "home_visit"
    assert visits[resident].mean() > 5 * visits[~resident].mean()


def test_emergency_admissions_and_discharge(tables, population):
    spells = frame(tables, "hospital_spells")
    emergency = spells[spells["admission_method"] == "emergency"]
    # 6.02m emergency admissions 2017/18 / 58.54m registered = 103 per 1,000 a year
    per_1000 = len(emergency) / population.size * 1000
    assert per_1000 == pytest.approx(103 * 1.0, rel=0.15)
    index = emergency["patient_id"].str[1:].astype(int).to_numpy() - 1
    per_patient = np.bincount(index, minlength=population.size)
    assert (
        per_patient[population.age >= 85].mean()
        > 4 * per_patient[(population.age >= 18) & (population.age < 45)].mean()
    )
    done = emergency[emergency["discharge_pathway"].notna()]
    delay = pd.to_datetime(done["discharge_date"]) - pd.to_datetime(done["discharge_ready_date"])
    # Health Foundation, Dec 2022: 1.3 days from fit for discharge to leaving
    assert delay.dt.days.mean() == pytest.approx(1.3, abs=0.15)
    shares = done["discharge_pathway"].value_counts(normalize=True)
    # DHSC planning shares
    for pathway, share in ((0, 0.50), (1, 0.45), (2, 0.04), (3, 0.01)):
        assert shares.get(pathway, 0) == pytest.approx(share, abs=0.03), pathway


def test_spells_respect_reference_date_and_death(tables, population):
    spells = frame(tables, "hospital_spells")
    reference = pd.Timestamp(REFERENCE)
    for column in ("admission_date", "discharge_ready_date", "discharge_date"):
        assert (pd.to_datetime(spells[column]).dropna() <= reference).all(), column
    admitted = pd.to_datetime(spells["admission_date"])
    assert (
        pd.to_datetime(spells["discharge_date"]).dropna()
        >= admitted[spells["discharge_date"].notna()]
    ).all()
    ready = pd.to_datetime(spells["discharge_ready_date"])
    assert (ready.dropna() >= admitted[ready.notna()]).all()
    death = pd.Series(pd.to_datetime(population.date_of_death), index=population.patient_id)
    died = death.reindex(spells["patient_id"]).to_numpy()
    assert not (pd.notna(died) & (admitted.to_numpy() > died)).any()
    # a spell of a patient who died in it ends on the day of death, with no pathway
    ended = pd.to_datetime(spells["discharge_date"]).to_numpy()
    in_spell = pd.notna(died) & (ended == died)
    assert in_spell.sum() > 0
    assert spells.loc[in_spell, "discharge_pathway"].isna().all()
    discharged = spells[spells["discharge_date"].notna()]
    gone = death.reindex(discharged["patient_id"]).to_numpy()
    assert not (
        pd.notna(gone) & (pd.to_datetime(discharged["discharge_date"]).to_numpy() > gone)
    ).any()


def workbook_band_shares() -> pd.Series:
    """Table 3's England row of the CHS waiting times workbook, read independently."""
    book = openpyxl.load_workbook(data_file("nhs_waiting_times.xlsx"), read_only=True)
    sheet = book["Table 3"]
    sheet.reset_dimensions()
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    header = rows[4]
    england = next(r for r in rows if r[0] == "England")
    labels = ["0-1", ">1-2", ">2-4", ">4-12", ">12-18", ">18-52", ">52-104", ">104"]
    counts = pd.Series([float(england[header.index(f"Waiting {b} weeks")]) for b in labels], labels)
    return counts / counts.sum()


def test_waiting_list_band_shares_match_the_workbook(tables, population):
    snapshots = frame(tables, "waiting_list_snapshots")
    shares = snapshots.groupby("weeks_waited_band")["patients"].sum()
    shares = shares / shares.sum()
    for band, expected in workbook_band_shares().items():
        assert shares[band] == pytest.approx(expected, abs=0.01), band
    # size: England's 1,154,678 waiting, scaled by the population share, per month-end
    months = snapshots["snapshot_date"].nunique()
    per_month = snapshots["patients"].sum() / months
    expected = 1_154_678 * population.size / 63_919_527
    assert per_month == pytest.approx(expected, rel=0.05)
    assert months == 12
    assert pd.to_datetime(snapshots["snapshot_date"]).max() == pd.Timestamp(REFERENCE)
    assert "Community nursing services" in set(snapshots["service_line"])


def test_workforce_and_finance(tables, population):
    staff = frame(tables, "workforce")
    arrs_roles = {
        "clinical_pharmacist",
        "social_prescribing_link_worker",
        "first_contact_physiotherapist",
        "care_coordinator",
        "health_and_wellbeing_coach",
        "paramedic",
        "physician_associate",
        "pharmacy_technician",
        "nursing_associate",
        "mental_health_practitioner",
        "gp",
    }
    pcns = set(population.pcn_code)
    at_pcns = staff[staff["organisation_code"].isin(pcns)]
    assert set(at_pcns["role"]) <= arrs_roles
    assert {"clinical_pharmacist", "care_coordinator"} <= set(at_pcns["role"])
    assert (staff["wte"] > 0).all() and (staff["wte"] <= 1).all()
    teams = set(frame(tables, "community_teams")["org_code"])
    assert set(staff["organisation_code"]) <= pcns | teams
    pharmacist = at_pcns[at_pcns["role"] == "clinical_pharmacist"]
    # ARRS maximum for a clinical pharmacist from 1 Oct 2024: GBP 65,838 a WTE
    assert (pharmacist["annual_cost"] == (pharmacist["wte"] * 65838).round(2)).all()
    finance = frame(tables, "finance_lines")
    assert set(finance["financial_year"]) == {"2024/25", "2025/26"}
    entitlement = finance[
        (finance["category"] == "arrs_entitlement") & (finance["financial_year"] == "2024/25")
    ]
    sizes = pd.Series(population.pcn_code).value_counts()
    # GBP 22.894 x patients for the whole of 2024/25
    assert (
        entitlement["amount"].to_numpy()
        == (22.894 * sizes[entitlement["organisation_code"]].to_numpy()).round(2)
    ).all()
    claimed = finance[finance["category"] == "arrs_reimbursement"]
    assert (claimed["amount"] >= 0).all() and claimed["amount"].sum() > 0

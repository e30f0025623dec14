"""The synthetic population reproduces the published figures it is calibrated to.

Expected values are recomputed here from the raw QOF files and the published figures, not
taken from the generator. Tolerances are stated next to each assertion.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neighbourhood import sources
from neighbourhood.synthetic import REFERENCE_DATE, generate

RAW = Path(sources.__file__).parent / "data"  # the raw published files, read independently
PATIENTS = 50_000
QOF_CODES = {  # group code -> (SNOMED code written, age of the QOF denominator)
    "AF": ("49436004", 0), "AST": ("195967001", 0), "CHD": ("53741008", 0),
    "CKD": ("433144002", 18), "COPD": ("13645005", 0), "DEM": ("52448006", 0),
    "DM": ("44054006", 17), "HF": ("84114007", 0), "HYP": ("38341003", 0),
    "LD": ("110359009", 0), "STIA": ("230690007", 0), "OST": ("64859006", 50),
}  # fmt: skip


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("calibration")
    generate(directory, patients=PATIENTS, seed=11)
    return directory


@pytest.fixture(scope="module")
def people(out) -> pd.DataFrame:
    patients = pd.read_csv(out / "patients.csv", dtype={"imd_decile": int})
    born = pd.to_datetime(patients["birth_month"])
    reference = pd.Timestamp(REFERENCE_DATE)
    patients["age"] = reference.year - born.dt.year - (born.dt.month > reference.month)
    return patients.set_index("patient_id")


@pytest.fixture(scope="module")
def events(out) -> pd.DataFrame:
    return pd.read_csv(out / "clinical_events.csv", dtype={"snomed_code": str})


def test_ltc_prevalence_matches_qof_region_by_imd(people, events):
    region = pd.read_csv(RAW / "qof-2019-20/output_region_prevalence.csv")
    region = region[region["region"] == "South West"].set_index("group_code")["prevalence"]
    by_imd = pd.read_csv(RAW / "qof-2019-20/output_imd_prevalence.csv")
    by_imd = by_imd[by_imd["imd_overall"] != "Wales"]
    by_imd["imd_overall"] = by_imd["imd_overall"].astype(int)
    national = by_imd.groupby("group_code")[["register", "list"]].sum()
    national = national["register"] / national["list"]
    for group, (code, min_age) in QOF_CODES.items():
        eligible = people[people["age"] >= min_age]
        decile_rate = by_imd[by_imd["group_code"] == group].set_index("imd_overall")["prevalence"]
        expected = (region[group] * decile_rate / national[group]).reindex(eligible["imd_decile"])
        with_code = events.loc[events["snomed_code"] == code, "patient_id"].unique()
        observed = eligible.index.isin(with_code).mean()
        # 12% relative (age weighting is capped at 90% per person) + sampling noise
        tolerance = 0.12 * expected.mean() + 3 * np.sqrt(expected.mean() / len(eligible))
        assert abs(observed - expected.mean()) < tolerance, (group, observed, expected.mean())


def test_deprived_areas_have_more_copd(people, events):
    copd = people.index.isin(events.loc[events["snomed_code"] == "13645005", "patient_id"])
    rate = pd.Series(copd).groupby(people["imd_decile"].to_numpy()).mean()
    assert rate.loc[1:3].mean() > rate.loc[8:10].mean()


def test_frailty_in_older_people(people, events):
    codes = {"925791000000100", "925831000000107", "925861000000102"}
    frail = people.index.isin(events.loc[events["snomed_code"].isin(codes), "patient_id"])
    older = (people["age"] >= 65).to_numpy()
    assert abs(frail[older].mean() - 0.437) < 0.05  # Fogg et al. 2021, +/-5 points
    very_old = (people["age"] >= 85).to_numpy()
    assert frail[very_old].mean() > frail[older & (people["age"] < 75).to_numpy()].mean()


def test_polypharmacy_shares(out, people):
    issues = pd.read_csv(out / "medications_issued.csv", dtype={"dmd_code": str})
    distinct = issues.groupby("patient_id")["dmd_code"].nunique().reindex(people.index).fillna(0)
    assert abs((distinct >= 5).mean() - 0.15) < 0.03  # National Overprescribing Review
    assert abs((distinct >= 8).mean() - 0.07) < 0.03
    assert issues["dmd_code"].str.fullmatch(r"[1-9][0-9]{5,17}").all()
    issues = issues.sort_values(["patient_id", "dmd_code", "issue_date"])
    same = (issues["patient_id"] == issues["patient_id"].shift()) & (
        issues["dmd_code"] == issues["dmd_code"].shift()
    )
    days = pd.to_datetime(issues["issue_date"]).diff().dt.days[same]
    assert len(days) > 0 and days.isin([28, 56, 84]).all()


def test_care_home_share_of_older_people(out, people):
    residences = pd.read_csv(out / "care_home_residences.csv")
    # The Census counts the living on one day: residents alive on the reference date among
    # everyone aged 65+ alive on it.
    living = residences[residences["end_date"].isna()]
    older = people[(people["age"] >= 65) & people["date_of_death"].isna()]
    share = older.index.isin(living["patient_id"]).mean()
    assert abs(share - 0.025) < 0.004  # ONS Census 2021: 2.5% of people aged 65+
    resident_ages = people.loc[residences["patient_id"], "age"]
    assert abs((resident_ages >= 85).mean() - 0.564) < 0.08


def test_deaths_per_thousand(people):
    died = (people["date_of_death"].notna()).mean() * 1000
    assert 6.5 < died < 11  # 8.7 per 1,000 a year, +/- sampling noise at 50k


def test_cancer_referrals_fit_and_social_prescribing(events):
    per_1000 = 1000 / PATIENTS
    lower_gi = (events["snomed_code"] == "892201000000106").sum()
    other = (events["snomed_code"] == "199251000000107").sum()
    assert 38 < (lower_gi + other) * per_1000 < 56  # ~47 per 1,000 a year
    fit = events[events["snomed_code"] == "1049361000000101"]
    assert abs(len(fit) / lower_gi - 0.8) < 0.1  # NICE 2025: ~80% with a FIT result
    assert fit["numeric_value"].notna().all() and (fit["numeric_value"] >= 0).all()
    social = (events["snomed_code"] == "871731000000106").sum() * per_1000
    assert 15 < social < 25  # ~20 per 1,000 a year

"""The synthetic population sits in the real organisations of the ICB; its dates are coherent.

Expected values come from independent pandas reads of the raw published files shipped
unchanged in src/neighbourhood/sources/data.
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


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("synthetic")
    generate(directory, patients=PATIENTS, seed=7)
    return directory


def read(out: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{table}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def devon_practices() -> pd.DataFrame:
    """Open Devon GP practices with a current PCN, read straight from the raw files."""
    epraccur = pd.read_csv(RAW / "epraccur/epraccur.csv", header=None, dtype=str)
    devon = epraccur[(epraccur[3] == "QJK") & (epraccur[12] == "A") & (epraccur[25] == "4")]
    partners = pd.read_csv(RAW / "epcn/ePCN_CorePartnerDetails.csv", dtype=str)
    current = partners[partners["Practice to PCN Relationship End Date"].isna()]
    merged = devon.merge(current, left_on=0, right_on="Partner Organisation Code")
    listed = pd.read_csv(RAW / "gp_registered_patients/gp-reg-pat-prac-all_2021-01.csv")
    merged = merged.merge(listed[["CODE", "NUMBER_OF_PATIENTS"]], left_on=0, right_on="CODE")
    return merged.rename(columns={0: "practice", "PCN Code": "pcn"})


def test_practices_are_the_real_open_devon_practices_in_their_real_pcns(out, devon_practices):
    registrations = read(out, "registrations")
    current = registrations[registrations["end_date"] == ""]
    assert set(current["practice_code"]) <= set(devon_practices["practice"])
    memberships = read(out, "org_memberships")
    in_pcn = memberships[memberships["relationship"] == "practice_in_pcn"]
    expected = dict(zip(devon_practices["practice"], devon_practices["pcn"], strict=True))
    assert dict(zip(in_pcn["child_code"], in_pcn["parent_code"], strict=True)) == expected
    starts = devon_practices.set_index("practice")["Practice to PCN Relationship Start Date"]
    got = in_pcn.set_index("child_code")["valid_from"].str.replace("-", "")
    assert (got == starts.reindex(got.index)).all()


def test_patients_per_practice_follow_real_list_sizes(out, devon_practices):
    registrations = read(out, "registrations")
    patients = read(out, "patients")
    last = registrations.sort_values("start_date").groupby("patient_id").tail(1)
    assert len(last) == len(patients) == PATIENTS
    counts = last["practice_code"].value_counts()
    sizes = devon_practices.set_index("practice")["NUMBER_OF_PATIENTS"]
    expected = PATIENTS * sizes / sizes.sum()
    observed = counts.reindex(sizes.index, fill_value=0)
    chi_square = (((observed - expected) ** 2) / expected).sum()
    assert chi_square < len(sizes)  # far below the 5% critical value for ~115 dof


def test_share_65_plus_matches_each_big_practice(out):
    patients = read(out, "patients")
    registrations = read(out, "registrations")
    current = registrations.drop_duplicates("patient_id", keep="first")
    frame = patients.merge(current, on="patient_id")
    born = pd.to_datetime(frame["birth_month"])
    reference = pd.Timestamp(REFERENCE_DATE)
    age = reference.year - born.dt.year - (born.dt.month > reference.month)
    frame["old"] = age >= 65
    by_age = pd.read_csv(RAW / "qof-2019-20/gp-by-age.csv").set_index("PRACTICE_CODE")
    share = frame.groupby("practice_code")["old"].agg(["mean", "size"])
    big = share[share["size"] >= 400]
    assert len(big) > 20
    real = by_age.loc[big.index, "65OV%"]
    # 3.5 standard errors of a sample share, plus one point for the band sampling
    tolerance = 3.5 * np.sqrt(real * (1 - real) / big["size"]) + 0.01
    assert (np.abs(big["mean"] - real) < tolerance).all()


def test_lsoa_deciles_are_the_real_iod2019_deciles(out):
    patients = read(out, "patients")
    imd = pd.read_csv(
        RAW / "deprivation/iod2019/IMD2019_lsoa_rank_decile.csv", encoding="utf-8-sig", dtype=str
    )
    decile = imd.set_index("LSOA code (2011)")["Index of Multiple Deprivation (IMD) Decile"]
    assert (patients["imd_decile"] == decile.reindex(patients["lsoa_code"]).to_numpy()).all()
    lads = imd.set_index("LSOA code (2011)")["Local Authority District name (2019)"]
    devon = {
        "Plymouth",
        "Torbay",
        "East Devon",
        "Exeter",
        "Mid Devon",
        "North Devon",
        "South Hams",
        "Teignbridge",
        "Torridge",
        "West Devon",
    }
    assert set(lads.reindex(patients["lsoa_code"])) <= devon


def test_patient_ids_are_visibly_synthetic(out):
    ids = read(out, "patients")["patient_id"]
    assert ids.str.fullmatch(r"S\d{7}").all()
    assert ids.is_unique


def _life(out) -> pd.DataFrame:
    patients = read(out, "patients")
    return patients.set_index("patient_id")[["birth_month", "date_of_death"]]


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("registrations", "start_date"),
        ("registrations", "end_date"),
        ("clinical_events", "event_date"),
        ("medications_issued", "issue_date"),
        ("care_home_residences", "start_date"),
        ("care_home_residences", "end_date"),
    ],
)
def test_no_date_before_birth_after_death_or_after_reference(out, table, column):
    life = _life(out)
    rows = read(out, table)
    rows = rows[rows[column] != ""]
    assert len(rows) > 0
    dates = rows[column].to_numpy()
    born = life["birth_month"].reindex(rows["patient_id"]).to_numpy()
    died = life["date_of_death"].reindex(rows["patient_id"]).to_numpy()
    assert (dates >= born).all()
    assert (dates <= REFERENCE_DATE.isoformat()).all()
    assert ((died == "") | (dates <= died)).all()


def test_registration_periods_do_not_overlap_and_end_at_death(out):
    registrations = read(out, "registrations").sort_values(["patient_id", "start_date"])
    previous = registrations.groupby("patient_id").filter(lambda g: len(g) > 1)
    assert 0.05 < previous["patient_id"].nunique() / PATIENTS < 0.35
    first = previous.groupby("patient_id").head(1).set_index("patient_id")
    second = previous.groupby("patient_id").tail(1).set_index("patient_id")
    assert (first["end_date"] < second["start_date"]).all()
    assert (first["practice_code"] != second["practice_code"]).all()


def test_care_home_residents_within_capacity(out):
    residences = read(out, "care_home_residences")
    homes = read(out, "care_homes").set_index("org_code")
    devon_total = pd.read_csv(RAW / "gp_registered_patients/gp-reg-pat-prac-all_2021-01.csv")
    fraction = PATIENTS / 1_207_323  # real list total of the 116 Devon practices (Jan 2021)
    assert devon_total["NUMBER_OF_PATIENTS"].sum() > 1_207_323
    per_home = residences["care_home_code"].value_counts()
    limit = np.ceil(homes["beds"].astype(int) * 0.9 * fraction)
    assert (per_home <= limit.reindex(per_home.index)).all()
    aligned = read(out, "org_memberships")
    aligned = aligned[aligned["relationship"] == "care_home_aligned_to_pcn"]
    assert set(aligned["child_code"]) == set(homes.index)


def test_organisation_hierarchy(out):
    organisations = read(out, "organisations").set_index("org_code")
    assert organisations.loc["QJK", "name"] == "NHS DEVON ICB"
    assert organisations.loc["Y58", "org_type"] == "region"
    assert organisations.loc["15N", "org_type"] == "sub_icb"
    memberships = read(out, "org_memberships")
    links = set(zip(memberships["child_code"], memberships["parent_code"], strict=True))
    assert ("QJK", "Y58") in links and ("15N", "QJK") in links


def test_unknown_icb_is_refused(tmp_path):
    with pytest.raises(ValueError, match="QJK"):
        generate(tmp_path, patients=10, seed=1, icb="XXX")

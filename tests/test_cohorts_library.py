"""Spec tests of the cohort library: for each definition in `cohorts/library/`, a few patients
written by hand, a fixed index date, and the output worked out by hand from the rules the
YAML file states, in the style of ehrQL's spec tests. Every test runs on DuckDB and on
PostgreSQL with the same rows and the same expected output.

The index date is 2024-03-31 throughout, so the windows are:
- 12 months up to it: 2023-03-31 to 2024-03-31, both included;
- 6 months up to it: 2023-10-01 to 2024-03-31 (6 months before the 31st of March is the 1st
  of October: there is no 31st of September, and the language rolls forward).
Patients are born 1940-03-01 (84 on the date) unless a test says otherwise; every patient a
test lists is registered at practice A81001 (PCN U00001) since 2000-01-01 unless the test
writes its own registrations. Codes are real codes of the shipped codelists, named by an
alias of `cohort_spec.CODES` (which gives each code's codelist and term).
Expected values are {patient_id: (value of each listed column, ...)}; a patient not listed
is not in the cohort.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cohort_spec import (
    CODES,
    DuckDBStore,
    PostgresStore,
    assert_results,
    results,
    table,
)
from neighbourhood.codelists import codelist
from neighbourhood.cohorts.definition import shipped_library
from neighbourhood.cohorts.run import run_cohort

INDEX = dt.date(2024, 3, 31)

ORGANISATIONS = table(
    "org_memberships",
    """
    child_code | parent_code | relationship             | valid_from | valid_to
    A81001     | U00001      | practice_in_pcn          | 2019-07-01 |
    A81002     | U00002      | practice_in_pcn          | 2019-07-01 |
    A81003     | U00001      | practice_in_pcn          | 2019-07-01 | 2023-12-31
    A81003     | U00003      | practice_in_pcn          | 2024-01-01 |
    VN1AB      | U00001      | care_home_aligned_to_pcn | 2020-10-01 |
    VN2CD      | U00002      | care_home_aligned_to_pcn | 2020-10-01 | 2023-12-31
    VN2CD      | U00003      | care_home_aligned_to_pcn | 2024-01-01 |
    VN4GH      | U00002      | care_home_aligned_to_pcn | 2020-10-01 | 2024-03-30
    """,
)
"""Practice B82003 is in no PCN; care home VN3EF is aligned to no PCN; VN4GH's alignment
ended the day before the index date; A81003 and VN2CD moved to U00003 on 2024-01-01."""


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def store(request):
    if request.param == "duckdb":
        made = DuckDBStore()
    else:
        made = PostgresStore(request.getfixturevalue("postgres_url"))
    try:
        yield made
    finally:
        made.close()


def load(store, patients: str, registrations: str | None = None, **tables: str) -> None:
    """Load the tables written as text (keyword: table name); every patient is registered at
    A81001 since 2000-01-01 unless `registrations` is given; org_memberships is ORGANISATIONS."""
    people = table("patients", patients)
    if registrations is None:
        registered = [
            {"patient_id": p["patient_id"], "practice_code": "A81001"}
            | {"start_date": dt.date(2000, 1, 1), "end_date": None}
            for p in people
        ]
    else:
        registered = table("registrations", registrations)
    rows = {name: table(name, text) for name, text in tables.items()}
    store.load(
        {"patients": people, "registrations": registered, "org_memberships": ORGANISATIONS} | rows
    )


def check(store, cohort_id: str, columns: tuple[str, ...], expected: dict, *, pcn=None) -> None:
    found = results(store, cohort_id, INDEX, columns, pcn=pcn)
    assert_results(found, expected, store.name)


# ---- the codes the tests use ------------------------------------------------------------


def test_every_code_alias_is_a_real_code_with_its_term_in_only_its_codelists():
    """The counts below rely on each code being in the codelists named and no other list the
    library reads (a code in two eFI lists would be two deficits)."""
    library = sorted({name for c in shipped_library().values() for name in c.codelists})
    problems = []
    for alias, code in CODES.items():
        terms = dict(codelist(code.codelist).terms)
        if terms.get(code.code) != code.term:
            problems.append(f"{alias}: {code.code} is {terms.get(code.code)!r} in {code.codelist}")
        holding = {name for name in library if code.code in codelist(name).values}
        if holding != {code.codelist, *code.also} & set(library):
            problems.append(f"{alias}: {code.code} is in {sorted(holding)}")
    assert not problems, "\n".join(problems)


# ---- efi --------------------------------------------------------------------------------

EFI_DEFICIT_OF_ALIAS = {
    "activity_limitation": "activity_limitation",
    "anaemia": "anaemia",
    "arthritis": "arthritis",
    "atrial_fibrillation": "atrial_fibrillation",
    "care_requirement": "care_requirement",
    "chd": "chd",
    "ckd": "ckd",
    "cognitive_problems": "cognitive_problems",
    "diabetes": "diabetes",
    "dizziness": "dizziness",
    "dyspnoea": "dyspnoea",
    "accidental_fall": "falls",
    "foot_problems": "foot_problems",
    "fragility_fracture": "fragility_fracture",
    "hearing_loss": "hearing_loss",
    "heart_failure": "heart_failure",
    "heart_valve_disease": "heart_valve_disease",
    "home_visit": "housebound",
    "hypertension": "hypertension",
    "hypotension": "hypotension",
    "mobility_problems": "mobility_problems",
    "osteoporosis": "osteoporosis",
    "parkinsons": "parkinsons",
    "peptic_ulcer": "peptic_ulcer",
    "pvd": "pvd",
    "respiratory_disease": "respiratory_disease",
    "skin_ulcer": "skin_ulcer",
    "sleep_disturbance": "sleep_disturbance",
    "social_vulnerability": "social_vulnerability",
    "stroke_tia": "stroke_tia",
    "thyroid_disorders": "thyroid_disorders",
    "urinary_incontinence": "urinary_incontinence",
    "urinary_system_disease": "urinary_system_disease",
    "vision_problems": "vision_problems",
    "weight_loss": "weight_loss",
}
"""The 35 coded deficits: the alias of the code used, and the eFI variable (deficit_...)."""


def test_efi_each_coded_deficit_is_read_from_its_own_codelist(store):
    # one patient per deficit, named after the code's alias, with that one code
    patients = "patient_id | birth_month | sex\n" + "\n".join(
        f"{alias} | 1940-03-01 | female" for alias in EFI_DEFICIT_OF_ALIAS
    )
    events = "patient_id | event_date | snomed_code\n" + "\n".join(
        f"{alias} | 2015-06-01 | {alias}" for alias in EFI_DEFICIT_OF_ALIAS
    )
    load(store, patients, clinical_events=events)
    deficits = [c for c in shipped_library()["efi"].variables if c.startswith("deficit_")]
    assert len(deficits) == 36  # 35 coded + polypharmacy
    run = run_cohort(store.engine, "efi", INDEX)
    found = {
        row["patient_id"]: (row["deficits"], tuple(d for d in deficits if row[d] is True))
        for row in run.records()
    }
    expected = {
        alias: (1, (f"deficit_{deficit}",)) for alias, deficit in EFI_DEFICIT_OF_ALIAS.items()
    }
    assert_results(found, expected, store.name)


def test_efi_score_and_category_at_each_boundary(store):
    load(
        store,
        """
        patient_id | birth_month | sex
        e0         | 1940-03-01  | female
        e4         | 1940-03-01  | female
        e5         | 1940-03-01  | male
        e8         | 1940-03-01  | female
        e9         | 1940-03-01  | male
        e12        | 1940-03-01  | female
        e13        | 1940-03-01  | male
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        e4         | 2015-06-01 | activity_limitation
        e4         | 2015-06-01 | anaemia
        e4         | 2015-06-01 | arthritis
        e4         | 2015-06-01 | atrial_fibrillation
        e5         | 2015-06-01 | activity_limitation
        e5         | 2015-06-01 | anaemia
        e5         | 2015-06-01 | arthritis
        e5         | 2015-06-01 | atrial_fibrillation
        e5         | 2015-06-01 | care_requirement
        e8         | 2015-06-01 | activity_limitation
        e8         | 2015-06-01 | anaemia
        e8         | 2015-06-01 | arthritis
        e8         | 2015-06-01 | atrial_fibrillation
        e8         | 2015-06-01 | care_requirement
        e8         | 2015-06-01 | chd
        e8         | 2015-06-01 | ckd
        e8         | 2015-06-01 | cognitive_problems
        e9         | 2015-06-01 | activity_limitation
        e9         | 2015-06-01 | anaemia
        e9         | 2015-06-01 | arthritis
        e9         | 2015-06-01 | atrial_fibrillation
        e9         | 2015-06-01 | care_requirement
        e9         | 2015-06-01 | chd
        e9         | 2015-06-01 | ckd
        e9         | 2015-06-01 | cognitive_problems
        e9         | 2015-06-01 | diabetes
        e12        | 2015-06-01 | activity_limitation
        e12        | 2015-06-01 | anaemia
        e12        | 2015-06-01 | arthritis
        e12        | 2015-06-01 | atrial_fibrillation
        e12        | 2015-06-01 | care_requirement
        e12        | 2015-06-01 | chd
        e12        | 2015-06-01 | ckd
        e12        | 2015-06-01 | cognitive_problems
        e12        | 2015-06-01 | diabetes
        e12        | 2015-06-01 | dizziness
        e12        | 2015-06-01 | dyspnoea
        e12        | 2015-06-01 | foot_problems
        e13        | 2015-06-01 | activity_limitation
        e13        | 2015-06-01 | anaemia
        e13        | 2015-06-01 | arthritis
        e13        | 2015-06-01 | atrial_fibrillation
        e13        | 2015-06-01 | care_requirement
        e13        | 2015-06-01 | chd
        e13        | 2015-06-01 | ckd
        e13        | 2015-06-01 | cognitive_problems
        e13        | 2015-06-01 | diabetes
        e13        | 2015-06-01 | dizziness
        e13        | 2015-06-01 | dyspnoea
        e13        | 2015-06-01 | foot_problems
        """,
        # e13's 13th deficit is polypharmacy: 5 distinct products in the 12 months
        medications_issued="""
        patient_id | issue_date | dmd_code
        e13        | 2023-06-01 | omeprazole_10mg
        e13        | 2023-07-01 | lansoprazole_15mg
        e13        | 2023-08-01 | ibuprofen_400mg
        e13        | 2023-09-01 | dicycloverine_10mg
        e13        | 2023-10-01 | chlorphenamine_4mg
        """,
    )
    check(
        store,
        "efi",
        ("deficits", "score", "category"),
        {
            "e0": (0, 0.0, "fit"),
            "e4": (4, 4 / 36, "fit"),  # 0.111: not above 0.12
            "e5": (5, 5 / 36, "mild"),  # 0.139
            "e8": (8, 8 / 36, "mild"),  # 0.222: not above 0.24
            "e9": (9, 9 / 36, "moderate"),  # 0.25
            "e12": (12, 12 / 36, "moderate"),  # 0.333: not above 0.36
            "e13": (13, 13 / 36, "severe"),  # 0.361 is above 0.36 (the definition's choice)
        },
    )


def test_efi_deficit_dates_polypharmacy_window_and_age(store):
    load(
        store,
        """
        patient_id   | birth_month | sex    | date_of_death
        coded_today  | 1940-03-01  | female |
        same_deficit | 1940-03-01  | male   |
        poly5        | 1940-03-01  | female |
        poly4_out    | 1940-03-01  | male   |
        poly4_repeat | 1940-03-01  | female |
        aged_65      | 1959-03-01  | male   |
        aged_64      | 1959-04-01  | female |
        died         | 1940-03-01  | male   | 2024-03-30
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        coded_today  | 2024-03-31 | hypertension
        coded_today  | 2024-04-01 | diabetes
        same_deficit | 2010-01-01 | hypertension
        same_deficit | 2015-01-01 | renovascular_hypertension
        aged_64      | 2015-01-01 | hypertension
        died         | 2015-01-01 | hypertension
        """,
        medications_issued="""
        patient_id   | issue_date | dmd_code
        poly5        | 2023-03-31 | omeprazole_10mg
        poly5        | 2023-06-01 | lansoprazole_15mg
        poly5        | 2023-09-01 | ibuprofen_400mg
        poly5        | 2024-01-01 | dicycloverine_10mg
        poly5        | 2024-03-31 | chlorphenamine_4mg
        poly4_out    | 2023-03-30 | omeprazole_10mg
        poly4_out    | 2023-06-01 | lansoprazole_15mg
        poly4_out    | 2023-09-01 | ibuprofen_400mg
        poly4_out    | 2024-01-01 | dicycloverine_10mg
        poly4_out    | 2024-03-31 | chlorphenamine_4mg
        poly4_repeat | 2023-06-01 | lansoprazole_15mg
        poly4_repeat | 2023-07-01 | lansoprazole_15mg
        poly4_repeat | 2023-09-01 | ibuprofen_400mg
        poly4_repeat | 2024-01-01 | dicycloverine_10mg
        poly4_repeat | 2024-03-31 | chlorphenamine_4mg
        poly4_repeat | 2024-04-01 | omeprazole_10mg
        """,
    )
    check(
        store,
        "efi",
        ("age", "deficits", "deficit_hypertension", "deficit_polypharmacy", "category"),
        {
            # the code on the index date counts, the one the day after does not
            "coded_today": (84, 1, True, False, "fit"),
            # two codes of one deficit are one deficit
            "same_deficit": (84, 1, True, False, "fit"),
            # 12 months before 2024-03-31 is 2023-03-31: its issue counts, 5 products
            "poly5": (84, 1, False, True, "fit"),
            # the issue on 2023-03-30 is outside the window: 4 products
            "poly4_out": (84, 0, False, False, "fit"),
            # a product issued twice is one; the issue after the date does not count: 4
            "poly4_repeat": (84, 0, False, False, "fit"),
            # born March 1959 (held as 1959-03-01): 65 on 2024-03-31; aged_64 (April) is not
            "aged_65": (65, 0, False, False, "fit"),
            # (died: on 2024-03-30, not alive on the date)
        },
    )


# ---- smr-complex-polypharmacy -----------------------------------------------------------


def test_smr_complex_polypharmacy_ten_distinct_medicines_in_six_months(store):
    load(
        store,
        """
        patient_id | birth_month | sex
        m10        | 1940-03-01  | female
        m9         | 1940-03-01  | male
        """,
        medications_issued="""
        patient_id | issue_date | dmd_code
        m10        | 2023-10-01 | omeprazole_10mg
        m10        | 2023-11-01 | lansoprazole_15mg
        m10        | 2024-01-02 | lansoprazole_15mg
        m10        | 2023-11-01 | lansoprazole_30mg
        m10        | 2023-12-01 | esomeprazole_20mg
        m10        | 2023-12-01 | esomeprazole_40mg
        m10        | 2024-01-01 | ibuprofen_400mg
        m10        | 2024-02-01 | dicycloverine_10mg
        m10        | 2024-02-01 | dicycloverine_20mg
        m10        | 2024-03-01 | chlorphenamine_4mg
        m10        | 2024-03-31 | atropine_600mcg
        m9         | 2023-10-01 | omeprazole_10mg
        m9         | 2023-11-01 | lansoprazole_15mg
        m9         | 2024-01-02 | lansoprazole_15mg
        m9         | 2023-11-01 | lansoprazole_30mg
        m9         | 2023-12-01 | esomeprazole_20mg
        m9         | 2023-12-01 | esomeprazole_40mg
        m9         | 2024-01-01 | ibuprofen_400mg
        m9         | 2024-02-01 | dicycloverine_10mg
        m9         | 2024-02-01 | dicycloverine_20mg
        m9         | 2024-03-01 | chlorphenamine_4mg
        m9         | 2023-09-30 | atropine_600mcg
        m9         | 2024-04-01 | atropine_600mcg
        """,
    )
    # m10: 11 issues of 10 products (lansoprazole 15mg twice), the first on 2023-10-01, the
    # first day of the window. m9: the same 9 products in the window; its 10th product was
    # issued on 2023-09-30 (outside) and 2024-04-01 (after the date): 9, not in the cohort.
    check(
        store,
        "smr-complex-polypharmacy",
        ("distinct_medicines", "complex_polypharmacy"),
        {"m10": (10, True)},
    )


# ---- smr-addictive-medicines ------------------------------------------------------------


def test_smr_addictive_medicines_issued_in_six_months(store):
    load(
        store,
        """
        patient_id     | birth_month | sex
        opioid         | 1970-05-01  | female
        z_drug         | 1970-05-01  | male
        two_groups     | 1970-05-01  | female
        benzo_too_old  | 1970-05-01  | male
        opioid_later   | 1970-05-01  | female
        other_medicine | 1970-05-01  | male
        """,
        medications_issued="""
        patient_id     | issue_date | dmd_code
        opioid         | 2023-10-01 | morphine_mr_15mg
        z_drug         | 2024-03-31 | zopiclone_7_5mg
        two_groups     | 2024-01-01 | morphine_mr_15mg
        two_groups     | 2024-02-01 | nitrazepam_5mg
        two_groups     | 2024-03-01 | morphine_mr_15mg
        benzo_too_old  | 2023-09-30 | nitrazepam_5mg
        opioid_later   | 2024-04-01 | morphine_mr_15mg
        other_medicine | 2024-01-01 | omeprazole_10mg
        """,
    )
    check(
        store,
        "smr-addictive-medicines",
        ("addictive_issues", "on_addictive_medicine"),
        {
            "opioid": (1, True),  # GM SDE opioids; 2023-10-01 opens the 6-month window
            "z_drug": (1, True),  # OpenSAFELY addictive medicines; on the index date
            "two_groups": (3, True),  # three issues: two of morphine, one of nitrazepam
        },
    )


def test_smr_addictive_medicines_an_issue_in_two_lists_is_one_issue(store):
    load(
        store,
        """
        patient_id | birth_month | sex
        gabapentin | 1970-05-01  | female
        """,
        medications_issued="""
        patient_id | issue_date | dmd_code
        gabapentin | 2024-01-01 | gabapentin_600mg
        """,
    )
    check(
        store,
        "smr-addictive-medicines",
        ("addictive_issues", "on_addictive_medicine"),
        {"gabapentin": (1, True)},
    )


# ---- smr-learning-disability ------------------------------------------------------------


def test_smr_learning_disability_code_on_or_before_the_date(store):
    load(
        store,
        """
        patient_id  | birth_month | sex    | date_of_death
        coded       | 1985-07-01  | female |
        coded_today | 1985-07-01  | male   |
        child       | 2015-06-01  | female |
        coded_later | 1985-07-01  | male   |
        died        | 1985-07-01  | female | 2024-01-01
        no_code     | 1985-07-01  | male   |
        """,
        clinical_events="""
        patient_id  | event_date | snomed_code
        coded       | 2010-05-01 | learning_disability
        coded_today | 2024-03-31 | learning_disability
        child       | 2018-02-01 | learning_disability
        coded_later | 2024-04-01 | learning_disability
        died        | 2010-05-01 | learning_disability
        """,
    )
    check(
        store,
        "smr-learning-disability",
        ("learning_disability",),
        {"coded": (True,), "coded_today": (True,), "child": (True,)},  # no age limit
    )


# ---- ehch-care-home-residents, smr-care-home-residents ----------------------------------

CARE_HOME_PATIENTS = """
    patient_id          | birth_month | sex
    open_period         | 1940-03-01  | female
    period_ends_today   | 1940-03-01  | male
    period_ended        | 1940-03-01  | female
    period_starts_later | 1940-03-01  | male
    code_only           | 1940-03-01  | female
    code_too_old        | 1940-03-01  | male
    period_and_code     | 1940-03-01  | female
    aged_17             | 2006-04-01  | male
    aged_18             | 2006-03-01  | female
    home_unaligned      | 1940-03-01  | male
    alignment_ended     | 1940-03-01  | female
    home_realigned      | 1940-03-01  | male
    moved_home          | 1940-03-01  | female
    other_practice_pcn  | 1940-03-01  | male
    at_home             | 1940-03-01  | female
    """


def test_ehch_care_home_residents(store):
    load(
        store,
        CARE_HOME_PATIENTS,
        registrations="""
        patient_id          | practice_code | start_date
        open_period         | A81001        | 2000-01-01
        period_ends_today   | A81001        | 2000-01-01
        period_ended        | A81001        | 2000-01-01
        period_starts_later | A81001        | 2000-01-01
        code_only           | A81001        | 2000-01-01
        code_too_old        | A81001        | 2000-01-01
        period_and_code     | A81001        | 2000-01-01
        aged_17             | A81001        | 2006-04-01
        aged_18             | A81001        | 2006-03-01
        home_unaligned      | A81001        | 2000-01-01
        alignment_ended     | A81001        | 2000-01-01
        home_realigned      | A81001        | 2000-01-01
        moved_home          | A81001        | 2000-01-01
        other_practice_pcn  | A81002        | 2000-01-01
        at_home             | A81001        | 2000-01-01
        """,
        care_home_residences="""
        patient_id          | care_home_code | start_date | end_date
        open_period         | VN1AB          | 2022-06-01 |
        period_ends_today   | VN1AB          | 2022-06-01 | 2024-03-31
        period_ended        | VN1AB          | 2022-06-01 | 2024-03-30
        period_starts_later | VN1AB          | 2024-04-01 |
        period_and_code     | VN1AB          | 2022-06-01 |
        aged_17             | VN1AB          | 2023-01-01 |
        aged_18             | VN1AB          | 2023-01-01 |
        home_unaligned      | VN3EF          | 2022-06-01 |
        alignment_ended     | VN4GH          | 2022-06-01 |
        home_realigned      | VN2CD          | 2022-06-01 |
        moved_home          | VN1AB          | 2020-01-01 |
        moved_home          | VN2CD          | 2024-02-01 |
        other_practice_pcn  | VN1AB          | 2022-06-01 |
        """,
        clinical_events="""
        patient_id      | event_date | snomed_code
        code_only       | 2023-03-31 | old_peoples_home
        code_too_old    | 2023-03-30 | old_peoples_home
        period_and_code | 2023-06-01 | old_peoples_home
        """,
    )
    columns = ("age", "in_residence_period", "residence_code_recorded", "care_home_resident")
    columns += ("care_home_code", "aligned_pcn", "practice_code", "pcn_code")
    check(
        store,
        "ehch-care-home-residents",
        columns,
        {
            "open_period": (84, True, False, True, "VN1AB", "U00001", "A81001", "U00001"),
            # a period ending on the date covers it
            "period_ends_today": (84, True, False, True, "VN1AB", "U00001", "A81001", "U00001"),
            # no period held: a code on 2023-03-31, the first day of the 12 months, counts;
            # there is no home, so no aligned PCN
            "code_only": (84, False, True, True, None, None, "A81001", "U00001"),
            "period_and_code": (84, True, True, True, "VN1AB", "U00001", "A81001", "U00001"),
            # born March 2006: 18 on the date (April 2006, 17, is left out)
            "aged_18": (18, True, False, True, "VN1AB", "U00001", "A81001", "U00001"),
            # a home aligned to no PCN on the date: an alignment gap
            "home_unaligned": (84, True, False, True, "VN3EF", None, "A81001", "U00001"),
            "alignment_ended": (84, True, False, True, "VN4GH", None, "A81001", "U00001"),
            # VN2CD is aligned to U00003 from 2024-01-01
            "home_realigned": (84, True, False, True, "VN2CD", "U00003", "A81001", "U00001"),
            # two periods cover the date: the latest start is the home
            "moved_home": (84, True, False, True, "VN2CD", "U00003", "A81001", "U00001"),
            # the patient's PCN is their practice's; the home's aligned PCN is another
            "other_practice_pcn": (84, True, False, True, "VN1AB", "U00001", "A81002", "U00002"),
        },
    )


def test_ehch_pcn_filter_keeps_the_patients_of_the_practices_pcn(store):
    """`--pcn` is the PCN of the patient's practice (run.py), not the home's aligned PCN."""
    load(
        store,
        """
        patient_id | birth_month | sex
        in_u1_home | 1940-03-01  | female
        in_u2_home | 1940-03-01  | male
        """,
        registrations="""
        patient_id | practice_code | start_date
        in_u1_home | A81002        | 2000-01-01
        in_u2_home | A81001        | 2000-01-01
        """,
        care_home_residences="""
        patient_id | care_home_code | start_date
        in_u1_home | VN1AB          | 2022-06-01
        in_u2_home | VN2CD          | 2022-06-01
        """,
    )
    columns = ("care_home_code", "aligned_pcn", "pcn_code")
    check(
        store,
        "ehch-care-home-residents",
        columns,
        {"in_u1_home": ("VN1AB", "U00001", "U00002")},
        pcn="U00002",
    )
    check(
        store,
        "ehch-care-home-residents",
        columns,
        {"in_u2_home": ("VN2CD", "U00003", "U00001")},
        pcn="U00001",
    )


def test_ehch_a_held_period_that_has_ended_is_not_overruled_by_a_code(store):
    load(
        store,
        """
        patient_id | birth_month | sex
        left_home  | 1940-03-01  | female
        """,
        care_home_residences="""
        patient_id | care_home_code | start_date | end_date
        left_home  | VN1AB          | 2022-06-01 | 2024-01-31
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        left_home  | 2023-06-01 | old_peoples_home
        """,
    )
    check(store, "ehch-care-home-residents", ("care_home_resident",), {})


def test_smr_care_home_residents_any_age_and_review_in_twelve_months(store):
    load(
        store,
        """
        patient_id | birth_month | sex
        child      | 2010-01-01  | female
        smr_recent | 1940-03-01  | male
        smr_old    | 1940-03-01  | female
        at_home    | 1940-03-01  | male
        """,
        care_home_residences="""
        patient_id | care_home_code | start_date
        child      | VN1AB          | 2022-06-01
        smr_recent | VN3EF          | 2022-06-01
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        smr_recent | 2023-03-31 | smr
        smr_old    | 2024-01-01 | old_peoples_home
        smr_old    | 2023-03-30 | smr
        at_home    | 2024-01-01 | smr
        """,
    )
    check(
        store,
        "smr-care-home-residents",
        ("care_home_resident", "care_home_code", "smr_in_window"),
        {
            "child": (True, "VN1AB", False),  # 14: the SMR cohort has no age limit
            "smr_recent": (True, "VN3EF", True),  # SMR on 2023-03-31, first day of 12 months
            "smr_old": (True, None, False),  # resident by code; SMR the day before the window
        },
    )


# ---- smr-severe-frailty -----------------------------------------------------------------


def test_smr_severe_frailty_with_housebound_admission_or_fall(store):
    load(
        store,
        """
        patient_id            | birth_month | sex
        housebound            | 1940-03-01  | female
        no_longer_housebound  | 1940-03-01  | male
        housebound_again      | 1940-03-01  | female
        later_moderate        | 1940-03-01  | male
        later_mild            | 1940-03-01  | female
        severe_after_moderate | 1940-03-01  | male
        elective              | 1940-03-01  | female
        emergency_too_old     | 1940-03-01  | male
        fall                  | 1940-03-01  | female
        fall_too_old          | 1940-03-01  | male
        efi_fall              | 1940-03-01  | female
        severe_coded_later    | 1940-03-01  | male
        not_frail             | 1940-03-01  | female
        efi_severe            | 1940-03-01  | male
        """,
        clinical_events="""
        patient_id            | event_date | snomed_code
        housebound            | 2023-01-01 | severe_frailty
        housebound            | 2022-05-01 | housebound
        no_longer_housebound  | 2023-01-01 | severe_frailty
        no_longer_housebound  | 2022-05-01 | housebound
        no_longer_housebound  | 2023-02-01 | no_longer_housebound
        housebound_again      | 2023-01-01 | severe_frailty
        housebound_again      | 2022-05-01 | no_longer_housebound
        housebound_again      | 2023-02-01 | housebound
        later_moderate        | 2023-01-01 | severe_frailty
        later_moderate        | 2023-06-01 | moderate_frailty
        later_moderate        | 2022-05-01 | housebound
        later_mild            | 2023-01-01 | severe_frailty
        later_mild            | 2023-06-01 | mild_frailty
        later_mild            | 2022-05-01 | housebound
        severe_after_moderate | 2022-01-01 | moderate_frailty
        severe_after_moderate | 2023-06-01 | severe_frailty
        elective              | 2023-01-01 | severe_frailty
        emergency_too_old     | 2023-01-01 | severe_frailty
        fall                  | 2023-01-01 | severe_frailty
        fall                  | 2023-03-31 | fall_from_wheelchair
        fall_too_old          | 2023-01-01 | severe_frailty
        fall_too_old          | 2023-03-30 | fall_from_wheelchair
        efi_fall              | 2023-01-01 | severe_frailty
        efi_fall              | 2024-01-10 | accidental_fall
        severe_coded_later    | 2024-04-01 | severe_frailty
        severe_coded_later    | 2022-05-01 | housebound
        not_frail             | 2022-05-01 | housebound
        not_frail             | 2024-01-01 | fall_from_wheelchair
        efi_severe            | 2015-06-01 | activity_limitation
        efi_severe            | 2015-06-01 | anaemia
        efi_severe            | 2015-06-01 | arthritis
        efi_severe            | 2015-06-01 | atrial_fibrillation
        efi_severe            | 2015-06-01 | care_requirement
        efi_severe            | 2015-06-01 | chd
        efi_severe            | 2015-06-01 | ckd
        efi_severe            | 2015-06-01 | cognitive_problems
        efi_severe            | 2015-06-01 | diabetes
        efi_severe            | 2015-06-01 | dizziness
        efi_severe            | 2015-06-01 | dyspnoea
        efi_severe            | 2015-06-01 | foot_problems
        efi_severe            | 2024-01-10 | accidental_fall
        """,
        hospital_spells="""
        patient_id            | admission_date | admission_method
        severe_after_moderate | 2023-03-31     | emergency
        elective              | 2024-01-01     | elective
        emergency_too_old     | 2023-03-30     | emergency
        not_frail             | 2024-01-01     | emergency
        """,
    )
    columns = ("severe_frailty", "housebound", "recent_emergency_admission", "recent_fall")
    columns += ("severe_frailty_at_risk",)
    check(
        store,
        "smr-severe-frailty",
        columns,
        {
            "housebound": (True, True, False, False, True),
            # no longer housebound after the housebound code: not housebound, not in;
            # housebound again after a no-longer-housebound code: housebound
            "housebound_again": (True, True, False, False, True),
            # (later_moderate, later_mild: the latest frailty code is not severe, eFI fit)
            # an emergency admission on 2023-03-31, the first day of the 12 months
            "severe_after_moderate": (True, False, True, False, True),
            # (elective: not an emergency; emergency_too_old: 2023-03-30)
            "fall": (True, False, False, True, True),  # GM SDE falls code, first day
            "efi_fall": (True, False, False, True, True),  # an eFI falls code counts too
            # (severe_coded_later: the code is after the date; not_frail: no frailty)
            # no frailty code: eFI 13 deficits (12 + the fall) is severe
            "efi_severe": (True, False, False, True, True),
        },
    )


def test_smr_severe_frailty_coded_severity_decides_and_efi_only_at_65(store):
    # Each of moderate_over_efi, young_efi and old_efi has 13 eFI deficits (12 + a recent fall).
    load(
        store,
        """
        patient_id        | birth_month | sex
        moderate_over_efi | 1940-03-01  | female
        young_efi         | 1974-03-01  | male
        old_efi           | 1944-03-01  | female
        same_day          | 1940-03-01  | male
        """,
        clinical_events="""
        patient_id        | event_date | snomed_code
        moderate_over_efi | 2015-06-01 | activity_limitation
        moderate_over_efi | 2015-06-01 | anaemia
        moderate_over_efi | 2015-06-01 | arthritis
        moderate_over_efi | 2015-06-01 | atrial_fibrillation
        moderate_over_efi | 2015-06-01 | care_requirement
        moderate_over_efi | 2015-06-01 | chd
        moderate_over_efi | 2015-06-01 | ckd
        moderate_over_efi | 2015-06-01 | cognitive_problems
        moderate_over_efi | 2015-06-01 | diabetes
        moderate_over_efi | 2015-06-01 | dizziness
        moderate_over_efi | 2015-06-01 | dyspnoea
        moderate_over_efi | 2015-06-01 | foot_problems
        moderate_over_efi | 2024-01-10 | accidental_fall
        young_efi         | 2015-06-01 | activity_limitation
        young_efi         | 2015-06-01 | anaemia
        young_efi         | 2015-06-01 | arthritis
        young_efi         | 2015-06-01 | atrial_fibrillation
        young_efi         | 2015-06-01 | care_requirement
        young_efi         | 2015-06-01 | chd
        young_efi         | 2015-06-01 | ckd
        young_efi         | 2015-06-01 | cognitive_problems
        young_efi         | 2015-06-01 | diabetes
        young_efi         | 2015-06-01 | dizziness
        young_efi         | 2015-06-01 | dyspnoea
        young_efi         | 2015-06-01 | foot_problems
        young_efi         | 2024-01-10 | accidental_fall
        old_efi           | 2015-06-01 | activity_limitation
        old_efi           | 2015-06-01 | anaemia
        old_efi           | 2015-06-01 | arthritis
        old_efi           | 2015-06-01 | atrial_fibrillation
        old_efi           | 2015-06-01 | care_requirement
        old_efi           | 2015-06-01 | chd
        old_efi           | 2015-06-01 | ckd
        old_efi           | 2015-06-01 | cognitive_problems
        old_efi           | 2015-06-01 | diabetes
        old_efi           | 2015-06-01 | dizziness
        old_efi           | 2015-06-01 | dyspnoea
        old_efi           | 2015-06-01 | foot_problems
        old_efi           | 2024-01-10 | accidental_fall
        moderate_over_efi | 2023-06-01 | moderate_frailty
        same_day          | 2023-01-01 | severe_frailty
        same_day          | 2023-02-01 | housebound
        same_day          | 2023-02-01 | no_longer_housebound
        """,
    )
    columns = ("severe_frailty", "housebound", "recent_fall", "severe_frailty_at_risk")
    # moderate_over_efi: the coded moderate frailty decides, not the eFI; young_efi: aged 50,
    # the eFI is not used under 65; same_day: housebound and no longer housebound on one day
    # is not housebound (and no admission or fall)
    check(store, "smr-severe-frailty", columns, {"old_efi": (True, False, True, True)})


# ---- smr-priority -----------------------------------------------------------------------

PRIORITY_PATIENTS = """
    patient_id       | birth_month | sex
    a_ld_only        | 1970-05-01  | female
    b_addictive      | 1970-05-01  | male
    c_poly_and_ld    | 1970-05-01  | female
    d_care_home      | 1940-03-01  | male
    e_frail_add_ld   | 1940-03-01  | female
    f_none           | 1940-03-01  | male
    g_ld_old_review  | 1970-05-01  | female
    """
PRIORITY_EVENTS = """
    patient_id      | event_date | snomed_code
    a_ld_only       | 2010-05-01 | learning_disability
    b_addictive     | 2024-01-15 | smr
    c_poly_and_ld   | 2010-05-01 | learning_disability
    e_frail_add_ld  | 2023-01-01 | severe_frailty
    e_frail_add_ld  | 2022-05-01 | housebound
    e_frail_add_ld  | 2010-05-01 | learning_disability
    f_none          | 2024-01-15 | smr
    g_ld_old_review | 2010-05-01 | learning_disability
    g_ld_old_review | 2023-03-30 | smr
    """
PRIORITY_MEDICINES = """
    patient_id     | issue_date | dmd_code
    b_addictive    | 2024-01-01 | zopiclone_7_5mg
    c_poly_and_ld  | 2024-01-01 | omeprazole_10mg
    c_poly_and_ld  | 2024-01-01 | lansoprazole_15mg
    c_poly_and_ld  | 2024-01-01 | lansoprazole_30mg
    c_poly_and_ld  | 2024-01-01 | esomeprazole_20mg
    c_poly_and_ld  | 2024-01-01 | esomeprazole_40mg
    c_poly_and_ld  | 2024-01-01 | ibuprofen_400mg
    c_poly_and_ld  | 2024-01-01 | dicycloverine_10mg
    c_poly_and_ld  | 2024-01-01 | dicycloverine_20mg
    c_poly_and_ld  | 2024-01-01 | chlorphenamine_4mg
    c_poly_and_ld  | 2024-01-01 | atropine_600mcg
    e_frail_add_ld | 2024-02-01 | morphine_mr_15mg
    """
PRIORITY_RESIDENCES = """
    patient_id  | care_home_code | start_date
    d_care_home | VN1AB          | 2022-06-01
    """


def load_priority(store) -> None:
    load(
        store,
        PRIORITY_PATIENTS,
        clinical_events=PRIORITY_EVENTS,
        medications_issued=PRIORITY_MEDICINES,
        care_home_residences=PRIORITY_RESIDENCES,
    )


def test_smr_priority_cohorts_count_and_priority(store):
    load_priority(store)
    columns = ("care_home_resident", "severe_frailty_at_risk", "complex_polypharmacy")
    columns += ("on_addictive_medicine", "learning_disability", "cohorts_met", "priority")
    columns += ("smr_in_window",)
    check(
        store,
        "smr-priority",
        columns,
        {
            # care home, frailty, polypharmacy, addictive, LD, cohorts, priority, SMR
            "a_ld_only": (False, False, False, False, True, 1, 3, False),
            "b_addictive": (False, False, False, True, False, 1, 2, True),
            "c_poly_and_ld": (False, False, True, False, True, 2, 2, False),
            "d_care_home": (True, False, False, False, False, 1, 1, False),
            "e_frail_add_ld": (False, True, False, True, True, 3, 1, False),
            # (f_none: a review but no cohort)
            "g_ld_old_review": (False, False, False, False, True, 1, 3, False),  # 2023-03-30
        },
    )


def test_smr_priority_list_is_in_priority_order(store):
    load_priority(store)
    run = run_cohort(store.engine, "smr-priority", INDEX)
    order = [(row["priority"], row["cohorts_met"]) for row in run.records()]
    # e (1, 3 cohorts), d (1, 1), c (2, 2), b (2, 1), then a and g (3, 1)
    assert order == [(1, 3), (1, 1), (2, 2), (2, 1), (3, 1), (3, 1)], store.name


# ---- anticipatory-care ------------------------------------------------------------------


def test_anticipatory_care_frailty_or_multimorbidity_with_admission_at_home(store):
    load(
        store,
        """
        patient_id            | birth_month | sex
        moderate              | 1940-03-01  | female
        severe                | 1940-03-01  | male
        mild_after_moderate   | 1940-03-01  | female
        moderate_after_mild   | 1940-03-01  | male
        two_ltc_emergency     | 1940-03-01  | female
        two_ltc_elective      | 1940-03-01  | male
        two_ltc_too_long_ago  | 1940-03-01  | female
        one_ltc_emergency     | 1940-03-01  | male
        dementia_and_ckd      | 1940-03-01  | female
        care_home_moderate    | 1940-03-01  | male
        care_home_code_ltc    | 1940-03-01  | female
        aged_17               | 2006-04-01  | male
        aged_18               | 2006-03-01  | female
        efi_moderate          | 1940-03-01  | male
        """,
        clinical_events="""
        patient_id           | event_date | snomed_code
        moderate             | 2023-05-01 | moderate_frailty
        severe               | 2023-05-01 | severe_frailty
        mild_after_moderate  | 2022-01-01 | moderate_frailty
        mild_after_moderate  | 2023-01-01 | mild_frailty
        moderate_after_mild  | 2022-01-01 | mild_frailty
        moderate_after_mild  | 2023-01-01 | moderate_frailty
        two_ltc_emergency    | 2015-01-01 | hypertension
        two_ltc_emergency    | 2016-01-01 | diabetes
        two_ltc_elective     | 2015-01-01 | hypertension
        two_ltc_elective     | 2016-01-01 | diabetes
        two_ltc_too_long_ago | 2015-01-01 | hypertension
        two_ltc_too_long_ago | 2016-01-01 | diabetes
        one_ltc_emergency    | 2015-01-01 | hypertension
        one_ltc_emergency    | 2016-01-01 | renovascular_hypertension
        dementia_and_ckd     | 2021-01-01 | dementia
        dementia_and_ckd     | 2016-01-01 | ckd
        care_home_moderate   | 2023-05-01 | moderate_frailty
        care_home_code_ltc   | 2015-01-01 | hypertension
        care_home_code_ltc   | 2016-01-01 | diabetes
        care_home_code_ltc   | 2024-01-05 | old_peoples_home
        aged_17              | 2023-05-01 | moderate_frailty
        aged_18              | 2023-05-01 | moderate_frailty
        efi_moderate         | 2015-06-01 | activity_limitation
        efi_moderate         | 2015-06-01 | anaemia
        efi_moderate         | 2015-06-01 | care_requirement
        efi_moderate         | 2015-06-01 | cognitive_problems
        efi_moderate         | 2015-06-01 | dizziness
        efi_moderate         | 2015-06-01 | dyspnoea
        efi_moderate         | 2015-06-01 | foot_problems
        efi_moderate         | 2015-06-01 | fragility_fracture
        efi_moderate         | 2015-06-01 | hearing_loss
        """,
        hospital_spells="""
        patient_id           | admission_date | admission_method
        two_ltc_emergency    | 2023-06-01     | emergency
        two_ltc_elective     | 2023-06-01     | elective
        two_ltc_too_long_ago | 2023-03-30     | emergency
        one_ltc_emergency    | 2024-01-01     | emergency
        dementia_and_ckd     | 2023-03-31     | emergency
        dementia_and_ckd     | 2024-02-01     | emergency
        care_home_code_ltc   | 2024-01-01     | emergency
        """,
        care_home_residences="""
        patient_id         | care_home_code | start_date
        care_home_moderate | VN1AB          | 2022-06-01
        """,
    )
    columns = ("age", "moderate_or_severe_frailty", "long_term_conditions")
    columns += ("emergency_admissions", "multimorbidity_with_admission", "in_care_home")
    check(
        store,
        "anticipatory-care",
        columns,
        {
            "moderate": (84, True, 0, 0, False, False),
            "severe": (84, True, 0, 0, False, False),
            # (mild_after_moderate: the latest frailty code is mild, eFI fit)
            "moderate_after_mild": (84, True, 0, 0, False, False),
            "two_ltc_emergency": (84, False, 2, 1, True, False),
            # (two_ltc_elective: not an emergency; two_ltc_too_long_ago: 2023-03-30;
            # one_ltc_emergency: two hypertension codes are one condition)
            # dementia counts as a condition; 2023-03-31 opens the 12 months: 2 admissions
            "dementia_and_ckd": (84, False, 2, 2, True, False),
            # (care_home_moderate: a residence period; care_home_code_ltc: a residence code;
            # both in a care home as EHCH finds them. aged_17: under 18)
            "aged_18": (18, True, 0, 0, False, False),
            # 9 eFI deficits, none a long-term condition: 9/36 = 0.25, moderate
            "efi_moderate": (84, True, 0, 0, False, False),
        },
    )


# ---- palliative-care-register -----------------------------------------------------------


def test_palliative_care_register(store):
    load(
        store,
        """
        patient_id       | birth_month | sex    | date_of_death
        on_register      | 1950-01-01  | female |
        coded_today      | 1950-01-01  | male   |
        coded_later      | 1950-01-01  | female |
        died             | 1950-01-01  | male   | 2024-03-01
        died_on_the_date | 1950-01-01  | female | 2024-03-31
        dies_later       | 1950-01-01  | male   | 2024-04-01
        no_code          | 1950-01-01  | female |
        """,
        clinical_events="""
        patient_id       | event_date | snomed_code
        on_register      | 2024-02-01 | end_of_life_plan
        on_register      | 2023-01-10 | palliative_care
        coded_today      | 2024-03-31 | palliative_care
        coded_later      | 2024-04-01 | palliative_care
        died             | 2023-01-10 | palliative_care
        died_on_the_date | 2023-01-10 | palliative_care
        dies_later       | 2023-01-10 | palliative_care
        """,
    )
    d = dt.date
    check(
        store,
        "palliative-care-register",
        ("first_palliative_code", "on_register"),
        {
            "on_register": (d(2023, 1, 10), True),  # the first of its two codes
            "coded_today": (d(2024, 3, 31), True),
            # (died; died_on_the_date: alive on a date is no death, or death after it)
            "dies_later": (d(2023, 1, 10), True),
        },
    )


# ---- social-prescribing-referrals -------------------------------------------------------


def test_social_prescribing_referrals_in_twelve_months(store):
    load(
        store,
        """
        patient_id     | birth_month | sex
        referred       | 1960-01-01  | female
        too_long_ago   | 1960-01-01  | male
        two_in_year    | 1960-01-01  | female
        referred_later | 1960-01-01  | male
        """,
        clinical_events="""
        patient_id     | event_date | snomed_code
        referred       | 2023-03-31 | social_prescribing
        too_long_ago   | 2023-03-30 | social_prescribing
        two_in_year    | 2022-01-01 | social_prescribing
        two_in_year    | 2023-06-01 | social_prescribing
        two_in_year    | 2024-03-31 | physical_activity_referral
        referred_later | 2024-04-01 | social_prescribing
        """,
    )
    check(
        store,
        "social-prescribing-referrals",
        ("referrals", "referred"),
        {
            "referred": (1, True),  # 2023-03-31 is the first day of the 12 months
            "two_in_year": (2, True),  # the 2022 referral is outside the window
        },
    )


# ---- early-cancer-diagnosis-lower-gi-fit -----------------------------------------------


def test_early_cancer_diagnosis_lower_gi_referrals_with_a_fit_in_the_21_days_before(store):
    load(
        store,
        """
        patient_id                 | birth_month | sex
        fit_21_days_before         | 1960-01-01  | female
        fit_22_days_before         | 1960-01-01  | male
        fit_same_day               | 1960-01-01  | female
        fit_after_referral         | 1960-01-01  | male
        two_referrals_one_with_fit | 1960-01-01  | female
        one_fit_two_referrals      | 1960-01-01  | male
        referral_too_old           | 1960-01-01  | female
        referral_later             | 1960-01-01  | male
        fit_only                   | 1960-01-01  | female
        """,
        clinical_events="""
        patient_id                 | event_date | snomed_code
        fit_21_days_before         | 2024-02-22 | colorectal_referral
        fit_21_days_before         | 2024-02-01 | fit_test
        fit_22_days_before         | 2024-02-22 | colorectal_referral
        fit_22_days_before         | 2024-01-31 | fit_test
        fit_same_day               | 2024-03-31 | lower_gi_referral
        fit_same_day               | 2024-03-31 | fit_test
        fit_after_referral         | 2024-01-10 | lower_gi_referral
        fit_after_referral         | 2024-01-11 | fit_test
        two_referrals_one_with_fit | 2023-04-01 | lower_gi_referral
        two_referrals_one_with_fit | 2023-03-20 | fit_test
        two_referrals_one_with_fit | 2023-12-01 | colorectal_referral
        one_fit_two_referrals      | 2024-01-05 | lower_gi_referral
        one_fit_two_referrals      | 2024-01-10 | lower_gi_referral
        one_fit_two_referrals      | 2024-01-01 | fit_test
        referral_too_old           | 2023-03-31 | lower_gi_referral
        referral_too_old           | 2023-03-25 | fit_test
        referral_later             | 2024-04-01 | lower_gi_referral
        referral_later             | 2024-03-25 | fit_test
        fit_only                   | 2024-01-01 | fit_test
        """,
    )
    d = dt.date
    columns = ("referral_count", "referrals_with_fit", "with_fit", "without_fit")
    columns += ("latest_referral_date",)
    check(
        store,
        "early-cancer-diagnosis-lower-gi-fit",
        columns,
        {
            # 2024-02-22 less 21 days is 2024-02-01: the FIT is in the 21 days before
            "fit_21_days_before": (1, 1, True, False, d(2024, 2, 22)),
            "fit_22_days_before": (1, 0, False, True, d(2024, 2, 22)),
            "fit_same_day": (1, 1, True, False, d(2024, 3, 31)),  # on the index date too
            "fit_after_referral": (1, 0, False, True, d(2024, 1, 10)),
            # the year is 2023-04-01 to 2024-03-31; a FIT before the year still counts for
            # the referral on its first day
            "two_referrals_one_with_fit": (2, 1, True, False, d(2023, 12, 1)),
            "one_fit_two_referrals": (2, 2, True, False, d(2024, 1, 10)),
            # (referral_too_old: 2023-03-31; referral_later: 2024-04-01; fit_only)
        },
    )


# ---- registration, practice and PCN, for every cohort -----------------------------------

REGISTRATION_PATIENTS = """
    patient_id          | birth_month | sex
    open                | 1940-03-01  | female
    ends_today          | 1940-03-01  | male
    ended               | 1940-03-01  | female
    starts_later        | 1940-03-01  | male
    moved               | 1940-03-01  | female
    no_pcn              | 1940-03-01  | male
    pcn_changed         | 1940-03-01  | female
    never_registered    | 1940-03-01  | male
    care_home           | 1940-03-01  | female
    care_home_ended     | 1940-03-01  | male
    """
REGISTRATIONS = """
    patient_id      | practice_code | start_date | end_date
    open            | A81001        | 2000-01-01 |
    ends_today      | A81001        | 2000-01-01 | 2024-03-31
    ended           | A81001        | 2000-01-01 | 2024-03-30
    starts_later    | A81001        | 2024-04-01 |
    moved           | A81001        | 2000-01-01 | 2024-01-31
    moved           | A81002        | 2024-02-01 |
    no_pcn          | B82003        | 2000-01-01 |
    pcn_changed     | A81003        | 2000-01-01 |
    care_home       | A81001        | 2000-01-01 |
    care_home_ended | A81001        | 2000-01-01 | 2024-03-30
    """
EVERY_PATIENTS_EVENTS = """
    event_date | snomed_code
    2023-01-01 | severe_frailty
    2022-05-01 | housebound
    2010-05-01 | learning_disability
    2023-06-01 | palliative_care
    2024-01-01 | social_prescribing
    2024-01-01 | lower_gi_referral
    """
EVERY_PATIENTS_MEDICINES = """
    issue_date | dmd_code
    2024-01-01 | zopiclone_7_5mg
    2024-01-01 | omeprazole_10mg
    2024-01-01 | lansoprazole_15mg
    2024-01-01 | lansoprazole_30mg
    2024-01-01 | esomeprazole_20mg
    2024-01-01 | esomeprazole_40mg
    2024-01-01 | ibuprofen_400mg
    2024-01-01 | dicycloverine_10mg
    2024-01-01 | dicycloverine_20mg
    2024-01-01 | chlorphenamine_4mg
    """
"""Every patient of REGISTRATION_PATIENTS has these events and issues: severe frailty and
housebound, learning disability, palliative care, a social prescribing referral, a lower GI
urgent referral, and 10 distinct medicines (one a Z-drug), so that they meet every cohort's
clinical rules."""

AT_HOME = {
    "open": ("A81001", "U00001"),
    "ends_today": ("A81001", "U00001"),  # a registration ending on the date covers it
    "moved": ("A81002", "U00002"),  # the registration covering the date
    "no_pcn": ("B82003", None),  # a practice in no PCN
    "pcn_changed": ("A81003", "U00003"),  # A81003's PCN on the date
}
IN_CARE_HOME = {"care_home": ("A81001", "U00001")}
EVERY_COHORT = {
    "early-cancer-diagnosis-lower-gi-fit": AT_HOME | IN_CARE_HOME,
    "efi": AT_HOME | IN_CARE_HOME,
    "ehch-care-home-residents": IN_CARE_HOME,
    "smr-care-home-residents": IN_CARE_HOME,
    "smr-complex-polypharmacy": AT_HOME | IN_CARE_HOME,
    "smr-severe-frailty": AT_HOME | IN_CARE_HOME,
    "smr-addictive-medicines": AT_HOME | IN_CARE_HOME,
    "smr-learning-disability": AT_HOME | IN_CARE_HOME,
    "smr-priority": AT_HOME | IN_CARE_HOME,
    "anticipatory-care": AT_HOME,  # care home residents are left out
    "palliative-care-register": AT_HOME | IN_CARE_HOME,
    "social-prescribing-referrals": AT_HOME | IN_CARE_HOME,
}


def for_every_patient(template: str, patients: str) -> str:
    """The template's rows repeated for every patient, as a text table."""
    lines = [line.strip() for line in template.strip().splitlines()]
    people = [row["patient_id"] for row in table("patients", patients)]
    rows = [f"{person} | {line}" for person in people for line in lines[1:]]
    return "\n".join([f"patient_id | {lines[0]}", *rows])


def load_registrations(store) -> None:
    load(
        store,
        REGISTRATION_PATIENTS,
        registrations=REGISTRATIONS,
        clinical_events=for_every_patient(EVERY_PATIENTS_EVENTS, REGISTRATION_PATIENTS),
        medications_issued=for_every_patient(EVERY_PATIENTS_MEDICINES, REGISTRATION_PATIENTS),
        care_home_residences="""
        patient_id      | care_home_code | start_date
        care_home       | VN1AB          | 2022-06-01
        care_home_ended | VN1AB          | 2022-06-01
        """,
    )


def test_every_library_cohort_is_tested_here():
    assert sorted(EVERY_COHORT) == sorted(shipped_library())


@pytest.mark.parametrize("cohort_id", sorted(EVERY_COHORT))
def test_only_patients_registered_on_the_date_with_their_practice_and_pcn(store, cohort_id):
    # (ended, care_home_ended: registration ended the day before; starts_later: the day
    # after; never_registered: no registration)
    load_registrations(store)
    check(store, cohort_id, ("practice_code", "pcn_code"), EVERY_COHORT[cohort_id])


@pytest.mark.parametrize(
    ("pcn", "expected"),
    [
        ("U00001", ["care_home", "ends_today", "open"]),
        ("U00002", ["moved"]),
        ("U00003", ["pcn_changed"]),  # A81003 was in U00001 until 2023-12-31
        ("U99999", []),
    ],
)
def test_pcn_filter_keeps_the_patients_of_one_pcn(store, pcn, expected):
    load_registrations(store)
    check(
        store,
        "palliative-care-register",
        ("pcn_code",),
        {patient: (pcn,) for patient in expected},
        pcn=pcn,
    )

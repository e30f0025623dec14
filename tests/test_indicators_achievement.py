"""Achievement, points and pounds: the personalised care adjustment worked example of the
2021/22 IIF guidance (as quoted by Pulse Intelligence), counted from patient records, and the
linear points scale worked by hand."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from cohort_spec import DuckDBStore
from neighbourhood.indicators import (
    Counts,
    Settings,
    load_definitions,
    measure_year,
    points_earned,
    pounds,
)
from neighbourhood.indicators.definition import Sourced
from neighbourhood.indicators.years import YearValues

# ---- the scale, by hand ------------------------------------------------------------------


def test_the_personalised_care_adjustment_worked_example_is_75_percent():
    # 600 vaccinated of 1,000; 100 declined and 100 unsuitable leave the denominator
    counts = Counts(eligible=1000, numerator=600, declined=100, unsuitable=100)
    assert counts.denominator == 800
    assert counts.achievement == 0.75


@pytest.mark.parametrize(
    ("achievement", "expected"),
    [
        (None, 0.0),  # no denominator: nothing earned
        (0.50, 0.0),  # below the lower threshold
        (0.60, 0.0),  # at the lower threshold
        (0.75, 20.0),  # 40 x (0.75 - 0.60) / (0.90 - 0.60)
        (0.90, 40.0),  # at the upper threshold
        (0.95, 40.0),  # above it
    ],
)
def test_points_rise_linearly_between_the_thresholds(achievement, expected):
    assert points_earned(achievement, 0.60, 0.90, 40, "higher") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("achievement", "expected"),
    [
        (0.01, 10.0),  # at or below the lower threshold: all the points
        (0.02, 10.0),
        (0.035, 5.0),  # 10 x (0.05 - 0.035) / (0.05 - 0.02)
        (0.05, 0.0),  # at the upper threshold: none
        (0.20, 0.0),
    ],
)
def test_lower_is_better_reverses_the_scale(achievement, expected):
    assert points_earned(achievement, 0.02, 0.05, 10, "lower") == pytest.approx(expected)


def test_pounds_need_every_input_and_say_which_is_missing():
    found = pounds(20, 200, 1050, None)
    assert found.amount is None
    assert "national average" in found.reasons[0]
    found = pounds(20, None, 1050, 1000)
    assert "value of a point" in found.reasons[0]
    # 20 x £200 x 1,050 / 1,000 = £4,200.00
    assert pounds(20, 200, 1050, 1000).amount == Decimal("4200.00")


def test_counts_reject_impossible_figures():
    with pytest.raises(ValueError, match="more than the eligible"):
        Counts(eligible=10, numerator=8, declined=3)
    with pytest.raises(ValueError, match="is a count"):
        Counts(eligible=-1, numerator=0)


# ---- from records ------------------------------------------------------------------------

DEFINITION = """\
id: TEST-01
year: 2021-22
version: 1
title: A test indicator counted from records
status: complete
period: {start: "2021-09-01", end: "2022-03-31"}
sources:
  fixture:
    title: Hand-checked test fixture (not an NHS England value)
    publisher: neighbourhood tests
    url: https://example.org/fixture
    kind: secondary
values:
  lower_threshold: {value: 0.60, source: fixture}
  upper_threshold: {value: 0.90, source: fixture}
  direction: {value: higher, source: fixture}
  points: {value: 40, source: fixture}
  prevalence_adjusted: {value: PREVALENCE, source: fixture}
cohort:
  variables:
    denominator: registered_on(period_end) & (patients.age_on(period_end) >= 65)
    numerator: >-
      clinical_events.coded("nhsd-primary-care-domain-refsets-medrvw_cod")
      .on_or_between(period_start, period_end).exists_for_patient()
    declined: >-
      clinical_events.coded("nhsd-primary-care-domain-refsets-palcare_cod")
      .on_or_between(period_start, period_end).exists_for_patient()
    unsuitable: >-
      clinical_events.coded("nhsd-primary-care-domain-refsets-ld_cod").exists_for_patient()
"""

MET, DECLINED, UNSUITABLE = "1239511000000100", "103735009", "10007009"


def patients_of_the_worked_example() -> dict[str, list[dict]]:
    """1,000 patients of 65 and over at A81001 (PCN U00001): 600 met the numerator (30 of
    them also declined: they stay), 100 declined, 100 unsuitable, 200 neither; and 50 aged
    40, registered (in the list size, not in the denominator)."""
    patients, registrations, events = [], [], []
    for i in range(1050):
        pid = f"p{i:04d}"
        born = dt.date(1950, 1, 1) if i < 1000 else dt.date(1981, 1, 1)
        patients.append({"patient_id": pid, "birth_month": born, "sex": "female"})
        registrations.append(
            {"patient_id": pid, "practice_code": "A81001", "start_date": dt.date(2000, 1, 1)}
        )
        codes = []
        if i < 600:
            codes.append(MET)
        if i < 30 or 600 <= i < 700:
            codes.append(DECLINED)
        if 700 <= i < 800:
            codes.append(UNSUITABLE)
        for code in codes:
            events.append(
                {"patient_id": pid, "event_date": dt.date(2021, 10, 1), "snomed_code": code}
            )
    memberships = [
        {"child_code": "A81001", "parent_code": "U00001", "relationship": "practice_in_pcn",
         "valid_from": dt.date(2019, 7, 1)}
    ]  # fmt: skip
    return {"patients": patients, "registrations": registrations,
            "clinical_events": events, "org_memberships": memberships}  # fmt: skip


@pytest.fixture(scope="module")
def store():
    made = DuckDBStore()
    made.load(patients_of_the_worked_example())
    yield made
    made.close()


def definitions(tmp_path: Path, prevalence: bool) -> dict:
    folder = tmp_path / "definitions" / "2021-22"
    folder.mkdir(parents=True)
    text = DEFINITION.replace("PREVALENCE", "true" if prevalence else "false")
    (folder / "TEST-01.yaml").write_text(text)
    return {i.id: i for i in load_definitions(tmp_path / "definitions").values()}


YEAR = YearValues(
    year="2021-22",
    pound_per_point=Sourced(200, source="fixture"),
    max_points=Sourced(225, source="fixture"),
    average_pcn_list_size=Sourced(None, not_found="not found"),
    sources={"fixture": {"title": "test"}},
)


def pcn_record(result) -> dict:
    return next(r for r in result.records if r["level"] == "pcn")


def test_the_worked_example_from_records(store, tmp_path):
    [result] = measure_year(
        store.engine, "2021-22", definitions=definitions(tmp_path, False), values=YEAR,
        settings=Settings(average_pcn_list_size=1000),
    )  # fmt: skip
    record = pcn_record(result)
    assert (record["pcn_code"], record["eligible"], record["numerator"]) == ("U00001", 1000, 600)
    assert (record["declined"], record["unsuitable"], record["denominator"]) == (100, 100, 800)
    assert record["achievement"] == 0.75
    assert record["list_size"] == 1050  # everyone registered on 1 January 2022
    assert record["points"] == 20.0  # 40 x (0.75 - 0.60) / (0.90 - 0.60)
    assert record["pounds"] == "4200.00"  # 20 x £200 x 1,050 / 1,000
    practice = next(r for r in result.records if r["level"] == "practice")
    assert (practice["practice_code"], practice["denominator"], practice["numerator"]) == (
        "A81001", 800, 600,
    )  # fmt: skip
    assert "points" not in practice  # paid to the PCN
    assert result.provenance["definition_version"] == 1
    assert "nhsd-primary-care-domain-refsets-medrvw_cod" in result.provenance["codelists"]
    assert len(result.patients("U00001")) == 1000


def test_prevalence_adjustment(store, tmp_path):
    settings = Settings(average_pcn_list_size=1000, national_prevalence={"TEST-01": 0.8})
    [result] = measure_year(
        store.engine, "2021-22", definitions=definitions(tmp_path, True), values=YEAR,
        settings=settings,
    )  # fmt: skip
    # 20 x £200 x (1,050 / 1,000) x ((800 / 1,050) / 0.8) = £4,000.00
    assert pcn_record(result)["pounds"] == "4000.00"


def test_without_the_average_list_size_pounds_are_not_worked_out(store, tmp_path):
    [result] = measure_year(
        store.engine, "2021-22", definitions=definitions(tmp_path, False), values=YEAR
    )
    record = pcn_record(result)
    assert record["points"] == 20.0
    assert record["pounds"] is None
    assert "national average" in record["pounds_note"]
    assert any("average PCN list size" in w for w in result.warnings)


def test_an_incomplete_indicator_is_counted_but_never_paid(store, tmp_path):
    folder = tmp_path / "definitions" / "2021-22"
    folder.mkdir(parents=True)
    text = DEFINITION.replace(
        "status: complete", "status: incomplete\nincomplete: [the points were not found]"
    )
    text = text.replace(
        "points: {value: 40, source: fixture}", "points: {value: null, not_found: not found}"
    )
    text = text.replace("PREVALENCE", "false")
    (folder / "TEST-01.yaml").write_text(text)
    chosen = {i.id: i for i in load_definitions(tmp_path / "definitions").values()}
    [result] = measure_year(
        store.engine, "2021-22", definitions=chosen, values=YEAR,
        settings=Settings(average_pcn_list_size=1000),
    )  # fmt: skip
    record = pcn_record(result)
    assert record["achievement"] == 0.75
    assert record["points"] is None and record["pounds"] is None
    assert any("incomplete" in w for w in result.warnings)


def test_a_complete_indicator_with_a_value_not_found_is_refused(tmp_path):
    folder = tmp_path / "2021-22"
    folder.mkdir()
    text = DEFINITION.replace(
        "points: {value: 40, source: fixture}", "points: {value: null, not_found: not found}"
    )
    (folder / "TEST-01.yaml").write_text(text.replace("PREVALENCE", "false"))
    with pytest.raises(ValueError, match="complete, but points not found"):
        load_definitions(tmp_path)


def test_a_bad_value_names_the_file_line_and_field(tmp_path):
    folder = tmp_path / "2021-22"
    folder.mkdir()
    text = DEFINITION.replace("{value: 0.60, source: fixture}", "{value: sixty, source: fixture}")
    (folder / "TEST-01.yaml").write_text(text.replace("PREVALENCE", "false"))
    with pytest.raises(ValueError) as raised:
        load_definitions(tmp_path)
    message = str(raised.value)
    line = 1 + textwrap.dedent(DEFINITION).splitlines().index(
        "  lower_threshold: {value: 0.60, source: fixture}"
    )
    assert f"TEST-01.yaml: line {line}: values.lower_threshold" in message

"""Spec tests of every shipped IIF indicator definition
(`src/neighbourhood/indicators/definitions/<year>/<ID>.yaml`): for each, a few patients written
by hand as text tables (`cohort_spec.table`), placed at each boundary of the definition's rules,
run through `measure_year(engine, year, only=[ID])` on DuckDB, and the per-PCN and per-practice
counts compared with counts worked out by hand from the YAML file's wording.

Conventions:
- Organisations (ORGANISATIONS): practices A81001 and A81002 are in PCN U00001, A81003 in
  U00002 (all from 2019-07-01, open); B82003 is in no PCN ("(no PCN)").
- The patients table takes one column that is not the data model's: `practice`, the practice
  the patient has been registered with since 2000-01-01. A patient with rows in the test's own
  `registrations` table has only those rows instead.
- `birth_month` is held as the first day of the month, and age is whole years from it
  (docs/cohort-query-language.md), so the age boundaries are a birth month either side: with
  the period ending 31 March 2021, born March 2003 is 18, born April 2003 is 17.
- `registered_on(d)` counts a registration that starts on d or ends on d; `alive_on(d)` is
  false for a death on d and true for a death the day after.
- Codes are real codes of the shipped codelists, by their alias in `cohort_spec.CODES`
  (`measure` refuses a code that is not one of `CODES`, checks that each code used is in its
  own codelist and no other codelist of the indicator, and that every codelist the indicator
  reads has a code in the test's rows).
- Expected counts per organisation are (eligible, numerator, declined, unsuitable,
  denominator, achievement); an organisation with no eligible patient has no record. No
  shipped definition has a `declined` or `unsuitable` variable (each says why in its
  `incomplete` list), so declined and unsuitable are always 0 and the denominator is the
  eligible count; `test_no_shipped_definition_has_a_personalised_care_adjustment` checks that
  this is still so.
- Every shipped definition is `status: incomplete`: each test also checks, through `check`,
  that the PCN records carry no points and no pounds and that a warning says it is incomplete.
  The scoring of a complete indicator is tested at the end, on a copy of 2021-22 VI-01 with
  the missing value filled as a labelled test fixture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cohort_spec import CODES, DuckDBStore, arrow_table
from cohort_spec import table as spec_table
from neighbourhood.codelists import codelist
from neighbourhood.indicators import (
    IndicatorResult,
    Settings,
    load_definitions,
    measure_year,
    shipped_definitions,
)
from neighbourhood.indicators.definition import Sourced, definitions_folder
from neighbourhood.indicators.years import YearValues

# ---- helpers ----------------------------------------------------------------------------


def table(name: str, text: str) -> list[dict[str, Any]]:
    """`cohort_spec.table`, with `#` comments (a whole line, or the end of a row) left out."""
    return spec_table(name, "\n".join(line.split("#", 1)[0] for line in text.splitlines()))


ORGANISATIONS = table(
    "org_memberships",
    """
    child_code | parent_code | relationship    | valid_from
    A81001     | U00001      | practice_in_pcn | 2019-07-01
    A81002     | U00001      | practice_in_pcn | 2019-07-01
    A81003     | U00002      | practice_in_pcn | 2019-07-01
    """,
)

ALIAS_OF_CODE = {c.code: alias for alias, c in CODES.items()}
CODE_COLUMNS = {"clinical_events": "snomed_code", "medications_issued": "dmd_code"}
TESTED: set[str] = set()


def spec(*keys: str) -> Callable:
    """Marks a test as the spec test of shipped definitions ("2021-22/VI-01"); one test of
    several keys is parametrized by `year` (the same rules, every date moved by whole years)."""

    def mark(function: Callable) -> Callable:
        TESTED.update(keys)
        if len(keys) > 1:
            years = [key.split("/")[0] for key in keys]
            return pytest.mark.parametrize("year", years)(function)
        return function

    return mark


@pytest.fixture(scope="module")
def store():
    made = DuckDBStore()
    yield made
    made.close()


def _patients(text: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The patients table, and the practice of each (the `practice` column, taken out)."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    lines = [line for line in lines if line.strip()]
    header = [cell.strip() for cell in lines[0].split("|")]
    at = header.index("practice")
    practice, kept = {}, []
    for number, line in enumerate(lines):
        cells = [cell.strip() for cell in line.split("|")]
        if number:
            practice[cells[0]] = cells[at]
        kept.append(" | ".join(cells[:at] + cells[at + 1 :]))
    return spec_table("patients", "\n".join(kept)), practice


def _check_codes(key: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    indicator = shipped_definitions()[key]
    read = set(indicator.cohort.codelists)
    covered = set()
    for name, column in CODE_COLUMNS.items():
        for row in tables.get(name, []):
            code = row[column]
            assert code in ALIAS_OF_CODE, f"{key}: write {code} by its alias in CODES"
            alias = CODES[ALIAS_OF_CODE[code]]
            holding = {n for n in read if code in codelist(n).values}
            assert holding == {alias.codelist, *alias.also} & read, (
                f"{key}: {ALIAS_OF_CODE[code]} is in {sorted(holding)} of the indicator's lists"
            )
            covered |= holding
    assert covered == read, f"{key}: no code of {sorted(read - covered)} in the test's rows"


def measure(
    store: DuckDBStore,
    key: str,
    patients: str,
    registrations: str | None = None,
    **tables: str,
) -> IndicatorResult:
    """Load the rows (see the module doc) and measure the one indicator `key`."""
    people, practice = _patients(patients)
    own = table("registrations", registrations) if registrations else []
    listed = {row["patient_id"] for row in own}
    registered = own + [
        {"patient_id": p, "practice_code": code, "start_date": dt.date(2000, 1, 1)}
        for p, code in practice.items()
        if p not in listed
    ]
    rows = {name: table(name, text) for name, text in tables.items()}
    _check_codes(key, rows)
    appointments = rows.pop("gp_appointments", [])
    store.load(
        {"patients": people, "registrations": registered, "org_memberships": ORGANISATIONS} | rows
    )
    con = store.engine.backend.con  # gp_appointments is not one of cohort_spec.TABLES
    con.execute('DELETE FROM "gp_appointments"')
    if appointments:
        con.register("incoming", arrow_table("gp_appointments", appointments))
        con.execute('INSERT INTO "gp_appointments" SELECT * FROM incoming')
        con.unregister("incoming")
    year, indicator = key.split("/")
    [result] = measure_year(store.engine, year, only=[indicator])
    return result


def check(
    result: IndicatorResult,
    *,
    eligible: str,
    met: str,
    counts: dict[str, tuple[int, int, int, int, int, float | None]],
) -> None:
    """The patients eligible and in the numerator (ids separated by spaces); the counts by
    organisation (a PCN code, "(no PCN)" or a practice code): (eligible, numerator, declined,
    unsuitable, denominator, achievement); and, as every shipped definition is incomplete, no
    points and no pounds."""
    rows = result.run.records()
    assert {r["patient_id"] for r in rows} == set(eligible.split())
    assert {r["patient_id"] for r in rows if r["numerator"]} == set(met.split())
    found = {
        (r["pcn_code"] if r["level"] == "pcn" else r["practice_code"]): (
            r["eligible"], r["numerator"], r["declined"], r["unsuitable"],
            r["denominator"], r["achievement"],
        )
        for r in result.records
    }  # fmt: skip
    assert found == counts
    indicator = result.indicator
    assert indicator.status == "incomplete" and not indicator.payable
    for record in result.records:
        if record["level"] == "pcn":
            assert record["points"] is None and record["pounds"] is None
    assert any(w.startswith(f"{indicator.key} is incomplete") for w in result.warnings)


def test_no_shipped_definition_has_a_personalised_care_adjustment():
    # if one gains `declined` or `unsuitable`, its spec test needs patients who declined, who
    # are unsuitable, and who both declined and met the numerator (they stay)
    assert {key: i.pca for key, i in shipped_definitions().items() if i.pca} == {}


def test_every_shipped_definition_has_a_spec_test_here():
    assert sorted(TESTED) == sorted(shipped_definitions())
    assert all(i.status == "incomplete" for i in shipped_definitions().values())


# ---- 2020-21 (1 October 2020 to 31 March 2021) -----------------------------------------


@spec("2020-21/ASP-AP-GP-18")
def test_2020_21_asp_ap_gp_18(store):
    result = measure(
        store,
        "2020-21/ASP-AP-GP-18",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        a_18         | 2003-03-01  | female |               | A81001  # 18 on 31 March 2021
        a_17         | 2003-04-01  | male   |               | A81001  # 17: not eligible
        a_asp_before | 1950-01-01  | female |               | A81001
        a_ap_after   | 1950-01-01  | male   |               | A81001
        a_only_asp   | 1950-01-01  | female |               | A81002
        a_ppi_end    | 1950-01-01  | male   |               | A81002
        a_ppi_start  | 1950-01-01  | female |               | A81002
        a_ppi_before | 1950-01-01  | male   |               | A81003
        a_ppi_after  | 1950-01-01  | female |               | A81003
        a_died_end   | 1950-01-01  | male   | 2021-03-31    | A81003  # not alive on the end
        a_died_after | 1950-01-01  | female | 2021-04-01    | A81003  # alive on the end
        a_left       | 1950-01-01  | male   |               |
        a_joined     | 1950-01-01  | female |               |
        a_moved      | 1950-01-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        a_left     | A81001        | 2000-01-01 | 2021-03-30  # left the day before the end
        a_joined   | A81002        | 2021-03-31 |             # joined on the last day
        a_moved    | A81001        | 2000-01-01 | 2021-01-31  # counted at A81003, U00002
        a_moved    | A81003        | 2021-02-01 |
        """,
        medications_issued="""
        patient_id   | issue_date | dmd_code
        # both medicines on the first and last day, no PPI: numerator
        a_18         | 2020-10-01 | aspirin_75mg_dispersible
        a_18         | 2021-03-31 | clopidogrel_75mg
        a_17         | 2020-10-01 | aspirin_75mg_dispersible
        a_17         | 2021-03-31 | clopidogrel_75mg
        # aspirin the day before the period: not eligible
        a_asp_before | 2020-09-30 | aspirin_75mg_dispersible
        a_asp_before | 2020-11-15 | clopidogrel_75mg
        # the other antiplatelet the day after the period: not eligible
        a_ap_after   | 2020-11-15 | aspirin_75mg_dispersible
        a_ap_after   | 2021-04-01 | prasugrel_10mg
        # aspirin alone: not eligible
        a_only_asp   | 2020-11-15 | aspirin_75mg_dispersible
        # a PPI on the last day of the period: gastro-protected, not in the numerator
        a_ppi_end    | 2020-12-01 | aspirin_75mg_dispersible
        a_ppi_end    | 2020-12-01 | ticagrelor_90mg
        a_ppi_end    | 2021-03-31 | omeprazole_10mg
        # a PPI on the first day: gastro-protected
        a_ppi_start  | 2020-12-01 | aspirin_75mg_dispersible
        a_ppi_start  | 2020-12-01 | clopidogrel_75mg
        a_ppi_start  | 2020-10-01 | lansoprazole_15mg
        # a PPI the day before the period: not counted, so in the numerator
        a_ppi_before | 2020-12-01 | aspirin_75mg_dispersible
        a_ppi_before | 2020-12-01 | clopidogrel_75mg
        a_ppi_before | 2020-09-30 | esomeprazole_20mg
        # a PPI the day after the period: not counted, so in the numerator
        a_ppi_after  | 2020-12-01 | aspirin_75mg_dispersible
        a_ppi_after  | 2020-12-01 | clopidogrel_75mg
        a_ppi_after  | 2021-04-01 | esomeprazole_40mg
        a_died_end   | 2020-12-01 | aspirin_75mg_dispersible
        a_died_end   | 2020-12-01 | clopidogrel_75mg
        a_died_after | 2020-12-01 | aspirin_75mg_dispersible
        a_died_after | 2020-12-01 | clopidogrel_75mg
        a_left       | 2020-12-01 | aspirin_75mg_dispersible
        a_left       | 2020-12-01 | clopidogrel_75mg
        a_joined     | 2020-12-01 | aspirin_75mg_dispersible
        a_joined     | 2020-12-01 | clopidogrel_75mg
        a_moved      | 2020-12-01 | aspirin_75mg_dispersible
        a_moved      | 2020-12-01 | clopidogrel_75mg
        """,
    )
    check(
        result,
        eligible="a_18 a_ppi_end a_ppi_start a_ppi_before a_ppi_after a_died_after a_joined "
        "a_moved",
        met="a_18 a_ppi_before a_ppi_after a_died_after a_joined a_moved",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),  # a_18 met; a_ppi_end, a_ppi_start not; a_joined
            "A81001": (1, 1, 0, 0, 1, 1 / 1),  # a_18
            "A81002": (3, 1, 0, 0, 3, 1 / 3),  # a_ppi_end, a_ppi_start (protected), a_joined
            "U00002": (4, 4, 0, 0, 4, 4 / 4),
            "A81003": (4, 4, 0, 0, 4, 4 / 4),  # a_ppi_before, a_ppi_after, a_died_after, a_moved
        },
    )


@spec("2020-21/FLU-65")
def test_2020_21_flu_65(store):
    result = measure(
        store,
        "2020-21/FLU-65",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        f_65       | 1956-03-01  | female |               | A81001  # 65 on 31 March 2021
        f_64       | 1956-04-01  | male   |               | A81001  # 64: not eligible
        f_aug31    | 1950-01-01  | female |               | A81001
        f_end      | 1950-01-01  | male   |               | A81002
        f_after    | 1950-01-01  | female |               | A81002
        f_none     | 1950-01-01  | male   |               | A81003
        f_died_end | 1950-01-01  | female | 2021-03-31    | A81003  # not alive on the end
        f_left     | 1950-01-01  | male   |               |
        f_joined   | 1950-01-01  | female |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        f_left     | A81001        | 2000-01-01 | 2021-03-30  # left the day before the end
        f_joined   | A81003        | 2021-03-31 |             # joined on the last day
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        # 1 September 2020, before the period's start: the flu window's first day, counted
        f_65       | 2020-09-01 | flu_vaccination_other_provider
        f_64       | 2020-10-15 | flu_vaccination_other_provider
        # the day before the flu window: not counted
        f_aug31    | 2020-08-31 | flu_vaccination_other_provider
        # the last day: counted
        f_end      | 2021-03-31 | flu_vaccination_pharmacist
        # the day after the end: not counted
        f_after    | 2021-04-01 | flu_vaccination_pharmacist
        f_died_end | 2020-10-01 | flu_vaccination_pharmacist
        f_left     | 2020-10-01 | flu_vaccination_pharmacist
        # vaccinated before joining: counted
        f_joined   | 2020-11-01 | flu_vaccination_other_provider
        """,
    )
    check(
        result,
        eligible="f_65 f_aug31 f_end f_after f_none f_joined",
        met="f_65 f_end f_joined",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (2, 1, 0, 0, 2, 1 / 2),  # f_65 met, f_aug31 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # f_end met, f_after not
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # f_joined met, f_none not
        },
    )


@spec("2020-21/LD-HC-14")
def test_2020_21_ld_hc_14(store):
    # The numerator is the constant False (no public codelist for the learning disability
    # annual health check): every PCN and practice with a denominator achieves 0.
    result = measure(
        store,
        "2020-21/LD-HC-14",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        l_14         | 2007-03-01  | female |               | A81001  # 14 on 31 March 2021
        l_13         | 2007-04-01  | male   |               | A81001  # 13: not eligible
        l_code_end   | 1980-01-01  | female |               | A81002
        l_code_after | 1980-01-01  | male   |               | A81002
        l_no_code    | 1980-01-01  | female |               | A81002
        l_died       | 1980-01-01  | male   | 2021-03-31    | A81003
        l_old_code   | 1990-01-01  | female |               | A81003
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        l_14         | 2015-06-01 | learning_disability
        l_13         | 2015-06-01 | learning_disability
        # the register code on the last day: on the register
        l_code_end   | 2021-03-31 | partial_trisomy_21
        # the day after the end: not on the register
        l_code_after | 2021-04-01 | learning_disability
        l_died       | 2015-06-01 | learning_disability
        # any date before the end counts
        l_old_code   | 2000-05-01 | learning_disability
        """,
    )
    check(
        result,
        eligible="l_14 l_code_end l_old_code",
        met="",
        counts={
            "U00001": (2, 0, 0, 0, 2, 0.0),
            "A81001": (1, 0, 0, 0, 1, 0.0),  # l_14
            "A81002": (1, 0, 0, 0, 1, 0.0),  # l_code_end
            "U00002": (1, 0, 0, 0, 1, 0.0),
            "A81003": (1, 0, 0, 0, 1, 0.0),  # l_old_code
        },
    )


@spec("2020-21/NSAID-GP-65")
def test_2020_21_nsaid_gp_65(store):
    result = measure(
        store,
        "2020-21/NSAID-GP-65",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        n_65         | 1956-03-01  | female |               | A81001  # 65 on 31 March 2021
        n_64         | 1956-04-01  | male   |               | A81001  # 64: not eligible
        n_before     | 1950-01-01  | female |               | A81001
        n_after      | 1950-01-01  | male   |               | A81001
        n_ppi_end    | 1950-01-01  | female |               | A81002
        n_ppi_before | 1950-01-01  | male   |               | A81002
        n_ppi_start  | 1950-01-01  | female |               | A81003
        n_died       | 1950-01-01  | male   | 2021-03-31    | A81003  # not alive on the end
        n_died_after | 1950-01-01  | female | 2021-04-01    | A81003  # alive on the end
        """,
        medications_issued="""
        patient_id   | issue_date | dmd_code
        # an NSAID on the first day, no PPI: numerator
        n_65         | 2020-10-01 | naproxen_500mg
        n_64         | 2020-10-01 | naproxen_500mg
        # an NSAID the day before or after the period: not eligible
        n_before     | 2020-09-30 | ibuprofen_400mg
        n_after      | 2021-04-01 | ibuprofen_400mg
        # NSAID and PPI on the last day: gastro-protected
        n_ppi_end    | 2021-03-31 | ibuprofen_400mg
        n_ppi_end    | 2021-03-31 | omeprazole_10mg
        # a PPI the day before the period is not counted: numerator
        n_ppi_before | 2020-12-01 | naproxen_500mg
        n_ppi_before | 2020-09-30 | lansoprazole_30mg
        # a PPI on the first day: gastro-protected
        n_ppi_start  | 2020-12-01 | naproxen_500mg
        n_ppi_start  | 2020-10-01 | esomeprazole_40mg
        n_died       | 2020-12-01 | naproxen_500mg
        n_died_after | 2020-12-01 | naproxen_500mg
        """,
    )
    check(
        result,
        eligible="n_65 n_ppi_end n_ppi_before n_ppi_start n_died_after",
        met="n_65 n_ppi_before n_died_after",
        counts={
            "U00001": (3, 2, 0, 0, 3, 2 / 3),
            "A81001": (1, 1, 0, 0, 1, 1 / 1),  # n_65
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # n_ppi_before met, n_ppi_end not
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # n_died_after met, n_ppi_start not
        },
    )


@spec("2020-21/OAC-AP-GP-18")
def test_2020_21_oac_ap_gp_18(store):
    result = measure(
        store,
        "2020-21/OAC-AP-GP-18",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        o_18         | 2003-03-01  | female |               | A81001  # 18 on 31 March 2021
        o_17         | 2003-04-01  | male   |               | A81001  # 17: not eligible
        o_oac_only   | 1950-01-01  | female |               | A81001
        o_oac_before | 1950-01-01  | male   |               | A81001
        o_ap_after   | 1950-01-01  | female |               | A81002
        o_other_ap   | 1950-01-01  | male   |               | A81002
        o_ppi        | 1950-01-01  | female |               | A81002
        o_ppi_after  | 1950-01-01  | male   |               | A81003
        o_ppi_start  | 1950-01-01  | female |               | A81003
        o_left       | 1950-01-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        o_left     | A81003        | 2000-01-01 | 2021-03-30  # left the day before the end
        """,
        medications_issued="""
        patient_id   | issue_date | dmd_code
        # anticoagulant on the first day, aspirin on the last, no PPI: numerator
        o_18         | 2020-10-01 | apixaban_5mg
        o_18         | 2021-03-31 | aspirin_75mg_dispersible
        o_17         | 2020-10-01 | apixaban_5mg
        o_17         | 2021-03-31 | aspirin_75mg_dispersible
        # no antiplatelet: not eligible
        o_oac_only   | 2020-12-01 | warfarin_1mg
        # the anticoagulant the day before the period: not eligible
        o_oac_before | 2020-09-30 | warfarin_1mg
        o_oac_before | 2020-12-01 | clopidogrel_75mg
        # the antiplatelet the day after the period: not eligible
        o_ap_after   | 2020-12-01 | warfarin_1mg
        o_ap_after   | 2021-04-01 | clopidogrel_75mg
        # another antiplatelet without aspirin is enough: numerator
        o_other_ap   | 2021-03-31 | warfarin_1mg
        o_other_ap   | 2020-10-01 | prasugrel_10mg
        # a PPI in the period: gastro-protected
        o_ppi        | 2020-12-01 | apixaban_5mg
        o_ppi        | 2020-12-01 | ticagrelor_90mg
        o_ppi        | 2021-01-15 | omeprazole_10mg
        # a PPI the day after the period is not counted: numerator
        o_ppi_after  | 2020-12-01 | apixaban_5mg
        o_ppi_after  | 2020-12-01 | aspirin_75mg_dispersible
        o_ppi_after  | 2021-04-01 | lansoprazole_15mg
        # both antiplatelets and a PPI on the first day: gastro-protected
        o_ppi_start  | 2020-12-01 | warfarin_1mg
        o_ppi_start  | 2020-12-01 | aspirin_75mg_dispersible
        o_ppi_start  | 2020-12-01 | clopidogrel_75mg
        o_ppi_start  | 2020-10-01 | esomeprazole_20mg
        o_left       | 2020-12-01 | apixaban_5mg
        o_left       | 2020-12-01 | aspirin_75mg_dispersible
        """,
    )
    check(
        result,
        eligible="o_18 o_other_ap o_ppi o_ppi_after o_ppi_start",
        met="o_18 o_other_ap o_ppi_after",
        counts={
            "U00001": (3, 2, 0, 0, 3, 2 / 3),
            "A81001": (1, 1, 0, 0, 1, 1 / 1),  # o_18
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # o_other_ap met, o_ppi not
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # o_ppi_after met, o_ppi_start not
        },
    )


@spec("2020-21/SP-REF")
def test_2020_21_sp_ref(store):
    result = measure(
        store,
        "2020-21/SP-REF",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        s_start      | 1970-01-01  | female |               | A81001
        s_end        | 1970-01-01  | male   |               | A81001
        s_before     | 1970-01-01  | female |               | A81001
        s_after      | 1970-01-01  | male   |               | A81002
        s_baby       | 2020-01-01  | female |               | A81002  # any age is eligible
        s_died       | 1970-01-01  | male   | 2021-03-31    | A81003  # not alive on the end
        s_died_after | 1970-01-01  | female | 2021-04-01    | A81003  # alive on the end
        s_left       | 1970-01-01  | male   |               |
        s_joined     | 1970-01-01  | female |               |
        s_no_pcn     | 1970-01-01  | male   |               | B82003  # a practice in no PCN
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        s_left     | A81003        | 2000-01-01 | 2021-03-30  # left the day before the end
        s_joined   | A81003        | 2021-03-31 |             # joined on the last day
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        s_start      | 2020-10-01 | social_prescribing          # the first day: counted
        s_end        | 2021-03-31 | physical_activity_referral  # the last day: counted
        s_before     | 2020-09-30 | social_prescribing          # the day before: not
        s_after      | 2021-04-01 | social_prescribing          # the day after: not
        s_died       | 2020-11-01 | social_prescribing
        s_died_after | 2020-11-01 | social_prescribing
        s_left       | 2020-11-01 | social_prescribing
        s_no_pcn     | 2020-11-01 | social_prescribing
        """,
    )
    check(
        result,
        eligible="s_start s_end s_before s_after s_baby s_died_after s_joined s_no_pcn",
        met="s_start s_end s_died_after s_no_pcn",
        counts={
            "U00001": (5, 2, 0, 0, 5, 2 / 5),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # s_start, s_end met; s_before not
            "A81002": (2, 0, 0, 0, 2, 0 / 2),  # s_after, s_baby
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # s_died_after met, s_joined not
            "(no PCN)": (1, 1, 0, 0, 1, 1 / 1),
            "B82003": (1, 1, 0, 0, 1, 1 / 1),  # s_no_pcn
        },
    )


# ---- 2021-22 ----------------------------------------------------------------------------


@spec("2021-22/EHCH-01", "2022-23/EHCH-01")
def test_ehch_01(store, year):
    start = int(year[:4])  # the period is 1 April start to 31 March end
    end = start + 1
    result = measure(
        store,
        f"{year}/EHCH-01",
        f"""
        patient_id     | birth_month       | sex    | date_of_death | practice
        e_18           | {end - 18}-03-01  | female |               | A81001  # 18 on 31 March end
        e_17           | {end - 18}-04-01  | male   |               | A81001  # 17: not eligible
        e_starts_end   | 1940-01-01        | female |               | A81001
        e_ended_end    | 1940-01-01        | male   |               | A81002
        e_ended_before | 1940-01-01        | female |               | A81002
        e_starts_after | 1940-01-01        | male   |               | A81002
        e_code_after   | 1940-01-01        | female |               | A81003
        e_code_old     | 1940-01-01        | male   |               | A81003
        e_died         | 1940-01-01        | female | {end}-03-31   | A81003  # not alive on the end
        """,
        care_home_residences=f"""
        patient_id     | care_home_code | start_date    | end_date
        e_18           | VN1AB          | {start}-06-01 |
        e_17           | VN1AB          | {start}-06-01 |
        e_starts_end   | VN1AB          | {end}-03-31   |              # moved in on the last day
        e_ended_end    | VN1AB          | 2019-01-01    | {end}-03-31  # left on the last day: in
        e_ended_before | VN1AB          | 2019-01-01    | {end}-03-30  # left the day before: out
        e_starts_after | VN1AB          | {end}-04-01   |              # moved in the day after
        e_code_after   | VN2CD          | 2019-01-01    |
        e_code_old     | VN2CD          | 2019-01-01    |
        e_died         | VN2CD          | 2019-01-01    |
        """,
        clinical_events=f"""
        patient_id     | event_date    | snomed_code
        e_18           | {start}-07-01 | care_home_visit
        e_17           | {start}-07-01 | care_home_visit
        e_starts_end   | {end}-03-31   | permanent_nursing_home_care  # coded on the last day
        e_ended_before | {start}-07-01 | care_home_visit
        e_starts_after | {start}-07-01 | care_home_visit
        e_code_after   | {end}-04-01   | care_home_visit  # coded the day after: not counted
        e_code_old     | 2010-01-01    | care_home_visit  # any date up to the end counts
        e_died         | {start}-07-01 | care_home_visit
        """,
    )
    check(
        result,
        eligible="e_18 e_starts_end e_ended_end e_code_after e_code_old",
        met="e_18 e_starts_end e_code_old",
        counts={
            "U00001": (3, 2, 0, 0, 3, 2 / 3),
            "A81001": (2, 2, 0, 0, 2, 2 / 2),  # e_18, e_starts_end
            "A81002": (1, 0, 0, 0, 1, 0 / 1),  # e_ended_end: not coded
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # e_code_old met, e_code_after not
        },
    )


@spec("2021-22/EHCH-02")
def test_2021_22_ehch_02(store):
    # The numerator is the constant False (no public codelist for a personalised care and
    # support plan agreed or reviewed): every organisation with a denominator achieves 0.
    result = measure(
        store,
        "2021-22/EHCH-02",
        """
        patient_id     | birth_month | sex    | date_of_death | practice
        e_18           | 2004-03-01  | female |               | A81001  # 18 on 31 March 2022
        e_17           | 2004-04-01  | male   |               | A81001  # 17: not eligible
        e_coded        | 1940-01-01  | female |               | A81001
        e_ended_end    | 1940-01-01  | male   |               | A81002
        e_ended_before | 1940-01-01  | female |               | A81002
        e_c            | 1940-01-01  | male   |               | A81003
        e_died         | 1940-01-01  | female | 2022-03-31    | A81003  # not alive on the end
        """,
        care_home_residences="""
        patient_id     | care_home_code | start_date | end_date
        e_18           | VN1AB          | 2021-06-01 |
        e_17           | VN1AB          | 2021-06-01 |
        e_coded        | VN1AB          | 2021-06-01 |
        e_ended_end    | VN1AB          | 2019-01-01 | 2022-03-31  # left on the last day: in
        e_ended_before | VN1AB          | 2019-01-01 | 2022-03-30  # left the day before: out
        e_c            | VN2CD          | 2022-03-31 |             # moved in on the last day
        e_died         | VN2CD          | 2019-01-01 |
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        e_coded    | 2021-10-01 | care_home_visit  # coded as resident: still not a PCSP
        """,
    )
    check(
        result,
        eligible="e_18 e_coded e_ended_end e_c",
        met="",
        counts={
            "U00001": (3, 0, 0, 0, 3, 0.0),
            "A81001": (2, 0, 0, 0, 2, 0.0),  # e_18, e_coded
            "A81002": (1, 0, 0, 0, 1, 0.0),  # e_ended_end
            "U00002": (1, 0, 0, 0, 1, 0.0),
            "A81003": (1, 0, 0, 0, 1, 0.0),  # e_c
        },
    )


@spec("2021-22/HI-01")
def test_2021_22_hi_01(store):
    # The numerator is the constant False (no public codelist for the learning disability
    # health check or health action plan): every organisation with a denominator achieves 0.
    result = measure(
        store,
        "2021-22/HI-01",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        h_14         | 2008-03-01  | female |               | A81001  # 14 on 31 March 2022
        h_13         | 2008-04-01  | male   |               | A81001  # 13: not eligible
        h_code_end   | 1985-01-01  | female |               | A81002
        h_code_after | 1985-01-01  | male   |               | A81002
        h_died       | 1985-01-01  | female | 2022-03-31    | A81003  # not alive on the end
        h_old_code   | 1985-01-01  | male   |               | A81003
        h_left       | 1985-01-01  | female |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        h_left     | A81003        | 2000-01-01 | 2022-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        h_14         | 2015-01-01 | learning_disability
        h_13         | 2015-01-01 | learning_disability
        h_code_end   | 2022-03-31 | partial_trisomy_21   # coded on the last day: on it
        h_code_after | 2022-04-01 | learning_disability  # the day after: not on it
        h_died       | 2015-01-01 | learning_disability
        h_old_code   | 1999-01-01 | learning_disability
        h_left       | 2015-01-01 | learning_disability
        """,
    )
    check(
        result,
        eligible="h_14 h_code_end h_old_code",
        met="",
        counts={
            "U00001": (2, 0, 0, 0, 2, 0.0),
            "A81001": (1, 0, 0, 0, 1, 0.0),  # h_14
            "A81002": (1, 0, 0, 0, 1, 0.0),  # h_code_end
            "U00002": (1, 0, 0, 0, 1, 0.0),
            "A81003": (1, 0, 0, 0, 1, 0.0),  # h_old_code
        },
    )


@spec("2021-22/HI-02")
def test_2021_22_hi_02(store):
    result = measure(
        store,
        "2021-22/HI-02",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        r_english    | 1970-01-01  | female |               | A81001
        r_not_stated | 1970-01-01  | male   |               | A81001
        r_after      | 1970-01-01  | female |               | A81001
        r_none       | 1970-01-01  | male   |               | A81002
        r_refused    | 2021-06-01  | female |               | A81002  # any age: a baby
        r_died       | 1970-01-01  | male   | 2022-03-31    | A81003  # not alive on the end
        r_left       | 1970-01-01  | female |               |
        r_c          | 1970-01-01  | male   |               | A81003
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        r_left     | A81003        | 2000-01-01 | 2022-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        r_english    | 2000-01-01 | ethnicity_english     # long before the period: counts
        r_not_stated | 2022-03-31 | ethnicity_not_stated  # the last day; "not stated" counts
        r_after      | 2022-04-01 | ethnicity_english     # the day after: not counted
        r_refused    | 2021-07-01 | ethnicity_refused     # refusal counts
        r_died       | 2021-07-01 | ethnicity_english
        r_left       | 2021-07-01 | ethnicity_english
        r_c          | 2021-10-01 | ethnicity_english
        """,
    )
    check(
        result,
        eligible="r_english r_not_stated r_after r_none r_refused r_c",
        met="r_english r_not_stated r_refused r_c",
        counts={
            "U00001": (5, 3, 0, 0, 5, 3 / 5),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # r_english, r_not_stated met; r_after not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # r_refused met; r_none not
            "U00002": (1, 1, 0, 0, 1, 1 / 1),
            "A81003": (1, 1, 0, 0, 1, 1 / 1),  # r_c
        },
    )


@spec("2021-22/PC-01")
def test_2021_22_pc_01(store):
    result = measure(
        store,
        "2021-22/PC-01",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        p_start    | 1970-01-01  | female |               | A81001
        p_end      | 1970-01-01  | male   |               | A81001
        p_before   | 1970-01-01  | female |               | A81001
        p_after    | 1970-01-01  | male   |               | A81002
        p_died     | 1970-01-01  | female | 2022-03-31    | A81002  # not alive on the end
        p_none     | 2010-01-01  | male   |               | A81003
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        p_start    | 2021-10-01 | social_prescribing          # the first day: counted
        p_end      | 2022-03-31 | physical_activity_referral  # the last day: counted
        p_before   | 2021-09-30 | social_prescribing          # the day before: not
        p_after    | 2022-04-01 | social_prescribing          # the day after: not
        p_died     | 2021-11-01 | social_prescribing
        """,
    )
    check(
        result,
        eligible="p_start p_end p_before p_after p_none",
        met="p_start p_end",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # p_start, p_end met; p_before not
            "A81002": (1, 0, 0, 0, 1, 0 / 1),  # p_after
            "U00002": (1, 0, 0, 0, 1, 0 / 1),
            "A81003": (1, 0, 0, 0, 1, 0 / 1),  # p_none
        },
    )


@spec("2021-22/VI-01", "2022-23/VI-01", "2023-24/VI-01")
def test_vi_01(store, year):
    start = int(year[:4])  # the period is 1 April start to 31 March end
    end = start + 1
    result = measure(
        store,
        f"{year}/VI-01",
        f"""
        patient_id   | birth_month      | sex    | date_of_death | practice
        v_65         | {end - 65}-03-01 | female |               | A81001  # 65 on 31 March end
        v_64         | {end - 65}-04-01 | male   |               | A81001  # 64: not eligible
        v_before     | 1940-01-01       | female |               | A81001
        v_end        | 1940-01-01       | male   |               | A81002
        v_after      | 1940-01-01       | female |               | A81002
        v_died       | 1940-01-01       | male   | {end}-03-31   | A81003  # not alive on the end
        v_died_after | 1940-01-01       | female | {end}-04-01   | A81003  # alive on the end
        v_none       | 1940-01-01       | male   |               | A81003
        """,
        clinical_events=f"""
        patient_id   | event_date    | snomed_code
        v_65         | {start}-09-01 | flu_vaccination_other_provider  # the first day: counted
        v_64         | {start}-09-01 | flu_vaccination_other_provider
        v_before     | {start}-08-31 | flu_vaccination_other_provider  # the day before: not
        v_end        | {end}-03-31   | flu_vaccination_pharmacist      # the last day: counted
        v_after      | {end}-04-01   | flu_vaccination_pharmacist      # the day after: not
        v_died       | {start}-10-15 | flu_vaccination_pharmacist
        v_died_after | {start}-10-15 | flu_vaccination_pharmacist
        """,
    )
    check(
        result,
        eligible="v_65 v_before v_end v_after v_died_after v_none",
        met="v_65 v_end v_died_after",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (2, 1, 0, 0, 2, 1 / 2),  # v_65 met, v_before not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # v_end met, v_after not
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # v_died_after met, v_none not
        },
    )


@spec("2021-22/VI-02")
def test_2021_22_vi_02(store):
    # the denominator is every patient aged 18 to 64 (the at-risk groups are left out: the
    # definition's `incomplete` says why)
    result = measure(
        store,
        "2021-22/VI-02",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        w_18       | 2004-03-01  | female |               | A81001  # 18 on 31 March 2022
        w_17       | 2004-04-01  | male   |               | A81001  # 17: not eligible
        w_64       | 1957-04-01  | female |               | A81001  # 64 on 31 March 2022
        w_65       | 1957-03-01  | male   |               | A81002  # 65: not eligible
        w_before   | 1980-01-01  | female |               | A81002
        w_end      | 1980-01-01  | male   |               | A81002
        w_after    | 1980-01-01  | female |               | A81003
        w_left     | 1980-01-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        w_left     | A81003        | 2000-01-01 | 2022-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        w_18       | 2021-09-01 | flu_vaccination_other_provider  # the first day: counted
        w_17       | 2021-09-01 | flu_vaccination_other_provider
        w_65       | 2021-09-01 | flu_vaccination_other_provider
        w_before   | 2021-08-31 | flu_vaccination_pharmacist      # the day before: not
        w_end      | 2022-03-31 | flu_vaccination_pharmacist      # the last day: counted
        w_after    | 2022-04-01 | flu_vaccination_pharmacist      # the day after: not
        w_left     | 2021-10-01 | flu_vaccination_pharmacist
        """,
    )
    check(
        result,
        eligible="w_18 w_64 w_before w_end w_after",
        met="w_18 w_end",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (2, 1, 0, 0, 2, 1 / 2),  # w_18 met, w_64 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # w_end met, w_before not
            "U00002": (1, 0, 0, 0, 1, 0 / 1),
            "A81003": (1, 0, 0, 0, 1, 0 / 1),  # w_after
        },
    )


@spec("2021-22/VI-03")
def test_2021_22_vi_03(store):
    # age is taken on 31 August 2021, not on the period end
    result = measure(
        store,
        "2021-22/VI-03",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        c_2        | 2019-08-01  | female |               | A81001  # 2 on 31 August 2021
        c_1        | 2019-09-01  | male   |               | A81001  # 1 then (2 at the end)
        c_3        | 2017-09-01  | female |               | A81001  # 3 on 31 August 2021
        c_4        | 2017-08-01  | male   |               | A81002  # 4 then: not eligible
        c_before   | 2018-06-01  | female |               | A81002
        c_end      | 2018-06-01  | male   |               | A81002
        c_after    | 2018-06-01  | female |               | A81003
        c_joined   | 2018-06-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        c_joined   | A81003        | 2022-03-31 |             # joined on the last day
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        c_2        | 2021-09-01 | flu_intranasal_first  # the first day: counted
        c_1        | 2021-09-01 | flu_intranasal_first
        c_4        | 2021-09-01 | flu_intranasal_first
        c_before   | 2021-08-31 | flu_intranasal_first  # the day before: not
        c_end      | 2022-03-31 | flu_intranasal_first  # the last day: counted
        c_after    | 2022-04-01 | flu_intranasal_first  # the day after: not
        c_joined   | 2021-10-01 | flu_vaccination_other_provider
        """,
    )
    check(
        result,
        eligible="c_2 c_3 c_before c_end c_after c_joined",
        met="c_2 c_end c_joined",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (2, 1, 0, 0, 2, 1 / 2),  # c_2 met, c_3 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # c_end met, c_before not
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # c_joined met, c_after not
        },
    )


# ---- 2022-23 ----------------------------------------------------------------------------


@spec("2022-23/AC-02")
def test_2022_23_ac_02(store):
    # the denominator is registered_on(period_end) only: no age and no alive rule
    result = measure(
        store,
        "2022-23/AC-02",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        a_start    | 1950-01-01  | female |               | A81001
        a_end      | 1950-01-01  | male   |               | A81001
        a_before   | 1950-01-01  | female |               | A81001
        a_after    | 1950-01-01  | male   |               | A81002
        a_elective | 1950-01-01  | female |               | A81002
        a_other    | 1950-01-01  | male   |               | A81002
        a_two      | 1950-01-01  | female |               | A81003
        a_died     | 1950-01-01  | male   | 2022-12-01    | A81003  # registration left open
        a_left     | 1950-01-01  | female |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        a_left     | A81003        | 2000-01-01 | 2023-03-30  # left the day before the end
        """,
        hospital_spells="""
        patient_id | admission_date | admission_method
        a_start    | 2022-04-01     | emergency  # the first day: counted
        a_end      | 2023-03-31     | emergency  # the last day: counted
        a_before   | 2022-03-31     | emergency  # the day before: not
        a_after    | 2023-04-01     | emergency  # the day after: not
        a_elective | 2022-06-01     | elective   # not an emergency
        a_other    | 2022-06-01     | other      # not an emergency
        a_two      | 2022-06-01     | emergency  # two admissions: one patient
        a_two      | 2022-09-01     | emergency
        a_died     | 2022-11-20     | emergency
        a_left     | 2022-06-01     | emergency
        """,
    )
    check(
        result,
        eligible="a_start a_end a_before a_after a_elective a_other a_two a_died",
        met="a_start a_end a_two a_died",
        counts={
            "U00001": (6, 2, 0, 0, 6, 2 / 6),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # a_start, a_end met; a_before not
            "A81002": (3, 0, 0, 0, 3, 0 / 3),  # a_after, a_elective, a_other
            "U00002": (2, 2, 0, 0, 2, 2 / 2),
            "A81003": (2, 2, 0, 0, 2, 2 / 2),  # a_two, a_died (no alive rule)
        },
    )


@spec("2022-23/CAN-01")
def test_2022_23_can_01(store):
    # a FIT result from 7 days before to 14 days after a referral made in the period
    result = measure(
        store,
        "2022-23/CAN-01",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        k_start      | 1950-01-01  | female |               | A81001
        k_minus8     | 1950-01-01  | male   |               | A81001
        k_plus14     | 1950-01-01  | female |               | A81001
        k_plus15     | 1950-01-01  | male   |               | A81002
        k_same_day   | 1950-01-01  | female |               | A81002
        k_ref_before | 1950-01-01  | male   |               | A81002
        k_ref_after  | 1950-01-01  | female |               | A81002
        k_two        | 1950-01-01  | male   |               | A81003
        k_two_in     | 1950-01-01  | female |               | A81003
        k_died       | 1950-01-01  | male   | 2022-12-01    | A81003  # registration left open
        k_left       | 1950-01-01  | female |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        k_left     | A81001        | 2000-01-01 | 2023-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        # referral on the first day, FIT 7 days before (before the period): numerator
        k_start      | 2022-04-01 | colorectal_referral
        k_start      | 2022-03-25 | fit_test
        # FIT 8 days before: not
        k_minus8     | 2022-06-10 | colorectal_referral
        k_minus8     | 2022-06-02 | fit_test
        # referral on the last day, FIT 14 days after (after the period): numerator
        k_plus14     | 2023-03-31 | lower_gi_referral
        k_plus14     | 2023-04-14 | fit_test
        # FIT 15 days after: not
        k_plus15     | 2022-06-10 | lower_gi_referral
        k_plus15     | 2022-06-25 | fit_test
        k_same_day   | 2022-06-10 | lower_gi_referral
        k_same_day   | 2022-06-10 | fit_test
        # referrals the day before and the day after the period: not eligible
        k_ref_before | 2022-03-31 | colorectal_referral
        k_ref_before | 2022-03-31 | fit_test
        k_ref_after  | 2023-04-01 | colorectal_referral
        k_ref_after  | 2023-04-01 | fit_test
        # the FIT belongs to a referral before the period, the one in it has none: not
        k_two        | 2022-03-31 | colorectal_referral
        k_two        | 2022-03-30 | fit_test
        k_two        | 2022-05-20 | colorectal_referral
        # two referrals in the period, the second with a FIT 7 days after: numerator
        k_two_in     | 2022-07-01 | colorectal_referral
        k_two_in     | 2022-09-01 | lower_gi_referral
        k_two_in     | 2022-09-08 | fit_test
        k_died       | 2022-10-01 | colorectal_referral
        k_died       | 2022-10-02 | fit_test
        k_left       | 2022-10-01 | colorectal_referral
        k_left       | 2022-10-02 | fit_test
        """,
    )
    check(
        result,
        eligible="k_start k_minus8 k_plus14 k_plus15 k_same_day k_two k_two_in k_died",
        met="k_start k_plus14 k_same_day k_two_in k_died",
        counts={
            "U00001": (5, 3, 0, 0, 5, 3 / 5),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # k_start, k_plus14 met; k_minus8 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # k_same_day met; k_plus15 not
            "U00002": (3, 2, 0, 0, 3, 2 / 3),
            "A81003": (3, 2, 0, 0, 3, 2 / 3),  # k_two_in, k_died met; k_two not
        },
    )


@spec("2022-23/PC-01")
def test_2022_23_pc_01(store):
    result = measure(
        store,
        "2022-23/PC-01",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        p_start    | 1970-01-01  | female |               | A81001
        p_end      | 1970-01-01  | male   |               | A81001
        p_before   | 1970-01-01  | female |               | A81001
        p_after    | 1970-01-01  | male   |               | A81002
        p_died     | 1970-01-01  | female | 2023-03-31    | A81002  # not alive on the end
        p_joined   | 2010-01-01  | male   |               |
        p_left     | 1970-01-01  | female |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        p_joined   | A81003        | 2023-03-31 |             # joined on the last day
        p_left     | A81003        | 2000-01-01 | 2023-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        p_start    | 2022-04-01 | social_prescribing          # the first day: counted
        p_end      | 2023-03-31 | physical_activity_referral  # the last day: counted
        p_before   | 2022-03-31 | social_prescribing          # the day before: not
        p_after    | 2023-04-01 | social_prescribing          # the day after: not
        p_died     | 2022-11-01 | social_prescribing
        p_joined   | 2022-11-01 | social_prescribing          # referred before joining
        p_left     | 2022-11-01 | social_prescribing
        """,
    )
    check(
        result,
        eligible="p_start p_end p_before p_after p_joined",
        met="p_start p_end p_joined",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # p_start, p_end met; p_before not
            "A81002": (1, 0, 0, 0, 1, 0 / 1),  # p_after
            "U00002": (1, 1, 0, 0, 1, 1 / 1),
            "A81003": (1, 1, 0, 0, 1, 1 / 1),  # p_joined
        },
    )


@spec("2022-23/SMR-01")
def test_2022_23_smr_01(store):
    # the cohort is a placeholder (see its `incomplete`): every registered, living patient,
    # with a structured medication review in the period as the numerator
    result = measure(
        store,
        "2022-23/SMR-01",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        m_start    | 1950-01-01  | female |               | A81001
        m_end      | 1950-01-01  | male   |               | A81001
        m_before   | 1950-01-01  | female |               | A81001
        m_after    | 1950-01-01  | male   |               | A81002
        m_died     | 1950-01-01  | female | 2023-03-31    | A81002  # not alive on the end
        m_c        | 1950-01-01  | male   |               | A81003
        m_none     | 1990-01-01  | female |               | A81003
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        m_start    | 2022-04-01 | smr  # the first day: counted
        m_end      | 2023-03-31 | smr  # the last day: counted
        m_before   | 2022-03-31 | smr  # the day before: not
        m_after    | 2023-04-01 | smr  # the day after: not
        m_died     | 2022-10-01 | smr
        m_c        | 2022-10-01 | smr
        """,
    )
    check(
        result,
        eligible="m_start m_end m_before m_after m_c m_none",
        met="m_start m_end m_c",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # m_start, m_end met; m_before not
            "A81002": (1, 0, 0, 0, 1, 0 / 1),  # m_after
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # m_c met, m_none not
        },
    )


@spec("2022-23/VI-02")
def test_2022_23_vi_02(store):
    # every patient aged 18 to 64 (the at-risk groups are left out: see its `incomplete`)
    result = measure(
        store,
        "2022-23/VI-02",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        w_18       | 2005-03-01  | female |               | A81001  # 18 on 31 March 2023
        w_17       | 2005-04-01  | male   |               | A81001  # 17: not eligible
        w_64       | 1958-04-01  | female |               | A81001  # 64 on 31 March 2023
        w_65       | 1958-03-01  | male   |               | A81002  # 65: not eligible
        w_before   | 1980-01-01  | female |               | A81002
        w_end      | 1980-01-01  | male   |               | A81002
        w_after    | 1980-01-01  | female |               | A81003
        w_died     | 1980-01-01  | male   | 2023-03-31    | A81003  # not alive on the end
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        w_18       | 2022-09-01 | flu_vaccination_other_provider  # the first day: counted
        w_17       | 2022-09-01 | flu_vaccination_other_provider
        w_65       | 2022-09-01 | flu_vaccination_other_provider
        w_before   | 2022-08-31 | flu_vaccination_pharmacist      # the day before: not
        w_end      | 2023-03-31 | flu_vaccination_pharmacist      # the last day: counted
        w_after    | 2023-04-01 | flu_vaccination_pharmacist      # the day after: not
        w_died     | 2022-10-01 | flu_vaccination_pharmacist
        """,
    )
    check(
        result,
        eligible="w_18 w_64 w_before w_end w_after",
        met="w_18 w_end",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (2, 1, 0, 0, 2, 1 / 2),  # w_18 met, w_64 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # w_end met, w_before not
            "U00002": (1, 0, 0, 0, 1, 0 / 1),
            "A81003": (1, 0, 0, 0, 1, 0 / 1),  # w_after
        },
    )


@spec("2022-23/VI-03")
def test_2022_23_vi_03(store):
    # age is taken on 31 August 2022, not on the period end
    result = measure(
        store,
        "2022-23/VI-03",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        c_2        | 2020-08-01  | female |               | A81001  # 2 on 31 August 2022
        c_1        | 2020-09-01  | male   |               | A81001  # 1 then (2 at the end)
        c_3        | 2018-09-01  | female |               | A81001  # 3 on 31 August 2022
        c_4        | 2018-08-01  | male   |               | A81002  # 4 then: not eligible
        c_before   | 2019-06-01  | female |               | A81002
        c_end      | 2019-06-01  | male   |               | A81002
        c_after    | 2019-06-01  | female |               | A81003
        c_left     | 2019-06-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        c_left     | A81003        | 2019-06-01 | 2023-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        c_2        | 2022-09-01 | flu_intranasal_first  # the first day: counted
        c_1        | 2022-09-01 | flu_intranasal_first
        c_4        | 2022-09-01 | flu_intranasal_first
        c_before   | 2022-08-31 | flu_intranasal_first  # the day before: not
        c_end      | 2023-03-31 | flu_intranasal_first  # the last day: counted
        c_after    | 2023-04-01 | flu_intranasal_first  # the day after: not
        c_left     | 2022-10-01 | flu_vaccination_other_provider
        """,
    )
    check(
        result,
        eligible="c_2 c_3 c_before c_end c_after",
        met="c_2 c_end",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (2, 1, 0, 0, 2, 1 / 2),  # c_2 met, c_3 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # c_end met, c_before not
            "U00002": (1, 0, 0, 0, 1, 0 / 1),
            "A81003": (1, 0, 0, 0, 1, 0 / 1),  # c_after
        },
    )


# ---- 2023-24 ----------------------------------------------------------------------------


@spec("2023-24/ACC-08")
def test_2023_24_acc_08(store):
    # patients with an appointment in the period; numerator: every one of their appointments
    # in the period booked 14 days or fewer ahead (any status, mode or professional)
    result = measure(
        store,
        "2023-24/ACC-08",
        """
        patient_id     | birth_month | sex    | date_of_death | practice
        q_14           | 1970-01-01  | female |               | A81001
        q_15           | 1970-01-01  | male   |               | A81001
        q_same_day     | 1970-01-01  | female |               | A81001
        q_mixed        | 1970-01-01  | male   |               | A81002
        q_outside      | 1970-01-01  | female |               | A81002
        q_only_outside | 1970-01-01  | male   |               | A81002
        q_dna          | 1970-01-01  | female |               | A81003
        q_left         | 1970-01-01  | male   |               |
        q_no_pcn       | 1970-01-01  | female |               | B82003  # a practice in no PCN
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        q_left     | A81003        | 2000-01-01 | 2024-03-30  # left the day before the end
        """,
        gp_appointments="""
        appointment_id | patient_id     | practice_code | appointment_date | mode         | hcp_type | status         | booked_to_seen_days
        g1             | q_14           | A81001        | 2023-04-01       | face_to_face | gp       | attended       | 14
        g2             | q_15           | A81001        | 2024-03-31       | telephone    | gp       | attended       | 15
        g3             | q_same_day     | A81001        | 2023-06-01       | face_to_face | other_practice_staff | attended | 0
        g4             | q_mixed        | A81002        | 2023-06-01       | face_to_face | gp       | attended       | 3
        g5             | q_mixed        | A81002        | 2023-07-01       | face_to_face | gp       | attended       | 15
        g6             | q_outside      | A81002        | 2023-03-31       | face_to_face | gp       | attended       | 20
        g7             | q_outside      | A81002        | 2023-06-01       | video_online | gp       | attended       | 2
        g8             | q_only_outside | A81002        | 2024-04-01       | face_to_face | gp       | attended       | 1
        g9             | q_dna          | A81003        | 2023-09-01       | face_to_face | gp       | did_not_attend | 30
        g10            | q_left         | A81003        | 2023-09-01       | face_to_face | gp       | attended       | 1
        g11            | q_no_pcn       | B82003        | 2023-09-01       | home_visit   | gp       | attended       | 1
        """,  # noqa: E501
    )
    # q_14: one appointment on the first day, 14 days: numerator
    # q_15: one on the last day, 15 days: eligible, not the numerator
    # q_mixed: one within two weeks and one not: not the numerator
    # q_outside: the 20-day wait was the day before the period: numerator
    # q_only_outside: an appointment only the day after the period: not eligible
    # q_dna: did not attend, still counted: eligible, 30 days: not the numerator
    check(
        result,
        eligible="q_14 q_15 q_same_day q_mixed q_outside q_dna q_no_pcn",
        met="q_14 q_same_day q_outside q_no_pcn",
        counts={
            "U00001": (5, 3, 0, 0, 5, 3 / 5),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # q_14, q_same_day met; q_15 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # q_outside met; q_mixed not
            "U00002": (1, 0, 0, 0, 1, 0 / 1),
            "A81003": (1, 0, 0, 0, 1, 0 / 1),  # q_dna
            "(no PCN)": (1, 1, 0, 0, 1, 1 / 1),
            "B82003": (1, 1, 0, 0, 1, 1 / 1),  # q_no_pcn
        },
    )


@spec("2023-24/CAN-02")
def test_2023_24_can_02(store):
    # a FIT result on the referral date or in the 21 days before it
    result = measure(
        store,
        "2023-24/CAN-02",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        g_start      | 1950-01-01  | female |               | A81001
        g_minus22    | 1950-01-01  | male   |               | A81001
        g_same_day   | 1950-01-01  | female |               | A81001
        g_fit_after  | 1950-01-01  | male   |               | A81002
        g_ref_before | 1950-01-01  | female |               | A81002
        g_ref_after  | 1950-01-01  | male   |               | A81002
        g_two        | 1950-01-01  | female |               | A81003
        g_left       | 1950-01-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        g_left     | A81003        | 2000-01-01 | 2024-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        # referral on the first day, FIT 21 days before (before the period): numerator
        g_start      | 2023-04-01 | colorectal_referral
        g_start      | 2023-03-11 | fit_test
        # FIT 22 days before: not
        g_minus22    | 2023-06-23 | colorectal_referral
        g_minus22    | 2023-06-01 | fit_test
        # referral and FIT on the last day: numerator
        g_same_day   | 2024-03-31 | lower_gi_referral
        g_same_day   | 2024-03-31 | fit_test
        # FIT the day after the referral: not
        g_fit_after  | 2023-06-10 | lower_gi_referral
        g_fit_after  | 2023-06-11 | fit_test
        # referrals the day before and the day after the period: not eligible
        g_ref_before | 2023-03-31 | colorectal_referral
        g_ref_before | 2023-03-30 | fit_test
        g_ref_after  | 2024-04-01 | colorectal_referral
        g_ref_after  | 2024-03-31 | fit_test
        # two referrals, the second with a FIT 20 days before: numerator
        g_two        | 2023-05-01 | colorectal_referral
        g_two        | 2023-08-21 | colorectal_referral
        g_two        | 2023-08-01 | fit_test
        g_left       | 2023-08-21 | colorectal_referral
        g_left       | 2023-08-20 | fit_test
        """,
    )
    check(
        result,
        eligible="g_start g_minus22 g_same_day g_fit_after g_two",
        met="g_start g_same_day g_two",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # g_start, g_same_day met; g_minus22 not
            "A81002": (1, 0, 0, 0, 1, 0 / 1),  # g_fit_after
            "U00002": (1, 1, 0, 0, 1, 1 / 1),
            "A81003": (1, 1, 0, 0, 1, 1 / 1),  # g_two
        },
    )


@spec("2023-24/HI-03")
def test_2023_24_hi_03(store):
    # The numerator is `... & False` (no public codelist for the learning disability health
    # check or the health action plan): 0 achievement, even with ethnicity recorded.
    result = measure(
        store,
        "2023-24/HI-03",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        i_14         | 2010-03-01  | female |               | A81001  # 14 on 31 March 2024
        i_13         | 2010-04-01  | male   |               | A81001  # 13: not eligible
        i_code_end   | 1985-01-01  | female |               | A81002
        i_code_after | 1985-01-01  | male   |               | A81002
        i_died       | 1985-01-01  | female | 2024-03-31    | A81003  # not alive on the end
        i_c          | 1985-01-01  | male   |               | A81003
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        i_14         | 2015-01-01 | learning_disability
        i_14         | 2015-01-01 | ethnicity_english
        i_13         | 2015-01-01 | learning_disability
        i_code_end   | 2024-03-31 | partial_trisomy_21   # coded on the last day: on it
        i_code_after | 2024-04-01 | learning_disability  # the day after: not on it
        i_died       | 2015-01-01 | learning_disability
        i_c          | 2015-01-01 | learning_disability
        i_c          | 2023-06-01 | ethnicity_not_stated
        """,
    )
    check(
        result,
        eligible="i_14 i_code_end i_c",
        met="",
        counts={
            "U00001": (2, 0, 0, 0, 2, 0.0),
            "A81001": (1, 0, 0, 0, 1, 0.0),  # i_14
            "A81002": (1, 0, 0, 0, 1, 0.0),  # i_code_end
            "U00002": (1, 0, 0, 0, 1, 0.0),
            "A81003": (1, 0, 0, 0, 1, 0.0),  # i_c
        },
    )


@spec("2023-24/VI-02")
def test_2023_24_vi_02(store):
    # every patient aged 18 to 64 (the at-risk groups are left out: see its `incomplete`)
    result = measure(
        store,
        "2023-24/VI-02",
        """
        patient_id | birth_month | sex    | date_of_death | practice
        w_18       | 2006-03-01  | female |               | A81001  # 18 on 31 March 2024
        w_17       | 2006-04-01  | male   |               | A81001  # 17: not eligible
        w_64       | 1959-04-01  | female |               | A81001  # 64 on 31 March 2024
        w_65       | 1959-03-01  | male   |               | A81002  # 65: not eligible
        w_before   | 1980-01-01  | female |               | A81002
        w_end      | 1980-01-01  | male   |               | A81002
        w_after    | 1980-01-01  | female |               | A81003
        w_joined   | 1980-01-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        w_joined   | A81003        | 2024-03-31 |             # joined on the last day
        """,
        clinical_events="""
        patient_id | event_date | snomed_code
        w_18       | 2023-09-01 | flu_vaccination_other_provider  # the first day: counted
        w_17       | 2023-09-01 | flu_vaccination_other_provider
        w_65       | 2023-09-01 | flu_vaccination_other_provider
        w_before   | 2023-08-31 | flu_vaccination_pharmacist      # the day before: not
        w_end      | 2024-03-31 | flu_vaccination_pharmacist      # the last day: counted
        w_after    | 2024-04-01 | flu_vaccination_pharmacist      # the day after: not
        w_joined   | 2023-10-01 | flu_vaccination_pharmacist      # vaccinated before joining
        """,
    )
    check(
        result,
        eligible="w_18 w_64 w_before w_end w_after w_joined",
        met="w_18 w_end w_joined",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (2, 1, 0, 0, 2, 1 / 2),  # w_18 met, w_64 not
            "A81002": (2, 1, 0, 0, 2, 1 / 2),  # w_end met, w_before not
            "U00002": (2, 1, 0, 0, 2, 1 / 2),
            "A81003": (2, 1, 0, 0, 2, 1 / 2),  # w_joined met, w_after not
        },
    )


# ---- 2024-25 ----------------------------------------------------------------------------


@spec("2024-25/CAN-02")
def test_2024_25_can_02(store):
    # April to September 2024; a FIT result on the referral date or in the 21 days before it
    result = measure(
        store,
        "2024-25/CAN-02",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        t_start      | 1950-01-01  | female |               | A81001
        t_end        | 1950-01-01  | male   |               | A81001
        t_minus22    | 1950-01-01  | female |               | A81001
        t_fit_after  | 1950-01-01  | male   |               | A81002
        t_ref_before | 1950-01-01  | female |               | A81002
        t_ref_after  | 1950-01-01  | male   |               | A81002
        t_left       | 1950-01-01  | female |               |
        t_joined     | 1950-01-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        t_left     | A81003        | 2000-01-01 | 2024-09-29  # left the day before the end
        t_joined   | A81003        | 2024-09-30 |             # joined on the last day
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        # referral on the first day, FIT 21 days before: numerator
        t_start      | 2024-04-01 | colorectal_referral
        t_start      | 2024-03-11 | fit_test
        # referral on the last day, FIT 21 days before: numerator
        t_end        | 2024-09-30 | lower_gi_referral
        t_end        | 2024-09-09 | fit_test
        # FIT 22 days before: not
        t_minus22    | 2024-06-23 | colorectal_referral
        t_minus22    | 2024-06-01 | fit_test
        # FIT the day after: not
        t_fit_after  | 2024-06-10 | colorectal_referral
        t_fit_after  | 2024-06-11 | fit_test
        # referrals the day before and the day after the period: not eligible
        t_ref_before | 2024-03-31 | colorectal_referral
        t_ref_before | 2024-03-31 | fit_test
        t_ref_after  | 2024-10-01 | colorectal_referral
        t_ref_after  | 2024-09-30 | fit_test
        t_left       | 2024-05-01 | colorectal_referral
        t_left       | 2024-04-20 | fit_test
        t_joined     | 2024-05-01 | colorectal_referral
        t_joined     | 2024-04-20 | fit_test
        """,
    )
    check(
        result,
        eligible="t_start t_end t_minus22 t_fit_after t_joined",
        met="t_start t_end t_joined",
        counts={
            "U00001": (4, 2, 0, 0, 4, 2 / 4),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # t_start, t_end met; t_minus22 not
            "A81002": (1, 0, 0, 0, 1, 0 / 1),  # t_fit_after
            "U00002": (1, 1, 0, 0, 1, 1 / 1),
            "A81003": (1, 1, 0, 0, 1, 1 / 1),  # t_joined
        },
    )


@spec("2024-25/CAN-04")
def test_2024_25_can_04(store):
    # October 2024 to March 2025; a FIT result on the referral date or in the 21 days before
    result = measure(
        store,
        "2024-25/CAN-04",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        u_start      | 1950-01-01  | female |               | A81001
        u_end        | 1950-01-01  | male   |               | A81001
        u_minus22    | 1950-01-01  | female |               | A81001
        u_ref_before | 1950-01-01  | male   |               | A81002
        u_ref_after  | 1950-01-01  | female |               | A81002
        u_two        | 1950-01-01  | male   |               | A81002
        u_died       | 1950-01-01  | female | 2025-01-10    | A81003  # registration left open
        u_no_pcn     | 1950-01-01  | male   |               | B82003  # a practice in no PCN
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        # referral on the first day, FIT 21 days before (in CAN-02's period): numerator
        u_start      | 2024-10-01 | colorectal_referral
        u_start      | 2024-09-10 | fit_test
        # referral and FIT on the last day: numerator
        u_end        | 2025-03-31 | lower_gi_referral
        u_end        | 2025-03-31 | fit_test
        # FIT 22 days before: not
        u_minus22    | 2024-11-23 | colorectal_referral
        u_minus22    | 2024-11-01 | fit_test
        # referrals the day before (CAN-02's last day) and the day after: not eligible
        u_ref_before | 2024-09-30 | colorectal_referral
        u_ref_before | 2024-09-30 | fit_test
        u_ref_after  | 2025-04-01 | colorectal_referral
        u_ref_after  | 2025-03-31 | fit_test
        # two referrals, the second with a FIT 21 days before: numerator
        u_two        | 2024-10-15 | colorectal_referral
        u_two        | 2025-01-22 | colorectal_referral
        u_two        | 2025-01-01 | fit_test
        # no FIT: eligible, not the numerator (the denominator has no alive rule)
        u_died       | 2024-12-01 | colorectal_referral
        u_no_pcn     | 2024-12-01 | colorectal_referral
        u_no_pcn     | 2024-11-25 | fit_test
        """,
    )
    check(
        result,
        eligible="u_start u_end u_minus22 u_two u_died u_no_pcn",
        met="u_start u_end u_two u_no_pcn",
        counts={
            "U00001": (4, 3, 0, 0, 4, 3 / 4),
            "A81001": (3, 2, 0, 0, 3, 2 / 3),  # u_start, u_end met; u_minus22 not
            "A81002": (1, 1, 0, 0, 1, 1 / 1),  # u_two
            "U00002": (1, 0, 0, 0, 1, 0 / 1),
            "A81003": (1, 0, 0, 0, 1, 0 / 1),  # u_died
            "(no PCN)": (1, 1, 0, 0, 1, 1 / 1),
            "B82003": (1, 1, 0, 0, 1, 1 / 1),  # u_no_pcn
        },
    )


@spec("2024-25/HI-03")
def test_2024_25_hi_03(store):
    # The numerator is `... & False` (no public codelist for the learning disability health
    # check or the health action plan): 0 achievement, even with ethnicity recorded.
    result = measure(
        store,
        "2024-25/HI-03",
        """
        patient_id   | birth_month | sex    | date_of_death | practice
        i_14         | 2011-03-01  | female |               | A81001  # 14 on 31 March 2025
        i_13         | 2011-04-01  | male   |               | A81001  # 13: not eligible
        i_code_end   | 1985-01-01  | female |               | A81002
        i_code_after | 1985-01-01  | male   |               | A81002
        i_died_after | 1985-01-01  | female | 2025-04-01    | A81003  # alive on the end
        i_left       | 1985-01-01  | male   |               |
        """,
        registrations="""
        patient_id | practice_code | start_date | end_date
        i_left     | A81003        | 2000-01-01 | 2025-03-30  # left the day before the end
        """,
        clinical_events="""
        patient_id   | event_date | snomed_code
        i_14         | 2015-01-01 | learning_disability
        i_14         | 2015-01-01 | ethnicity_refused
        i_13         | 2015-01-01 | learning_disability
        i_code_end   | 2025-03-31 | partial_trisomy_21   # coded on the last day: on it
        i_code_after | 2025-04-01 | learning_disability  # the day after: not on it
        i_died_after | 2015-01-01 | learning_disability
        i_died_after | 2015-01-01 | ethnicity_english
        i_left       | 2015-01-01 | learning_disability
        """,
    )
    check(
        result,
        eligible="i_14 i_code_end i_died_after",
        met="",
        counts={
            "U00001": (2, 0, 0, 0, 2, 0.0),
            "A81001": (1, 0, 0, 0, 1, 0.0),  # i_14
            "A81002": (1, 0, 0, 0, 1, 0.0),  # i_code_end
            "U00002": (1, 0, 0, 0, 1, 0.0),
            "A81003": (1, 0, 0, 0, 1, 0.0),  # i_died_after
        },
    )


# ---- the scoring of a complete indicator ------------------------------------------------

FIXTURE_SOURCE = {
    "title": "test fixture, not an NHS England value",
    "publisher": "neighbourhood tests",
    "url": "https://example.org/neighbourhood-test-fixture",
    "kind": "secondary",
}

FIXTURE_YEAR = YearValues(
    year="2021-22",
    pound_per_point=Sourced(200, source="fixture"),
    max_points=Sourced(225, source="fixture"),
    average_pcn_list_size=Sourced(None, not_found="supplied as a setting by the test"),
    sources={"fixture": FIXTURE_SOURCE},
)


def complete_copy(tmp_path: Path, key: str) -> dict:
    """The shipped definition copied with `status: complete`, its one missing value
    (prevalence_adjusted) filled as a labelled test fixture: false, source `fixture`."""
    document = yaml.safe_load((definitions_folder() / f"{key}.yaml").read_text("utf-8"))
    missing = [name for name, v in document["values"].items() if v["value"] is None]
    assert missing == ["prevalence_adjusted"]
    document["status"] = "complete"
    del document["incomplete"]
    document["sources"]["fixture"] = FIXTURE_SOURCE
    document["values"]["prevalence_adjusted"] = {"value": False, "source": "fixture"}
    folder = tmp_path / "definitions" / key.split("/")[0]
    folder.mkdir(parents=True)
    (folder / f"{key.split('/')[1]}.yaml").write_text(yaml.safe_dump(document), "utf-8")
    return {i.id: i for i in load_definitions(tmp_path / "definitions").values()}


def fifty_and_fifty(vaccinated: int) -> dict[str, list[dict[str, Any]]]:
    """100 patients at A81001 (U00001), registered since 2000: 50 aged 65 or over (born
    1940) of whom the first `vaccinated` had a flu vaccination on 1 October 2021, and 50 aged
    31 (born 1990: on the list, not in VI-01's denominator)."""
    patients, registrations, events = [], [], []
    for i in range(100):
        pid = f"p{i:03d}"
        born = dt.date(1940, 1, 1) if i < 50 else dt.date(1990, 1, 1)
        patients.append({"patient_id": pid, "birth_month": born, "sex": "female"})
        registrations.append(
            {"patient_id": pid, "practice_code": "A81001", "start_date": dt.date(2000, 1, 1)}
        )
        if i < vaccinated:
            code = CODES["flu_vaccination_other_provider"].code
            events.append({"patient_id": pid, "event_date": dt.date(2021, 10, 1),
                           "snomed_code": code})  # fmt: skip
    return {"patients": patients, "registrations": registrations, "clinical_events": events,
            "org_memberships": ORGANISATIONS}  # fmt: skip


@pytest.mark.parametrize(
    ("vaccinated", "achievement", "points", "pounds"),
    [
        # 2021-22 VI-01: lower threshold 80%, upper 86%, 40 points, direction higher.
        # Pounds: points x £200 x list size 100 / average list size 80 (x 1.25).
        (39, 39 / 50, 0.0, "0.00"),  # 78%: below the lower threshold
        (40, 40 / 50, 0.0, "0.00"),  # 80%: at the lower threshold, nothing yet
        (41, 41 / 50, 13.3333, "3333.33"),  # 82%: 40 x 2/6 = 13.33; x 250 = 3,333.33
        (42, 42 / 50, 26.6667, "6666.67"),  # 84%: 40 x 4/6 = 26.67; x 250 = 6,666.67
        (43, 43 / 50, 40.0, "10000.00"),  # 86%: at the upper threshold, all 40
        (45, 45 / 50, 40.0, "10000.00"),  # 90%: above it, still 40
    ],
)
def test_a_complete_copy_of_vi_01_scores_on_the_linear_scale(
    store, tmp_path, vaccinated, achievement, points, pounds
):
    chosen = complete_copy(tmp_path, "2021-22/VI-01")
    indicator = chosen["VI-01"]
    assert indicator.payable
    assert (indicator.value("lower_threshold"), indicator.value("upper_threshold")) == (0.8, 0.86)
    assert (indicator.value("points"), indicator.value("direction")) == (40, "higher")
    store.load(fifty_and_fifty(vaccinated))
    [result] = measure_year(
        store.engine, "2021-22", definitions=chosen, values=FIXTURE_YEAR,
        settings=Settings(average_pcn_list_size=80),
    )  # fmt: skip
    assert result.warnings == ()
    pcn = next(r for r in result.records if r["level"] == "pcn")
    assert (pcn["pcn_code"], pcn["eligible"], pcn["denominator"]) == ("U00001", 50, 50)
    assert (pcn["numerator"], pcn["achievement"]) == (vaccinated, achievement)
    assert pcn["list_size"] == 100  # registered on 1 January 2022
    assert pcn["points"] == points
    assert pcn["pounds"] == pounds

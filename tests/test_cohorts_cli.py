"""`neighbourhood cohorts` on a small synthetic store, checked against plain SQL; definition
files that are broken report every problem with file, line and field."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import textwrap

import duckdb
import pytest
from typer.testing import CliRunner

from neighbourhood.cli import app
from neighbourhood.cohorts import DefinitionError, load_library, shipped_library
from neighbourhood.demo import run_demo
from neighbourhood.store.engines import EngineError, copy_tables, loadable_table_names, open_engine

runner = CliRunner()
AT = "2025-09-30"


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohorts-cli")
    db = folder / "demo.duckdb"
    result = run_demo(db=db, out_dir=folder / "extract", patients=3000, seed=11)
    assert result.as_of.isoformat() == AT
    assert [c["cohort"] for c in result.cohorts] == list(shipped_library())
    return db


def test_list_as_json_has_every_cohort_with_its_sources_and_codelists():
    found = json.loads(invoke("cohorts", "list", "--format", "json").stdout)
    assert [c["id"] for c in found] == list(shipped_library())
    for entry in found:
        assert entry["sources"] and all(s["url"].startswith("http") for s in entry["sources"])
        assert entry["criteria"]
    efi = next(c for c in found if c["id"] == "efi")
    assert len(efi["codelists"]) == 35  # the 35 coded deficits; polypharmacy is a count


def _polypharmacy_by_sql(db) -> set[str]:
    """The same rule, written by hand: registered on the date, alive, 10+ distinct dm+d
    products issued from 2025-03-30 (6 months before 2025-09-30) to 2025-09-30."""
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        """
        SELECT m.patient_id FROM medications_issued m
        JOIN patients p USING (patient_id)
        WHERE m.issue_date BETWEEN DATE '2025-03-30' AND DATE '2025-09-30'
          AND (p.date_of_death IS NULL OR p.date_of_death > DATE '2025-09-30')
          AND EXISTS (SELECT 1 FROM registrations r WHERE r.patient_id = m.patient_id
                      AND r.start_date <= DATE '2025-09-30'
                      AND (r.end_date IS NULL OR r.end_date >= DATE '2025-09-30'))
        GROUP BY m.patient_id HAVING count(DISTINCT m.dmd_code) >= 10
        """
    ).fetchall()
    con.close()
    return {r[0] for r in rows}


def test_run_as_csv_gives_the_patients_a_hand_written_query_finds(store):
    result = invoke("--db", str(store), "cohorts", "run", "smr-complex-polypharmacy",
                    "--at", AT, "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = _polypharmacy_by_sql(store)
    assert len(expected) > 5
    assert {r["patient_id"] for r in rows} == expected
    assert all(int(r["distinct_medicines"]) >= 10 for r in rows)
    assert all(r["practice_code"] and r["pcn_code"] for r in rows)


def test_lower_gi_referrals_with_fit_match_a_hand_written_query(store):
    """CAN-04 by hand: referrals from 2024-10-01 to 2025-09-30, a FIT (1049361000000101) from
    21 days before a referral to its day; registered and alive on 2025-09-30."""
    con = duckdb.connect(str(store), read_only=True)
    expected = con.execute(
        """
        WITH refs AS (SELECT patient_id, event_date FROM clinical_events
                      WHERE snomed_code IN ('892201000000106', '276401000000108')
                        AND event_date BETWEEN DATE '2024-10-01' AND DATE '2025-09-30'),
             fit AS (SELECT patient_id, event_date FROM clinical_events
                     WHERE snomed_code = '1049361000000101')
        SELECT r.patient_id, count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM fit f WHERE f.patient_id = r.patient_id
                   AND f.event_date BETWEEN r.event_date - 21 AND r.event_date))
        FROM refs r JOIN patients p USING (patient_id)
        WHERE (p.date_of_death IS NULL OR p.date_of_death > DATE '2025-09-30')
          AND EXISTS (SELECT 1 FROM registrations g WHERE g.patient_id = r.patient_id
                      AND g.start_date <= DATE '2025-09-30'
                      AND (g.end_date IS NULL OR g.end_date >= DATE '2025-09-30'))
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    con.close()
    result = invoke("--db", str(store), "cohorts", "run", "early-cancer-diagnosis-lower-gi-fit",
                    "--at", AT, "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    found = [
        (r["patient_id"], int(r["referral_count"]), int(r["referrals_with_fit"])) for r in rows
    ]
    assert found == [tuple(e) for e in expected]
    assert any(n for _, _, n in found) and any(not n for _, _, n in found)


def test_counts_add_up_and_pcn_keeps_one_pcn(store):
    args = ["--db", str(store), "cohorts", "run", "smr-priority", "--at", AT]
    everyone = json.loads(invoke(*args, "--format", "json").stdout)
    tally = json.loads(invoke(*args, "--counts", "--format", "json").stdout)
    assert sum(row["patients"] for row in tally) == len(everyone)
    polypharmacy = sum(1 for row in everyone if row["complex_polypharmacy"])
    assert sum(row["complex_polypharmacy"] for row in tally) == polypharmacy
    pcn = tally[0]["pcn_code"]
    one = json.loads(invoke(*args, "--pcn", pcn.lower(), "--format", "json").stdout)
    assert one and {row["pcn_code"] for row in one} == {pcn}
    assert len(one) == sum(row["patients"] for row in tally if row["pcn_code"] == pcn)


def test_explain_shows_the_records_behind_a_criterion(store):
    patient = sorted(_polypharmacy_by_sql(store))[0]
    result = invoke("--db", str(store), "cohorts", "explain", "smr-complex-polypharmacy",
                    patient, "--at", AT, "--format", "json")  # fmt: skip
    found = json.loads(result.stdout)
    assert found["in_cohort"] is True and found["patient_id"] == patient
    (criterion,) = found["criteria"]
    assert criterion["criterion"] == "complex_polypharmacy" and criterion["value"] is True
    dates = [dt.date.fromisoformat(r["issue_date"]) for r in criterion["records"]]
    assert dates and all(dt.date(2025, 3, 30) <= d <= dt.date(2025, 9, 30) for d in dates)
    table = invoke("--db", str(store), "cohorts", "explain", "smr-complex-polypharmacy",
                   patient, "--at", AT)  # fmt: skip
    assert f"Patient {patient} is IN smr-complex-polypharmacy" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cohorts", "run", "no-such-cohort"], "no cohort 'no-such-cohort'"),
        (["cohorts", "run", "efi", "--at", "2025-02-30"], "not a real date"),
        (["cohorts", "explain", "efi", "nobody", "--at", AT], "no patient 'nobody'"),
        (["cohorts", "run", "efi", "--engine", "oracle"], "unknown engine 'oracle'"),
    ],
)
def test_mistakes_are_clear_errors(store, args, message):
    result = runner.invoke(app, ["--db", str(store), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_a_postgresql_url_gives_the_duckdb_answer(store, postgres_url):
    """The store copied into PostgreSQL (`copy_tables`), then `--db postgresql://...`."""
    with open_engine(store) as source, open_engine(postgres_url) as target:
        copy_tables(source, target, loadable_table_names())
    assert_same_lists_as_duckdb(store, postgres_url, [])


def assert_same_lists_as_duckdb(store, db: str, options: list[str]) -> None:
    """Two cohorts' CSV lists, from `--db db` with the options, are DuckDB's byte for byte."""
    for cohort_id in ("early-cancer-diagnosis-lower-gi-fit", "smr-complex-polypharmacy"):
        args = ["cohorts", "run", cohort_id, "--at", AT, "--format", "csv"]
        on_duckdb = invoke("--db", str(store), *args).stdout
        on_other = invoke("--db", db, *args, *options)
        assert on_other.exit_code == 0, on_other.output
        assert on_other.stdout == on_duckdb
        assert len(on_duckdb.splitlines()) > 5


def test_an_unreachable_postgresql_is_a_clear_error_without_the_password():
    with pytest.raises(EngineError) as caught:
        open_engine("postgresql://analyst:secret@127.0.0.1:1/neighbourhood")
    assert "cannot connect to PostgreSQL" in str(caught.value)
    assert "secret" not in str(caught.value)


BROKEN = """\
id: broken
version: 1
title: A broken cohort
service: frailty
description: Three mistakes, all reported at once.
sources:
  - {title: A source, publisher: Someone, url: "https://example.org", kind: primary,
     supports: a test}
variables:
  wrong_system: clinical_events.coded("opensafely-addictive-medicines").exists_for_patient()
  unknown_name: no_such_table.exists_for_patient()
  date_vs_number: patients.birth_month > 3
criteria: [wrong_system]
population: registered_on(index_date)
"""


def test_a_broken_definition_reports_every_problem_with_line_and_field(tmp_path):
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_library(tmp_path)
    message = str(caught.value)
    assert "broken.yaml: line 10: variables.wrong_system" in message
    assert "dm+d but the column holds SNOMED CT codes" in message
    assert "line 11: variables.unknown_name: unknown name 'no_such_table'" in message
    assert "line 12: variables.date_vs_number: cannot compare a date series with a int" in message


def test_a_schema_error_names_the_line_and_field(tmp_path):
    text = BROKEN.replace("version: 1", "version: one").replace("service: frailty", "service: x")
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_library(tmp_path)
    message = str(caught.value)
    assert "line 2: version: 'one' is not of type 'integer'" in message
    assert "line 4: service: 'x' is not one of" in message
    flat = text.replace("supports: a test}", "supports: x}")
    (tmp_path / "broken.yaml").write_text(flat, encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"line 8: sources\.0\.supports: 'x' is too short"):
        load_library(tmp_path)


def test_definition_expressions_cannot_reach_python(tmp_path):
    text = textwrap.dedent(BROKEN).replace(
        'clinical_events.coded("opensafely-addictive-medicines").exists_for_patient()',
        "patients.__class__",
    )
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match="'__class__' is private"):
        load_library(tmp_path)


@pytest.mark.spark
def test_spark_engine_gives_the_duckdb_answer(store, spark):
    """`--engine spark` copies the store into the local Spark session and runs the same SQL
    plan; every column of the result matches DuckDB's."""
    assert_same_lists_as_duckdb(store, str(store), ["--engine", "spark"])

"""`neighbourhood indicators` on a small hand-built store: the 2024-25 CAN-04 counts worked out
by hand, `--publish` hiding small counts (and the sibling that would give them back), the
warnings of an incomplete indicator, and reconciliation with a published file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import duckdb
import pytest
from typer.testing import CliRunner

from cohort_spec import CODES, MODEL, arrow_table
from neighbourhood.cli import app
from neighbourhood.store.ddl import schema_sql

runner = CliRunner()
YEAR = "2024-25"
D = dt.date.fromisoformat
REFERRAL = CODES["lower_gi_referral"].code
COLORECTAL = CODES["colorectal_referral"].code
FIT = CODES["fit_test"].code


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _population():
    """CAN-04 2024-25 counts referrals from 2024-10-01 to 2025-03-31, patients registered on
    2025-03-31; a FIT from 21 days before a referral to its day. List sizes on 2025-01-01.

    A81001 (U00001): a1-a6 referral 2024-11-15, FIT 10 days before (numerator); a7 referral
      2025-03-31, FIT 2025-03-10, 21 days before (numerator); a8, a9 referral, no FIT; a10
      referral 2025-03-31, FIT 2025-03-09, 22 days before (not): 7 / 10.
      x_early: referral 2024-09-30, a day early (not counted); x_left: left 2025-03-30 (not
      counted, but on the list on 2025-01-01); n1-n3: no referral. List size 15.
    A81002 (U00001): b1-b3 colorectal referral 2025-02-01 with a FIT that day (numerator);
      b4 FIT the day after (not): 3 / 4. n4 joined 2025-02-01 (not on the 2025-01-01 list).
      List size 4.
    U00001: 10 / 14, list size 19."""
    patients, registrations, events = [], [], []

    def person(pid, practice, start="2000-01-01", end=None, *happened):
        patients.append({"patient_id": pid, "birth_month": D("1960-01-01"), "sex": "female"})
        registrations.append({"patient_id": pid, "practice_code": practice,
                              "start_date": D(start), "end_date": end and D(end)})  # fmt: skip
        for day, code in happened:
            events.append({"patient_id": pid, "event_date": D(day), "snomed_code": code})

    for i in range(1, 7):
        person(f"a{i}", "A81001", "2000-01-01", None, ("2024-11-15", REFERRAL),
               ("2024-11-05", FIT))  # fmt: skip
    person("a7", "A81001", "2000-01-01", None, ("2025-03-31", REFERRAL), ("2025-03-10", FIT))
    person("a8", "A81001", "2000-01-01", None, ("2025-01-10", REFERRAL))
    person("a9", "A81001", "2000-01-01", None, ("2025-01-10", REFERRAL))
    person("a10", "A81001", "2000-01-01", None, ("2025-03-31", REFERRAL), ("2025-03-09", FIT))
    person("x_early", "A81001", "2000-01-01", None, ("2024-09-30", REFERRAL),
           ("2024-09-25", FIT))  # fmt: skip
    person("x_left", "A81001", "2000-01-01", "2025-03-30", ("2024-12-01", REFERRAL),
           ("2024-12-01", FIT))  # fmt: skip
    for i in range(1, 4):
        person(f"n{i}", "A81001")
    for i in range(1, 4):
        person(f"b{i}", "A81002", "2000-01-01", None, ("2025-02-01", COLORECTAL),
               ("2025-02-01", FIT))  # fmt: skip
    person("b4", "A81002", "2000-01-01", None, ("2025-02-01", COLORECTAL), ("2025-02-02", FIT))
    person("n4", "A81002", "2025-02-01")
    memberships = [
        {"child_code": code, "parent_code": "U00001", "relationship": "practice_in_pcn",
         "valid_from": D("2019-07-01"), "valid_to": None}
        for code in ("A81001", "A81002")
    ]  # fmt: skip
    return {"patients": patients, "registrations": registrations,
            "clinical_events": events, "org_memberships": memberships}  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("indicators-cli") / "store.duckdb"
    con = duckdb.connect(str(db))
    con.execute(schema_sql(MODEL, "duckdb"))
    for name, rows in _population().items():
        con.register("incoming", arrow_table(name, rows))
        con.execute(f'INSERT INTO "{name}" SELECT * FROM incoming')
        con.unregister("incoming")
    con.close()
    return db


def run(store, *options: str):
    result = invoke("--db", str(store), "indicators", "run", "--year", YEAR, *options)
    assert result.exit_code == 0, result.output
    return result


def by_org(rows):
    return {r["practice_code"] or r["pcn_code"]: r for r in rows}


def test_run_gives_the_counts_worked_out_by_hand(store):
    result = run(store, "--format", "json")
    found = by_org(json.loads(result.stdout))
    assert sorted(found) == ["A81001", "A81002", "U00001"]
    expected = {  # eligible, denominator, numerator, list size
        "U00001": (14, 14, 10, 19),
        "A81001": (10, 10, 7, 15),
        "A81002": (4, 4, 3, 4),
    }
    for org, (eligible, denominator, numerator, list_size) in expected.items():
        row = found[org]
        assert (row["eligible"], row["denominator"], row["numerator"], row["list_size"]) == (
            eligible, denominator, numerator, list_size
        ), org  # fmt: skip
        assert row["declined"] == 0 and row["unsuitable"] == 0  # CAN-04 has no PCA codes
        assert row["achievement"] == pytest.approx(numerator / denominator)
        assert row["prevalence"] == pytest.approx(denominator / list_size)
        assert row["indicator"] == "CAN-04" and row["year"] == YEAR
    pcn = found["U00001"]
    assert pcn["level"] == "pcn" and pcn["practice_code"] is None
    # incomplete (prevalence adjustment not found): counted, but no points and no pounds
    assert pcn["points"] is None and pcn["pounds"] is None
    assert pcn["pounds_note"] == "incomplete definition: not paid"
    assert "CAN-04 is incomplete and earns no points or pounds" in result.stderr
    assert "CAN-04" not in result.stdout.split("[")[0]  # warnings go to stderr only


def test_publish_hides_the_3_and_the_sibling_that_would_give_it_back(store):
    found = by_org(json.loads(run(store, "--publish", "--format", "json").stdout))
    a2, a1, pcn = found["A81002"], found["A81001"], found["U00001"]
    assert a2["numerator"] is None and a2["denominator"] is None and a2["eligible"] is None
    assert a2["achievement"] is None and a2["prevalence"] is None
    assert a2["suppressed"] == [
        "eligible", "denominator", "achievement", "prevalence", "numerator"
    ]  # fmt: skip
    # 10 - 7 = 3 would give A81002's numerator back: A81001's counts are hidden too
    assert a1["numerator"] is None and a1["denominator"] is None and a1["eligible"] is None
    assert a1["declined"] == 0 and a1["list_size"] == 15
    assert (pcn["numerator"], pcn["denominator"], pcn["suppressed"]) == (10, 14, [])
    assert len(found) == 3  # nothing dropped


def test_publish_threshold_is_an_option(store):
    found = by_org(
        json.loads(run(store, "--publish", "--suppress-below", "3", "--format", "json").stdout)
    )
    assert found["A81002"]["numerator"] == 3 and found["A81002"]["suppressed"] == []
    result = runner.invoke(
        app, ["--db", str(store), "indicators", "run", "--year", YEAR, "--suppress-below", "0"]
    )
    assert result.exit_code == 2


def test_level_pcn_csv_and_an_unknown_pcn(store):
    can04 = ("--indicator", "CAN-04")  # the year has other indicators (CAN-02, HI-03)
    rows = list(
        csv.DictReader(io.StringIO(run(store, *can04, "--level", "pcn", "--format", "csv").stdout))
    )
    assert [(r["pcn_code"], r["numerator"], r["denominator"]) for r in rows] == [
        ("U00001", "10", "14")
    ]
    practices = json.loads(run(store, *can04, "--level", "practice", "--format", "json").stdout)
    assert [r["practice_code"] for r in practices] == ["A81001", "A81002"]
    assert json.loads(run(store, "--pcn", "u99999", "--format", "json").stdout) == []
    table = run(store, *can04, "--publish").stdout
    assert "70.00%" not in table and "71.43%" in table  # A81001 hidden, the PCN's 10/14 shown


def test_list_and_show(store):
    listed = json.loads(invoke("indicators", "list", "--year", YEAR, "--format", "json").stdout)
    assert [(i["id"], i["status"]) for i in listed if i["id"] == "CAN-04"] == [
        ("CAN-04", "incomplete")
    ]
    shown = json.loads(
        invoke("indicators", "show", "CAN-04", "--year", YEAR, "--format", "json").stdout
    )
    assert shown["values"]["points"] == {"value": 22, "source": "cmca-contracts",
                                         "not_found": None}  # fmt: skip
    assert shown["values"]["prevalence_adjusted"]["not_found"]
    assert shown["incomplete"] and "lower-gi-urgent-suspected-cancer-referral" in shown["codelists"]
    assert shown["sources"]["cmca-contracts"]["url"].startswith("https://")
    table = invoke("indicators", "show", "CAN-04", "--year", YEAR).stdout
    assert "0.65" in table and "not found" not in table.lower().split("values")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["indicators", "show", "XYZ-01", "--year", YEAR], "no indicator 'XYZ-01' in 2024-25"),
        (["indicators", "list", "--year", "1999-00"], "no indicators for '1999-00'"),
        (["indicators", "run", "--year", YEAR, "--indicator", "XYZ-01"], "no indicator XYZ-01"),
    ],
)
def test_mistakes_are_clear_errors(store, args, message):
    result = runner.invoke(app, ["--db", str(store), *args])
    assert result.exit_code == 2 and message in result.output


PUBLISHED = (
    "Practice Code,Indicator Code,Numerator,Denominator\n"
    "A81001,CAN04,7,10\n"  # match
    "A81002,CAN04,3,5\n"  # differs: denominator 4 computed
    "Z99999,CAN04,1,2\n"  # only published
    "A81003,CAN04,6,5\n"  # rejected: numerator above denominator
)


def test_reconcile_prints_each_status_and_the_rejected_rows(store, tmp_path):
    path = tmp_path / "published.csv"
    path.write_text(PUBLISHED, encoding="utf-8")
    result = invoke("--db", str(store), "indicators", "reconcile", str(path), "--year", YEAR,
                    "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    statuses = {r["practice_code"]: r["status"] for r in found["reconciliation"]}
    assert statuses == {"A81001": "match", "A81002": "differs", "Z99999": "only published"}
    a2 = next(r for r in found["reconciliation"] if r["practice_code"] == "A81002")
    assert (a2["denominator_difference"], a2["numerator_difference"]) == (-1, 0)
    assert found["rejected"] == [
        {"file": str(path), "line": 5, "field": "numerator",
         "reason": "numerator 6 is above the denominator 5"}
    ]  # fmt: skip
    table = invoke("--db", str(store), "indicators", "reconcile", str(path), "--year", YEAR)
    assert "numerator 6 is above the denominator 5" in table.stdout
    flat = invoke("--db", str(store), "indicators", "reconcile", str(path), "--year", YEAR,
                  "--format", "csv").stdout  # fmt: skip
    assert "# reconciliation\n" in flat and "# rejected\n" in flat
    assert "Z99999,CAN04,,1,2,,,,,only published,4" in flat


def test_reconcile_an_unreadable_header_is_a_clear_error(store, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("CODE,IND,NUM\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", str(store), "indicators", "reconcile", str(path),
                                 "--year", YEAR])  # fmt: skip
    assert result.exit_code == 2
    assert "broken.csv" in result.output and "no column for practice code" in result.output

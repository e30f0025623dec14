"""`neighbourhood payments` from input files, and the input readers: YAML and CSV inputs
built into the package's values; every problem of a file reported with file, line and field."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import textwrap
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from neighbourhood.cli import app
from neighbourhood.payments import IncompleteEntitlementWarning, Months, entitlements
from neighbourhood.payments.input_files import (
    InputFileError,
    read_care_homes_csv,
    read_inputs,
    read_staff_claims_csv,
)

runner = CliRunner()
YEAR = "2024-25"

INPUTS = """\
year: 2024-25
pcns:
  - code: U12345
    weighted_population: 41234.5
    adjusted_population: 41000
    practices:
      - {code: A81001, registered_patients: 20000, weighted_population: 20500}
      - {code: A81002, registered_patients: 20000, weighted_population: 20734.5}
care_homes:
  - {id: VN1AB, pcn: U12345, beds: 40, coded_residents: 31, name: The Beeches}
  - {id: VN2CD, pcn: U12345, beds: 20, coded_residents: 0, months: {count: 6, first: 2024-10-01}}
arrs:
  pcn: U12345
  weighted_population: 41234.5
  registered_patients: 40000
  claims:
    - {staff_id: S1, role: clinical_pharmacist, wte: 1, claimed: 52000}
    - {staff_id: S2, role: gp, wte: 0.5, claimed: 30000, months: {count: 6, first: 2024-10-01}}
"""


@pytest.fixture
def inputs(tmp_path):
    path = tmp_path / "inputs.yaml"
    path.write_text(INPUTS, encoding="utf-8")
    return path


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_read_inputs_builds_the_values(inputs):
    found = read_inputs(inputs)
    assert found.year == YEAR
    (pcn,) = found.pcns
    assert pcn.registered_patients == 40000  # the sum of the practices' lists
    assert pcn.weighted_population == Decimal("41234.5")  # exact, not a float
    assert [p.code for p in pcn.practices] == ["A81001", "A81002"]
    assert found.care_homes[1].months == Months(6, dt.date(2024, 10, 1))
    assert found.arrs.registered_patients == 40000
    assert [c.staff_id for c in found.arrs.claims] == ["S1", "S2"]
    assert found.arrs.claims[1].wte == Decimal("0.5")


def test_every_problem_of_an_inputs_file_with_line_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            pcns:
              - code: U1
                weighted_population: -5
              - code: U2
                practices:
                  - {code: A1, registred_patients: 5}
            care_homes:
              - {id: VN1, pcn: U1, beds: forty, coded_residents: 0}
            wards: []
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as caught:
        read_inputs(path)
    message = str(caught.value)
    assert "bad.yaml: line 2: pcns.0: U1 weighted_population: must be a number" in message
    assert "line 6: pcns.1.practices.0: unknown field registred_patients" in message
    assert "line 8: care_homes.0: care home VN1: beds must be a whole number" in message
    assert "line 9: wards: unknown section" in message


def test_csv_care_homes_and_claims(tmp_path):
    homes = tmp_path / "homes.csv"
    homes.write_text("id,pcn,beds,coded_residents,months,first_month,name\n"
                     "VN1AB,U12345,40,31,,,The Beeches\n"
                     "VN2CD,U12345,20,0,6,2024-10-01,\n", encoding="utf-8")  # fmt: skip
    found = read_care_homes_csv(homes)
    assert [(h.id, h.beds, h.months.count) for h in found] == [("VN1AB", 40, 12), ("VN2CD", 20, 6)]
    claims = tmp_path / "claims.csv"
    claims.write_text("staff_id,role,wte,claimed,area\nS1,clinical_pharmacist,1,52000,\n"
                      "S2,no_such_role,1,100,\nS3,gp,,100,\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(InputFileError) as caught:
        read_staff_claims_csv(claims)
    assert "claims.csv: line 3: staff S2: role 'no_such_role' not in" in str(caught.value)
    assert "claims.csv: line 4: wte: no value" in str(caught.value)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,pcn,beds\n", encoding="utf-8")
    with pytest.raises(
        InputFileError, match=r"wrong\.csv: line 1: header: missing coded_residents"
    ):
        read_care_homes_csv(wrong)


def test_entitlements_command_gives_the_package_figures(inputs):
    result = invoke("payments", "entitlements", "--year", YEAR, "--inputs", str(inputs),
                    "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    with pytest.warns(IncompleteEntitlementWarning):
        expected = entitlements(YEAR, read_inputs(inputs).pcns)
    assert [line["amount"] for line in found["lines"]] == [
        None if x.amount is None else str(x.amount) for x in expected.lines
    ]
    practice = next(x for x in found["lines"] if x["payee"] == "A81001")
    assert practice["amount"] == "36162.00"  # £0.147 x 20,500 x 12 months
    assert found["totals"]["complete"] is False  # the 2024/25 core payment split not found
    assert "incomplete: 2024-25 U12345 core_pcn_funding" in result.stderr


def test_care_homes_command_from_yaml_and_csv(inputs, tmp_path):
    result = invoke("payments", "care-homes", "--year", YEAR, "--inputs", str(inputs),
                    "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.split("# totals")[0].split("\n", 1)[1])))
    assert [(r["payee"], r["amount"]) for r in rows] == [("VN1AB", "5088.00"), ("VN2CD", "0.00")]
    homes = tmp_path / "homes.csv"
    homes.write_text("id,pcn,beds,coded_residents\nVN1AB,U12345,40,31\n", encoding="utf-8")
    result = invoke("payments", "care-homes", "--year", YEAR, "--inputs", str(homes),
                    "--format", "json")  # fmt: skip
    assert [x["amount"] for x in json.loads(result.stdout)["lines"]] == ["5088.00"]


def test_arrs_command(inputs):
    result = invoke("payments", "arrs", "--year", YEAR, "--inputs", str(inputs), "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [(c["staff_id"], c["reimbursable"]) for c in found["claims"]] == [
        ("S1", "52000.00"),
        ("S2", "23115.50"),  # 6 x min(£5,000, £92,462 / 12 x 0.5)
    ]
    assert found["totals"]["paid"] == "75115.50" and found["totals"]["complete"] is True
    assert {p["pot"] for p in found["pots"]} == {"main", "gp"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["payments", "entitlements", "--year", "2023-24"], "the inputs are for 2024-25"),
        (["payments", "arrs", "--year", "2024-25", "--claims", "nowhere.csv"], "nowhere.csv"),
    ],
)
def test_mistakes_are_clear_errors(inputs, args, message):
    result = invoke(*args, "--inputs", str(inputs))
    assert result.exit_code == 2 and message in result.output


def test_a_missing_inputs_file_is_a_clear_error(tmp_path):
    result = invoke("payments", "entitlements", "--year", YEAR, "--inputs", str(tmp_path / "x"))
    assert result.exit_code == 2 and "no inputs file" in result.output

"""`neighbourhood funding ledger` on the shipped illustrative ledger and on broken files."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from neighbourhood.cli import app
from neighbourhood.funding import compute, examples_folder, read_ledger

runner = CliRunner()
EXAMPLE = examples_folder() / "illustrative-region.yaml"


def test_ledger_as_json_is_the_package_report():
    result = runner.invoke(app, ["funding", "ledger", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    expected = compute(read_ledger(EXAMPLE)).records()
    assert found["illustrative"] is True
    assert len(found["records"]) == len(expected)
    assert [(r["organisation"], r["year"], r["over_under"]) for r in found["records"]] == [
        (r["organisation"], r["year"], r["over_under"]) for r in expected
    ]
    assert "illustrative figures" in result.stderr


def test_ledger_as_csv_has_icb_and_region_sections():
    result = runner.invoke(app, ["funding", "ledger", str(EXAMPLE), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# ICBs\nlevel,")
    assert "# regions\nlevel," in result.stdout


def test_a_broken_ledger_reports_file_line_and_field(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("illustrative: true",
                                                                "illustrative: maybe"),
                    encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["funding", "ledger", str(path)])
    assert result.exit_code == 2
    assert "broken.yaml: line" in result.output and "illustrative" in result.output
    missing = runner.invoke(app, ["funding", "ledger", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and "no ledger file" in missing.output


def test_bad_spend_rows_are_listed_with_their_reason(tmp_path):
    spend = tmp_path / "spend.csv"
    spend.write_text("organisation,year,category,amount_gbp,source_title,source_publisher\n"
                     "NOPE,2023/24,primary_medical,12,x,y\n", encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["funding", "ledger", str(EXAMPLE), "--spend-csv", str(spend)])
    assert result.exit_code == 2
    assert "spend.csv: line 2" in result.output and "nothing was loaded" in result.output

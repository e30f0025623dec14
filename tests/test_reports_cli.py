"""`neighbourhood report pcn|icb` on the small synthetic store of the API tests."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from api_support import hierarchy, store
from neighbourhood.cli import app
from neighbourhood.reports import MANAGEMENT_NOTE, PUBLISHABLE_NOTE

runner = CliRunner()


def invoke(*args: str, db=None):
    return runner.invoke(app, ["--db", str(db or store()), "report", *args])


def test_pcn_report_as_html(tmp_path):
    pcn = hierarchy()["pcn"]
    out = tmp_path / "reports" / "pcn.html"
    result = invoke("pcn", "--pcn", pcn.lower(), "--month", "2025-09", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and f"({pcn})" in page
    assert "September 2025" in page and MANAGEMENT_NOTE in page
    assert f"wrote {out}" in result.stderr.replace("\n", "")


def test_icb_report_as_xlsx_with_the_default_name(tmp_path, monkeypatch):
    icb = hierarchy()["icb"]
    monkeypatch.chdir(tmp_path)
    result = invoke("icb", "--icb", icb, "--month", "2025-09", "--format", "xlsx",
                    "--publishable")  # fmt: skip
    assert result.exit_code == 0, result.output
    made = tmp_path / f"icb-{icb}-2025-09.xlsx"
    book = load_workbook(io.BytesIO(made.read_bytes()))
    notes = [c.value for c in book["Report"]["A"]]
    assert PUBLISHABLE_NOTE in notes and "PCNs" in book.sheetnames


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pcn", "--pcn", "U1", "--month", "2025-13"), "'2025-13' is not a real month"),
        (("pcn", "--pcn", "U1", "--month", "09/2025"), "not a month in the form YYYY-MM"),
        (("icb", "--icb", "Q1", "--month", "2025-09", "--out", "r.pdf"), "neither .html nor"),
        (("icb", "--icb", "Q1", "--month", "2025-09", "--out", "r.html", "-f", "xlsx"),
         "does not match"),
    ],
)  # fmt: skip
def test_bad_options_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_unknown_organisation_and_missing_store(tmp_path):
    unknown = invoke("pcn", "--pcn", "U99999", "--month", "2025-09", "--out",
                     str(tmp_path / "r.html"))  # fmt: skip
    assert unknown.exit_code == 2 and "no PCN 'U99999' in the store" in unknown.output
    assert not (tmp_path / "r.html").exists()
    wrong = invoke("icb", "--icb", hierarchy()["pcn"], "--month", "2025-09")
    assert wrong.exit_code == 2 and "not an ICB" in wrong.output
    missing = invoke("icb", "--icb", "QJK", "--month", "2025-09", db=tmp_path / "none.duckdb")
    assert missing.exit_code == 2 and "no store at" in missing.output


def test_help_lists_both_reports():
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "pcn" in result.output and "icb" in result.output

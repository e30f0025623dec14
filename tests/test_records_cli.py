"""`neighbourhood load` with FHIR files and a key, `key new` and `quarantine list`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from neighbourhood.cli import app
from neighbourhood.records.pseudonymise import KEY_ENV, KEY_FILE_ENV

UKCORE = Path(__file__).parent / "data" / "fhir" / "ukcore" / "examples"
runner = CliRunner()
NO_KEY = {KEY_ENV: "", KEY_FILE_ENV: ""}


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={**NO_KEY, **(env or {})}, catch_exceptions=False)


def test_fhir_load_needs_a_key_and_says_how_to_make_one(tmp_path):
    db = tmp_path / "s.duckdb"
    result = invoke("--db", str(db), "load", str(UKCORE))
    assert result.exit_code == 2
    assert "no pseudonymisation key" in result.output
    assert "neighbourhood key new" in result.output


def test_key_new_then_fhir_load_then_quarantine_list(tmp_path):
    key = tmp_path / "k.key"
    made = invoke("key", "new", str(key))
    assert made.exit_code == 0 and key.exists()
    assert invoke("key", "new", str(key)).exit_code == 2  # never overwrites a key
    db = tmp_path / "s.duckdb"
    first = invoke("--db", str(db), "load", str(UKCORE), "-f", "json", env={KEY_FILE_ENV: str(key)})
    assert first.exit_code == 0, first.output
    document = json.loads(first.stdout)
    fhir = document["fhir"]
    assert fhir["entries"] == fhir["mapped"] + fhir["quarantined"] + fhir["skipped"]
    assert fhir["quarantined"] > 0 and document["tables"]["patients"]["loaded"] >= 1
    status = invoke("--db", str(db), "status", "-f", "json").stdout
    again = invoke("--db", str(db), "load", "--key-file", str(key), str(UKCORE), "-f", "json")
    stored = {f["path"] for f in fhir["files"] if f["mapped"] + f["quarantined"] > 0}
    assert {
        f["path"] for f in json.loads(again.stdout)["fhir"]["files"] if f["already_loaded"]
    } == stored
    assert invoke("--db", str(db), "status", "-f", "json").stdout == status  # nothing changed
    listed = invoke("--db", str(db), "quarantine", "list", "--limit", "500", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert len(rows) == sum(c["quarantined"] for c in document["tables"].values())
    assert {"target_table", "file_path", "line", "field", "reason", "raw"} <= set(rows[0])
    assert any(r["reason"] == "NHS number fails the modulus 11 check digit" for r in rows)
    assert "9912003890" not in listed.stdout


def test_table_output_lists_skipped_types(tmp_path):
    key = tmp_path / "k.key"
    invoke("key", "new", str(key))
    result = invoke("--db", str(tmp_path / "s.duckdb"), "load", "--key-file", str(key),
                    str(UKCORE / "UKCore-Slot-AvailableWalkInVisit-Example.xml"))  # fmt: skip
    assert result.exit_code == 0
    assert "Slot: not in the data model" in result.stdout

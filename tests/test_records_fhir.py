"""FHIR ingest on hand-built resources: each rule that rejects an entry, references across
files and loads, re-loads and a load killed part-way."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neighbourhood.records import load_paths
from neighbourhood.records.fhir import load_fhir
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.store import connect, load_data_model

GOOD = Path(__file__).parent / "fixtures" / "records" / "good"
KEY = b"hand-built-fhir-tests-key-0123456789abcdef"
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
NHS = "https://fhir.nhs.uk/Id/nhs-number"
SCT = "http://snomed.info/sct"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def pseudonym(kind: str, value: str) -> str:
    return hmac.new(KEY, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def patient(pid: str, nhs: str | None = "9912003888", **extra) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": pid,
        "birthDate": "1950-07-14",
        "gender": "female",
        "name": [{"family": "Testperson", "given": ["Ann"]}],
        "address": [{"line": ["1 Secret Lane"], "postalCode": "EX1 2AB"}],
        **extra,
    }
    if nhs:
        resource["identifier"] = [{"system": NHS, "value": nhs}]
    return resource  # fmt: skip


def observation(oid: str, subject: str, code: str = "38341003", on: str = "2024-03-01") -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": SCT, "code": code}]},
            "subject": {"reference": subject},
            "effectiveDateTime": on + "T10:00:00+01:00"}  # fmt: skip


def ndjson(path: Path, resources: list) -> Path:
    lines = (r if isinstance(r, str) else json.dumps(r) for r in resources)
    path.write_text("".join(line + "\n" for line in lines))
    return path


@pytest.fixture
def con():
    con = connect(":memory:")
    load_paths(con, [GOOD / "organisations.csv"], now=NOW)
    yield con
    con.close()


def load(con, *paths):
    return load_fhir(con, list(paths), pseudonymiser=Pseudonymiser(KEY), now=NOW)


def counts(con) -> dict[str, int]:
    return {
        t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]
        for t in load_data_model().tables
    }


def quarantined(con) -> list[tuple]:
    return con.execute(
        "SELECT target_table, line, field, reason FROM quarantine ORDER BY target_table, line"
    ).fetchall()


def test_references_resolve_across_files_whatever_their_order(con, tmp_path):
    # Observation.ndjson sorts before Patient.ndjson: the index pass makes order irrelevant
    ndjson(tmp_path / "Observation.ndjson", [observation("o1", "Patient/p1")])
    ndjson(tmp_path / "Patient.ndjson", [patient("p1")])
    report = load(con, tmp_path)
    assert report.load.tables["clinical_events"].loaded == 1
    stored = con.execute("SELECT patient_id, event_date::VARCHAR FROM clinical_events").fetchall()
    assert stored == [(pseudonym("nhs-number", "9912003888"), "2024-03-01")]
    row = con.execute(
        "SELECT birth_month::VARCHAR, sex, postcode_district FROM patients"
    ).fetchone()
    assert row == ("1950-07-01", "female", "EX1")


def test_each_rejected_entry_has_its_reason(con, tmp_path):
    resources = [
        patient("bad", nhs="9912003889"),  # check digit should be 8
        patient("year", nhs="9434765919", birthDate="1950"),
        patient("p1"),
        observation("dangling", "Patient/nobody"),
        {**observation("partial", "Patient/p1"), "effectiveDateTime": "2024-03"},
        observation("verhoeff", "Patient/p1", code="38341004"),
        observation("future", "Patient/p1", on="2031-01-01"),
        observation("before-birth", "Patient/p1", on="1949-01-01"),
        "{not json",
        {"resourceType": "MedicationRequest", "id": "r5", "status": "active", "intent": "order",
         "medication": {"concept": {"coding": [{"system": SCT, "code": "39720311000001101"}]}},
         "subject": {"reference": "Patient/p1"}, "authoredOn": "2024-01-01"},
        observation("o-ok", "Patient/p1"),
        observation("o-dup", "Patient/p1"),
    ]  # fmt: skip
    report = load(con, ndjson(tmp_path / "mixed.ndjson", resources))
    (file,) = report.files
    assert (file.entries, file.mapped, file.quarantined, file.skipped) == (12, 2, 10, 0)
    rows = quarantined(con)
    rows[-1] = (*rows[-1][:3], rows[-1][3].split(" (")[0])  # the JSON parser's own words vary
    assert rows == [
        ("clinical_events", 4, "patient_id",
         "Observation.subject refers to a Patient not found in this load or the store"),
        ("clinical_events", 5, "event_date", "partial date '2024-03' (a day is needed)"),
        ("clinical_events", 6, "snomed_code",
         "'38341004' fails the SNOMED CT Verhoeff check digit"),
        ("clinical_events", 7, "event_date", "2031-01-01 is in the future"),
        ("clinical_events", 8, "event_date",
         "1949-01-01 is before the patient's month of birth 1950-07-01"),
        ("clinical_events", 12, None, "duplicate of line 11"),
        ("medications_issued", 10, None,
         "MedicationRequest.medication is FHIR R5; this loader reads FHIR R4 "
         "(MedicationRequest.medicationCodeableConcept / medicationReference)"),
        ("patients", 1, "patient_id", "NHS number fails the modulus 11 check digit"),
        ("patients", 2, "birth_month", "birthDate 1950 gives the year only"),
        ("resource_links", 9, None, "the entry cannot be read: not valid JSON"),
    ]  # fmt: skip


def test_other_coding_systems_are_kept_with_their_system(con, tmp_path):
    loinc = observation("o1", "Patient/p1")
    loinc["code"]["coding"].append({"system": "http://loinc.org", "code": "8480-6"})
    loinc["valueQuantity"] = {"value": 142, "unit": "mm[Hg]", "code": "mm[Hg]"}
    rxnorm = {"resourceType": "MedicationRequest", "id": "m1", "status": "active",
              "intent": "order", "subject": {"reference": "Patient/p1"}, "authoredOn": "2024-02-01",
              "medicationCodeableConcept": {"coding": [
                  {"system": RXNORM, "code": "849574"}]}}  # fmt: skip
    load(con, ndjson(tmp_path / "p.ndjson", [patient("p1"), loinc, rxnorm]))
    assert con.execute("SELECT snomed_code, numeric_value FROM clinical_events").fetchall() == [
        ("38341003", 142.0)
    ]
    assert con.execute(
        "SELECT resource_type, code_system, code, numeric_value, unit FROM other_coded_records "
        "ORDER BY 1"
    ).fetchall() == [
        ("MedicationRequest", RXNORM, "849574", None, None),
        ("Observation", "http://loinc.org", "8480-6", 142.0, "mm[Hg]"),
    ]


def test_a_json_bundle_and_its_xml_twin_give_the_same_rows(tmp_path):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": patient("p1")},
        {"fullUrl": "urn:uuid:2", "resource": observation("o1", "urn:uuid:1")}]}  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps(bundle))
    (tmp_path / "b.xml").write_text(
        '<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>'
        '<entry><fullUrl value="urn:uuid:1"/><resource><Patient><id value="p1"/>'
        f'<identifier><system value="{NHS}"/><value value="9912003888"/></identifier>'
        '<name><family value="Testperson"/></name><gender value="female"/>'
        '<birthDate value="1950-07-14"/><address><postalCode value="EX1 2AB"/></address>'
        "</Patient></resource></entry>"
        '<entry><fullUrl value="urn:uuid:2"/><resource><Observation><id value="o1"/>'
        f'<status value="final"/><code><coding><system value="{SCT}"/>'
        '<code value="38341003"/></coding></code><subject><reference value="urn:uuid:1"/>'
        '</subject><effectiveDateTime value="2024-03-01T10:00:00+01:00"/></Observation>'
        "</resource></entry></Bundle>"
    )
    stores = []
    for name in ("b.json", "b.xml"):
        con = connect(":memory:")
        load(con, tmp_path / name)
        stores.append(
            [con.execute(f"SELECT * FROM {t}").fetchall() for t in ("patients", "clinical_events")]
        )
    assert stores[0] == stores[1]
    assert len(stores[0][1]) == 1


def test_reloading_changes_nothing_and_a_later_load_finds_earlier_patients(con, tmp_path):
    first = ndjson(tmp_path / "Patient.ndjson", [patient("p1")])
    load(con, first)
    before = {
        t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchone()
        for t in load_data_model().tables
    }
    again = load(con, first)
    assert again.files[0].already_loaded
    after = {
        t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchone()
        for t in load_data_model().tables
    }
    assert after == before
    later = tmp_path / "later"
    later.mkdir()
    report = load(con, ndjson(later / "Observation.ndjson", [observation("o9", "Patient/p1")]))
    assert report.load.tables["clinical_events"].loaded == 1  # resolved through resource_links


def test_ods_references_link_to_organisations_in_the_store(con, tmp_path):
    encounter = {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2024-03-30T23:30:00Z", "end": "2024-03-31T01:10:00+01:00"},
        "serviceProvider": {
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": "a81001",
            }
        },
    }
    org = {"resourceType": "Organization", "id": "x",
           "identifier": [{"system": ODS, "value": "A81001"}],
           "name": "Renamed surgery"}  # fmt: skip
    gp = patient("p1", generalPractitioner=[{"reference": "Organization/x"}])
    report = load(con, ndjson(tmp_path / "all.ndjson", [org, gp, encounter]))
    assert quarantined(con) == []
    assert report.files[0].mapped == 3
    # the organisation already in the store is linked to, not overwritten
    assert con.execute("SELECT name FROM organisations WHERE org_code = 'A81001'").fetchone() == (
        "The Surgery, High Street",
    )
    assert con.execute("SELECT registered_practice_code FROM patients").fetchone() == ("A81001",)
    encounter = con.execute("SELECT organisation_code, end_at - start_at FROM encounters")
    assert encounter.fetchone() == ("A81001", dt.timedelta(minutes=40))


KILLED_LOADER = """
import sys
from neighbourhood.store import connect
from neighbourhood.records.fhir import load_fhir
from neighbourhood.records.pseudonymise import Pseudonymiser

class Announce:
    def step(self, description, advance=1, total=None):
        print(description, flush=True)

load_fhir(connect(sys.argv[1]), [sys.argv[2]], pseudonymiser=Pseudonymiser(b"k" * 40),
          progress=Announce())
print("committed", flush=True)
"""


@pytest.mark.slow
def test_kill_9_mid_fhir_load_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "store.duckdb"
    con = connect(db)
    load_paths(con, [GOOD], now=NOW)
    before = {
        t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchall()
        for t in load_data_model().tables
    }
    con.close()
    folder = tmp_path / "bulk"
    folder.mkdir()
    ndjson(folder / "Patient.ndjson", [patient(f"p{i}", nhs=None) for i in range(2000)])
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=d) for d in range(8000)]
    with (folder / "Observation.ndjson").open("w") as handle:
        for i in range(400_000):
            on = days[i % 8000].isoformat()
            handle.write(json.dumps(observation(f"o{i}", f"Patient/p{i % 2000}", on=on)) + "\n")
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOADER, str(db), str(folder)], stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    while process.stdout.readline().strip() != "load files":  # inside the transaction now
        pass
    time.sleep(0.3)
    assert process.poll() is None, "the load finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    con = connect(db)
    after = {
        t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchall()
        for t in load_data_model().tables
    }
    assert after == before
    con.close()


def test_an_unknown_practice_code_is_quarantined_with_its_reason(con, tmp_path):
    gp = patient("p1", generalPractitioner=[{"identifier": {"system": ODS, "value": "Z99999"}}])
    report = load(con, ndjson(tmp_path / "p.ndjson", [gp]))
    assert report.files[0].quarantined == 1
    assert quarantined(con) == [
        ("patients", 1, "registered_practice_code",
         "unknown registered_practice_code 'Z99999' (not in organisations)")
    ]  # fmt: skip

"""The audit log: every patient-level endpoint writes who, what, when and why (refusals too);
no reason, no rows; and the log cannot be rewritten, through the API or through SQLite."""

from __future__ import annotations

import sqlite3

import pytest

from api_support import AT, bearer, client, hierarchy, national, settings
from neighbourhood.api import AuditLog

COHORT = "/v1/cohorts/ehch-care-home-residents"


@pytest.fixture
def api(tmp_path):
    return client(tmp_path), AuditLog(settings(tmp_path).audit_log)


def patient_reads():
    """Every patient-level endpoint, as (path, params) given a patient id and a PCN."""
    return [
        lambda pid, pcn: (f"{COHORT}/patients", {"at": AT}),
        lambda pid, pcn: (f"{COHORT}/patients", {"at": AT, "pcn": pcn}),
        lambda pid, pcn: (f"{COHORT}/patients/{pid}", {"at": AT}),
        lambda pid, pcn: ("/v1/indicators/2023-24/HI-03/patients", {"organisation": pcn}),
    ]


def a_patient(test_client) -> dict:
    rows = test_client.get(f"{COHORT}/patients", params={"at": AT, "reason": "find one"},
                           headers=national()).json()["items"]  # fmt: skip
    return rows[0]


@pytest.mark.parametrize("index", range(len(patient_reads())))
def test_every_patient_level_endpoint_writes_the_audit_log(api, index):
    test_client, log = api
    patient = a_patient(test_client)
    path, params = patient_reads()[index](patient["patient_id"], patient["pcn_code"])
    before = log.rows()
    found = test_client.get(path, params=params | {"reason": "SMR clinic list"},
                            headers=national())  # fmt: skip
    assert found.status_code == 200, found.text
    after = log.rows()
    assert after[: len(before)] == before
    (entry,) = after[len(before) :]
    assert entry["user"] == "national-user" and entry["role"] == "national"
    assert entry["path"] == path and entry["reason"] == "SMR clinic list"
    assert entry["outcome"] == "read" and entry["at"]
    body = found.json()
    returned = [r["patient_id"] for r in body["items"]] if "items" in body else [body["patient_id"]]
    assert entry["patients"] == returned and entry["rows"] == len(returned)


def test_a_reason_in_the_header_counts_and_none_gives_400_without_rows(api):
    test_client, log = api
    before = len(log.rows())
    none = test_client.get(f"{COHORT}/patients", params={"at": AT}, headers=national())
    assert none.status_code == 400
    assert none.json()["type"].endswith("reason-required") and "items" not in none.json()
    blank = test_client.get(f"{COHORT}/patients", params={"at": AT, "reason": "  "},
                            headers=national())  # fmt: skip
    assert blank.status_code == 400
    assert len(log.rows()) == before
    header = test_client.get(f"{COHORT}/patients", params={"at": AT},
                             headers=national() | {"X-Reason": "care home round"})  # fmt: skip
    assert header.status_code == 200
    assert log.rows()[-1]["reason"] == "care home round"


def test_refused_reads_are_audited_too(api):
    test_client, log = api
    h = hierarchy()
    params = {"at": AT, "pcn": h["other_pcn"], "reason": "curious"}
    refused = test_client.get(f"{COHORT}/patients", headers=bearer("pcn", h["pcn"]), params=params)
    assert refused.status_code == 403
    entry = log.rows()[-1]
    assert entry["outcome"] == "denied" and entry["patients"] == [] and entry["role"] == "pcn"


def test_the_log_cannot_be_rewritten(api):
    test_client, log = api
    a_patient(test_client)
    written = log.rows()
    assert written
    for method in ("put", "patch", "delete", "post"):
        for path in ("/v1/audit", "/v1/audit/1", f"{COHORT}/patients"):
            answer = getattr(test_client, method)(path, headers=national())
            assert answer.status_code in (404, 405), (method, path)
    con = sqlite3.connect(log.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("UPDATE audit_log SET reason = 'nothing to see'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("DELETE FROM audit_log")
    finally:
        con.close()
    assert log.rows() == written
    AuditLog(log.path)  # opening it again keeps every row
    assert log.rows() == written


def test_aggregate_reads_are_not_patient_level_and_need_no_reason(api):
    test_client, log = api
    before = len(log.rows())
    for path in (f"{COHORT}/counts", "/v1/overview/pcns", "/v1/indicators/2023-24/results"):
        assert test_client.get(path, params={"at": AT}, headers=national()).status_code == 200
    assert len(log.rows()) == before

"""Every endpoint answers, as JSON and as CSV; lists paginate with their totals; errors are
problem details (RFC 9457) for 400, 401, 403, 404, 422 and 500."""

from __future__ import annotations

import csv
import io

import pytest

from api_support import AT, bearer, client, hierarchy, national

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REASON = {"reason": "endpoint test"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return client(tmp_path_factory.mktemp("api"))


def endpoints() -> list[tuple[str, dict]]:
    h = hierarchy()
    return [
        ("/v1/me", {}),
        ("/v1/organisations", {"type": "pcn"}),
        (f"/v1/organisations/{h['pcn']}", {"as_of": AT}),
        ("/v1/footprints/practices", {"as_of": AT}),
        ("/v1/footprints/pcns", {"as_of": AT, "icb": h["icb"]}),
        ("/v1/footprints/check", {"as_of": AT}),
        ("/v1/overview/pcns", {"as_of": AT}),
        ("/v1/cohorts", {}),
        ("/v1/cohorts/counts", {"at": AT}),
        ("/v1/cohorts/ehch-care-home-residents", {}),
        ("/v1/cohorts/ehch-care-home-residents/counts", {"at": AT}),
        ("/v1/cohorts/ehch-care-home-residents/patients", {"at": AT} | REASON),
        ("/v1/indicators", {"year": "2023-24"}),
        ("/v1/indicators/2023-24/results", {"indicator": "HI-03"}),
        ("/v1/payments/statement", {"year": "2024-25", "pcn": h["pcn"]}),
        ("/v1/access/ucr", {"month": "2025-08"}),
        ("/v1/access/waits", {}),
        ("/v1/access/discharge", {}),
        ("/v1/capacity/scenarios", {}),
    ]


@pytest.mark.parametrize("path, params", endpoints(), ids=lambda v: str(v))
def test_every_endpoint_answers_json_and_csv(api, path, params):
    found = api.get(path, params=params, headers=national())
    assert found.status_code == 200, found.text
    assert found.headers["content-type"].startswith("application/json")
    body = found.json()
    as_csv = api.get(path, params=params | {"format": "csv"}, headers=national())
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    if "items" in body:
        assert body["total"] == len(body["items"]) or body["total"] > body["limit"]
        assert len(rows) == len(body["items"])
        assert as_csv.headers["X-Total-Count"] == str(body["total"])
    by_accept = api.get(path, params=params, headers=national() | {"Accept": "text/csv"})
    assert by_accept.text == as_csv.text


def test_explanation_and_indicator_patients_answer_json_and_csv(api):
    patients = api.get("/v1/cohorts/ehch-care-home-residents/patients",
                       params={"at": AT} | REASON, headers=national()).json()  # fmt: skip
    patient = patients["items"][0]["patient_id"]
    path = f"/v1/cohorts/ehch-care-home-residents/patients/{patient}"
    found = api.get(path, params={"at": AT} | REASON, headers=national())
    assert found.status_code == 200
    assert found.json()["in_cohort"] is True
    assert found.json()["patient_id"] == patient
    as_csv = api.get(path, params={"at": AT, "format": "csv"} | REASON, headers=national())
    assert as_csv.text.startswith("criterion,value")
    year, indicator, pcn = indicator_with_patients(api)
    path = f"/v1/indicators/{year}/{indicator}/patients"
    found = api.get(path, params={"organisation": pcn} | REASON, headers=national())
    assert found.status_code == 200
    assert found.json()["total"] >= 1
    assert {r["pcn_code"] for r in found.json()["items"]} == {pcn}
    as_csv = api.get(path, params={"organisation": pcn, "format": "csv"} | REASON,
                     headers=national())  # fmt: skip
    assert as_csv.text.startswith("patient_id,")


def indicator_with_patients(api) -> tuple[str, str, str]:
    rows = api.get("/v1/indicators/2023-24/results", params={"level": "pcn", "limit": 1000},
                   headers=national()).json()["items"]  # fmt: skip
    row = next(r for r in rows if r["eligible"])
    return row["year"], row["indicator"], row["pcn_code"]


def test_capacity_run_and_fetch(api):
    body = {"scenario": "ucr-two-hour", "replications": 2, "seed": 3, "days": 3}
    made = api.post("/v1/capacity/runs", json=body, headers=national())
    assert made.status_code == 201, made.text
    run = made.json()
    assert {m["metric"] for m in run["summary"]} >= {"referrals", "within_target"}
    again = api.post("/v1/capacity/runs", json=body, headers=national()).json()
    assert again["summary"] == run["summary"]  # same seed, same figures
    fetched = api.get(made.headers["location"], headers=national())
    assert fetched.json() == run
    as_csv = api.get(made.headers["location"], params={"format": "csv"}, headers=national())
    assert as_csv.text.startswith("metric,mean")
    missing = api.post("/v1/capacity/runs", json=body | {"scenario": "nope"}, headers=national())
    assert missing.status_code == 404
    too_big = api.post("/v1/capacity/runs", json=body | {"replications": 500}, headers=national())
    assert too_big.status_code == 422


def test_pages_cover_the_list_once(api):
    whole = api.get("/v1/organisations", params={"type": "practice", "limit": 1000},
                    headers=national()).json()  # fmt: skip
    seen = []
    for offset in range(0, whole["total"], 40):
        page = api.get("/v1/organisations", params={"type": "practice", "limit": 40,
                       "offset": offset}, headers=national()).json()  # fmt: skip
        assert page["total"] == whole["total"]
        seen += page["items"]
    assert seen == whole["items"]
    beyond = api.get("/v1/organisations", params={"offset": 10_000}, headers=national()).json()
    assert (beyond["items"] == [] and beyond["total"] == whole["total"]) or beyond["total"] > 0


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:neighbourhood:problem:")
    assert body["title"] and body["detail"]
    return body


def test_errors_are_problem_details(api, monkeypatch, tmp_path):
    h = hierarchy()
    assert_problem(api.get("/v1/cohorts/efi/patients", params={"at": AT},
                           headers=national()), 400)  # fmt: skip
    assert_problem(api.get("/v1/me"), 401)
    pcn_user = {"Authorization": national()["Authorization"]}
    other = api.get("/v1/payments/statement", params={"year": "2024-25", "pcn": h["pcn"]},
                    headers=bearer("pcn", h["other_pcn"]))  # fmt: skip
    assert_problem(other, 403)
    assert_problem(api.get("/v1/cohorts/no-such-cohort", headers=pcn_user), 404)
    assert_problem(api.get("/v1/organisations/NOPE", headers=pcn_user), 404)
    no_rates = api.get("/v1/payments/statement", params={"year": "2031-32", "pcn": h["pcn"]},
                       headers=pcn_user)  # fmt: skip
    assert "2031-32" in assert_problem(no_rates, 404)["detail"]
    invalid = assert_problem(api.get("/v1/organisations", params={"limit": 0},
                                     headers=pcn_user), 422)  # fmt: skip
    assert invalid["errors"][0]["location"] == ["query", "limit"]
    assert_problem(api.get("/v1/cohorts/counts", params={"at": "1066-10-14"},
                           headers=pcn_user), 422)  # fmt: skip

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("neighbourhood.api.scoped.latest_snapshot", broken)
    fresh = client(tmp_path)  # a new app: the waiting lists are not kept from the tests above
    crashed = assert_problem(fresh.get("/v1/access/waits", headers=pcn_user), 500)
    assert "boom" not in crashed["detail"]  # nothing of the error leaks


def test_openapi_document_is_served(api):
    found = api.get("/openapi.json")
    assert found.status_code == 200
    paths = found.json()["paths"]
    assert {"/v1/cohorts/{cohort_id}/patients", "/v1/capacity/runs", "/v1/access/ucr"} <= set(paths)
    assert api.get("/health").json() == {"status": "ok"}

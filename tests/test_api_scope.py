"""Roles and scopes: patient rows only inside the role's organisation, aggregates outside it
only suppressed; every role has a case inside and outside its scope."""

from __future__ import annotations

import pytest

from api_support import AT, bearer, client, hierarchy, national

REASON = {"reason": "scope test", "at": AT}
COHORT = "/v1/cohorts/ehch-care-home-residents"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return client(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def everyone(api):
    """Every patient of the cohort with practice and PCN, as a national user sees them."""
    return api.get(f"{COHORT}/patients", params=REASON, headers=national()).json()["items"]


def roles():
    h = hierarchy()
    # role, own organisation, an organisation outside it (or None: nothing is)
    return [
        ("region", h["region"], None),
        ("icb", h["icb"], None),
        ("pcn", h["pcn"], h["other_pcn"]),
        ("practice", h["practice"], h["other_pcn"]),
        ("community_provider", h["provider"], None),
    ]


def in_scope_practices(api, role, org) -> set[str]:
    rows = api.get("/v1/footprints/practices", params={"as_of": AT, "limit": 1000},
                   headers=national()).json()["items"]  # fmt: skip
    h = hierarchy()
    if role in ("region", "icb"):
        return {r["practice_code"] for r in rows}
    if role == "pcn":
        return {r["practice_code"] for r in rows if r["pcn_code"] == org}
    if role == "practice":
        return {org}
    org_info = api.get(f"/v1/organisations/{org}", params={"as_of": AT}, headers=national())
    assert org_info.json()["below"]["practice"] > 0, h
    return set()  # checked below through the API's own list


@pytest.mark.parametrize("role, org, outside", roles(), ids=lambda v: str(v))
def test_patient_rows_only_inside_the_scope(api, everyone, role, org, outside):
    found = api.get(f"{COHORT}/patients", params=REASON, headers=bearer(role, org))
    assert found.status_code == 200
    rows = found.json()["items"]
    allowed = in_scope_practices(api, role, org)
    if allowed:
        assert {r["patient_id"] for r in rows} == {
            r["patient_id"] for r in everyone if r["practice_code"] in allowed
        }
    assert {r["patient_id"] for r in rows} <= {r["patient_id"] for r in everyone}
    if outside is not None:
        refused = api.get(f"{COHORT}/patients", params=REASON | {"pcn": outside},
                          headers=bearer(role, org))  # fmt: skip
        assert refused.status_code == 403
        assert "items" not in refused.json()
        outsiders = [r for r in everyone if r["practice_code"] not in allowed]
        if outsiders:
            path = f"{COHORT}/patients/{outsiders[0]['patient_id']}"
            denied = api.get(path, params=REASON, headers=bearer(role, org))
            assert denied.status_code == 403
            assert "criteria" not in denied.json()


@pytest.mark.parametrize("role", ["region", "icb", "pcn", "practice", "community_provider"])
def test_an_organisation_outside_the_store_sees_no_patient_and_only_suppressed_counts(
    api, everyone, role
):
    headers = bearer(role, "QE1")  # an ICB code this store does not hold
    rows = api.get(f"{COHORT}/patients", params=REASON, headers=headers).json()["items"]
    assert rows == []
    one = everyone[0]
    explained = api.get(f"{COHORT}/patients/{one['patient_id']}", params=REASON, headers=headers)
    assert explained.status_code == 403
    counts = api.get(f"{COHORT}/counts", params={"at": AT}, headers=headers).json()["items"]
    assert counts and all(r["patients"] == 0 or r["patients"] is None or r["patients"] >= 5
                          for r in counts)  # fmt: skip
    assert any(r["suppressed"] for r in counts)


def test_a_role_held_in_an_organisation_of_another_type_has_an_empty_scope(api, everyone):
    headers = bearer("pcn", hierarchy()["icb"])  # a PCN role in an ICB's code
    rows = api.get(f"{COHORT}/patients", params=REASON, headers=headers).json()["items"]
    assert everyone and rows == []
    me = api.get("/v1/me", headers=headers).json()
    assert me["scope"] == {"everything": False, "organisations": 0}


def test_aggregates_outside_the_scope_are_suppressed_inside_are_not(api):
    h = hierarchy()
    params = {"at": AT, "limit": 1000}
    raw = api.get(f"{COHORT}/counts", params=params, headers=national()).json()["items"]
    mine = api.get(f"{COHORT}/counts", params=params, headers=bearer("pcn", h["pcn"]))
    for seen, truth in zip(mine.json()["items"], raw, strict=True):
        if truth["pcn_code"] == h["pcn"]:
            assert seen == truth  # own practices: as they are
        elif 0 < truth["patients"] < 5:
            assert seen["patients"] is None and "patients" in seen["suppressed"]
    overview = api.get("/v1/overview/pcns", params=params, headers=bearer("pcn", h["pcn"]))
    for row in overview.json()["items"]:
        if row["pcn_code"] != h["pcn"] and row["registered_patients"] is not None:
            assert row["registered_patients"] == 0 or row["registered_patients"] >= 5
    results = api.get("/v1/indicators/2023-24/results", params={"limit": 1000},
                      headers=bearer("pcn", h["pcn"])).json()["items"]  # fmt: skip
    for row in results:
        if row["pcn_code"] != h["pcn"]:
            for field in ("eligible", "numerator", "denominator"):
                assert row[field] is None or row[field] == 0 or row[field] >= 5


def test_indicator_patients_and_statements_only_inside_the_scope(api):
    h = hierarchy()
    pcn_user = bearer("pcn", h["pcn"])
    path = "/v1/indicators/2023-24/HI-03/patients"
    refused = api.get(path, params={"organisation": h["other_pcn"], "reason": "scope test"},
                      headers=pcn_user)  # fmt: skip
    assert refused.status_code == 403
    own = api.get(path, params={"organisation": h["pcn"], "reason": "scope test"},
                  headers=pcn_user)  # fmt: skip
    assert own.status_code == 200
    assert {r["pcn_code"] for r in own.json()["items"]} <= {h["pcn"]}
    statement = {"year": "2024-25"}
    assert api.get("/v1/payments/statement", params=statement | {"pcn": h["other_pcn"]},
                   headers=pcn_user).status_code == 403  # fmt: skip
    assert api.get("/v1/payments/statement", params=statement | {"pcn": h["pcn"]},
                   headers=bearer("icb", h["icb"])).status_code == 200  # fmt: skip


def test_a_service_account_has_its_role_and_scope(api):
    from api_support import SERVICE_KEY

    me = api.get("/v1/me", headers={"X-API-Key": SERVICE_KEY}).json()
    assert me["kind"] == "service" and me["role"] == "icb"
    assert me["scope"]["organisations"] > 0

"""Who may see what on the dashboard: signing in and out, the session cookie, each role's
organisations, refusals as HTML pages, and the audit log of every look at patient-level data."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from api_support import SERVICE_KEY, hierarchy, settings, token
from neighbourhood.api import AuditLog, mint_token
from neighbourhood.web.session import COOKIE
from web_support import (
    PAGES,
    TestClient,
    code_in,
    error_links,
    library,
    on,
    parse,
    patients_of,
    pcns_of_icb,
    pcns_served_by,
    practices_of,
    signed_in,
    site_fixtures,
    table,
)

H = hierarchy()


folder, app, pcn_user, icb_user = site_fixtures("web-access")


@pytest.fixture(scope="module")
def log(folder):
    return AuditLog(settings(folder).audit_log)


def is_html(answer) -> bool:
    return answer.headers["content-type"].startswith("text/html")


def h1(answer) -> str:
    return parse(answer.text).one("h1").text()


# --- Signing in and out ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/ucr?to=2025-08&org=U06387"])
def test_a_page_without_a_session_sends_you_to_sign_in_and_back(app, path):
    anonymous = TestClient(app)
    answer = anonymous.get(path, follow_redirects=False)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query)["next"] == [path]
    form = parse(anonymous.get(answer.headers["location"]).text)
    assert form.one("input", name="next").attrs["value"] == path


@pytest.mark.parametrize(
    "credential",
    [
        "",
        "not-a-token",
        "a.b.c",
        mint_token("another-secret-" + "x" * 32, user="u", role="pcn", org_code=H["pcn"])[0],
    ],
    ids=["empty", "unknown-key", "malformed-jwt", "wrong-signature"],
)
def test_a_bad_credential_gets_401_an_error_summary_and_no_cookie(app, credential):
    client = TestClient(app)
    answer = client.post("/sign-in", data={"token": credential}, follow_redirects=False)
    assert answer.status_code == 401
    assert is_html(answer)
    assert "set-cookie" not in answer.headers
    assert error_links(parse(answer.text)) == ["#token"]
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_good_token_sets_an_http_only_strict_session_cookie(app):
    credential = token("pcn", H["pcn"])
    client = TestClient(app)
    answer = client.post("/sign-in", data={"token": credential}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard"
    cookie = answer.headers["set-cookie"]
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert parts[0] == f"{COOKIE}={credential}".lower()
    assert "httponly" in parts and "samesite=strict" in parts and "path=/" in parts
    assert "secure" not in parts  # plain http (the test client): Secure only over https
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert h1(page).endswith(f"({H['pcn']})")


def test_over_https_the_cookie_is_secure(app):
    client = TestClient(app, base_url="https://testserver")
    answer = client.post("/sign-in", data={"token": token("pcn", H["pcn"])},
                         follow_redirects=False)  # fmt: skip
    assert "secure" in [p.strip().lower() for p in answer.headers["set-cookie"].split(";")]


def test_a_service_key_signs_in_as_its_account(app):
    client = TestClient(app)
    answer = client.post("/sign-in", data={"token": SERVICE_KEY}, follow_redirects=False)
    assert answer.status_code == 303
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert h1(page).endswith(f"({H['icb']})")  # the key's account is the ICB's


@pytest.mark.parametrize(
    "next_path",
    ["https://evil.example", "//evil.example", "/\\evil.example", "evil.example",
     "http://testserver/dashboard"],
)  # fmt: skip
def test_a_next_address_off_the_site_is_ignored(app, next_path):
    client = TestClient(app)
    answer = client.post("/sign-in", data={"token": token("pcn", H["pcn"]), "next": next_path},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard"
    form = parse(client.get("/sign-in", params={"next": next_path}).text)
    assert form.one("input", name="next").attrs["value"] == "/dashboard"


def test_a_next_path_with_a_tab_cannot_become_protocol_relative(app):
    # browsers drop tabs and newlines from a Location: "/\t/evil" would become "//evil"
    client = TestClient(app)
    form = {"token": token("pcn", H["pcn"]), "next": "/\t/evil.example"}
    answer = client.post("/sign-in", data=form, follow_redirects=False)
    location = answer.headers["location"]
    assert not location.replace("\t", "").replace("\n", "").replace("\r", "").startswith("//")


def test_a_next_path_on_the_site_is_followed(app):
    wanted = f"/dashboard/ucr?org={H['pcn']}"
    client = TestClient(app)
    answer = client.post("/sign-in", data={"token": token("pcn", H["pcn"]), "next": wanted},
                         follow_redirects=False)  # fmt: skip
    assert answer.headers["location"] == wanted


def test_signing_out_clears_the_cookie(app):
    client = signed_in(app, "pcn", H["pcn"])
    assert client.get("/dashboard").status_code == 200
    answer = client.post("/sign-out", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    cleared = [p.strip().lower() for p in answer.headers["set-cookie"].split(";")]
    assert cleared[0] in (f"{COOKIE}=", f'{COOKIE}=""') and "max-age=0" in cleared
    assert COOKIE not in client.cookies
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("kind", ["expired", "tampered", "wrong-issuer"])
def test_a_session_whose_token_no_longer_holds_goes_back_to_sign_in(app, kind):
    if kind == "expired":
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)
        credential = token("pcn", H["pcn"], now=stale, lifetime=dt.timedelta(hours=8))
    elif kind == "tampered":
        credential = token("pcn", H["pcn"])[:-4] + "AAAA"
    else:
        credential = token("pcn", H["pcn"], issuer="someone-else")
    client = TestClient(app)
    client.cookies.set(COOKIE, credential)
    answer = client.get("/dashboard/cohorts", follow_redirects=False)
    assert answer.status_code == 303
    assert urlsplit(answer.headers["location"]).path == "/sign-in"
    assert "Cohorts" not in answer.text


# --- Scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("outside", ["other_pcn", "icb"])
def test_a_pcn_user_is_refused_another_pcn_and_the_icb_on_every_page(pcn_user, path, outside):
    answer = pcn_user.get(f"/dashboard{path}", params={"org": H[outside]})
    assert answer.status_code == 403
    assert is_html(answer)
    assert h1(answer) == "You cannot see this organisation"
    others = patients_of(H["other_pcn"])
    assert others and not [p for p in others if p in answer.text]
    assert not parse(answer.text).all("table")


def test_a_practice_user_cannot_open_its_pcn(app):
    practice = signed_in(app, "practice", H["practice"])
    assert H["practice"] in practices_of(H["pcn"])
    assert practice.get("/dashboard").status_code == 200
    refused = practice.get("/dashboard", params={"org": H["pcn"]})
    assert refused.status_code == 403 and is_html(refused)
    other = sorted(practices_of(H["pcn"]) - {H["practice"]})[0]
    assert practice.get("/dashboard/cohorts", params={"org": other}).status_code == 403


def test_a_community_provider_user_sees_the_pcns_its_teams_serve(app):
    provider = signed_in(app, "community_provider", H["provider"])
    served = pcns_served_by(H["provider"])
    page = parse(provider.get("/dashboard").text)
    shown = {code_in(r[0]) for r in table(page, f"Primary care networks on {on().isoformat()}")}
    assert shown == served
    assert H["pcn"] in served
    assert provider.get("/dashboard", params={"org": H["pcn"]}).status_code == 200
    not_served = sorted(pcns_of_icb(H["icb"]) - served)
    assert not_served, "the store should have a PCN the provider does not serve"
    assert provider.get("/dashboard", params={"org": not_served[0]}).status_code == 403
    assert provider.get("/dashboard", params={"org": H["icb"]}).status_code == 403


def test_a_national_user_sees_an_icb_by_default(app):
    national = signed_in(app, "national", "ENGLAND")
    page = national.get("/dashboard")
    assert page.status_code == 200
    assert h1(page).endswith(f"({H['icb']})")
    assert national.get("/dashboard", params={"org": H["other_pcn"]}).status_code == 200


def test_an_icb_user_opens_any_of_its_pcns(icb_user):
    for pcn in (H["pcn"], H["other_pcn"]):
        answer = icb_user.get("/dashboard", params={"org": pcn})
        assert answer.status_code == 200
        assert h1(answer).endswith(f"({pcn})")


# --- Patient-level lists and the audit log ---------------------------------------------------


def busiest_cohort(pcn: str) -> str:
    """The cohort with most patients at the PCN's practices (and some elsewhere too)."""
    practices = practices_of(pcn)

    def mine(cohort_id: str) -> int:
        return sum(r["practice_code"] in practices for r in library()[cohort_id].records())

    chosen = max(sorted(library()), key=mine)
    assert mine(chosen) > 0
    assert len(library()[chosen].records()) > mine(chosen)
    return chosen


def shown_patients(answer) -> list[str]:
    rows = table(parse(answer.text), "Patients and each criterion")
    return [r[0] for r in rows]


def test_without_a_reason_the_list_asks_for_one_and_writes_nothing(pcn_user, log):
    before = log.rows()
    cohort = busiest_cohort(H["pcn"])
    answer = pcn_user.get(f"/dashboard/cohorts/{cohort}", params={"org": H["pcn"]})
    assert answer.status_code == 200
    page = parse(answer.text)
    assert page.one("input", id="reason").attrs["name"] == "reason"
    assert page.one("label", for_="reason")
    assert not error_links(page)
    assert not page.all("table")
    assert log.rows() == before


@pytest.mark.parametrize("reason", ["ab", "   ", ""])
def test_a_too_short_reason_shows_an_error_and_writes_nothing(pcn_user, log, reason):
    before = log.rows()
    cohort = busiest_cohort(H["pcn"])
    answer = pcn_user.get(f"/dashboard/cohorts/{cohort}",
                          params={"org": H["pcn"], "reason": reason})  # fmt: skip
    assert is_html(answer)
    page = parse(answer.text)
    assert error_links(page) == ["#reason"]
    assert not page.all("table")
    assert log.rows() == before


@pytest.mark.parametrize("viewer", ["pcn_user", "icb_user"])
def test_with_a_reason_the_list_shows_the_pcns_patients_and_is_audited(request, log, viewer):
    client = request.getfixturevalue(viewer)
    cohort = busiest_cohort(H["pcn"])
    expected = [r["patient_id"] for r in library()[cohort].records()
                if r["practice_code"] in practices_of(H["pcn"])][:200]  # fmt: skip
    before = log.rows()
    answer = client.get(f"/dashboard/cohorts/{cohort}",
                        params={"org": H["pcn"], "reason": "  SMR clinic planning "})  # fmt: skip
    assert answer.status_code == 200
    shown = shown_patients(answer)
    assert shown == expected
    assert not set(shown) & patients_of(H["other_pcn"])
    after = log.rows()
    assert after[: len(before)] == before
    (entry,) = after[len(before) :]
    role = viewer.removesuffix("_user")
    assert entry["user"] == f"{role}-user" and entry["role"] == role
    assert entry["reason"] == "SMR clinic planning" and entry["outcome"] == "read"
    assert entry["path"] == f"/dashboard/cohorts/{cohort}"
    assert entry["patients"] == shown and entry["rows"] == len(shown)


def test_a_reasoned_look_outside_the_scope_is_refused_and_audited(pcn_user, log):
    cohort = busiest_cohort(H["other_pcn"])
    before = len(log.rows())
    answer = pcn_user.get(f"/dashboard/cohorts/{cohort}",
                          params={"org": H["other_pcn"], "reason": "curious"})  # fmt: skip
    assert answer.status_code == 403
    assert is_html(answer)
    assert not [p for p in patients_of(H["other_pcn"]) if p in answer.text]
    (entry,) = log.rows()[before:]
    assert entry["outcome"] == "denied" and entry["patients"] == []
    assert entry["reason"] == "curious" and entry["user"] == "pcn-user"


def test_an_unknown_cohort_is_404(pcn_user, log):
    before = len(log.rows())
    answer = pcn_user.get("/dashboard/cohorts/no-such-cohort", params={"reason": "looking"})
    assert answer.status_code == 404
    assert is_html(answer)
    assert "no-such-cohort" in answer.text
    assert len(log.rows()) == before


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, params",
    [
        ("/dashboard/ucr", {"to": "2025-13"}),
        ("/dashboard/ucr", {"to": "1980-01"}),
        ("/dashboard/reports/pcn.html", {"org": H["pcn"], "month": "2025-00"}),
    ],
)
def test_a_month_that_is_not_one_gives_a_422_page(pcn_user, path, params):
    answer = pcn_user.get(path, params=params)
    assert answer.status_code == 422
    assert is_html(answer)
    assert h1(answer) == "Sorry, there is a problem with what you asked for"
    assert params.get("to", params.get("month")) in parse(answer.text).one("main").text()


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/ucr", "/dashboard/cohorts/efi"])
def test_an_unknown_organisation_gives_a_404_page(pcn_user, path):
    answer = pcn_user.get(path, params={"org": "ZZZ99"})
    assert answer.status_code == 404
    assert is_html(answer)
    assert h1(answer) == "Page not found"
    assert "ZZZ99" in answer.text


@pytest.mark.parametrize(
    "path, params, status",
    [
        ("/dashboard/ucr", {"to": "2025-1"}, 422),
        ("/dashboard", {"org": "bad!"}, 422),
        ("/dashboard/reports/pcn.pdf", {}, 422),
        ("/dashboard/no-such-page", {}, 404),
    ],
)
def test_every_dashboard_error_is_an_html_page_not_json(pcn_user, path, params, status):
    """A person who edits the address should get a page, whichever check refuses it."""
    answer = pcn_user.get(path, params=params)
    assert answer.status_code == status
    assert is_html(answer), answer.headers["content-type"]


def test_api_errors_stay_json(pcn_user):
    answer = pcn_user.get("/v1/no-such-endpoint")
    assert answer.status_code in (401, 404)
    assert answer.headers["content-type"] == "application/problem+json"

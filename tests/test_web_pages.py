"""The dashboard's pages: each answers HTML for a PCN user and for an ICB user looking at the
PCN, shows the figures the package functions give (worked out again here), holds to the NHS.UK
page structure (one h1, a main landmark, a skip link, labelled fields and charts) and loads
nothing from another site."""

from __future__ import annotations

import re

import pytest

from api_support import hierarchy, store
from neighbourhood.access.waits import latest_snapshot
from neighbourhood.overview import pcn_summary
from neighbourhood.store import connect
from web_support import (
    IIF_YEAR,
    PAGES,
    Element,
    TestClient,
    code_in,
    count_text,
    external_references,
    iif_records,
    library,
    months,
    on,
    parse,
    pcns_of_icb,
    practices_of,
    providers_of,
    registered_on,
    signed_in,
    site,
    table,
    teams_serving,
    ucr_rows,
)

H = hierarchy()
VIEWERS = ("pcn", "icb")  # a PCN user on their PCN; an ICB user with ?org=<the PCN>


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return site(tmp_path_factory.mktemp("web-pages"))


@pytest.fixture(scope="module")
def clients(app):
    return {"pcn": signed_in(app, "pcn", H["pcn"]), "icb": signed_in(app, "icb", H["icb"])}


@pytest.fixture(scope="module")
def fetch(clients):
    """GET a dashboard page as a viewer, once per module: the PCN's page, as its PCN user or
    as an ICB user with ?org=<the PCN>."""
    seen = {}

    def get(viewer: str, path: str, **params: str):
        key = (viewer, path, tuple(sorted(params.items())))
        if key not in seen:
            seen[key] = clients[viewer].get(f"/dashboard{path}", params={"org": H["pcn"]} | params)
        return seen[key]

    return get


def store_rows(function, *args, **kwargs):
    con = connect(store(), read_only=True)
    try:
        return function(con, *args, **kwargs)
    finally:
        con.close()


# --- Every page answers -----------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_page_answers_html_about_the_pcn(fetch, viewer, path):
    answer = fetch(viewer, path)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    page = parse(answer.text)
    assert f"figures on {on().isoformat()}" in page.text()
    current = [a.attrs["href"] for a in page.all("a") if a.attrs.get("aria-current") == "page"]
    assert current == [f"/dashboard{path}?org={H['pcn']}"]


# --- The figures ----------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_overview_shows_the_pcns_registered_patients(fetch, viewer):
    (expected,) = [r for r in store_rows(pcn_summary, on()) if r["pcn_code"] == H["pcn"]]
    page = parse(fetch(viewer, "").text)
    assert page.one("dd", id="registered-patients").text() == count_text(
        expected["registered_patients"]
    )
    assert expected["registered_patients"] > 0
    summary = {row.one("dt").text(): row.one("dd").text() for row in page.with_class(
        "nhsuk-summary-list__row")}  # fmt: skip
    assert summary["Practices"] == str(len(practices_of(H["pcn"])))
    assert summary["Community teams serving them"] == str(len(teams_serving(H["pcn"])))
    assert summary["Community providers"] == ", ".join(sorted(providers_of(
        teams_serving(H["pcn"]))))  # fmt: skip
    (row,) = table(page, f"Primary care networks on {on().isoformat()}")
    assert code_in(row[0]) == H["pcn"]
    assert row[1:3] == [count_text(expected["practices"]),
                        count_text(expected["registered_patients"])]  # fmt: skip


def test_the_icbs_overview_adds_up_its_pcns(clients):
    rows = [r for r in store_rows(pcn_summary, on()) if r["pcn_code"] in pcns_of_icb(H["icb"])]
    page = parse(clients["icb"].get("/dashboard").text)
    assert page.one("dd", id="registered-patients").text() == count_text(
        sum(r["registered_patients"] for r in rows)
    )
    shown = table(page, f"Primary care networks on {on().isoformat()}")
    assert {code_in(r[0]) for r in shown} == pcns_of_icb(H["icb"])


def test_the_overview_of_a_practice_does_not_show_a_wrong_patient_count(clients):
    """A practice's overview either leaves the registered-patients figure out or gives the
    practice's own; it must not say 0 for a practice with patients."""
    practice = H["practice"]
    assert registered_on(practice) > 0
    answer = clients["pcn"].get("/dashboard", params={"org": practice})
    assert answer.status_code == 200
    shown = parse(answer.text).all("dd", id="registered-patients")
    assert not shown or shown[0].text() == count_text(registered_on(practice))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_cohorts_page_counts_the_pcns_patients_in_each_cohort(fetch, viewer):
    practices = practices_of(H["pcn"])
    expected = {}
    for cohort_id, run in library().items():
        mine = [r for r in run.records() if r["practice_code"] in practices]
        expected[cohort_id] = [count_text(len(mine)),
                               count_text(len({r["practice_code"] for r in mine}))]  # fmt: skip
    assert any(v[0] != "0" for v in expected.values())
    rows = table(parse(fetch(viewer, "/cohorts").text), "Cohort counts")
    assert {r[1]: r[2:] for r in rows} == expected


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_iif_table_holds_the_pcns_pcn_level_records(fetch, viewer):
    expected = [r for r in iif_records() if r["level"] == "pcn" and r["pcn_code"] == H["pcn"]]
    assert expected
    page = parse(fetch(viewer, "/indicators", year=IIF_YEAR).text)
    assert page.one("h1").text() == f"Investment and Impact Fund {IIF_YEAR}"
    rows = table(page, "Achievement, points and projected pounds")
    assert sorted((r[0].split(":")[0], r[1], r[2], r[3]) for r in rows) == sorted(
        (r["indicator"], H["pcn"], count_text(r["numerator"]), count_text(r["denominator"]))
        for r in expected
    )


def test_the_icbs_iif_table_holds_every_pcn_of_the_icb(clients):
    pcns = pcns_of_icb(H["icb"])
    expected = [r for r in iif_records() if r["level"] == "pcn" and r["pcn_code"] in pcns]
    answer = clients["icb"].get("/dashboard/indicators", params={"year": IIF_YEAR})
    rows = table(parse(answer.text), "Achievement, points and projected pounds")
    assert len(rows) == len(expected) > 1
    assert sorted((r[0].split(":")[0], r[1]) for r in rows) == sorted(
        (r["indicator"], r["pcn_code"]) for r in expected
    )


def test_the_iif_page_of_a_practice_lists_its_practice_level_records(clients):
    practice_records = [r for r in iif_records() if r["level"] == "practice"
                        and r["practice_code"] in practices_of(H["pcn"])]  # fmt: skip
    assert practice_records
    practice = practice_records[0]["practice_code"]
    answer = clients["pcn"].get("/dashboard/indicators",
                                params={"org": practice, "year": IIF_YEAR})  # fmt: skip
    assert answer.status_code == 200
    rows = table(parse(answer.text), "Achievement, points and projected pounds")
    assert sorted(r[0].split(":")[0] for r in rows) == sorted(
        r["indicator"] for r in practice_records if r["practice_code"] == practice
    )


def ucr_expected(pcn: str) -> list[dict]:
    first, last = months(on())
    teams = teams_serving(pcn)
    mine = teams | providers_of(teams) | {H["icb"]}
    return [r for r in ucr_rows(first, last) if r["org_code"] in mine]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_ucr_table_holds_the_teams_their_providers_and_the_icb_over_12_months(fetch, viewer):
    expected = ucr_expected(H["pcn"])
    assert {r["level"] for r in expected} == {"team", "provider", "icb"}
    page = parse(fetch(viewer, "/ucr").text)
    rows = table(page, "2-hour and 2-day figures by month")
    assert len(rows) == len(expected)
    assert sorted((code_in(r[0]), r[1], r[2]) for r in rows) == sorted(
        (r["org_code"], r["level"], r["month"].strftime("%Y-%m")) for r in expected
    )
    first, last = months(on())
    assert f"{first:%B %Y} to {last:%B %Y}" in page.text()


def test_an_icb_user_sees_the_ucr_figures_of_its_teams_and_itself_as_they_are(fetch):
    """The ICB's scope holds the ICB and the teams serving its PCNs (not the providers:
    `organisations_under`), so their counts are shown as they are."""
    expected = {(r["org_code"], r["month"].strftime("%Y-%m")): r for r in ucr_expected(H["pcn"])}
    rows = table(parse(fetch("icb", "/ucr").text), "2-hour and 2-day figures by month")
    inside = [r for r in rows if r[1] in ("team", "icb")]
    assert {r[1] for r in inside} == {"team", "icb"}
    for row in inside:
        found = expected[(code_in(row[0]), row[2])]
        assert row[3:5] == [count_text(found["two_hour_referrals"]),
                            count_text(found["two_hour_met"])]  # fmt: skip
        assert row[6] == count_text(found["reablement_referrals"])
    assert any(small(c) for r in inside for c in (r[3], r[4], r[6]))


def test_the_ucr_page_asks_for_the_months_to_given(fetch):
    rows = table(
        parse(fetch("icb", "/ucr", to="2025-03").text), "2-hour and 2-day figures by month"
    )
    shown = sorted({r[2] for r in rows})
    assert shown[-1] <= "2025-03" and shown[0] >= "2024-04"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_waits_page_holds_the_latest_snapshot_of_the_pcns_providers(fetch, viewer):
    providers = providers_of(teams_serving(H["pcn"]))
    expected = [r for r in store_rows(latest_snapshot) if r["provider_code"] in providers]
    assert expected
    rows = table(parse(fetch(viewer, "/waits").text),
                 "Patients waiting by service line and weeks waited")  # fmt: skip
    assert sorted((r[0], r[1], r[2]) for r in rows) == sorted(
        (r["service_line"], r["provider_code"], r["age_group"]) for r in expected
    )


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_footprints_page_lists_the_pcns_practices(fetch, viewer):
    page = parse(fetch(viewer, "/footprints").text)
    rows = table(page, "Practices")
    assert {code_in(r[0]) for r in rows} == practices_of(H["pcn"])
    assert {r[1] for r in rows} == {H["pcn"]}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_reports_page_offers_the_pcns_report_for_12_months(fetch, viewer):
    page = parse(fetch(viewer, "/reports", month="2025-08").text)
    options = [o.attrs["value"] for o in page.one("select", id="month").all("option")]
    first, last = months(on())
    assert options[0] == f"{last:%Y-%m}" and options[-1] == f"{first:%Y-%m}" and len(options) == 12
    links = sorted(a.attrs["href"] for a in page.all("a") if "/dashboard/reports/" in
                   a.attrs.get("href", ""))  # fmt: skip
    assert links == [f"/dashboard/reports/pcn.{x}?org={H['pcn']}&month=2025-08"
                     for x in ("html", "xlsx")]  # fmt: skip


# --- Aggregates outside the scope -------------------------------------------------------------


def small(cell: str) -> bool:
    return cell.replace(",", "").isdigit() and 1 <= int(cell.replace(",", "")) <= 4


def test_a_pcn_user_sees_no_small_count_of_the_icb_or_a_provider(fetch):
    """The ICB and the providers are outside a PCN user's scope: counts of 1 to 4 come
    suppressed ("–"), as the API gives them."""
    rows = table(parse(fetch("pcn", "/ucr").text), "2-hour and 2-day figures by month")
    outside = [r for r in rows if r[1] in ("icb", "provider")]
    assert outside
    assert not [r for r in outside if any(small(c) for c in (r[3], r[4], r[6]))]
    assert any("–" in (r[3], r[4], r[6]) for r in outside)  # the store has small counts there
    waits = table(parse(fetch("pcn", "/waits").text),
                  "Patients waiting by service line and weeks waited")  # fmt: skip
    assert not [r for r in waits if any(small(c) for c in r[3:])]
    assert [r for r in waits if "–" in r[3:]]


def test_a_provider_user_sees_its_own_waiting_list_as_it_is(app):
    provider = signed_in(app, "community_provider", H["provider"])
    expected = store_rows(latest_snapshot, provider=H["provider"])
    rows = table(parse(provider.get("/dashboard/waits").text),
                 "Patients waiting by service line and weeks waited")  # fmt: skip
    own = [r for r in rows if r[1] == H["provider"]]
    assert {(r[0], r[2]): r[3] for r in own} == {
        (r["service_line"], r["age_group"]): count_text(r["total"]) for r in expected
    }
    assert [r for r in own if any(small(c) for c in r[3:])]
    assert not [r for r in own if "–" in r[3:]]


# --- Page structure ------------------------------------------------------------------------


def structure_problems(html: str) -> list[str]:
    page = parse(html)
    problems = []
    (root,) = page.all("html")
    if root.attrs.get("lang") != "en":
        problems.append(f"html lang is {root.attrs.get('lang')!r}")
    if len(page.all("h1")) != 1:
        problems.append(f"{len(page.all('h1'))} h1 elements")
    mains = page.all("main")
    if len(mains) != 1 or mains[0].attrs.get("id") != "maincontent":
        problems.append("not exactly one <main id=maincontent>")
    skips = [a for a in page.with_class("nhsuk-skip-link") if a.tag == "a"]
    if [a.attrs.get("href") for a in skips] != ["#maincontent"]:
        problems.append("no skip link to #maincontent")
    if not page.one("head").one("title").text():
        problems.append("an empty title")
    ids = [e.attrs["id"] for e in page.iter() if e.attrs.get("id")]
    if len(ids) != len(set(ids)):
        problems.append(f"ids used twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    problems += svg_problems(page, set(ids))
    problems += label_problems(page)
    return problems


def svg_problems(page: Element, ids: set[str]) -> list[str]:
    problems = []
    for svg in page.all("svg"):
        if svg.attrs.get("aria-hidden") == "true":
            continue
        titles = [c for c in svg.children if isinstance(c, Element) and c.tag == "title"]
        if svg.attrs.get("role") != "img" or not titles or not titles[0].text():
            problems.append(f"an svg without role=img and a title: {svg.attrs}")
        for ref in (svg.attrs.get("aria-labelledby") or "").split():
            if ref not in ids:
                problems.append(f"an svg labelled by a missing id {ref}")
    return problems


def label_problems(page: Element) -> list[str]:
    fields = [e for e in page.iter() if e.tag in ("input", "select", "textarea")
              and e.attrs.get("type") not in ("hidden", "submit", "button")]  # fmt: skip
    labelled = {lb.attrs.get("for") for lb in page.all("label")}
    problems = [f"a {f.tag} ({f.attrs.get('name')}) without a <label for> its id" for f in fields
                if not f.attrs.get("id") or f.attrs["id"] not in labelled]  # fmt: skip
    field_ids = {f.attrs.get("id") for f in fields}
    problems += [f"a label for {x!r}, which no field has" for x in labelled - field_ids]
    return problems


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_page_has_the_nhs_page_structure(fetch, viewer, path):
    assert structure_problems(fetch(viewer, path).text) == []


def other_pages(app, clients):
    """Pages that are not in the navigation: sign-in (with an error too), the reason form
    (with an error too), error pages, a patient list."""
    anonymous = TestClient(app)
    pcn = clients["pcn"]
    return {
        "sign-in": anonymous.get("/sign-in"),
        "sign-in error": anonymous.post("/sign-in", data={"token": "nope"}),
        "reason": pcn.get("/dashboard/cohorts/efi"),
        "reason error": pcn.get("/dashboard/cohorts/efi", params={"reason": "x"}),
        "patients": pcn.get("/dashboard/cohorts/efi", params={"reason": "a structure test"}),
        "403": pcn.get("/dashboard", params={"org": H["icb"]}),
        "404": pcn.get("/dashboard", params={"org": "ZZZ99"}),
        "422": pcn.get("/dashboard/ucr", params={"to": "2025-13"}),
    }


def test_the_other_pages_have_the_nhs_page_structure(app, clients):
    found = {name: structure_problems(answer.text)
             for name, answer in other_pages(app, clients).items()}  # fmt: skip
    assert found == {name: [] for name in found}


@pytest.mark.parametrize("path", ["/footprints", "/indicators", "/ucr", "/waits"])
def test_each_chart_is_an_image_with_a_title_and_a_description(fetch, path):
    figures = parse(fetch("pcn", path).text).with_class("dashboard-chart")
    assert figures
    for figure in figures:
        (svg,) = figure.all("svg")
        assert svg.attrs["role"] == "img"
        title, desc = (next(c for c in svg.children if isinstance(c, Element) and c.tag == tag)
                       for tag in ("title", "desc"))  # fmt: skip
        assert title.text() and desc.text()
        assert svg.attrs["aria-labelledby"].split() == [title.attrs["id"], desc.attrs["id"]]
        assert figure.one("figcaption").text()


# --- Served from here, nothing from elsewhere ---------------------------------------------------

ASSETS = [
    ("/nhsuk/nhsuk-frontend.min.css", "text/css"),
    ("/nhsuk/nhsuk-frontend.min.js", "text/javascript"),
    ("/dashboard-static/init.js", "text/javascript"),
    ("/dashboard-static/dashboard.css", "text/css"),
]


@pytest.mark.parametrize("path, kind", ASSETS)
def test_the_frontend_files_are_served_here(app, path, kind):
    answer = TestClient(app).get(path)  # no session needed
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == kind
    assert len(answer.content) > 50


@pytest.mark.parametrize("path", PAGES)
def test_no_page_loads_anything_from_another_site(fetch, path):
    assert external_references(parse(fetch("pcn", path).text)) == []


def test_every_resource_a_page_loads_is_served_here(app, fetch):
    anonymous = TestClient(app)
    page = parse(fetch("pcn", "").text)
    local = {e.attrs.get("href") for e in page.all("link")} | {
        e.attrs.get("src") for e in page.all("script")
    }
    local.discard(None)
    assert local
    missing = {p: anonymous.get(p).status_code for p in local}
    assert missing == {p: 200 for p in local}


STYLESHEETS = ["/nhsuk/nhsuk-frontend.min.css", "/dashboard-static/dashboard.css"]


def stylesheet_urls(client, path: str) -> list[str]:
    return sorted(set(re.findall(r"url\(\s*['\"]?([^)'\"]+)", client.get(path).text)))


@pytest.mark.parametrize("path", STYLESHEETS)
def test_the_stylesheets_load_no_font_or_image_from_another_site(app, path):
    """An offline site cannot fetch a font from assets.nhs.uk (nor should a page tell
    another site who is reading it)."""
    urls = stylesheet_urls(TestClient(app), path)
    assert [u for u in urls if re.match(r"(https?:)?//", u)] == []


@pytest.mark.parametrize("path", STYLESHEETS)
def test_the_images_the_stylesheets_use_are_served(app, path):
    client = TestClient(app)
    base = path.rsplit("/", 1)[0] + "/"
    local = [u if u.startswith("/") else base + u for u in stylesheet_urls(client, path)
             if not re.match(r"(https?:)?//|data:", u)]  # fmt: skip
    assert {u: client.get(u).status_code for u in local} == {u: 200 for u in local}

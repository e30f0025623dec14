"""The dashboard's capacity runner: a shipped scenario simulated with a seed gives the figures
`capacity.replicate` gives, the same twice; a form with a mistake is answered with an error
summary pointing at the field, and nothing is run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from api_support import hierarchy, settings
from neighbourhood.capacity import examples_folder, read_scenario, replicate
from neighbourhood.web import capacity as web_capacity
from web_support import TestClient, error_links, parse, site_fixtures, table

H = hierarchy()
SCENARIO = "ucr-two-hour"
RESULTS = "Results over the replications (95% confidence interval)"
VALID = {"scenario": SCENARIO, "replications": "3", "seed": "1", "days": "2"}


folder, app, pcn_user, icb_user = site_fixtures("web-capacity")


@pytest.fixture
def runs(monkeypatch):
    """Every call of the simulation the page makes."""
    calls = []

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return replicate(*args, **kwargs)

    monkeypatch.setattr(web_capacity, "replicate", spy)
    return calls


def run(client, **form):
    return client.post("/dashboard/capacity", params={"org": H["pcn"]}, data=VALID | form)


def expected_rows(scenario: str, replications: int, seed: int, days: int) -> list[list[str]]:
    chosen = read_scenario(examples_folder() / f"{scenario}.yaml").with_days(days)
    result = replicate(chosen, replications, np.random.default_rng(seed), keep=True)

    def fixed(x: float) -> str:
        return "–" if math.isnan(x) else f"{x:.3f}"

    return [[r["metric"].replace("_", " "), fixed(r["mean"]), fixed(r["ci_low"]),
             fixed(r["ci_high"]), str(r["replications"])]
            for r in result.summary_rows()]  # fmt: skip


def test_the_form_offers_the_shipped_scenarios(pcn_user):
    answer = pcn_user.get("/dashboard/capacity")
    assert answer.status_code == 200
    options = {o.attrs["value"]: o.text() for o in parse(answer.text).one("select", id="scenario")
               .all("option")}  # fmt: skip
    shipped = {p.stem: read_scenario(p).title for p in examples_folder().glob("*.yaml")}
    assert options == shipped
    assert SCENARIO in options


def test_a_run_shows_the_chart_and_the_figures_replicate_gives(pcn_user, runs):
    answer = run(pcn_user)
    assert answer.status_code == 200
    assert len(runs) == 1
    page = parse(answer.text)
    title = read_scenario(examples_folder() / f"{SCENARIO}.yaml").title
    assert page.one("h2", id="result").text() == title
    (figure,) = page.with_class("dashboard-chart")
    (svg,) = figure.all("svg")
    assert svg.attrs["role"] == "img"
    assert title in next(c for c in svg.children if getattr(c, "tag", None) == "title").text()
    rows = table(page, RESULTS)
    assert rows == expected_rows(SCENARIO, 3, 1, 2)
    assert {r[4] for r in rows} <= {"3"}
    assert page.one("input", id="replications").attrs["value"] == "3"


def test_the_same_seed_gives_the_same_figures_and_another_seed_others(pcn_user):
    first = table(parse(run(pcn_user).text), RESULTS)
    again = table(parse(run(pcn_user).text), RESULTS)
    other = table(parse(run(pcn_user, seed="2").text), RESULTS)
    assert first == again
    assert other != first
    assert other == expected_rows(SCENARIO, 3, 2, 2)


@pytest.mark.parametrize(
    "field, value",
    [
        ("replications", "0"),
        ("replications", "abc"),
        ("replications", "21"),  # above capacity_max_replications
        ("replications", "-1"),
        ("replications", "2.5"),
        ("seed", "x"),
        ("days", "0"),
        ("days", "above the maximum"),  # settings.capacity_max_days + 1
        ("scenario", "no-such-scenario"),
        ("scenario", "../../etc/passwd"),
    ],
)
def test_a_mistake_gives_a_422_page_pointing_at_the_field_and_runs_nothing(
    pcn_user, folder, runs, field, value
):
    if value == "above the maximum":
        value = str(settings(folder).capacity_max_days + 1)
    answer = run(pcn_user, **{field: value})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    page = parse(answer.text)
    assert error_links(page) == [f"#{field}"]
    assert page.one(id=f"{field}-error").text().startswith("Error:")
    assert not page.all("table")
    assert runs == []
    if field != "scenario":
        assert page.one("input", id=field).attrs["value"] == value


def test_several_mistakes_are_listed_in_the_order_of_the_form(pcn_user, runs):
    answer = run(pcn_user, scenario="nope", replications="0", seed="x", days="99")
    assert answer.status_code == 422
    assert error_links(parse(answer.text)) == ["#scenario", "#replications", "#seed", "#days"]
    assert runs == []


def test_a_number_too_long_for_the_form_also_gives_the_422_page(pcn_user, runs):
    answer = run(pcn_user, replications="1234567")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html"), answer.text
    assert error_links(parse(answer.text)) == ["#replications"]
    assert runs == []


def test_a_run_needs_a_session_and_an_organisation_in_scope(app, pcn_user, runs):
    anonymous = TestClient(app).post("/dashboard/capacity", data=VALID, follow_redirects=False)
    assert anonymous.status_code == 303
    refused = pcn_user.post("/dashboard/capacity", params={"org": H["other_pcn"]}, data=VALID)
    assert refused.status_code == 403
    assert runs == []

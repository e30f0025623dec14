"""The dashboard's tests share this: the site over the API tests' synthetic store, a client
signed in as one role, a small HTML tree (the standard library's parser) and the figures each
page should show, worked out here from the package functions or SQL on the store, never
through the dashboard."""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its test client
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

import pytest
from fastapi import FastAPI

from api_support import hierarchy, settings, store, token
from neighbourhood.access.ucr_kpis import kpis
from neighbourhood.cohorts import CohortRun, run_library, shipped_library
from neighbourhood.indicators import measure_year
from neighbourhood.overview import data_date
from neighbourhood.store import connect
from neighbourhood.store.engines import open_duckdb
from neighbourhood.web import create_site

PAGES = ("", "/footprints", "/cohorts", "/indicators", "/ucr", "/waits", "/capacity", "/reports")
IIF_YEAR = "2023-24"  # the year with PCN- and practice-level records in the synthetic store


def site(folder: Path) -> FastAPI:
    """The whole site over the synthetic store, its audit log in `folder`."""
    return create_site(settings(folder))


def signed_in(app: FastAPI, role: str, org: str, **kwargs) -> TestClient:
    """A client that has signed in with a token for the role, as a person would: POSTing the
    sign-in form, which answers with the session cookie."""
    client = TestClient(app)
    answer = client.post("/sign-in", data={"token": token(role, org, **kwargs)},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def site_fixtures(name: str) -> tuple:
    """The module-scoped fixtures a dashboard test module shares, to bind to these names:
    `folder, app, pcn_user, icb_user = site_fixtures("web-...")`: a temporary folder (named
    `name`) holding the audit log, the site over it, and clients signed in as the hierarchy's
    PCN and ICB users."""
    org = hierarchy()

    @pytest.fixture(scope="module")
    def folder(tmp_path_factory):
        return tmp_path_factory.mktemp(name)

    @pytest.fixture(scope="module")
    def app(folder):
        return site(folder)

    @pytest.fixture(scope="module")
    def pcn_user(app):
        return signed_in(app, "pcn", org["pcn"])

    @pytest.fixture(scope="module")
    def icb_user(app):
        return signed_in(app, "icb", org["icb"])

    return folder, app, pcn_user, icb_user


# --- HTML ---------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Every element below (and including) this one with the tag and attributes
        (`class_` for class, `_` for `-` in a name)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [e for e in self.iter() if (tag is None or e.tag == tag)
                and all(e.attrs.get(k) == v for k, v in wanted.items())]  # fmt: skip

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        (found,) = self.all(tag, **attrs)
        return found

    def with_class(self, name: str) -> list[Element]:
        return [e for e in self.iter() if name in (e.attrs.get("class") or "").split()]

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, 0, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def table(document: Element, caption: str) -> list[list[str]]:
    """The body rows (each cell's text) of the table with this caption."""
    (found,) = [t for t in document.all("table") if t.one("caption").text() == caption]
    (body,) = found.all("tbody")
    return [[c.text() for c in row.children if isinstance(c, Element) and c.tag in ("th", "td")]
            for row in body.all("tr")]  # fmt: skip


def code_in(label: str) -> str:
    """The code in a "Name (CODE)" cell."""
    found = re.search(r"\(([^()]+)\)$", label)
    assert found, label
    return found.group(1)


def error_links(document: Element) -> list[str]:
    """The links of the page's error summary, in order."""
    return [a.attrs["href"] for s in document.with_class("nhsuk-error-summary") for a in s.all("a")]


def external_references(page: Element) -> list[str]:
    """Addresses on another site (http, https or protocol-relative) that the page loads:
    stylesheets, scripts, images, fonts, frames (links to follow are not loaded)."""
    found = []
    for e in page.iter():
        for attr in ("href", "src", "srcset", "data", "poster") if e.tag != "a" else ():
            value = e.attrs.get(attr) or ""
            if re.match(r"\s*(https?:)?//", value):
                found.append(f"<{e.tag} {attr}={value}>")
        style = e.attrs.get("style") or ""
        found += re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", style)
        if e.tag == "style":
            found += re.findall(r"(?:url\(|@import)\s*['\"]?(?:https?:)?//[^)'\";]*", e.text())
    return found


def count_text(value: int | float | None) -> str:
    """A figure as the dashboard prints a count (the NHS's style: thousands with commas)."""
    return "–" if value is None else f"{value:,.0f}"


# --- What the pages should show, worked out without the dashboard ---------------------------


@functools.cache
def on() -> dt.date:
    con = connect(store(), read_only=True)
    try:
        return data_date(con)
    finally:
        con.close()


def _query(sql: str, params: dict) -> list[tuple]:
    con = connect(store(), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _valid(alias: str = "") -> str:
    """The membership (of the table aliased `alias`) holds on the date $on."""
    t = f"{alias}." if alias else ""
    return (f"({t}valid_from IS NULL OR {t}valid_from <= $on) "
            f"AND ({t}valid_to IS NULL OR {t}valid_to >= $on)")  # fmt: skip


VALID = _valid()


@functools.cache
def practices_of(pcn: str) -> frozenset[str]:
    rows = _query(f"""SELECT child_code FROM org_memberships WHERE relationship = 'practice_in_pcn'
                      AND parent_code = $pcn AND {VALID}""", {"pcn": pcn, "on": on()})  # fmt: skip
    return frozenset(r[0] for r in rows)


@functools.cache
def pcns_of_icb(icb: str) -> frozenset[str]:
    rows = _query(f"""SELECT p.child_code FROM org_memberships p JOIN org_memberships s
                      ON s.child_code = p.parent_code AND s.relationship = 'sub_icb_in_icb'
                      WHERE p.relationship = 'pcn_in_sub_icb' AND s.parent_code = $icb
                      AND {_valid("p")}""", {"icb": icb, "on": on()})  # fmt: skip
    return frozenset(r[0] for r in rows)


@functools.cache
def teams_serving(pcn: str) -> frozenset[str]:
    rows = _query(f"""SELECT child_code FROM org_memberships WHERE relationship = 'team_serves_pcn'
                      AND parent_code = $pcn AND {VALID}""", {"pcn": pcn, "on": on()})  # fmt: skip
    return frozenset(r[0] for r in rows)


@functools.cache
def providers_of(teams: frozenset[str]) -> frozenset[str]:
    rows = _query("""SELECT parent_code FROM org_memberships WHERE relationship =
                     'team_run_by_provider' AND list_contains($teams, child_code)""",
                  {"teams": sorted(teams)})  # fmt: skip
    return frozenset(r[0] for r in rows)


@functools.cache
def pcns_served_by(provider: str) -> frozenset[str]:
    rows = _query(f"""SELECT DISTINCT s.parent_code FROM org_memberships s JOIN org_memberships r
                      ON r.child_code = s.child_code AND r.relationship = 'team_run_by_provider'
                      WHERE s.relationship = 'team_serves_pcn' AND r.parent_code = $provider
                      AND {_valid("s")}""", {"provider": provider, "on": on()})  # fmt: skip
    return frozenset(r[0] for r in rows)


@functools.cache
def patients_of(pcn: str) -> frozenset[str]:
    """Pseudonymous ids of every patient ever registered with the PCN's practices."""
    rows = _query("SELECT DISTINCT patient_id FROM registrations "
                  "WHERE list_contains($practices, practice_code)",
                  {"practices": sorted(practices_of(pcn))})  # fmt: skip
    return frozenset(r[0] for r in rows)


@functools.cache
def registered_on(practice: str) -> int:
    (row,) = _query("""SELECT count(*) FROM registrations r JOIN patients p USING (patient_id)
                       WHERE r.practice_code = $practice AND r.start_date <= $on
                       AND (r.end_date IS NULL OR r.end_date >= $on)
                       AND (p.date_of_death IS NULL OR p.date_of_death > $on)""",
                    {"practice": practice, "on": on()})  # fmt: skip
    return row[0]


@functools.cache
def library() -> dict[str, CohortRun]:
    """Every shipped cohort's list on the pages' date (its own run, not the dashboard's)."""
    with open_duckdb(store()) as engine:
        return run_library(engine, shipped_library(), on())


@functools.cache
def iif_records(year: str = IIF_YEAR) -> tuple[dict, ...]:
    with open_duckdb(store()) as engine:
        return tuple(r for result in measure_year(engine, year) for r in result.records)


def months(last: dt.date, count: int = 12) -> tuple[dt.date, dt.date]:
    """The first of the month `count - 1` months before `last`'s, and `last`'s."""
    index = last.year * 12 + last.month - 1 - (count - 1)
    return dt.date(index // 12, index % 12 + 1, 1), last.replace(day=1)


@functools.cache
def ucr_rows(first: dt.date, last: dt.date) -> tuple[dict, ...]:
    con = connect(store(), read_only=True)
    try:
        return tuple(kpis(con, first, last, levels=["team", "provider", "icb"]))
    finally:
        con.close()

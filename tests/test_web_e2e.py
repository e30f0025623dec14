"""The dashboard end to end: a real server on a free port, Debian's Chromium driven by
Playwright, every page checked with axe-core. Screenshots and downloads are kept in
test-artefacts/ (or $NEIGHBOURHOOD_ARTEFACTS)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import openpyxl
import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from api_support import hierarchy, settings, token
from neighbourhood.web import create_site

CHROMIUM = os.environ.get("NEIGHBOURHOOD_CHROMIUM", "/usr/bin/chromium")
# Offline: no background requests to Google's hosts from the browser.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
ARTEFACTS = Path(
    os.environ.get("NEIGHBOURHOOD_ARTEFACTS", Path(__file__).parents[1] / "test-artefacts")
)
PAGES = ("", "/footprints", "/cohorts", "/indicators", "/ucr", "/waits", "/capacity", "/reports")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    app = create_site(settings(tmp_path_factory.mktemp("e2e")))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard server did not start", pytrace=False)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium "
            "(scripts/ensure-test-services), or set NEIGHBOURHOOD_CHROMIUM",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})  # fmt: skip
    opened = context.new_page()
    opened.set_default_timeout(120_000)  # the first cohort and indicator pages work them out
    try:
        yield opened
    finally:
        context.close()


def sign_in(page: Page, role: str = "pcn", org: str | None = None) -> None:
    page.goto("/dashboard")
    assert "/sign-in?next=" in page.url
    page.get_by_label("Access token or service key").fill(token(role, org or hierarchy()["pcn"]))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def test_sign_in_open_a_pcn_dashboard_see_its_charts_and_download_its_report(page: Page):
    codes = hierarchy()
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(codes["pcn"])
    expect(page.locator("#registered-patients")).not_to_have_text("–")

    page.get_by_role("link", name="Urgent response").click()
    chart = page.locator("figure svg[role=img]").first
    expect(chart).to_be_visible()
    expect(chart.locator("title").first).to_contain_text("2-hour urgent community response")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / "dashboard-pcn-ucr.png", full_page=True)

    page.get_by_role("link", name="IIF").click()
    expect(page.locator("figure svg[role=img]").first).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Achievement")

    page.get_by_role("link", name="Reports").click()
    with page.expect_download() as html_download:
        page.get_by_role("link", name="as a web page (HTML)").click()
    html_path = ARTEFACTS / html_download.value.suggested_filename
    html_download.value.save_as(html_path)
    text = html_path.read_text(encoding="utf-8")
    assert codes["pcn"] in text and "<svg" in text
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="as a workbook (XLSX)").click()
    xlsx_path = ARTEFACTS / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    workbook = openpyxl.load_workbook(xlsx_path)
    assert len(workbook.sheetnames) >= 2
    page.screenshot(path=ARTEFACTS / "dashboard-pcn-reports.png", full_page=True)


def test_every_page_passes_axe(page: Page):
    sign_in(page)
    axe = Axe()
    found = {}
    for path in PAGES:
        page.goto(f"/dashboard{path}")
        result = axe.run(page)
        if result.violations_count:
            found[path or "/"] = result.generate_snapshot()
    page.goto("/sign-in")
    result = axe.run(page)
    if result.violations_count:
        found["/sign-in"] = result.generate_snapshot()
    assert found == {}


def test_the_keyboard_alone_signs_in_and_skips_to_the_content(page: Page):
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.locator("#token").focus()
    page.keyboard.type(token("pcn", hierarchy()["pcn"]))
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "maincontent")


def test_the_capacity_runner_draws_its_chart(page: Page):
    sign_in(page)
    page.goto("/dashboard/capacity")
    page.get_by_label("Replications").fill("2")
    page.get_by_label("Days simulated").fill("2")
    page.get_by_role("button", name="Run scenario").click()
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("figure svg[role=img]")).to_be_visible()
    page.get_by_label("Replications").fill("0")
    page.get_by_role("button", name="Run scenario").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a whole number")


def test_outside_your_scope_is_refused(page: Page):
    sign_in(page)
    page.goto(f"/dashboard?org={hierarchy()['other_pcn']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this organisation")

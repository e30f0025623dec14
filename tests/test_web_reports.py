"""The dashboard's report downloads: the monthly PCN and ICB reports (`neighbourhood.reports`)
as a web page that works offline or a workbook, for organisations in the user's scope only."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from api_support import hierarchy, store
from neighbourhood.overview import pcn_summary
from neighbourhood.store import connect
from web_support import TestClient, external_references, parse, site_fixtures

H = hierarchy()
MONTH = "2025-08"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


folder, app, pcn_user, icb_user = site_fixtures("web-reports")


@pytest.fixture(scope="module")
def pcn_html(pcn_user):
    return pcn_user.get("/dashboard/reports/pcn.html", params={"org": H["pcn"], "month": MONTH})


def month_end_summary(pcn: str) -> dict:
    end = dt.date(2025, 8, 31)
    con = connect(store(), read_only=True)
    try:
        (row,) = [r for r in pcn_summary(con, end) if r["pcn_code"] == pcn]
    finally:
        con.close()
    return row


def test_the_pcn_report_downloads_as_a_self_contained_web_page(pcn_html):
    assert pcn_html.status_code == 200
    assert pcn_html.headers["content-type"] == "text/html; charset=utf-8"
    assert pcn_html.headers["content-disposition"] == (
        f'attachment; filename="pcn-{H["pcn"]}-{MONTH}.html"'
    )
    page = parse(pcn_html.text)
    title = page.one("head").one("title").text()
    assert f"({H['pcn']})" in title and "August 2025" in title
    assert external_references(page) == []


def test_the_pcn_workbook_opens_and_holds_the_month_end_figures(pcn_user):
    answer = pcn_user.get("/dashboard/reports/pcn.xlsx", params={"org": H["pcn"], "month": MONTH})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XLSX
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="pcn-{H["pcn"]}-{MONTH}.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    rows = list(book["Overview"].iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    found = dict(zip(header, first, strict=True))
    expected = month_end_summary(H["pcn"])
    assert found["PCN"] == H["pcn"]
    assert found["Registered patients"] == expected["registered_patients"]
    assert found["Practices"] == expected["practices"]


def test_the_icb_report_downloads_for_an_icb_user(icb_user):
    answer = icb_user.get("/dashboard/reports/icb.html", params={"org": H["icb"], "month": MONTH})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].endswith(f'icb-{H["icb"]}-{MONTH}.html"')
    assert f"({H['icb']})" in parse(answer.text).one("head").one("title").text()


def test_a_pcn_user_cannot_download_the_icb_report_or_another_pcns(pcn_user):
    for kind, org in (("icb", H["icb"]), ("pcn", H["other_pcn"])):
        for extension in ("html", "xlsx"):
            answer = pcn_user.get(f"/dashboard/reports/{kind}.{extension}",
                                  params={"org": org, "month": MONTH})  # fmt: skip
            assert answer.status_code == 403, (kind, extension)
            assert answer.headers["content-type"].startswith("text/html")
            assert "attachment" not in answer.headers.get("content-disposition", "")


@pytest.mark.parametrize(
    "viewer, kind, org",
    [("pcn_user", "icb", H["pcn"]), ("icb_user", "pcn", H["icb"]),
     ("pcn_user", "pcn", H["practice"])],
)  # fmt: skip
def test_a_report_of_the_wrong_kind_for_the_organisation_is_404(request, viewer, kind, org):
    answer = request.getfixturevalue(viewer).get(f"/dashboard/reports/{kind}.html",
                                                 params={"org": org, "month": MONTH})  # fmt: skip
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_a_download_needs_a_session(app):
    answer = TestClient(app).get("/dashboard/reports/pcn.html",
                                 params={"org": H["pcn"], "month": MONTH},
                                 follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?next=")


def small(cell: str) -> bool:
    return cell.replace(",", "").isdigit() and 1 <= int(cell.replace(",", "")) <= 4


def section_rows(page, section: str) -> list[list[str]]:
    (found,) = [s for s in page.all("section") if s.attrs.get("id") == f"section-{section}"]
    return [[c.text() for c in tr.all() if c.tag in ("th", "td")]
            for table in found.all("table") for tr in table.all("tr")]  # fmt: skip


def test_a_pcn_users_report_shows_no_small_count_the_pages_suppress_for_them(pcn_html):
    """The ICB's and the providers' figures are outside a PCN user's scope: the UCR and
    waits pages show their counts of 1 to 4 as "–", and so should the report the same user
    downloads."""
    page = parse(pcn_html.text)
    ucr = [r for r in section_rows(page, "ucr") if r and r[0] in ("icb", "provider")]
    waits = section_rows(page, "waits")  # every provider's list, and the chart's data
    assert ucr and waits
    leaks = [r for r in ucr + waits if any(small(c) for c in r[1:])]
    assert leaks == []

"""Monthly reports (`neighbourhood.reports`) on the small synthetic store of the API tests.

Every figure a report shows is checked against what the package function it comes from (or a
query on the store) gives for the same organisation and month, worked out here on its own; the
HTML is parsed and the workbook read back.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import warnings
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from api_support import AT, hierarchy, store
from neighbourhood.access import discharge
from neighbourhood.access.ucr_kpis import kpis
from neighbourhood.access.ucr_settings import TARGET_PERCENT
from neighbourhood.access.waits import latest_snapshot
from neighbourhood.access.waits_published import BANDS
from neighbourhood.alignment import current_alignment
from neighbourhood.cohorts import counts, run_cohort, shipped_library
from neighbourhood.indicators import measure_year
from neighbourhood.overview import pcn_summary
from neighbourhood.payments import IncompleteEntitlementWarning
from neighbourhood.payments.statement import statement
from neighbourhood.reports import (
    MANAGEMENT_NOTE,
    PUBLISHABLE_NOTE,
    Chart,
    Column,
    Report,
    ReportError,
    Section,
    icb_report,
    opened,
    pcn_report,
    to_html,
    to_xlsx,
)
from neighbourhood.reports.html import chart_svg, format_value
from neighbourhood.reports.xlsx import REPORT_SHEET, sheet_names
from neighbourhood.store import connect

MONTH = dt.date(2025, 9, 1)
END = dt.date.fromisoformat(AT)
MADE = dt.datetime(2025, 10, 2, 9, 30, tzinfo=dt.UTC)
FIRST_UCR_MONTH = dt.date(2024, 10, 1)
IIF_YEAR = "2024-25"  # no indicators are shipped for 2025-26: the latest year is shown

# columns that count people (as opposed to practices or care homes), by section
PEOPLE = {
    "overview": ("registered_patients", "care_home_residents"),
    "pcns": ("registered_patients", "care_home_residents"),
    "cohorts": None,  # every count column
    "iif": ("eligible", "declined", "unsuitable", "denominator", "numerator"),
    "ucr": ("two_hour_referrals", "two_hour_met", "two_hour_not_met", "two_hour_open",
            "ucr_referrals", "reablement_referrals", "reablement_met", "reablement_not_met"),
    "waits": None,
    "discharge": ("discharges", "with_ready_date", "without_ready_date",
                  "discharged_on_ready_date", "delayed", "bed_days_lost_in_month"),
    "discharge_pathways": ("aged_65_plus", "all_ages"),
}  # fmt: skip


def rows_of(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def con():
    found = connect(store(), read_only=True)
    yield found
    found.close()


@pytest.fixture(scope="module")
def iif_results():
    with opened(store()) as (_, engine), warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteEntitlementWarning)
        return measure_year(engine, IIF_YEAR)


@pytest.fixture(scope="module")
def pcn(iif_results) -> str:
    """A PCN of the store with an IIF figure (most have none: 500 patients over 31 PCNs)."""
    return next(r["pcn_code"] for res in iif_results for r in res.records if r["level"] == "pcn")


@pytest.fixture(scope="module")
def reports(pcn):
    """The PCN's and the ICB's reports, as management information and publishable."""
    icb = hierarchy()["icb"]
    with opened(store()) as (con, engine):
        return {
            (kind, publishable): build(con, engine, code, MONTH, publishable=publishable,
                                       made_at=MADE)
            for kind, build, code in (("pcn", pcn_report, pcn), ("icb", icb_report, icb))
            for publishable in (False, True)
        }  # fmt: skip


@pytest.fixture(scope="module")
def pcn_rep(reports) -> Report:
    return reports[("pcn", False)]


@pytest.fixture(scope="module")
def icb_rep(reports) -> Report:
    return reports[("icb", False)]


# ---- the model -------------------------------------------------------------------------------


def test_a_section_checks_its_rows():
    columns = (Column("code", "Code"), Column("n", "Patients", "count"))
    section = Section("s", "S", columns, [{"code": "A", "n": 3}, {"n": None, "code": "B"}])
    assert [dict(r) for r in section.rows] == [{"code": "A", "n": 3}, {"code": "B", "n": None}]
    with pytest.raises(TypeError):
        section.rows[0]["n"] = 4  # rows are read-only
    with pytest.raises(ValueError, match="missing"):
        Section("s", "S", columns, [{"code": "A"}])
    with pytest.raises(ValueError, match="extra"):
        Section("s", "S", columns, [{"code": "A", "n": 1, "other": 2}])
    with pytest.raises(ValueError, match="does not fit"):
        Section("s", "S", columns, [{"code": "A", "n": 2.5}])
    with pytest.raises(ValueError, match="does not fit"):
        Section("s", "S", columns, [{"code": "A", "n": True}])
    with pytest.raises(ValueError, match="does not fit"):
        Section("s", "S", columns, [{"code": 1, "n": 1}])
    with pytest.raises(ValueError, match="repeat"):
        Section("s", "S", (*columns, Column("n", "again", "count")))
    with pytest.raises(ValueError, match="kind"):
        Column("x", "X", "money")
    with pytest.raises(ValueError, match="does not fit"):
        Section("s", "S", (Column("p", "P", "percent"),), [{"p": float("nan")}])
    assert Section("s", "S", (Column("p", "£", "pounds"),), [{"p": Decimal("1.50")}]).rows


def test_a_report_checks_itself():
    section = Section("a", "A", (Column("x", "X"),))
    good = {"kind": "pcn", "org_code": "U1", "org_name": "", "month": MONTH, "made_at": MADE,
            "sections": (section,)}  # fmt: skip
    report = Report(**good)
    assert report.file_stem == "pcn-U1-2025-09"
    assert report.title == "PCN monthly report: U1, September 2025"
    assert report.section("a") is section
    for bad, message in (
        ({"kind": "region"}, "kind"),
        ({"month": dt.date(2025, 9, 2)}, "first day"),
        ({"month": dt.datetime(2025, 9, 1)}, "first day"),
        ({"made_at": dt.datetime(2025, 10, 1)}, "time zone"),
        ({"sections": (section, section)}, "repeat"),
        ({"org_code": ""}, "key"),
        ({"notes": "one note"}, "sequence"),
    ):
        with pytest.raises(ValueError, match=message):
            Report(**(good | bad))


def test_a_chart_checks_its_points():
    line = Chart("line", "T", "%", [("2025-01", 50), ("2025-02", None)], target=70, unit="%")
    assert line.points == (("2025-01", 50.0), ("2025-02", None))
    assert [c.key for c in line.data_columns] == ["label", "value", "target"]
    assert line.data_rows[0] == {"label": "2025-01", "value": 50.0, "target": 70.0}
    with pytest.raises(ValueError, match="4 parts"):
        Chart("threshold", "T", "", [("A", 1.0)])
    with pytest.raises(ValueError, match="target"):
        Chart("bar", "T", "n", [("A", 1)], target=3)
    with pytest.raises(ValueError, match="finite"):
        Chart("bar", "T", "n", [("A", "many")])
    with pytest.raises(ValueError, match="kind"):
        Chart("pie", "T", "n", [])
    for chart in (line, Chart("bar", "B", "n", [("x", 2)]),
                  Chart("threshold", "Th", "", [("CAN-04", 70, 65, 80)])):  # fmt: skip
        assert chart_svg(chart).startswith("<svg")


# ---- the PCN report --------------------------------------------------------------------------


def test_pcn_report_sections_and_notes(pcn_rep, pcn):
    assert [s.key for s in pcn_rep.sections] == [
        "overview", "practices", "cohorts", "iif", "ucr", "waits", "payments"
    ]  # fmt: skip
    assert (pcn_rep.kind, pcn_rep.org_code, pcn_rep.month, pcn_rep.made_at) == (
        "pcn", pcn, MONTH, MADE
    )  # fmt: skip
    assert pcn_rep.notes[0] == MANAGEMENT_NOTE
    assert pcn_rep.synthetic and any("SYNTHETIC" in n for n in pcn_rep.notes)
    assert pcn_rep.file_stem == f"pcn-{pcn}-2025-09"


def test_pcn_overview_is_pcn_summary(pcn_rep, pcn, con):
    (expected,) = [r for r in pcn_summary(con, END) if r["pcn_code"] == pcn]
    assert pcn_rep.section("overview").records() == [expected]
    (name,) = rows_of(con, "SELECT name FROM organisations WHERE org_code = ?", pcn)[0]
    assert pcn_rep.org_name == name


def test_pcn_practices_are_its_open_members(pcn_rep, pcn, con):
    expected = rows_of(
        con,
        """SELECT m.child_code FROM org_memberships m JOIN organisations o
           ON o.org_code = m.child_code
           WHERE m.relationship = 'practice_in_pcn' AND m.parent_code = ?
             AND m.valid_from <= ? AND (m.valid_to IS NULL OR m.valid_to >= ?)
             AND (o.close_date IS NULL OR o.close_date >= ?) ORDER BY 1""",
        pcn, END, END, END,
    )  # fmt: skip
    section = pcn_rep.section("practices")
    assert [r["practice_code"] for r in section.rows] == [c for (c,) in expected]


def test_pcn_cohort_counts_match_a_run_of_each_cohort(pcn_rep, pcn):
    section = pcn_rep.section("cohorts")
    assert [r["cohort"] for r in section.rows] == list(shipped_library())
    practice_columns = [c.key for c in section.columns if c.key.startswith("practice_")]
    for row in section.rows:
        assert row["pcn_total"] == sum(row[k] for k in practice_columns)
    # each cohort run on its own for the PCN (a few: a run takes a second or two)
    checked = [*sorted(section.rows, key=lambda r: -r["pcn_total"])[:2], section.rows[-1]]
    assert checked[0]["pcn_total"] > 0  # some cohort has patients, so the check could fail
    with opened(store()) as (_, engine):
        for row in checked:
            run = run_cohort(engine, row["cohort"], END, pcn=pcn)
            per_practice = {r["practice_code"]: r["patients"] for r in counts(run)}
            assert row["pcn_total"] == run.rows.num_rows, row["cohort"]
            for key in practice_columns:
                assert row[key] == per_practice.get(key.removeprefix("practice_"), 0), key


def test_pcn_iif_rows_are_measure_year_records(pcn_rep, pcn, iif_results):
    section = pcn_rep.section("iif")
    assert IIF_YEAR in section.title
    assert any("2025-26" in n for n in section.notes)
    expected = [(res.indicator, r) for res in iif_results for r in res.records
                if r["pcn_code"] == pcn]  # fmt: skip
    assert expected and len(section.rows) == len(expected)
    for row, (indicator, record) in zip(section.rows, expected, strict=True):
        assert row["indicator"] == record["indicator"] == indicator.id
        assert row["organisation"] == (record["practice_code"] or pcn)
        assert row["level"] == record["level"]
        for key in ("eligible", "declined", "unsuitable", "denominator", "numerator"):
            assert row[key] == record[key], key
        assert row["achievement"] == pytest.approx(100 * record["achievement"])
        lower = indicator.value("lower_threshold")
        assert row["lower_threshold"] == (None if lower is None else pytest.approx(100 * lower))
    chart = section.chart
    assert chart.kind == "threshold"
    pcn_rows = [r for r in section.rows if r["level"] == "pcn"]
    assert [p[0] for p in chart.points] == [r["indicator"] for r in pcn_rows]
    assert [p[1] for p in chart.points] == [r["achievement"] for r in pcn_rows]


def _serving(con, pcn):
    teams = [t for (t,) in rows_of(
        con,
        """SELECT child_code FROM org_memberships WHERE relationship = 'team_serves_pcn'
           AND parent_code = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)
           ORDER BY 1""", pcn, END, END)]  # fmt: skip
    providers = [p for (p,) in rows_of(
        con,
        """SELECT DISTINCT parent_code FROM org_memberships WHERE relationship =
           'team_run_by_provider' AND child_code IN (SELECT unnest(?))
           AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?) ORDER BY 1""",
        teams, END, END)]  # fmt: skip
    return teams, providers


def test_pcn_ucr_rows_are_kpis_of_its_teams_providers_and_icb(pcn_rep, pcn, con):
    teams, providers = _serving(con, pcn)
    assert teams and providers
    every = kpis(con, FIRST_UCR_MONTH, MONTH, as_of=MADE)
    (icb,) = rows_of(
        con,
        """SELECT s.parent_code FROM org_memberships p JOIN org_memberships s
           ON s.child_code = p.parent_code AND s.relationship = 'sub_icb_in_icb'
           WHERE p.relationship = 'pcn_in_sub_icb' AND p.child_code = ?""", pcn)[0]  # fmt: skip
    referrals = ("ucr_referrals", "two_hour_referrals", "reablement_referrals")
    busy = {r["org_code"] for r in every if any(r[k] for k in referrals)}
    wanted = ([("team", t) for t in teams if t in busy] + [("provider", p) for p in providers]
              + [("icb", icb)])  # fmt: skip
    expected = sorted(
        (r for r in every if (r["level"], r["org_code"]) in wanted),
        key=lambda r: (wanted.index((r["level"], r["org_code"])), r["month"]),
    )
    section = pcn_rep.section("ucr")
    assert len(section.rows) == len(expected) > 0
    keys = ("level", "org_code", "two_hour_referrals", "two_hour_met", "two_hour_not_met",
            "two_hour_percent_met", "reablement_referrals", "reablement_percent_met",
            "ucr_referrals", "ucr_referrals_per_100k")  # fmt: skip
    for row, want in zip(section.rows, expected, strict=True):
        assert row["month"] == f"{want['month']:%Y-%m}"
        assert {k: row[k] for k in keys} == {k: want[k] for k in keys}
        assert row["meets_target"] == {True: "yes", False: "no", None: None}[want["meets_target"]]
    assert sum(r["two_hour_referrals"] for r in section.rows) > 0
    chart = section.chart
    assert (chart.kind, chart.target, chart.unit) == ("line", TARGET_PERCENT, "%")
    assert chart.points[0][0] == "2024-10" and len(chart.points) == 12
    urgent = sorted({r["org_code"] for r in expected if r["level"] == "team"
                     and r["two_hour_referrals"]})  # fmt: skip
    charted = ("team", urgent[0]) if len(urgent) == 1 else ("icb", icb)
    percent = {f"{r['month']:%Y-%m}": r["two_hour_percent_met"] for r in expected
               if (r["level"], r["org_code"]) == charted}  # fmt: skip
    assert percent
    assert dict(chart.points) == {label: percent.get(label) for label, _ in chart.points}


def test_pcn_waits_are_latest_snapshots_of_the_providers(pcn_rep, pcn, con):
    _, providers = _serving(con, pcn)
    expected = [r for p in providers for r in latest_snapshot(con, provider=p)]
    section = pcn_rep.section("waits")
    assert len(section.rows) == len(expected) > 0
    for row, want in zip(section.rows, expected, strict=True):
        assert (row["provider_code"], row["service_line"], row["age_group"], row["total"]) == (
            want["provider_code"], want["service_line"], want["age_group"], want["total"]
        )  # fmt: skip
        assert row["snapshot_date"] == want["snapshot_date"].isoformat()
        assert [row[c.key] for c in section.columns[6:]] == [want[b] for b in BANDS]
    by_band = dict(rows_of(
        con,
        """SELECT weeks_waited_band, sum(patients) FROM waiting_list_snapshots w
           WHERE provider_code IN (SELECT unnest(?)) AND snapshot_date = (SELECT max(snapshot_date)
             FROM waiting_list_snapshots v WHERE v.provider_code = w.provider_code)
           GROUP BY 1""", providers))  # fmt: skip
    assert section.chart.kind == "bar"
    assert [v for _, v in section.chart.points] == [by_band.get(b, 0) for b in BANDS]


def test_pcn_payments_are_the_statement_lines(pcn_rep, pcn):
    with opened(store()) as (_, engine), warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteEntitlementWarning)
        found = statement(engine, IIF_YEAR, pcn, at=dt.date(2025, 3, 31))
    section = pcn_rep.section("payments")
    assert len(section.rows) == len(found.lines) > 0
    for row, line in zip(section.rows, found.lines, strict=True):
        assert (row["section"], row["item"], row["payee"], row["amount"], row["status"]) == (
            line.section, line.item, line.payee, line.amount, line.status
        )  # fmt: skip
    assert any(f"{len(found.incomplete)} incomplete line(s)" in n for n in section.notes)
    assert any(n.startswith("Incomplete:") for n in section.notes)


# ---- the ICB report --------------------------------------------------------------------------


def test_icb_pcn_rows(icb_rep, con):
    icb = hierarchy()["icb"]
    assert icb_rep.org_code == icb and icb_rep.kind == "icb"
    expected = [c for (c,) in rows_of(
        con,
        """SELECT p.child_code FROM org_memberships p JOIN org_memberships s
           ON s.child_code = p.parent_code AND s.relationship = 'sub_icb_in_icb'
           WHERE p.relationship = 'pcn_in_sub_icb' AND s.parent_code = ? ORDER BY 1""",
        icb)]  # fmt: skip
    section = icb_rep.section("pcns")
    assert [r["pcn_code"] for r in section.rows] == expected
    summary = {r["pcn_code"]: r for r in pcn_summary(con, END)}
    for row in section.rows:
        want = summary[row["pcn_code"]]
        assert [row[k] for k in want] == list(want.values())


def test_icb_iif_ucr_discharge_and_alignment(icb_rep, iif_results, con):
    icb = hierarchy()["icb"]
    iif = icb_rep.section("iif")
    expected = [r for res in iif_results for r in res.records if r["level"] == "pcn"]
    assert [
        (r["indicator"], r["pcn_code"], r["numerator"], r["denominator"]) for r in iif.rows
    ] == [(r["indicator"], r["pcn_code"], r["numerator"], r["denominator"]) for r in expected]
    ucr = icb_rep.section("ucr")
    mine = [r for r in ucr.rows if r["level"] == "icb"]
    want = kpis(con, FIRST_UCR_MONTH, MONTH, levels=["icb"], as_of=MADE)
    assert [(r["org_code"], r["two_hour_met"], r["two_hour_percent_met"]) for r in mine] == [
        (r["org_code"], r["two_hour_met"], r["two_hour_percent_met"]) for r in want
        if r["org_code"] == icb
    ]  # fmt: skip
    percent = {r["month"]: r["two_hour_percent_met"] for r in mine}
    assert dict(ucr.chart.points) == {label: percent.get(label) for label, _ in ucr.chart.points}
    (row,) = icb_rep.section("discharge").rows
    summary = discharge.delay_summary(con, "2025-09")
    assert {k: row[k] for k in ("discharges", "delayed", "mean_delay_days")} == {
        k: summary[k] for k in ("discharges", "delayed", "mean_delay_days")
    }
    assert summary["discharges"] > 0
    pathways = discharge.pathway_mix(con, "2025-09")
    assert [r["all_ages"] for r in icb_rep.section("discharge_pathways").rows] == [
        r["all_ages"] for r in pathways
    ]
    alignment = current_alignment(con, END, icb)
    gaps = {r["gap"]: r["homes"] for r in icb_rep.section("care_home_gaps").rows}
    for kind in gaps:
        assert gaps[kind] == len({g["home_code"] for g in alignment.gaps if g["gap"] == kind})
    assert len(icb_rep.section("care_home_gap_list").rows) == len(alignment.gaps)


# ---- publication -----------------------------------------------------------------------------


def _small_people_counts(report: Report) -> list[tuple[str, str, int]]:
    found = []
    for section in report.sections:
        if section.key not in PEOPLE:
            continue
        counted = [c.key for c in section.columns if c.kind == "count"]
        keys = [k for k in PEOPLE[section.key] or counted if k in counted]
        for row in section.rows:
            found += [(section.key, k, row[k]) for k in keys if row[k] in (1, 2, 3, 4)]
    return found


@pytest.mark.parametrize("kind", ["pcn", "icb"])
def test_publishable_hides_small_numbers(reports, kind):
    management, publishable = reports[(kind, False)], reports[(kind, True)]
    assert _small_people_counts(management)  # there are small numbers to hide
    assert _small_people_counts(publishable) == []
    assert publishable.notes[0] == PUBLISHABLE_NOTE and management.notes[0] == MANAGEMENT_NOTE
    assert publishable.publishable and not management.publishable
    for before, after in zip(management.sections, publishable.sections, strict=True):
        assert len(before.rows) == len(after.rows), before.key  # nothing dropped


def test_publishable_hides_what_is_worked_out_from_a_hidden_count(reports):
    for section in reports[("icb", True)].sections:
        if section.key == "ucr":
            for row in section.rows:
                if row["two_hour_met"] is None or row["two_hour_not_met"] is None:
                    assert row["two_hour_percent_met"] is None
        if section.key == "iif":
            for row in section.rows:
                if row["numerator"] is None or row["denominator"] is None:
                    assert row["achievement"] is None and row["pounds"] is None


# ---- errors and absent data ------------------------------------------------------------------


def test_unknown_or_wrong_organisation():
    codes = hierarchy()
    with opened(store()) as (con, engine):
        with pytest.raises(ReportError, match="no PCN 'U99999' in the store"):
            pcn_report(con, engine, "U99999", MONTH)
        with pytest.raises(ReportError, match=f"{codes['icb']} is a icb, not a PCN"):
            pcn_report(con, engine, codes["icb"], MONTH)
        with pytest.raises(ReportError, match=f"{codes['pcn']} is a pcn, not an ICB"):
            icb_report(con, engine, codes["pcn"], MONTH)
        with pytest.raises(ReportError, match="not open on 1990-01-31"):
            pcn_report(con, engine, codes["pcn"], dt.date(1990, 1, 1))


def test_a_store_without_community_or_hospital_data(tmp_path):
    copy = tmp_path / "store.duckdb"
    shutil.copy(store(), copy)
    writable = connect(copy)
    try:
        for table in ("response_clocks", "care_contacts", "community_referrals",
                      "waiting_list_snapshots", "hospital_spells"):  # fmt: skip
            writable.execute(f"DELETE FROM {table}")
    finally:
        writable.close()
    with opened(copy) as (con, engine):
        report = icb_report(con, engine, hierarchy()["icb"], MONTH, made_at=MADE)
    ucr = report.section("ucr")
    assert ucr.rows == ()
    assert ucr.notes[0].startswith("No UCR or reablement referral")
    assert all(value is None for _, value in ucr.chart.points)
    assert "No data" in chart_svg(ucr.chart)
    waits = report.section("waits")
    assert waits.rows == () and waits.chart is None
    assert waits.notes[0] == "The store holds no waiting list snapshot of these providers"
    assert report.section("discharge").rows[0]["discharges"] == 0
    assert "No discharge in the month is in the store" in report.section("discharge").notes
    assert "No rows." in to_html(report)
    to_xlsx(report)  # renders


# ---- HTML ------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Each table's attributes, caption, header cells (with scope) and body rows; every
    attribute that refers to another resource; the tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.references: list[str] = []
        self.tags: set[str] = set()
        self._in: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        self.references += [v for k, v in attrs.items() if k in ("href", "src", "action") and v]
        if tag == "svg":
            self.svgs += 1
        if tag == "table":
            self.tables.append({"attrs": attrs, "caption": "", "head": [], "body": []})
        elif tag in ("thead", "tbody", "caption"):
            self._in.append(tag)
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []
            if self._in and self._in[-1] == "thead":
                self.tables[-1]["head"].append(attrs.get("scope"))
            elif tag == "th" and self._in and self._in[-1] == "tbody":
                assert attrs.get("scope") == "row"

    def handle_endtag(self, tag):
        if tag in ("thead", "tbody", "caption"):
            self._in.pop()
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._in and self._in[-1] == "tbody":
                self.tables[-1]["body"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in and self._in[-1] == "caption":
            self.tables[-1]["caption"] += data


@pytest.mark.parametrize("kind", ["pcn", "icb"])
def test_html_is_one_offline_document_with_every_table(reports, kind):
    report = reports[(kind, False)]
    page = to_html(report)
    parsed = _Tables()
    parsed.feed(page)
    assert page.startswith("<!DOCTYPE html>")
    section_tables = {t["attrs"]["data-section"]: t for t in parsed.tables
                      if t["attrs"].get("data-table") == "section"}  # fmt: skip
    for section in report.sections:
        if not section.rows:
            assert section.key not in section_tables
            continue
        table = section_tables[section.key]
        assert table["caption"].strip() == section.title
        assert table["head"] == ["col"] * len(section.columns)
        assert len(table["body"]) == len(section.rows)
        first = section.rows[0]
        assert table["body"][0] == [format_value(first[c.key], c.kind) for c in section.columns]
    charts = [s for s in report.sections if s.chart is not None]
    assert charts and parsed.svgs == len(charts)
    chart_tables = [t for t in parsed.tables if t["attrs"].get("data-table") == "chart"]
    assert [len(t["body"]) for t in chart_tables] == [len(s.chart.points) for s in charts]
    # offline: nothing fetched from elsewhere
    assert not {"script", "link", "img", "iframe", "object"} & parsed.tags
    assert all(ref.startswith("#") for ref in parsed.references), parsed.references
    assert re.findall(r"https?://[^\s\"'<>]+", page) == ["http://www.w3.org/2000/svg"] * len(charts)
    assert "@import" not in page and "url(" not in page
    assert "Frutiger" in page and "#005eb8" in page
    assert report.title in page


def test_html_escapes_text():
    section = Section("s", "<b>Title</b>", (Column("name", "Name <i>"),),
                      [{"name": "<script>alert(1)</script>"}])  # fmt: skip
    report = Report("pcn", "U1", "A & B <PCN>", MONTH, MADE, (section,))
    page = to_html(report)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A &amp; B &lt;PCN&gt;" in page and "&lt;b&gt;Title&lt;/b&gt;" in page


def test_format_value():
    assert format_value(1234567, "count") == "1,234,567"
    assert format_value(65.26, "percent") == "65.3"
    assert format_value(Decimal("7504.8"), "pounds") == "£7,504.80"
    assert format_value(12.5, "number") == "12.5" and format_value(3.0, "number") == "3"
    assert format_value(None, "count") == "–"


# ---- XLSX ------------------------------------------------------------------------------------


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


@pytest.mark.parametrize("kind", ["pcn", "icb"])
def test_xlsx_round_trip(reports, kind):
    report = reports[(kind, True)]
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    names = sheet_names(report)
    assert book.sheetnames == [REPORT_SHEET, *names.values()]
    front = book[REPORT_SHEET]
    assert front["A1"].value == report.title and front["A1"].font.bold
    text = [c.value for c in front["A"] if c.value] + [c.value for c in front["B"] if c.value]
    for line in (*report.notes, *report.sources, f"{report.month:%Y-%m}"):
        assert line in text
    formats = {"count": "#,##0", "percent": "0.0", "pounds": '"£"#,##0.00'}
    for section in report.sections:
        sheet = book[names[section.key]]
        assert len(names[section.key]) <= 31
        header = [c.value for c in sheet[1]][: len(section.columns)]
        assert header == [c.label for c in section.columns]
        assert all(c.font.bold for c in sheet[1][: len(section.columns)])
        assert sheet.freeze_panes == "A2"
        for i, row in enumerate(section.rows, start=2):
            cells = sheet[i][: len(section.columns)]
            assert [c.value for c in cells] == [_plain(row[c.key]) for c in section.columns]
            for cell, column in zip(cells, section.columns, strict=True):
                if column.kind in formats:
                    assert cell.number_format == formats[column.kind]
        for column_index in range(1, len(section.columns) + 1):
            letter = sheet.cell(1, column_index).column_letter
            assert sheet.column_dimensions[letter].width >= 8
        notes = [c.value for c in sheet["A"][len(section.rows) + 1 :] if c.value]
        assert notes == [f"Note: {n}" for n in (() if section.rows else ("No rows.",))
                         + section.notes]  # fmt: skip


def test_xlsx_keeps_text_as_text():
    section = Section("s", "Odd: names/[1]?", (Column("name", "Name"),), [{"name": "=1+1"}])
    report = Report("icb", "Q1", "", MONTH, None, (section,))
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    (name,) = [n for n in book.sheetnames if n != REPORT_SHEET]
    assert not re.search(r"[\[\]:*?/\\]", name)
    assert book[name]["A2"].value == "=1+1" and book[name]["A2"].data_type == "s"

"""A PCN's payment statement on a small hand-built store: the registered lists, care homes,
residents and codes written out below, every amount worked out by hand from the rates files,
the outputs (records, JSON, CSV, XLSX) and `neighbourhood payments statement`.

The store (`_tables`), PCN U00001 "Riverside PCN":

- Practices A81001 and A81002, in U00001 from 2019-07-01 (practice_in_pcn).
- A81001: a1-a6 registered from 2000; a_left registered 2000 to 2023-12-31 (on the
  1 January 2023 list, not on the 1 January 2024 one); a_joined from 2024-02-01 (on neither).
  List: 7 on 2023-01-01, 6 on 2024-01-01.
- A81002: b1-b4 and the care home residents r1-r6, all registered from 2000: 10 on both dates.
- PCN list: 17 on 2023-01-01, 16 on 2024-01-01.
- Care homes aligned to U00001: VN100 "The Beeches" (40 beds) from 2020-01-01; VN200 "Oak
  House" (25 beds) from 2024-10-01 (October to March: 6 months of 2024/25, none of
  2023/24); VN400 "Elm Lodge" (beds not known) from 2020-01-01. VN300 (30 beds) is aligned
  to U00002, another PCN.
- Residents (born 1940, residence periods in care_home_residences), read on 2025-03-31 for
  2024/25 and 2024-03-31 for 2023/24. The 2024/25 qualifying codes (rates file) are
  160734000, 394923006 and 248171000000108:
  r1 VN100 from 2023-01-01, 160734000 on 2023-01-05 (coded in both years);
  r2 VN100 from 2024-06-01, 248171000000108 on 2024-06-02 (coded; not resident on 2024-03-31);
  r3 VN100 from 2023-01-01, only 160737007 (old people's home: not a qualifying code);
  r4 VN100 2023-01-01 to 2025-02-01, 160734000 (left before 2025-03-31);
  r5 VN200 from 2024-10-01, only 160737007 (VN200 has no coded resident);
  r6 VN100 from 2023-01-01, 394923006 on 2025-04-02 (after the date: not counted in 2024/25).
  2024/25 on 2025-03-31: VN100 residents r1 r2 r3 r6 (4), coded r1 r2 (2); VN200 r5 (1), 0.
  2023/24: the qualifying codes were not found, so coded residents are not counted.
- CAN-04 (2024/25: lower GI referrals 2024-10-01 to 2025-03-31 with a FIT in the 21 days
  before; list size on 2025-01-01): a1, a2, a3 referred 2024-11-15 with a FIT 2024-11-05, a4
  referred 2024-11-15 without one: 3/4 = 75%. IIF list on 2025-01-01: A81001 a1-a6 and
  a_joined (7), A81002 10: 17.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings
import zipfile
from dataclasses import FrozenInstanceError, replace
from decimal import Decimal

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from cohort_spec import CODES, MODEL, arrow_table
from neighbourhood.cli import app
from neighbourhood.indicators import Settings as IndicatorSettings
from neighbourhood.indicators import Sourced, indicators_of
from neighbourhood.payments import IncompleteEntitlementWarning
from neighbourhood.payments.input_files import read_inputs
from neighbourhood.payments.statement import Statement, StatementLine, statement, statement_year
from neighbourhood.store.ddl import schema_sql
from neighbourhood.store.engines import open_duckdb

runner = CliRunner()
D = dt.date.fromisoformat
PCN = "U00001"
NURSING, RESIDENTIAL, CARE_HOME = "160734000", "394923006", "248171000000108"
OLD_PEOPLES_HOME = "160737007"  # PRIMIS LONGRES, not a Care Home Premium code
REFERRAL, FIT = CODES["lower_gi_referral"].code, CODES["fit_test"].code


def _tables():
    patients, registrations, events, residences = [], [], [], []

    def person(pid, practice, start="2000-01-01", end=None):
        patients.append({"patient_id": pid, "birth_month": D("1940-01-01"), "sex": "female"})
        registrations.append({"patient_id": pid, "practice_code": practice,
                              "start_date": D(start), "end_date": end and D(end)})  # fmt: skip

    def resident(pid, home, start, end=None, *coded):
        person(pid, "A81002")
        residences.append({"patient_id": pid, "care_home_code": home, "start_date": D(start),
                           "end_date": end and D(end)})  # fmt: skip
        for day, code in coded:
            events.append({"patient_id": pid, "event_date": D(day), "snomed_code": code})

    for i in range(1, 7):
        person(f"a{i}", "A81001")
    for pid in ("a1", "a2", "a3", "a4"):
        events.append({"patient_id": pid, "event_date": D("2024-11-15"), "snomed_code": REFERRAL})
    for pid in ("a1", "a2", "a3"):
        events.append({"patient_id": pid, "event_date": D("2024-11-05"), "snomed_code": FIT})
    person("a_left", "A81001", "2000-01-01", "2023-12-31")
    person("a_joined", "A81001", "2024-02-01")
    for i in range(1, 5):
        person(f"b{i}", "A81002")
    resident("r1", "VN100", "2023-01-01", None, ("2023-01-05", NURSING))
    resident("r2", "VN100", "2024-06-01", None, ("2024-06-02", CARE_HOME))
    resident("r3", "VN100", "2023-01-01", None, ("2023-01-05", OLD_PEOPLES_HOME))
    resident("r4", "VN100", "2023-01-01", "2025-02-01", ("2023-01-05", NURSING))
    resident("r5", "VN200", "2024-10-01", None, ("2024-10-01", OLD_PEOPLES_HOME))
    resident("r6", "VN100", "2023-01-01", None, ("2025-04-02", RESIDENTIAL))
    organisations = [
        {"org_code": code, "org_type": kind, "name": name}
        for code, kind, name in [
            ("U00001", "pcn", "Riverside PCN"), ("U00002", "pcn", "Hillside PCN"),
            ("A81001", "practice", "Bridge Surgery"), ("A81002", "practice", "Mill Surgery"),
            ("VN100", "care_home", "The Beeches"), ("VN200", "care_home", "Oak House"),
            ("VN300", "care_home", "Ash Court"), ("VN400", "care_home", "Elm Lodge"),
        ]
    ]  # fmt: skip
    care_homes = [
        {"org_code": "VN100", "beds": 40, "with_nursing": True},
        {"org_code": "VN200", "beds": 25, "with_nursing": False},
        {"org_code": "VN300", "beds": 30, "with_nursing": False},
        {"org_code": "VN400", "beds": None, "with_nursing": False},
    ]

    def member(child, parent, relationship, start, end=None):
        return {"child_code": child, "parent_code": parent, "relationship": relationship,
                "valid_from": D(start), "valid_to": end and D(end)}  # fmt: skip

    memberships = [
        member("A81001", PCN, "practice_in_pcn", "2019-07-01"),
        member("A81002", PCN, "practice_in_pcn", "2019-07-01"),
        member("VN100", PCN, "care_home_aligned_to_pcn", "2020-01-01"),
        member("VN200", PCN, "care_home_aligned_to_pcn", "2024-10-01"),
        member("VN400", PCN, "care_home_aligned_to_pcn", "2020-01-01"),
        member("VN300", "U00002", "care_home_aligned_to_pcn", "2020-01-01"),
    ]
    return {
        "patients": patients,
        "registrations": registrations,
        "clinical_events": events,
        "care_home_residences": residences,
        "organisations": organisations,
        "care_homes": care_homes,
        "org_memberships": memberships,
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("statement") / "store.duckdb"
    con = duckdb.connect(str(db))
    con.execute(schema_sql(MODEL, "duckdb"))
    for name, rows in _tables().items():
        con.register("incoming", arrow_table(name, rows))
        con.execute(f'INSERT INTO "{name}" SELECT * FROM incoming')
        con.unregister("incoming")
    con.close()
    return db


@pytest.fixture(scope="module")
def engine(store):
    with open_duckdb(store) as opened:
        yield opened


def quiet(*args, **kwargs) -> Statement:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteEntitlementWarning)
        return statement(*args, **kwargs)


@pytest.fixture(scope="module")
def s2425(engine):
    return quiet(engine, "2024/25", PCN)


@pytest.fixture(scope="module")
def s2324(engine):
    return quiet(engine, "2023-24", PCN)


def find(found: Statement, item: str, payee: str = PCN) -> StatementLine:
    """The one line whose item starts with `item`, for the payee."""
    (line,) = [x for x in found.lines if x.item.startswith(item) and x.payee == payee]
    return line


def by_payee(found: Statement, section: str) -> dict[str, StatementLine]:
    lines = found.section(section)
    assert len({x.payee for x in lines}) == len(lines)
    return {x.payee: x for x in lines}


INPUTS = """\
year: 2024-25
pcns:
  - code: U00001
    weighted_population: 20.5
    adjusted_population: 18
    practices:
      - {code: A81001, weighted_population: 7.5}
      - {code: A81002, weighted_population: 13}
arrs:
  pcn: U00001
  claims:
    - {staff_id: S1, role: clinical_pharmacist, wte: 1, claimed: 30000}
"""


@pytest.fixture(scope="module")
def inputs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("statement-inputs") / "inputs.yaml"
    path.write_text(INPUTS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def with_inputs(engine, inputs_file):
    return quiet(engine, "2024-25", PCN, inputs=read_inputs(inputs_file))


# ---- what the statement holds -------------------------------------------------------------


def test_the_title_practices_and_dates(s2425):
    assert s2425.year == "2024-25" and s2425.year_label == "2024/25"
    assert s2425.title == "Payment statement 2024/25: PCN U00001 Riverside PCN"
    assert not s2425.synthetic  # no synthetic load in load_log
    assert s2425.practices == ("A81001", "A81002")
    assert s2425.list_date == D("2024-01-01")  # the rates' basis date for 2024/25
    assert s2425.at == D("2025-03-31")
    assert [x.section for x in s2425.lines] == sorted(
        (x.section for x in s2425.lines),
        key=["Network Contract DES entitlements", "Care Home Premium", "ARRS",
             "Investment and Impact Fund"].index,
    )  # fmt: skip


def test_registered_lists_are_counted_on_1_january(s2425, s2324):
    """2024-01-01: A81001 a1-a6 (a_left left 2023-12-31, a_joined joined 2024-02-01) = 6;
    A81002 b1-b4 and r1-r6 = 10; the PCN 16."""
    core = find(s2425, "Core PCN Funding")
    assert "16 registered patients" in core.basis
    assert core.evidence["registered list"] == (
        "16 patients registered with the PCN's practices on 2024-01-01 (store): A81001 6, A81002 10"
    )
    npp = "Network Participation Payment"
    assert find(s2425, npp, "A81001").evidence["registered list"] == (
        "6 patients registered with A81001 on 2024-01-01 (store)"
    )
    assert find(s2425, npp, "A81002").evidence["registered list"].startswith("10 patients")
    # 2023/24: the list of 1 January 2023 still has a_left: 7 + 10 = 17
    earlier = s2324
    assert earlier.list_date == D("2023-01-01")
    assert "17 registered patients" in find(earlier, "Core PCN Funding").basis


def test_populations_not_in_the_store_leave_lines_incomplete_with_the_reason(s2425):
    lines = s2425.section("Network Contract DES entitlements")
    # core (the uplifted rate's split not found), NPP x 2, enhanced access, capacity and
    # access support and improvement: all need a rate not found or a population not given
    assert len(lines) == 6 and all(x.status == "incomplete" for x in lines)
    npp = find(s2425, "Network Participation Payment", "A81001")
    assert npp.item == "Network Participation Payment" and npp.amount is None
    assert npp.reasons == ("per weighted patient of the practice: input missing: "
                           "weighted population",)  # fmt: skip
    assert npp.basis == "£0.147 × (NOT GIVEN) weighted population × 12 months"
    assert npp.evidence["weighted and adjusted populations"] == "not in the store; no inputs given"
    core = find(s2425, "Core PCN Funding")
    assert any("rate NOT FOUND" in r for r in core.reasons)
    assert any("input missing: adjusted population" in r for r in core.reasons)


def test_per_head_amounts_with_weighted_and_adjusted_populations_given(with_inputs):
    """2024/25 (rates/2024-25.yaml, latest revisions):
    NPP A81001 £0.147 per weighted patient per month x 7.5 x 12 = £13.23;
    NPP A81002 £0.147 x 13 x 12 = £22.932 -> £22.93;
    enhanced access £7.975 x 18 adjusted x 12/12 = £143.55;
    capacity and access support £3.248 x 18 = £58.464 -> £58.46;
    capacity and access improvement £1.392 x 18 = £25.056 -> £25.06;
    core funding: still incomplete (the uplifted rate per registered patient not found)."""
    lines = {(x.item.split(" (")[0], x.payee): x
             for x in with_inputs.section("Network Contract DES entitlements")}  # fmt: skip
    assert lines[("Network Participation Payment", "A81001")].amount == Decimal("13.23")
    assert lines[("Network Participation Payment", "A81002")].amount == Decimal("22.93")
    assert lines[("Enhanced Access payment", PCN)].amount == Decimal("143.55")
    assert lines[("PCN Capacity and Access Support Payment", PCN)].amount == Decimal("58.46")
    assert lines[("PCN Capacity and Access Improvement Payment", PCN)].amount == Decimal("25.06")
    assert lines[("Core PCN Funding", PCN)].status == "incomplete"
    assert lines[("Enhanced Access payment", PCN)].basis == (
        "£7.975 × 18 adjusted population × 12/12 of a year"
    )


def test_care_home_premium_per_aligned_home(s2425):
    """2024/25: £127.20 per bed per year (the September 2024 uplift, backdated to April).
    VN100 The Beeches: 40 beds x £127.20 x 12/12 = £5,088.00 (2 coded residents: r1, r2).
    VN200 Oak House: aligned October to March, 1 resident (r5), none coded: £0 (else 25 x
    £127.20 x 6/12 = £1,590.00). VN400 Elm Lodge: no beds in the store: incomplete.
    VN300 is aligned to another PCN: not on the statement."""
    homes = by_payee(s2425, "Care Home Premium")
    assert sorted(homes) == ["VN100", "VN200", "VN400"]
    beeches = homes["VN100"]
    assert beeches.item == "Care Home Premium: The Beeches"
    assert beeches.amount == Decimal("5088.00") and beeches.status == "complete"
    assert beeches.basis == "£127.2 × 40 beds × 12/12 of a year"
    assert beeches.evidence["residents"] == (
        "4 resident(s) in the store on 2025-03-31, 2 coded with a qualifying code"
    )
    assert "£4,800.00" in " ".join(beeches.warnings)  # the March 2024 rate: 40 x £120
    assert beeches.evidence["codelist"] == (
        "care-home-premium-qualifying-codes-2024-25 version 2024-25: "
        "160734000, 394923006, 248171000000108"
    )
    assert "ehch-care-home-residents version 1" in beeches.evidence["residents counted by"]
    assert any("Doncaster LMC" in s for s in beeches.evidence["sources"])
    oak = homes["VN200"]
    assert oak.amount == Decimal("0.00") and oak.status == "complete"
    assert oak.basis.startswith("£0: no resident coded 160734000, 394923006, 248171000000108")
    assert "25 beds × 6/12 of a year" in oak.basis
    assert oak.evidence["alignment"].startswith("VN200 aligned to U00001 for Oct 2024 to Mar 2025")
    assert oak.evidence["residents"].startswith("1 resident(s)")
    elm = homes["VN400"]
    assert elm.amount is None
    assert elm.reasons == ("no CQC beds for VN400 in the store's care_homes table",)


def test_residents_are_counted_on_the_date_given(engine):
    """On 2025-01-31 r4 (left 2025-02-01) is still in VN100: 5 residents, 3 coded."""
    found = quiet(engine, "2024-25", PCN, at=D("2025-01-31"))
    beeches = by_payee(found, "Care Home Premium")["VN100"]
    assert beeches.evidence["residents"] == (
        "5 resident(s) in the store on 2025-01-31, 3 coded with a qualifying code"
    )
    assert beeches.amount == Decimal("5088.00")


def test_a_year_whose_qualifying_codes_were_not_found(s2324, engine, tmp_path):
    """2023/24: £120 per bed; the coding condition was not found, so coded residents are
    not counted and a home is incomplete, unless the inputs give its coded residents: then
    40 x £120 x 12/12 = £4,800.00, with a warning that the condition was not checked.
    VN200 was not aligned in 2023/24."""
    homes = by_payee(s2324, "Care Home Premium")
    assert sorted(homes) == ["VN100", "VN400"]
    assert homes["VN100"].amount is None
    assert "qualifying codes of the premium in 2023-24 were not found" in homes["VN100"].reasons[0]
    path = tmp_path / "homes.yaml"
    path.write_text("care_homes:\n  - {id: VN100, pcn: U00001, beds: 40, coded_residents: 2}\n")
    given = quiet(engine, "2023-24", PCN, inputs=read_inputs(path))
    beeches = by_payee(given, "Care Home Premium")["VN100"]
    assert beeches.amount == Decimal("4800.00")
    assert any("not checked" in w for w in beeches.warnings)
    assert beeches.evidence["figures"].endswith("homes.yaml")


def test_2023_24_per_head_lines_from_the_registered_list(s2324):
    """2023/24 on the 1 January 2023 list of 17: core £1.50 x 17 = £25.50; clinical director
    £0.729 x 17 = £12.393 -> £12.39."""
    lines = {x.item: x for x in s2324.section("Network Contract DES entitlements")
             if x.payee == PCN}  # fmt: skip
    assert lines["Core PCN Funding"].amount == Decimal("25.50")
    assert lines["Core PCN Funding"].basis == "£1.5 × 17 registered patients × 12/12 of a year"
    assert lines["Clinical Director contribution"].amount == Decimal("12.39")


def test_arrs_from_the_inputs(s2425, with_inputs):
    """No ARRS inputs: no ARRS line, and a note. With S1, a clinical pharmacist (1 WTE,
    £30,000 claimed over 12 months, £2,500 a month, under each month's maximum, 100%):
    reimbursable £30,000.00; entitlement £22.894 x 20.5 weighted = £469.327 -> £469.33;
    paid = min(30,000.00, 469.33) = £469.33, overspend £29,530.67. The GP pot: no claims,
    entitlement £1.303 x 20.5 = £26.7115 -> £26.71, paid £0.00."""
    assert s2425.section("ARRS") == ()
    assert any(n.startswith("ARRS not shown") for n in s2425.notes)
    main, gp = with_inputs.section("ARRS")
    assert main.item == "ARRS reimbursement: Additional Roles Reimbursement Sum"
    assert main.amount == Decimal("469.33")
    assert "reimbursable £30,000.00, entitlement £469.33" in main.basis
    assert "overspend £29,530.67" in main.basis
    assert main.evidence["entitlement"] == "£22.894 × 20.5 weighted population × 12/12 of a year"
    assert gp.amount == Decimal("0.00") and "0 claim(s)" in gp.basis
    assert "entitlement £26.71" in gp.basis


def test_arrs_entitlement_alone_is_shown_but_not_added(engine, tmp_path):
    path = tmp_path / "inputs.yaml"
    path.write_text("pcns:\n  - {code: U00001, weighted_population: 1000}\n")
    found = quiet(engine, "2024-25", PCN, inputs=read_inputs(path))
    main, gp = found.section("ARRS")
    assert main.amount == Decimal("22894.00") and not main.in_total  # £22.894 x 1,000
    assert gp.amount == Decimal("1303.00") and not gp.in_total  # £1.303 x 1,000 x 6/6
    assert found.total == sum(
        (x.amount for x in found.lines if x.amount is not None and x.section != "ARRS"),
        Decimal(0),
    )


def test_iif_lines_with_their_status(s2425):
    """2024/25: CAN-02, CAN-04 and HI-03, all incomplete definitions: no pounds. CAN-04 has
    3/4 = 75%; CAN-02 (April to September) counts none of the PCN's patients."""
    lines = {x.item.split(":")[0]: x for x in s2425.section("Investment and Impact Fund")}
    assert sorted(lines) == ["CAN-02", "CAN-04", "HI-03"]
    assert all(x.amount is None and x.status == "incomplete" for x in lines.values())
    can04 = lines["CAN-04"]
    assert can04.basis.startswith("achievement 3/4 = 75.0% (eligible 4, declined 0")
    assert "incomplete definition: not paid" in can04.reasons
    assert any("CAN-04 is incomplete" in r for r in can04.reasons)
    assert can04.evidence["definition"] == "2024-25/CAN-04.yaml version 1 (status incomplete)"
    assert "lower-gi-urgent-suspected-cancer-referral version" in can04.evidence["codelists"][0]
    assert can04.evidence["list size date"] == "2025-01-01"
    assert lines["CAN-02"].basis == "no patient of the PCN was counted"


def test_a_complete_iif_indicator_earns_pounds_in_the_total(engine):
    """CAN-04 made complete (not prevalence-adjusted), average PCN list size 17 (= the PCN's,
    so the adjustment is 1): 3/4 = 75% between 65% and 80%: 22 x (0.75 - 0.65) / 0.15
    = 14.667 points x £198 = £2,904.00."""
    shipped = indicators_of("2024-25")["CAN-04"]
    source = next(iter(shipped.sources))
    complete = replace(
        shipped, status="complete", incomplete=(),
        values={**shipped.values, "prevalence_adjusted": Sourced(False, source=source)},
    )  # fmt: skip
    found = quiet(engine, "2024-25", PCN, iif_definitions={"CAN-04": complete},
                  iif_settings=IndicatorSettings(average_pcn_list_size=17))  # fmt: skip
    (line,) = found.section("Investment and Impact Fund")
    assert line.amount == Decimal("2904.00") and line.status == "complete"
    assert "× £198 × 17 list size / 17 national average = £2,904.00" in line.basis
    assert found.total == Decimal("5088.00") + Decimal("2904.00")


def test_totals_add_the_complete_lines_and_count_the_incomplete(s2425):
    """£5,088.00 (VN100) + £0.00 (VN200); incomplete: 6 per-head, VN400 and 3 IIF = 10."""
    assert s2425.total == Decimal("5088.00")
    assert s2425.totals() == {
        "total_of_complete_lines": "5088.00", "complete_lines": 2, "incomplete_lines": 10
    }  # fmt: skip
    assert not s2425.complete


def test_the_statement_is_immutable(s2425):
    with pytest.raises(FrozenInstanceError):
        s2425.total = Decimal(1)  # type: ignore[misc]
    line = s2425.lines[0]
    with pytest.raises(FrozenInstanceError):
        line.amount = Decimal(1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        line.evidence["sources"] = "x"  # type: ignore[index]
    assert isinstance(s2425.lines, tuple) and isinstance(line.reasons, tuple)
    with pytest.raises(ValueError, match="missing exactly when incomplete"):
        StatementLine("ARRS", "x", PCN, "basis", None)


def test_bad_requests_are_clear(engine):
    with pytest.raises(ValueError, match="not a financial year"):
        statement(engine, "2024", PCN)
    with pytest.raises(ValueError, match="no PCN U99999 in the store"):
        statement(engine, "2024-25", "U99999")
    with pytest.raises(KeyError, match="no rates for '2030-31'"):
        statement(engine, "2030/31", PCN)


def test_the_year_of_a_date():
    assert statement_year(D("2024-04-01")) == "2024-25"
    assert statement_year(D("2024-03-31")) == "2023-24"
    assert statement_year(D("2025-09-30")) == "2024-25"  # 2025/26 has no rates: the latest


def test_incomplete_lines_raise_one_warning(engine):
    with pytest.warns(IncompleteEntitlementWarning, match="10 line\\(s\\) of the statement"):
        statement(engine, "2024-25", PCN)


# ---- outputs ----------------------------------------------------------------------------


def test_records_json_and_csv(s2425):
    records = s2425.records()
    assert len(records) == len(s2425.lines)
    first = records[0]
    assert list(first) == ["year", "pcn", "section", "item", "payee", "basis", "amount",
                           "status", "in_total", "reasons", "warnings", "evidence"]  # fmt: skip
    beeches = next(r for r in records if r["payee"] == "VN100")
    assert beeches["amount"] == "5088.00" and beeches["status"] == "complete"
    assert "codelist: care-home-premium-qualifying-codes-2024-25" in beeches["evidence"]
    document = json.loads(s2425.to_json())
    assert document["totals"]["total_of_complete_lines"] == "5088.00"
    assert document["pcn_name"] == "Riverside PCN" and document["synthetic"] is False
    vn100 = next(x for x in document["lines"] if x["payee"] == "VN100")
    assert isinstance(vn100["evidence"]["sources"], list)
    rows = list(csv.DictReader(io.StringIO(s2425.to_csv())))
    assert len(rows) == len(s2425.lines) + 1
    assert rows[-1]["section"] == "Total" and rows[-1]["amount"] == "5088.00"
    assert rows[-1]["status"] == "10 incomplete line(s) not in the total"
    assert next(r for r in rows if r["payee"] == "VN400")["amount"] == ""


def test_xlsx_has_a_title_the_lines_in_pounds_and_a_total(s2425, tmp_path):
    path = s2425.write_xlsx(tmp_path / "statement.xlsx")
    with zipfile.ZipFile(path) as archive:  # a real workbook
        assert "xl/workbook.xml" in archive.namelist()
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Payment statement 2024/25: PCN U00001 Riverside PCN"
    assert [c.value for c in sheet[3]][:5] == ["Section", "Item", "Payee", "Basis", "Amount (£)"]
    rows = {r[2].value: r for r in sheet.iter_rows(min_row=4) if r[0].value != "Total"}
    assert rows["VN100"][4].value == 5088.0
    assert "£" in rows["VN100"][4].number_format
    assert rows["VN400"][4].value is None and rows["VN400"][5].value == "incomplete"
    total = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "Total")
    assert total[4].value == 5088.0 and "£" in total[4].number_format
    assert total[5].value == "10 incomplete line(s) not in the total"


def test_xlsx_title_says_synthetic_when_the_store_is(s2425, tmp_path):
    synthetic = replace(s2425, synthetic=True)
    assert synthetic.title.endswith("(SYNTHETIC DATA)")
    sheet = openpyxl.load_workbook(synthetic.write_xlsx(tmp_path / "s.xlsx")).active
    assert "SYNTHETIC DATA" in sheet["A1"].value


# ---- the command ------------------------------------------------------------------------


def invoke(store, *args: str):
    return runner.invoke(app, ["--db", str(store), "payments", "statement", *args])


def test_cli_json_with_inputs(store, inputs_file):
    result = invoke(store, "--year", "2024/25", "--pcn", "u00001", "--inputs",
                    str(inputs_file), "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["year"] == "2024-25" and document["pcn"] == PCN
    amounts = {(x["item"], x["payee"]): x["amount"] for x in document["lines"]}
    assert amounts[("Network Participation Payment", "A81001")] == "13.23"
    # 5,088.00 + 13.23 + 22.93 + 143.55 + 58.46 + 25.06 + 469.33 + 0.00 = 5,820.56
    assert document["totals"]["total_of_complete_lines"] == "5820.56"
    assert "incomplete" in result.stderr


def test_cli_table_csv_and_xlsx(store, tmp_path):
    table = invoke(store, "--year", "2024-25", "--pcn", PCN)
    assert table.exit_code == 0, table.output
    assert "Payment statement 2024/25: PCN U00001 Riverside PCN" in table.stdout
    assert "£5,088.00" in table.stdout and "Total of complete lines: £5,088.00" in table.stdout
    rows = list(csv.DictReader(io.StringIO(invoke(store, "--year", "2024-25", "--pcn", PCN,
                                                  "--format", "csv").stdout)))  # fmt: skip
    assert rows[-1]["amount"] == "5088.00"
    refused = invoke(store, "--year", "2024-25", "--pcn", PCN, "--format", "xlsx")
    assert refused.exit_code == 2 and "give --out" in refused.output
    out = tmp_path / "out" / "statement.xlsx"
    made = invoke(store, "--year", "2024-25", "--pcn", PCN, "--format", "xlsx", "--out", str(out))
    assert made.exit_code == 0, made.output
    assert openpyxl.load_workbook(out).active["A1"].value.startswith("Payment statement 2024/25")


def test_cli_errors(store, tmp_path):
    bad_year = invoke(store, "--year", "2024", "--pcn", PCN)
    assert bad_year.exit_code == 2 and "not a financial year" in bad_year.output
    unknown = invoke(store, "--year", "2024-25", "--pcn", "U99999")
    assert unknown.exit_code == 2 and "no PCN U99999" in unknown.output
    wrong = tmp_path / "inputs.yaml"
    wrong.write_text("year: 2023-24\n")
    other_year = invoke(store, "--year", "2024-25", "--pcn", PCN, "--inputs", str(wrong))
    assert other_year.exit_code == 2 and "the inputs are for 2023-24" in other_year.output
    missing = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "payments",
                                  "statement", "--year", "2024-25", "--pcn", PCN])  # fmt: skip
    assert missing.exit_code == 2 and "no store" in missing.output

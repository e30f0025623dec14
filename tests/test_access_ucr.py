"""The 2-hour and 2-day clocks, the KPI roll-up and the published layout, on hand-built
referrals in the universe of `ucr_universe.py` (times are given with their UTC offset)."""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.access.ucr_clocks import clocks
from neighbourhood.access.ucr_export import HIDDEN, published_rows, round_to_5, to_csv
from neighbourhood.access.ucr_kpis import kpis
from neighbourhood.access.ucr_settings import UcrSettings
from ucr_universe import contact, referral, supplied, universe, utc

AS_OF = utc("2025-01-01T00:00+00:00")


@pytest.fixture
def con():
    c = universe()
    yield c
    c.close()


def clock_of(con, rid, settings=None, as_of=AS_OF):
    (row,) = [r for r in clocks(con, settings, as_of) if r["referral_id"] == rid]
    return row


def test_exactly_120_minutes_is_met_and_121_is_not(con):
    referral(con, "A", "2024-06-03T10:00+01:00")
    contact(con, "A", "2024-06-03T12:00+01:00")
    referral(con, "B", "2024-06-03T10:00+01:00")
    contact(con, "B", "2024-06-03T12:01+01:00")
    assert (clock_of(con, "A")["elapsed_minutes"], clock_of(con, "A")["status"]) == (120, "met")
    assert (clock_of(con, "B")["elapsed_minutes"], clock_of(con, "B")["status"]) == (121, "not_met")


def test_crossing_midnight(con):
    referral(con, "A", "2024-06-03T23:10+01:00")
    contact(con, "A", "2024-06-04T01:05+01:00")
    assert clock_of(con, "A")["elapsed_minutes"] == 115
    assert clock_of(con, "A")["status"] == "met"


def test_spring_clock_change_90_minutes(con):
    # 00:30 GMT on Sunday 31 March 2024; at 01:00 GMT the clocks go to 02:00 BST; the
    # contact at 03:00 BST is 90 elapsed minutes later, though the wall clock says 150.
    referral(con, "A", "2024-03-31T00:30+00:00")
    contact(con, "A", "2024-03-31T03:00+01:00")
    assert clock_of(con, "A")["elapsed_minutes"] == 90
    assert clock_of(con, "A")["status"] == "met"


def test_autumn_clock_change(con):
    # 00:30 BST on Sunday 27 October 2024; 02:00 BST becomes 01:00 GMT; the contact at
    # 02:00 GMT is 150 elapsed minutes later, though the wall clock says 90.
    referral(con, "A", "2024-10-27T00:30+01:00")
    contact(con, "A", "2024-10-27T02:00+00:00")
    assert clock_of(con, "A")["elapsed_minutes"] == 150
    assert clock_of(con, "A")["status"] == "not_met"


def test_open_clock(con):
    referral(con, "A", "2024-06-03T10:00+01:00")
    assert clock_of(con, "A", as_of=utc("2024-06-03T11:00+01:00"))["status"] == "open"
    assert clock_of(con, "A", as_of=utc("2024-06-03T12:00+01:00"))["status"] == "open"
    late = clock_of(con, "A", as_of=utc("2024-06-03T12:01+01:00"))
    assert (late["status"], late["stop_at"]) == ("not_met", None)


def test_did_not_attend_before_an_attended_contact(con):
    referral(con, "A", "2024-06-03T10:00+01:00")
    contact(con, "A", "2024-06-03T11:00+01:00", outcome="did_not_attend")
    contact(con, "A", "2024-06-03T12:30+01:00")
    assert clock_of(con, "A")["status"] == "not_met"
    assert clock_of(con, "A")["stop_at"] == utc("2024-06-03T12:30+01:00")
    counted = UcrSettings(not_attended_stops_clock=True)
    assert clock_of(con, "A", counted)["status"] == "met"


def test_video_contact_by_the_setting(con):
    referral(con, "A", "2024-06-03T10:00+01:00")
    contact(con, "A", "2024-06-03T10:30+01:00", mechanism="video")
    contact(con, "A", "2024-06-03T10:40+01:00", mechanism="telephone")
    contact(con, "A", "2024-06-03T13:00+01:00", mechanism="face_to_face")
    assert clock_of(con, "A")["status"] == "not_met"
    assert clock_of(con, "A", UcrSettings(video_stops_clock=True))["elapsed_minutes"] == 30


def test_unknown_mechanism_by_the_setting(con):
    referral(con, "A", "2024-06-03T10:00+01:00")
    contact(con, "A", "2024-06-03T10:30+01:00")
    assert clock_of(con, "A")["status"] == "met"
    strict = UcrSettings(unknown_mechanism_is_face_to_face=False)
    assert clock_of(con, "A", strict)["status"] == "not_met"  # open past 2 hours at AS_OF


def test_outside_hours_by_the_setting(con):
    referral(con, "A", "2024-06-03T21:00+01:00")  # after 20:00
    contact(con, "A", "2024-06-04T09:00+01:00")
    assert clock_of(con, "A")["status"] == "not_met"  # as received: 12 hours
    next_open = clock_of(con, "A", UcrSettings(outside_hours="next_opening"))
    assert (next_open["start_at"], next_open["elapsed_minutes"]) == (
        utc("2024-06-04T08:00+01:00"),
        60,
    )
    excluded = clock_of(con, "A", UcrSettings(outside_hours="exclude"))
    assert (excluded["status"], excluded["scope_reason"]) == (
        "out_of_scope",
        "received outside service hours",
    )
    referral(con, "B", "2024-06-03T07:30+01:00")  # before 08:00: opens the same day
    contact(con, "B", "2024-06-03T07:45+01:00")  # seen before opening: 0 minutes
    early = clock_of(con, "B", UcrSettings(outside_hours="next_opening"))
    assert (early["start_at"], early["elapsed_minutes"], early["status"]) == (
        utc("2024-06-03T08:00+01:00"),
        0,
        "met",
    )


def test_min_age_by_the_setting(con):
    referral(
        con, "A", "2024-06-03T10:00+01:00", patient="PAT2"
    )  # born June 2007: 17 until June 2025
    contact(con, "A", "2024-06-03T10:30+01:00")
    assert clock_of(con, "A")["status"] == "met"
    adult = clock_of(con, "A", UcrSettings(min_age=18))
    assert (adult["status"], adult["scope_reason"]) == ("out_of_scope", "younger than 18")


def test_supplied_clock_start_and_stop(con):
    referral(con, "A", "2024-06-03T10:30+01:00")  # received half an hour after the need
    supplied(con, "A", "2024-06-03T10:00+01:00")
    contact(con, "A", "2024-06-03T12:15+01:00")
    assert clock_of(con, "A")["elapsed_minutes"] == 135
    assert clock_of(con, "A", UcrSettings(clock_start="received"))["elapsed_minutes"] == 105
    referral(con, "B", "2024-06-03T10:00+01:00")
    supplied(con, "B", "2024-06-03T10:00+01:00", "2024-06-03T11:00+01:00")
    contact(con, "B", "2024-06-03T12:15+01:00")
    assert clock_of(con, "B")["elapsed_minutes"] == 60
    assert clock_of(con, "B", UcrSettings(clock_stop="contacts"))["elapsed_minutes"] == 135


def test_reablement_two_midnights(con):
    kwargs = {"clock": "2_day", "service": "reablement"}
    referral(con, "A", "2024-03-30T23:30+00:00", **kwargs)  # Saturday 23:30 GMT
    contact(con, "A", "2024-04-01T22:00+01:00")  # Monday: midnights of Sun and Mon
    referral(con, "B", "2024-03-30T23:30+00:00", **kwargs)
    contact(con, "B", "2024-04-02T00:10+01:00")  # Tuesday 00:10 BST: three midnights
    referral(con, "C", "2024-10-26T23:30+01:00", **kwargs)
    contact(con, "C", "2024-10-28T23:59+00:00")  # the long Sunday: still two midnights
    assert (clock_of(con, "A")["midnights"], clock_of(con, "A")["status"]) == (2, "met")
    assert (clock_of(con, "B")["midnights"], clock_of(con, "B")["status"]) == (3, "not_met")
    assert (clock_of(con, "C")["midnights"], clock_of(con, "C")["status"]) == (2, "met")


def test_reablement_from_a_hospital_bed_is_out_of_scope(con):
    referral(con, "A", "2024-06-03T10:00+01:00", clock="2_day", service="reablement",
             source="hospital")  # fmt: skip
    contact(con, "A", "2024-06-03T12:00+01:00")
    row = clock_of(con, "A")
    assert (row["status"], row["scope_reason"]) == (
        "out_of_scope",
        "reablement referred from a hospital bed",
    )
    kept = UcrSettings(reablement_excludes_hospital=False)
    assert clock_of(con, "A", kept)["status"] == "met"
    # a 2-hour referral from hospital is in scope: "from any referral source" [S20]
    referral(con, "B", "2024-06-03T10:00+01:00", source="hospital")
    assert clock_of(con, "B")["in_scope"]


def _june(con):
    """June 2024: T1 (QA/Y1, R1) 3 met of 4, one open; T2 (QB/Y2, R1) 1 not met; T3 (QB/Y2,
    R2) 1 met. Sources: T1 ambulance_999 x2, nhs_111, care_home, gp; T2 hospital; T3
    self_or_carer. One non-2-hour UCR referral on T3 (clock none)."""
    at = "2024-06-10T10:00+01:00"
    for rid, team, source, minutes in [
        ("A1", "T1", "ambulance_999", 30), ("A2", "T1", "ambulance_999", 60),
        ("A3", "T1", "nhs_111", 90), ("A4", "T1", "care_home", 150),
        ("B1", "T2", "hospital", 200), ("C1", "T3", "self_or_carer", 45),
    ]:  # fmt: skip
        referral(con, rid, at, team=team, source=source)
        contact(con, rid, (utc(at) + dt.timedelta(minutes=minutes)).isoformat() + "+00:00")
    referral(con, "A5", "2024-06-30T22:00+01:00", team="T1", source="gp")  # open at the end
    referral(con, "C2", at, team="T3", source="clinical_assessment_service", clock="none")
    contact(con, "C2", "2024-06-11T10:00+01:00")


def _row(rows, level, code, month="2024-06"):
    (row,) = [r for r in rows if (r["level"], r["org_code"]) == (level, code)
              and r["month"].strftime("%Y-%m") == month]  # fmt: skip
    return row


def test_kpi_rollup_at_each_level(con):
    _june(con)
    rows = kpis(con, dt.date(2024, 6, 1), as_of=utc("2024-06-30T22:30+01:00"))
    expect = {
        # level, code: (in scope, met, not met, open, contacts, ucr referrals, %, population)
        ("team", "T1"): (5, 3, 1, 1, 4, 5, 75.0, 20_000),
        ("team", "T2"): (1, 0, 1, 0, 1, 1, 0.0, 30_000),
        ("team", "T3"): (1, 1, 0, 0, 1, 2, 100.0, 30_000),
        ("provider", "R1"): (6, 3, 2, 1, 5, 6, 60.0, 50_000),
        ("provider", "R2"): (1, 1, 0, 0, 1, 2, 100.0, 30_000),
        ("icb", "QA"): (5, 3, 1, 1, 4, 5, 75.0, 20_000),
        ("icb", "QB"): (2, 1, 1, 0, 2, 3, 50.0, 30_000),
        ("region", "Y1"): (5, 3, 1, 1, 4, 5, 75.0, 20_000),
        ("region", "Y2"): (2, 1, 1, 0, 2, 3, 50.0, 30_000),
        ("england", "ENGLAND"): (7, 4, 2, 1, 6, 8, 66.7, 50_000),
    }
    assert len(rows) == len(expect)
    for (level, code), values in expect.items():
        r = _row(rows, level, code)
        got = (r["two_hour_referrals"], r["two_hour_met"], r["two_hour_not_met"],
               r["two_hour_open"], r["two_hour_contacts"], r["ucr_referrals"],
               r["two_hour_percent_met"], r["population"])  # fmt: skip
        assert got == values, (level, code)
    assert _row(rows, "team", "T1")["meets_target"] is True
    assert _row(rows, "england", "ENGLAND")["meets_target"] is False  # 66.7% < 70%
    assert _row(rows, "team", "T3")["ucr_contacts"] == 2  # the non-2-hour one counts here


def test_referral_source_mix_and_rate_per_100k(con):
    _june(con)
    england = _row(kpis(con, dt.date(2024, 6, 1), as_of=AS_OF), "england", "ENGLAND")
    mix = {k.removeprefix("source_"): v for k, v in england.items() if k.startswith("source_")}
    assert mix == {"ambulance_999": 2, "nhs_111": 1, "clinical_assessment_service": 1,
                   "care_home": 1, "gp": 1, "self_or_carer": 1, "other": 1}  # fmt: skip
    assert england["ucr_referrals_per_100k"] == 16.0  # 8 / 50,000 x 100,000
    t1 = _row(kpis(con, dt.date(2024, 6, 1), levels=["team"], as_of=AS_OF), "team", "T1")
    assert t1["ucr_referrals_per_100k"] == 25.0  # 5 / 20,000 x 100,000


def test_population_unknown_when_a_practice_has_no_list_size(con):
    con.execute("DELETE FROM practice_list_sizes WHERE practice_code = 'P2'")
    _june(con)
    rows = kpis(con, dt.date(2024, 6, 1), as_of=AS_OF)
    assert _row(rows, "team", "T1")["population"] is None
    assert _row(rows, "team", "T1")["ucr_referrals_per_100k"] is None
    assert _row(rows, "team", "T2")["population"] == 30_000


def test_month_of_the_clock_start_in_london(con):
    referral(con, "A", "2024-06-30T23:30+00:00")  # 00:30 BST on 1 July
    contact(con, "A", "2024-07-01T00:45+01:00")
    rows = kpis(con, dt.date(2024, 6, 1), dt.date(2024, 7, 1), levels=["team"], as_of=AS_OF)
    assert [r["month"] for r in rows] == [dt.date(2024, 7, 1)]


def test_round_to_5():
    assert [round_to_5(n) for n in (0, 1, 2, 3, 4, 5, 7, 8, 12, 13)] == [
        0, 0, 0, 5, 5, 5, 5, 10, 10, 15]  # fmt: skip


def test_published_layout_rounds_counts_and_hides_small_percentages(con):
    _june(con)
    rows = kpis(con, dt.date(2024, 6, 1), as_of=utc("2024-06-30T22:30+01:00"))
    months, table = published_rows(rows)
    assert months == ["2024-06"]
    pct = {r["org_code"]: r["2024-06"] for r in table if r["table"] == "1"}
    # T1: 4 clocks decided (1 to 4): hidden. England: 6 decided: shown.
    assert pct["T1"] == HIDDEN
    assert pct["ENGLAND"] == 66.7
    referrals = {r["org_code"]: r["2024-06"] for r in table if r["table"] == "2"}
    assert referrals == {"ENGLAND": 5, "Y1": 5, "Y2": 0, "QA": 5, "QB": 0, "R1": 5, "R2": 0,
                         "T1": 5, "T2": 0, "T3": 0}  # fmt: skip
    orgs = [r["org_code"] for r in table if r["table"] == "1"]
    assert orgs == ["ENGLAND", "Y1", "Y2", "QA", "QB", "R1", "R2", "T1", "T2", "T3"]
    csv_text = to_csv(months, table)
    assert csv_text.splitlines()[0] == "table,measure,level,org_code,org_name,2024-06"


def test_a_zero_denominator_percentage_is_empty_not_hidden(con):
    referral(con, "A", "2024-06-03T10:00+01:00", clock="none")
    rows = kpis(con, dt.date(2024, 6, 1), levels=["england"], as_of=AS_OF)
    _, table = published_rows(rows)
    (pct,) = [r["2024-06"] for r in table if r["table"] == "1"]
    assert pct is None


def test_settings_are_checked():
    with pytest.raises(ValueError, match="clock_start"):
        UcrSettings(clock_start="triage")
    with pytest.raises(ValueError, match="service hours"):
        UcrSettings(service_hours=(dt.time(20), dt.time(8)))


def test_local_time_in_sql_agrees_with_zoneinfo(con):
    from zoneinfo import ZoneInfo

    from neighbourhood.access.ucr_clocks import local

    london = ZoneInfo("Europe/London")
    moments = [dt.datetime(1990, 7, 1, 12), dt.datetime(2150, 7, 1, 12)]  # outside the rule
    for year in (1996, 2024, 2025, 2099):
        for month in (3, 10):
            for day in range(24, 32):
                for seconds in (3599, 3600, 3601):
                    moments.append(dt.datetime(year, month, day) + dt.timedelta(seconds=seconds))
    for moment in moments:
        expected = moment.replace(tzinfo=dt.UTC).astimezone(london).replace(tzinfo=None)
        (got,) = con.execute(
            f"SELECT {local('x')} FROM (SELECT ?::TIMESTAMP AS x)", [moment]
        ).fetchone()
        assert got == expected, moment

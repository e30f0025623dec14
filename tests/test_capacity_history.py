"""Arrivals fitted from `community_referrals` (local hours across the clock changes, teams
of a provider and of an ICB), `capacity simulate --from-history`, and the demo's rows, on
the hand-drawn universe of `ucr_universe.py`."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neighbourhood.capacity import examples_folder
from neighbourhood.capacity.demo import DEMO_RESPONDERS, demo_rows
from neighbourhood.capacity.history import fit_arrivals, teams_of
from neighbourhood.cli import app
from neighbourhood.store import connect
from ucr_universe import referral, universe


def _store():
    con = universe()
    # Sunday 31 March 2024, the spring change: 00:30 GMT is local 00:30; 01:30 UTC is 02:30 BST
    referral(con, "A", "2024-03-31T00:30+00:00")
    referral(con, "B", "2024-03-31T01:30+00:00")
    # Monday 1 April 2024, 09:15 BST (08:15 UTC), twice; T3 (provider R2, ICB QB) once
    referral(con, "C", "2024-04-01T09:15+01:00")
    referral(con, "D", "2024-04-01T09:45+01:00", clock="none")  # UCR service, no clock
    referral(con, "E", "2024-04-01T10:00+01:00", team="T3")
    referral(con, "F", "2024-04-01T11:00+01:00", service="reablement", clock="2_day")  # not UCR
    referral(con, "G", "2023-12-31T12:00+00:00")  # before the window
    return con


@pytest.fixture
def con():
    c = _store()
    yield c
    c.close()


def test_local_hours_and_the_window(con):
    fitted = fit_arrivals(con, level="team", code="T1", months=1)
    assert fitted.last_day == dt.date(2024, 4, 1)  # the latest referral's local day
    assert fitted.first_day == dt.date(2024, 3, 2)
    assert fitted.referrals == 4 and fitted.teams == ("T1",)
    counts = np.array(fitted.counts).reshape(7, 24)
    assert counts[6, 0] == 1 and counts[6, 2] == 1  # Sunday 00:30 and 02:30 local
    assert counts[0, 9] == 2  # Monday 09:15 and 09:45 BST
    # 31 days, 2 March to 1 April: 5 Sundays, 5 Mondays
    assert fitted.arrivals.per_hour[9] == pytest.approx(2 / 5)
    assert fitted.per_day == pytest.approx((2 / 5 + 2 / 5) / 7)  # the mean of the weekdays


def test_teams_of_a_provider_and_an_icb(con):
    day = dt.date(2024, 4, 1)
    assert teams_of(con, "provider", "R1", day) == ("T1", "T2")
    assert teams_of(con, "icb", "QB", day) == ("T2", "T3")
    icb = fit_arrivals(con, level="icb", code="QB", months=1)
    assert icb.referrals == 1 and icb.teams == ("T3",)
    whole = fit_arrivals(con, months=12)
    assert whole.referrals == 6  # G included, F (reablement) not
    with pytest.raises(ValueError, match="no teams"):
        fit_arrivals(con, level="provider", code="NOPE")


def test_scaling_by_a_cohort(con):
    fitted = fit_arrivals(con, level="team", code="T1", months=1)
    scaled = fitted.scaled_to("frail patients", 200, 300)
    assert scaled.per_day == pytest.approx(fitted.per_day * 1.5)
    assert scaled.per_1000_a_year == pytest.approx(fitted.per_day * 365.25 / 200 * 1000)
    assert "per 1,000 frail patients" in scaled.describe()
    with pytest.raises(ValueError, match="no patients"):
        fitted.scaled_to("frail patients", 0, None)


def test_simulate_from_history_cli(tmp_path):
    db = tmp_path / "store.duckdb"
    file = connect(db)
    file.close()
    source = _store()
    source.execute(f"ATTACH '{db}' AS f")
    for (table,) in source.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory'"
    ).fetchall():
        source.execute(f"DELETE FROM f.{table}")
        source.execute(f"INSERT INTO f.{table} SELECT * FROM {table}")
    source.close()
    mmc = str(examples_folder() / "mmc.yaml")
    args = ["--db", str(db), "capacity", "simulate", mmc, "-n", "2", "--days", "28",
            "--from-history", "--provider", "r1", "--months", "1"]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["arrivals_fitted"]["teams"] == ["T1"]
    assert payload["arrivals_fitted"]["referrals"] == 4
    table = CliRunner().invoke(app, args)
    assert "arrivals: 4 UCR referrals to provider R1" in table.stdout
    both = CliRunner().invoke(app, [*args, "--team", "T1"])
    assert both.exit_code == 2 and "one of" in both.stderr
    alone = CliRunner().invoke(app, ["capacity", "simulate", mmc, "--team", "T1"])
    assert alone.exit_code == 2 and "--from-history" in alone.stderr


def test_demo_rows(con):
    rows = demo_rows(con, dt.date(2024, 4, 1), "QA")
    team, icb = rows
    assert team["team"] == "T1" and team["responders"] == DEMO_RESPONDERS
    assert icb["team"] == "ICB QA" and icb["responders_for_70%"] == team["responders_for_70%"]
    assert team["ci_low"] <= team["%_within_2_hours"] <= team["ci_high"]

"""`neighbourhood capacity simulate` and `capacity staff`, through Typer's CliRunner, and the
staffing optimiser they call."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neighbourhood.capacity import erlang, examples_folder, optimise, plot, read_scenario
from neighbourhood.cli import app

runner = CliRunner()
MMC = str(examples_folder() / "mmc.yaml")
UCR = str(examples_folder() / "ucr-two-hour.yaml")


def test_simulate_json(tmp_path):
    records = tmp_path / "referrals.csv"
    args = ["capacity", "simulate", MMC, "-n", "4", "--seed", "3", "--days", "30"]
    result = runner.invoke(app, [*args, "--records", str(records), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["engine"] == "fast" and payload["replications"] == 4
    metrics = {m["metric"]: m for m in payload["metrics"]}
    assert metrics["within_target"]["ci_low"] <= metrics["within_target"]["mean"]
    assert 0.7 < metrics["utilisation"]["mean"] < 0.95
    with records.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["replication"] for r in rows} == {"0", "1", "2", "3"}
    measured = sum(r["warm_up"] == "False" for r in rows)
    assert measured == pytest.approx(4 * metrics["referrals"]["mean"])
    again = runner.invoke(app, [*args, "--format", "json"])
    assert json.loads(again.stdout)["metrics"] == payload["metrics"]  # same seed, same answer


def test_simulate_table_says_whether_the_target_is_met():
    result = runner.invoke(app, ["capacity", "simulate", UCR, "-n", "3", "--days", "28"])
    assert result.exit_code == 0, result.output
    assert "within_target_two_hour" in result.stdout
    assert "target 70% of two_hour within 120 minutes: met" in result.stdout


def test_a_bad_file_exits_2_with_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: bad\narrivals: {per_day: 40}\n", encoding="utf-8")
    result = runner.invoke(app, ["capacity", "simulate", str(bad)])
    assert result.exit_code == 2
    assert "line 1: (file): 'teams' is a required property" in result.stderr
    missing = runner.invoke(app, ["capacity", "simulate", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and "no scenario file" in missing.stderr


def test_staff_finds_the_erlang_answer_for_m_m_c(tmp_path):
    png = tmp_path / "curve.png"
    args = ["capacity", "staff", MMC, "-n", "8", "--days", "120", "--format", "json"]
    result = runner.invoke(app, [*args, "--plot", str(png)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    want = erlang.servers_needed(40 / 1440, 1 / 120, 120, 0.7)
    assert payload["fewest_responders"] == {"responders every day 00:00-24:00": want}
    curve = {row["responders every day 00:00-24:00"]: row for row in payload["curve"]}
    assert not curve[want - 1]["meets"] and curve[want]["meets"]
    shares = [curve[n]["within_target"] for n in sorted(curve)]
    assert shares == sorted(shares)  # common random numbers: more staff, never worse
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_optimiser_over_two_roster_slots(tmp_path):
    scenario = read_scenario(UCR).with_days(42, 7)
    plan = optimise(scenario, np.random.default_rng(1), replications=5)
    assert plan.best is not None
    at = {p.responders: p for p in plan.points}
    assert at[plan.best].meets
    for i in range(2):  # one fewer on any slot fails (or was never needed)
        fewer = tuple(n - (j == i) for j, n in enumerate(plan.best))
        if min(fewer) >= 0 and fewer in at:
            assert not at[fewer].meets
    assert plot(plan, tmp_path / "two.png").stat().st_size > 1000


def test_staff_exits_1_when_the_cap_is_too_low():
    result = runner.invoke(app, ["capacity", "staff", MMC, "-n", "3", "--days", "20",
                                 "--max-per-slot", "3"])  # fmt: skip
    assert result.exit_code == 1
    assert "not met by 3" in result.stdout

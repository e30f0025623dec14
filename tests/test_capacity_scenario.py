"""Scenario files, the event loop's rosters and skills, reproducibility and warm-up."""

from __future__ import annotations

import json
import textwrap

import jsonschema
import numpy as np
import pytest

from neighbourhood.capacity import (
    Arrivals,
    Exponential,
    Fixed,
    Priority,
    Scenario,
    ScenarioError,
    Shift,
    Target,
    Team,
    examples_folder,
    read_scenario,
    replicate,
    schema,
    simulate,
)

MINIMAL = """\
title: M/M/c
arrivals:
  per_day: 40
teams:
  - name: responders
    rosters:
      - {days: every day, start: "00:00", end: "24:00", responders: 4}
time_on_site: {exponential: {mean: 120}}
target: {within_minutes: 120, share: 0.7}
"""


def write(tmp_path, text):
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_every_shipped_example_loads():
    jsonschema.Draft202012Validator.check_schema(schema())
    found = sorted(examples_folder().glob("*.yaml"))
    assert [p.name for p in found] == ["mmc.yaml", "ucr-two-hour.yaml"]
    ucr = read_scenario(examples_folder() / "ucr-two-hour.yaml")
    assert ucr.arrivals.per_day == pytest.approx(40)
    assert [s.label for s in ucr.slots] == [
        "ucr every day 08:00-20:00",
        "ucr every day 20:00-08:00",
    ]
    assert ucr.target.priority == "two_hour"


def test_the_simplest_scenario_is_m_m_c(tmp_path):
    s = read_scenario(write(tmp_path, MINIMAL))
    assert s.arrivals.is_constant and s.travel == Fixed(0)
    assert s.time_on_site == Exponential(120) and s.responders() == (4,)
    assert s.teams[0].shifts[0].always_on
    assert s.priority_names == ("all",)


def test_every_problem_is_reported_with_file_line_and_field(tmp_path):
    bad = MINIMAL.replace("per_day: 40", "per_day: -1").replace('"24:00"', '"25:00"')
    bad = bad.replace("share: 0.7}", "share: 0.7, priority: urgent}")
    path = write(tmp_path, bad)
    with pytest.raises(ScenarioError) as caught:
        read_scenario(path)
    lines = str(caught.value).splitlines()
    assert any(f"{path}: line 3: arrivals.per_day:" in x for x in lines), lines
    assert any(f"{path}: line 7: teams.0.rosters.0.end:" in x for x in lines), lines
    assert len(lines) == 2  # cross-checks wait for a file the schema accepts


def test_cross_checks_name_their_field(tmp_path):
    text = MINIMAL + textwrap.dedent("""\
        priorities:
          - {name: urgent, share: 0.5, skill: nursing}
          - {name: urgent, share: 0.4}
        """).replace("target: {within_minutes: 120, share: 0.7}", "")
    text = text.replace(
        "target: {within_minutes: 120, share: 0.7}",
        "target: {within_minutes: 120, share: 0.7, priority: other}",
    )
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        read_scenario(path)
    message = str(caught.value)
    assert "line 12: priorities.1.name: a second priority named 'urgent'" in message
    assert "priorities: the shares add up to 0.9, not 1" in message
    assert "line 11: priorities.0.skill: no team has the skill 'nursing'" in message
    assert "line 9: target.priority: no priority named 'other'" in message


def test_a_duration_that_is_not_one_gets_the_friendly_message(tmp_path):
    path = write(tmp_path, MINIMAL.replace("{exponential: {mean: 120}}", "{weibull: 3}"))
    with pytest.raises(ScenarioError, match=r"line 8: time_on_site: a duration is minutes"):
        read_scenario(path)


def test_arrivals_by_hour_and_weekday_keep_the_daily_mean():
    a = Arrivals.profile(40, by_hour=[0] * 8 + [1] * 12 + [0] * 4, by_weekday=(2, 1, 1, 1, 1, 0, 1))
    assert a.per_day == pytest.approx(40)
    assert a.per_hour[0] == 0 and a.per_hour[5 * 24 + 10] == 0
    assert a.per_hour[10] == pytest.approx(2 * a.per_hour[24 + 10])


def test_overnight_and_weekday_shifts():
    night = Shift(tuple(range(7)), 20 * 60, 8 * 60, 1)
    assert night.length == 12 * 60 and not night.always_on
    assert Shift(tuple(range(7)), 8 * 60, 8 * 60, 1).always_on  # 24 hours from 08:00
    team = Team("t", (Shift((0, 1, 2, 3, 4), 9 * 60, 17 * 60, 2), night))
    cover = team.coverage()
    assert cover[10 * 60] == 2 and cover[7 * 60] == 1 and cover[5 * 1440 + 10 * 60] == 0
    assert cover[6 * 1440 + 23 * 60] == 1 and cover[0] == 1  # Sunday night runs into Monday


def daytime(**changes) -> Scenario:
    base = dict(
        title="daytime",
        arrivals=Arrivals.constant(12),
        teams=(Team("day", (Shift(tuple(range(7)), 8 * 60, 20 * 60, 2),)),),
        time_on_site=Exponential(60),
        target=Target(120, 0.7),
        days=56,
        warm_up_days=7,
    )
    return Scenario(**(base | changes))


def test_no_one_starts_off_duty_and_night_referrals_wait_for_the_morning():
    run = simulate(daytime(), np.random.default_rng(1))
    minute = run.start % 1440
    assert ((minute >= 8 * 60 - 1e-9) & (minute <= 20 * 60 + 1e-9)).all()
    overnight = (run.arrival % 1440) < 6 * 60
    assert (run.start[overnight] % 1440 >= 8 * 60 - 1e-9).all()
    m = run.metrics()
    assert m["within_target"] < 0.7  # half the day unstaffed cannot meet 70% in 2 hours
    assert 0 < m["utilisation"] <= 1.05


def test_skills_route_referrals_to_the_team_that_has_them():
    teams = (
        Team("nurses", (Shift(tuple(range(7)), 0, 1440, 3),), frozenset({"nursing"})),
        Team("therapists", (Shift(tuple(range(7)), 0, 1440, 2),), frozenset({"therapy"})),
    )
    priorities = (Priority("falls", 0.3, "therapy"), Priority("wound", 0.7, "nursing"))
    run = simulate(daytime(teams=teams, priorities=priorities), np.random.default_rng(2))
    assert run.engine == "events"
    assert set(run.team[run.priority == 0]) == {1} and set(run.team[run.priority == 1]) == {0}


def test_higher_priority_waits_less():
    priorities = (Priority("urgent", 0.5), Priority("routine", 0.5))
    busy = daytime(
        teams=(Team("t", (Shift(tuple(range(7)), 0, 1440, 1),)),),
        arrivals=Arrivals.constant(20),
        priorities=priorities,
    )
    m = simulate(busy, np.random.default_rng(4)).metrics()
    assert m["within_target_urgent"] > m["within_target_routine"]


def test_same_generator_same_answer_and_warm_up_is_not_measured():
    a = replicate(daytime(), 3, np.random.default_rng(7), keep=True)
    b = replicate(daytime(), 3, np.random.default_rng(7), keep=True)
    assert a.metrics == b.metrics
    c = replicate(daytime(), 3, np.random.default_rng(8))
    assert a.metrics != c.metrics
    records = list(a.records())
    assert sum(not r["warm_up"] for r in records) == sum(m["referrals"] for m in a.metrics)
    assert all(r["arrival_minute"] < 7 * 1440 for r in records if r["warm_up"])
    assert json.dumps(records[0])  # flat, plain values
    with pytest.raises(TypeError, match="Generator"):
        simulate(daytime(), 7)


def test_nobody_who_can_see_a_priority_is_refused():
    with pytest.raises(ValueError, match="no responder is rostered"):
        simulate(daytime().with_responders((0,)), np.random.default_rng(1))

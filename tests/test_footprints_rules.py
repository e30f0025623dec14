"""Each footprint rule on the hand-checked universe (drawn in test_footprints_universe.py).

For every rule the universe holds organisations that trigger it and organisations that do not;
the expected sets below are read off the drawing, not computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from neighbourhood.footprints import REGISTRY, check, load_rule_definitions
from neighbourhood.footprints.rules import RuleDefinition
from test_footprints_universe import AS_OF, universe  # noqa: F401  (fixture)

# rule id -> (organisations it must flag on 2024-06-30, organisations it must not flag)
EXPECTED = {
    "pcn_list_size": ({"U2", "U6"}, {"U1", "U3", "U7"}),
    "practice_in_no_pcn": ({"N1"}, {"A1", "M1", "T1", "X1", "P9"}),
    "practice_in_two_pcns": ({"T1"}, {"A1", "M1"}),
    "pcn_member_in_other_sub_icb": ({"U3"}, {"U1", "U2", "U5"}),
    "closed_practice_still_member": ({"D1"}, {"W1", "X1"}),
    "pcn_without_open_member": ({"U4"}, {"U1", "U5", "U8"}),
    "practice_without_list_size": ({"E1"}, {"A1", "E2", "D1"}),
}


def flagged(result, rule_id):
    return {f.org_code for f in result.findings if f.rule_id == rule_id}


def test_every_rule_in_the_yaml_has_a_function_and_a_cited_source():
    definitions = load_rule_definitions()
    assert [d.id for d in definitions] == list(EXPECTED)
    assert set(REGISTRY) == set(EXPECTED)
    for d in definitions:
        assert d.source_url.startswith("https://") and d.source_says and d.title
    assert {d.id: d.severity for d in definitions}["pcn_list_size"] == "soft"


@pytest.mark.parametrize("rule_id", list(EXPECTED))
def test_rule_flags_what_triggers_it_and_nothing_else(universe, rule_id):  # noqa: F811
    result = check(universe, AS_OF)
    triggers, clean = EXPECTED[rule_id]
    assert flagged(result, rule_id) == triggers
    assert not flagged(result, rule_id) & clean


def test_size_rule_names_the_figures_and_says_what_it_could_not_assess(universe):  # noqa: F811
    result = check(universe, AS_OF)
    (u2,) = [f for f in result.findings if f.rule_id == "pcn_list_size" and f.org_code == "U2"]
    assert "66000 registered patients" in u2.detail and "2024-01-01" in u2.detail
    not_assessed = {(n.rule_id, n.org_code): n.reason for n in result.not_assessed}
    assert set(not_assessed) == {("pcn_list_size", "U4"), ("pcn_list_size", "U5")}
    assert "E1 have no list size on or before 2024-06-30" in not_assessed["pcn_list_size", "U5"]


def test_two_pcns_starts_on_the_first_day_of_the_overlap(universe):  # noqa: F811
    before = check(universe, dt.date(2024, 5, 31))
    first_day = check(universe, dt.date(2024, 6, 1))
    assert flagged(before, "practice_in_two_pcns") == set()
    assert flagged(first_day, "practice_in_two_pcns") == {"T1"}


def test_a_practice_closing_on_its_last_membership_day_is_not_flagged(universe):  # noqa: F811
    # W1 closed 2024-03-31 and its U3 membership ended the same day.
    for day in (dt.date(2024, 3, 31), dt.date(2024, 4, 1)):
        assert "W1" not in flagged(check(universe, day), "closed_practice_still_member")
    # D1 closed the same day but its membership never ended: flagged from the next day.
    assert "D1" not in flagged(
        check(universe, dt.date(2024, 3, 31)), "closed_practice_still_member"
    )
    assert "D1" in flagged(check(universe, dt.date(2024, 4, 1)), "closed_practice_still_member")


def test_missing_sub_icb_is_reported_as_not_assessed(universe):  # noqa: F811
    universe.execute(
        "UPDATE org_memberships SET valid_to = DATE '2020-12-31' "
        "WHERE child_code = 'C1' AND relationship = 'practice_in_sub_icb'"
    )
    result = check(universe, AS_OF)
    assert flagged(result, "pcn_member_in_other_sub_icb") == set()
    assert ("pcn_member_in_other_sub_icb", "C1") in {
        (n.rule_id, n.org_code) for n in result.not_assessed
    }


def test_icb_filter_keeps_only_that_icb(universe):  # noqa: F811
    result = check(universe, AS_OF, icb="Q2")
    assert {(f.rule_id, f.org_code) for f in result.findings} == {("pcn_list_size", "U6")}
    with pytest.raises(ValueError, match="no ICB 'QX'"):
        check(universe, AS_OF, icb="QX")


def test_flags_by_pcn_lists_every_rule_bearing_on_it(universe):  # noqa: F811
    flags = check(universe, AS_OF).flags_by_pcn()
    assert flags["U4"] == "closed_practice_still_member;pcn_without_open_member"
    assert flags["U2"] == "pcn_list_size;practice_in_two_pcns"
    assert "U1" not in flags


def test_a_bad_rules_file_reports_every_problem(tmp_path: Path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n"
        "  - {id: nonsense_rule, title: t, severity: soft, checks: c,\n"
        "     source: {title: s, url: 'https://x', says: y, wording_checked: false}}\n"
        "  - {id: pcn_list_size, title: t, severity: medium, checks: c,\n"
        "     source: {title: s, url: 'https://x', says: y, wording_checked: false}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as error:
        load_rule_definitions(bad)
    assert "nonsense_rule: no function" in str(error.value)
    assert "severity 'medium'" in str(error.value)


def test_definitions_are_validated_when_built():
    with pytest.raises(ValueError, match="https"):
        RuleDefinition("x", "t", "soft", "c", "s", "http://plain", "y", False)

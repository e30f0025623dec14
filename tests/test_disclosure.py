"""Small-number suppression on hand-built indicator records: primary suppression (1 to
threshold - 1, zero kept), the fields worked out from a hidden count, the within-record sum,
and secondary suppression across a PCN's practices."""

from __future__ import annotations

import pytest

from neighbourhood.disclosure import (
    SUPPRESSED,
    suppress,
    suppress_for_publication,
    suppress_siblings,
)


def record(practice, numerator, denominator, *, declined=0, unsuitable=0, pcn="U1"):
    achievement = numerator / denominator if denominator else None
    return {
        "year": "2024-25",
        "indicator": "CAN-04",
        "level": "practice" if practice else "pcn",
        "pcn_code": pcn,
        "practice_code": practice,
        "eligible": denominator + declined + unsuitable,
        "declined": declined,
        "unsuitable": unsuitable,
        "denominator": denominator,
        "numerator": numerator,
        "achievement": achievement,
        "list_size": 10_000,
        "prevalence": denominator / 10_000,
        "points": 1.0,
        "pounds": "10.00",
    }


@pytest.mark.parametrize(
    ("numerator", "hidden"),
    [(0, False), (1, True), (4, True), (5, False), (6, False)],
)
def test_counts_from_1_to_4_are_hidden_and_zero_and_5_are_shown(numerator, hidden):
    (found,) = suppress([record("A1", numerator, 40)], ["numerator"])
    assert (found["numerator"] is None) is hidden
    if hidden:
        assert found[SUPPRESSED] == ["numerator", "achievement", "points", "pounds"]
        assert found["achievement"] is None and found["points"] is None
        assert found["denominator"] == 40 and found["prevalence"] == 40 / 10_000
    else:
        assert found["numerator"] == numerator and found[SUPPRESSED] == []


def test_the_threshold_is_configurable_and_at_least_1():
    one = record("A1", 7, 40)
    assert suppress([one], ["numerator"], threshold=8)[0]["numerator"] is None
    assert suppress([one], ["numerator"], threshold=7)[0]["numerator"] == 7
    assert suppress([one], ["numerator"], threshold=1)[0][SUPPRESSED] == []  # nothing hidden
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="threshold is a whole number"):
            suppress([one], ["numerator"], threshold=bad)


def test_a_hidden_denominator_hides_achievement_prevalence_points_and_pounds():
    (found,) = suppress([record("A1", 2, 3)], ["numerator", "denominator"])
    assert [found[k] for k in ("numerator", "denominator", "achievement", "prevalence")] == [
        None
    ] * 4
    assert found["points"] is None and found["pounds"] is None
    assert set(found[SUPPRESSED]) == {
        "numerator", "denominator", "achievement", "prevalence", "points", "pounds",
        "declined",  # eligible 3 (shown: not a count named here) = 3 + declined 0 + unsuitable 0
    }  # fmt: skip
    assert found["list_size"] == 10_000


def test_dependent_fields_can_be_given_as_one_name_or_several():
    rows = [{"n": 2, "d": 50, "rate": 0.04, "other": 1.5}]
    (found,) = suppress(rows, ["n"], dependent={"rate": "n", "other": ["d"]})
    assert found == {"n": None, "d": 50, "rate": None, "other": 1.5, SUPPRESSED: ["n", "rate"]}


def test_the_input_records_are_not_changed_and_none_is_dropped():
    rows = [record("A1", 3, 40), record("A2", 30, 40)]
    found = suppress(rows, ["numerator"])
    assert len(found) == 2 and rows[0]["numerator"] == 3 and SUPPRESSED not in rows[0]


def test_a_count_that_is_not_a_count_is_refused():
    with pytest.raises(ValueError, match="numerator is not a count"):
        suppress([{"numerator": -1}], ["numerator"])
    with pytest.raises(ValueError, match="numerator is not a count"):
        suppress([{"numerator": "3"}], ["numerator"])


def test_within_a_record_eligible_minus_the_shown_parts_would_give_a_hidden_part_back():
    """eligible 50 = denominator 40 + declined 2 + unsuitable 8: declined hidden alone would
    be 50 - 40 - 8; so the smallest other part above 0, unsuitable (8), is hidden too."""
    (found,) = suppress([record("A1", 30, 40, declined=2, unsuitable=8)], ["declined"])
    assert found["declined"] is None and found["unsuitable"] is None
    assert found["denominator"] == 40 and found["eligible"] == 50
    assert found[SUPPRESSED] == ["declined", "unsuitable"]


def test_within_a_record_the_smallest_other_part_may_be_a_zero():
    (found,) = suppress([record("A1", 30, 40, declined=2, unsuitable=0)], ["declined"])
    # 42 - 40 = declined + unsuitable = 2: which of the two is 0 cannot be told
    assert found["declined"] is None and found["unsuitable"] is None
    assert found["denominator"] == 40 and found["eligible"] == 42


PCN = [
    record(None, 63, 100),  # the PCN: the sum of its practices
    record("A1", 3, 20),
    record("A2", 20, 30),
    record("A3", 40, 50),
]


def test_a_pcn_total_and_all_but_one_practice_would_reveal_the_hidden_practice():
    first = suppress(PCN, ["numerator"])
    assert [r["numerator"] for r in first] == [63, None, 20, 40]  # 63 - 20 - 40 = 3
    found = suppress_siblings(first, ("year", "indicator", "pcn_code"), "numerator")
    assert [r["numerator"] for r in found] == [63, None, None, 40]  # A2 (20) is the smallest
    assert found[2][SUPPRESSED] == ["numerator", "achievement", "points", "pounds"]
    assert found[3][SUPPRESSED] == [] and found[0][SUPPRESSED] == []


def test_two_hidden_practices_need_no_more():
    rows = [record(None, 45, 100), record("A1", 3, 20), record("A2", 2, 30), record("A3", 40, 50)]
    found = suppress_siblings(suppress(rows, ["numerator"]), ("pcn_code",), "numerator")
    assert [r["numerator"] for r in found] == [45, None, None, 40]


def test_a_hidden_pcn_total_reveals_nothing_through_its_practices():
    rows = [record(None, 3, 100), record("A1", 3, 50), record("A2", 0, 50)]
    found = suppress_siblings(suppress(rows, ["numerator"]), ("pcn_code",), "numerator")
    assert [r["numerator"] for r in found] == [None, None, 0]


def test_siblings_are_grouped_by_pcn_and_a_zero_can_be_the_smallest():
    rows = [
        record(None, 53, 100, pcn="U1"), record("A1", 3, 20, pcn="U1"),
        record("A2", 0, 30, pcn="U1"), record("A3", 50, 50, pcn="U1"),
        record(None, 60, 90, pcn="U2"), record("B1", 60, 90, pcn="U2"),
    ]  # fmt: skip
    found = suppress_siblings(suppress(rows, ["numerator"]), ("pcn_code",), "numerator")
    # U1: 53 - 50 = A1 + A2 = 3, which of them is 0 cannot be told; U2 untouched
    assert [r["numerator"] for r in found] == [53, None, None, 50, 60, 60]


def test_two_totals_in_one_group_is_an_error():
    with pytest.raises(ValueError, match="2 totals in one group"):
        suppress_siblings([record(None, 3, 9), record(None, 4, 9)], ("indicator",), "numerator")


def assert_nothing_comes_back_by_subtraction(records):
    """No shown total minus its shown parts gives back a single hidden part: neither within
    a record (eligible) nor across a PCN's practices (each count)."""
    for r in records:
        parts = [r[p] for p in ("denominator", "declined", "unsuitable")]
        assert r["eligible"] is None or parts.count(None) != 1, r
    for field in ("eligible", "declined", "unsuitable", "denominator", "numerator"):
        total = next(r for r in records if r["practice_code"] is None)
        parts = [r[field] for r in records if r["practice_code"] is not None]
        assert total[field] is None or parts.count(None) != 1, field


def test_for_publication_hides_until_nothing_comes_back_by_subtraction():
    rows = [
        record(None, 60, 100, unsuitable=10),  # eligible 110
        record("A1", 2, 4, unsuitable=5),  # eligible 9
        record("A2", 18, 36, unsuitable=5),  # eligible 41
        record("A3", 40, 60),  # eligible 60
    ]
    assert_nothing_comes_back_by_subtraction(rows)  # nothing hidden yet: trivially
    found = suppress_for_publication(rows)
    a1, a2, a3 = found[1:]
    # A1: 2 and 4 hidden; eligible 9 = 4 + 0 + 5 would give the denominator: declined (0) goes
    assert [a1[k] for k in ("numerator", "denominator", "declined", "unsuitable", "eligible")] \
        == [None, None, None, 5, 9]  # fmt: skip
    # A2, the smallest sibling: its declined (0) for A1's; then eligible 41 would give it
    # back, so unsuitable (5, smaller than 36); its denominator and numerator for A1's
    assert [a2[k] for k in ("numerator", "denominator", "declined", "unsuitable", "eligible")] \
        == [None, None, None, None, 41]  # fmt: skip
    # A3: unsuitable (0, the smallest) for A2's; then its declined (0) within the record
    assert [a3[k] for k in ("numerator", "denominator", "declined", "unsuitable", "eligible")] \
        == [40, 60, None, None, 60]  # fmt: skip
    assert found[0][SUPPRESSED] == []
    assert_nothing_comes_back_by_subtraction(found)
    assert a2["achievement"] is None and a3["achievement"] == 40 / 60

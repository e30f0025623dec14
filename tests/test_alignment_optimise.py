"""The care home MILP on cases solved by hand: homes and PCNs on a straight line (km).

    PCN A                                                PCN B
      0----1----2----3----4----5----6----7----8----9----10   km
           h1   h2   h3                           h4

Each home has 10 beds; A and B have 1,000 patients aged 65+ each, so the ICB ratio is 40
beds / 2,000 = 20 beds per 1,000 and each PCN's band at ±25% is 15 to 25 beds (two homes).
"""

from __future__ import annotations

import pytest

from neighbourhood.alignment import AlignmentProblem, nearest_assignment, solve_alignment


def on_a_line(homes, pcns):
    return tuple(tuple(float(abs(h - p)) for p in pcns) for h in homes)


def problem(positions, beds, tolerance=0.25, nearest=8):
    codes = tuple(f"h{i + 1}" for i in range(len(positions)))
    return AlignmentProblem(
        codes,
        tuple(beds),
        ("A", "B"),
        (1000.0, 1000.0),
        on_a_line(positions, (0, 10)),
        tolerance=tolerance,
        nearest=nearest,
    )


def test_balanced_homes_go_to_their_nearest_pcn():
    """h at 1, 2, 8, 9: nearest gives A {h1, h2} and B {h3, h4}, 20 beds each (in band);
    total distance 1 + 2 + 2 + 1 = 6 km, which no other assignment beats."""
    solution = solve_alignment(problem((1, 2, 8, 9), (10, 10, 10, 10)))
    assert solution.assignment == {"h1": "A", "h2": "A", "h3": "B", "h4": "B"}
    assert solution.objective == pytest.approx(6.0)
    assert solution.status == "optimal" and solution.mip_gap == pytest.approx(0.0)
    assert solution.beds_outside_band == 0 and solution.balanced


def test_balance_changes_the_answer():
    """h at 1, 2, 3, 9. Nearest: A {h1, h2, h3} (30 beds > 25), B {h4}: 7 km, out of band.
    Balanced: B must take one of h1..h3 as well; moving h_i costs (10 - x) - x = 10 - 2x,
    least for h3 (+4): A {h1, h2}, B {h3, h4}, 1 + 2 + 7 + 1 = 11 km."""
    case = problem((1, 2, 3, 9), (10, 10, 10, 10))
    greedy = nearest_assignment(case)
    assert greedy.assignment == {"h1": "A", "h2": "A", "h3": "A", "h4": "B"}
    assert greedy.distance_km == pytest.approx(7.0) and greedy.beds_outside_band == 10
    solution = solve_alignment(case)
    assert solution.assignment == {"h1": "A", "h2": "A", "h3": "B", "h4": "B"}
    assert solution.objective == pytest.approx(11.0)
    assert solution.status == "optimal" and solution.mip_gap == pytest.approx(0.0)
    assert solution.achieved_tolerance == pytest.approx(0.0)


def test_an_impossible_band_is_reported_not_an_error():
    """h1 (30 beds) at 1 and h2 (10 beds) at 9: each PCN should hold 15-25 beds. Any
    assignment leaves 10 beds outside the band (30/10: 5 over + 5 under; 40/0: 15 + 15), so
    the nearest one (2 km) is optimal, with achieved tolerance 30/20 - 1 = 0.5."""
    solution = solve_alignment(problem((1, 9), (30, 10)))
    assert solution.assignment == {"h1": "A", "h2": "B"}
    assert solution.distance_km == pytest.approx(2.0)
    assert solution.beds_outside_band == pytest.approx(10.0)
    assert solution.achieved_tolerance == pytest.approx(0.5)
    assert not solution.balanced and solution.status == "optimal"
    assert [b.within_tolerance for b in solution.balance] == [False, False]


def test_only_the_nearest_pcns_are_candidates():
    """With one candidate per home the balance cannot move h3: it stays with A."""
    solution = solve_alignment(problem((1, 2, 3, 9), (10, 10, 10, 10), nearest=1))
    assert solution.assignment["h3"] == "A" and solution.beds_outside_band == 10
    assert solution.nearest == 1


def test_a_problem_is_checked_when_built():
    with pytest.raises(ValueError, match="tolerance"):
        problem((1,), (10,), tolerance=1.5)
    with pytest.raises(ValueError, match="x 2"):
        AlignmentProblem(("h1",), (1.0,), ("A", "B"), (1.0, 1.0), ((1.0,),))
    with pytest.raises(ValueError, match="65"):
        AlignmentProblem(("h1",), (1.0,), ("A",), (0.0,), ((1.0,),))

"""Assign every care home to exactly one PCN: a mixed-integer programme solved by HiGHS.

    minimise    sum_{h,p in C(h)} d[h,p] x[h,p]  +  W * sum_p (over[p] + under[p])
    subject to  sum_{p in C(h)} x[h,p] = 1                                  for every home h
                sum_h beds[h] x[h,p] - over[p]  <= (1 + t) * r * P65[p]     for every PCN p
                sum_h beds[h] x[h,p] + under[p] >= (1 - t) * r * P65[p]     for every PCN p
                x binary, over >= 0, under >= 0

d[h,p] is the distance in km from home h to PCN p (unweighted by beds: the weekly home round
is one trip per home), C(h) the `nearest` PCNs closest to h, r = total beds / total patients
aged 65+ (the ICB-wide ratio), t the tolerance. `over` and `under` (beds outside the band)
make the model always feasible; W = 1 + the sum over homes of their largest candidate
distance, so one bed less outside the band is worth more than any change in travel.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

DEFAULT_TOLERANCE = 0.25
DEFAULT_NEAREST = 8
STATUS = {0: "optimal", 1: "time or iteration limit", 2: "infeasible", 3: "unbounded", 4: "other"}


@dataclass(frozen=True)
class AlignmentProblem:
    """Homes (beds), PCNs (patients aged 65+) and the home x PCN distance matrix in km."""

    home_codes: tuple[str, ...]
    beds: tuple[float, ...]
    pcn_codes: tuple[str, ...]
    patients_65_plus: tuple[float, ...]
    distance_km: tuple[tuple[float, ...], ...]
    tolerance: float = DEFAULT_TOLERANCE
    nearest: int = DEFAULT_NEAREST

    def __post_init__(self) -> None:
        homes, pcns = len(self.home_codes), len(self.pcn_codes)
        if len(self.beds) != homes or len(self.patients_65_plus) != pcns:
            raise ValueError("one bed count per home and one 65+ count per PCN are needed")
        if len(self.distance_km) != homes or any(len(r) != pcns for r in self.distance_km):
            raise ValueError(f"distance_km must be {homes} x {pcns}")
        if homes == 0 or pcns == 0:
            raise ValueError("at least one home and one PCN are needed")
        if not 0 <= self.tolerance < 1:
            raise ValueError(f"tolerance must be in [0, 1), not {self.tolerance}")
        if self.nearest < 1:
            raise ValueError("nearest must be at least 1")
        if min(self.beds) < 0 or min(self.patients_65_plus) < 0:
            raise ValueError("beds and patients aged 65+ cannot be negative")
        if sum(self.patients_65_plus) <= 0:
            raise ValueError("no patients aged 65+ in any PCN: beds per patient is undefined")
        if not np.isfinite(np.asarray(self.distance_km, dtype=float)).all():
            raise ValueError("every distance must be a finite number of km")

    @property
    def ratio(self) -> float:
        """ICB-wide beds per patient aged 65+."""
        return sum(self.beds) / sum(self.patients_65_plus)

    def band(self) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest beds each PCN may hold within the tolerance."""
        expected = self.ratio * np.asarray(self.patients_65_plus, dtype=float)
        return (1 - self.tolerance) * expected, (1 + self.tolerance) * expected

    def candidates(self) -> np.ndarray:
        """Boolean homes x PCNs: the `nearest` closest PCNs of each home (ties by PCN order)."""
        distance = np.asarray(self.distance_km, dtype=float)
        keep = min(self.nearest, distance.shape[1])
        order = np.argsort(distance, axis=1, kind="stable")[:, :keep]
        mask = np.zeros(distance.shape, dtype=bool)
        np.put_along_axis(mask, order, True, axis=1)
        return mask


@dataclass(frozen=True)
class PcnBalance:
    pcn_code: str
    homes: int
    beds: float
    patients_65_plus: float
    beds_per_1000_65_plus: float | None
    ratio_to_icb: float | None
    within_tolerance: bool


@dataclass(frozen=True)
class AlignmentSolution:
    """An assignment (home -> PCN) with its cost, balance and how the solver ended."""

    method: str
    assignment: Mapping[str, str]
    status: str
    message: str
    objective: float
    distance_km: float
    beds_outside_band: float
    mip_gap: float | None
    dual_bound: float | None
    solve_seconds: float
    variables: int
    tolerance: float
    nearest: int | None
    penalty_per_bed: float | None
    icb_beds_per_1000_65_plus: float
    achieved_tolerance: float
    balance: tuple[PcnBalance, ...]

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def balanced(self) -> bool:
        return all(b.within_tolerance for b in self.balance)

    def summary(self) -> dict[str, object]:
        return {
            name: getattr(self, name)
            for name in (
                "method",
                "status",
                "objective",
                "distance_km",
                "beds_outside_band",
                "mip_gap",
                "dual_bound",
                "solve_seconds",
                "variables",
                "tolerance",
                "achieved_tolerance",
                "nearest",
                "penalty_per_bed",
                "icb_beds_per_1000_65_plus",
                "message",
            )
        } | {"homes": len(self.assignment), "balanced": self.balanced}


def evaluate(
    problem: AlignmentProblem, assignment: Mapping[str, str]
) -> tuple[float, float, float, tuple[PcnBalance, ...]]:
    """Distance (km), beds outside the band, achieved tolerance and per-PCN balance."""
    home_index = {code: i for i, code in enumerate(problem.home_codes)}
    pcn_index = {code: j for j, code in enumerate(problem.pcn_codes)}
    beds = np.zeros(len(pcn_index))
    homes = np.zeros(len(pcn_index), dtype=int)
    distance = 0.0
    for home, pcn in assignment.items():
        i, j = home_index[home], pcn_index[pcn]
        beds[j] += problem.beds[i]
        homes[j] += 1
        distance += problem.distance_km[i][j]
    low, high = problem.band()
    outside = float(np.maximum(beds - high, 0).sum() + np.maximum(low - beds, 0).sum())
    rows, worst = [], 0.0
    for j, code in enumerate(problem.pcn_codes):
        people = problem.patients_65_plus[j]
        per_1000 = 1000 * beds[j] / people if people else None
        to_icb = beds[j] / (problem.ratio * people) if people else None
        if to_icb is not None:
            worst = max(worst, abs(to_icb - 1))
        inside = bool(low[j] - 1e-9 <= beds[j] <= high[j] + 1e-9)
        rows.append(
            PcnBalance(code, int(homes[j]), float(beds[j]), people, per_1000, to_icb, inside)
        )
    return distance, outside, float(worst), tuple(rows)


def solve_alignment(
    problem: AlignmentProblem, *, time_limit: float = 60.0, mip_rel_gap: float = 1e-6
) -> AlignmentSolution:
    """The MILP of the module docstring, solved by scipy.optimize.milp (HiGHS)."""
    distance = np.asarray(problem.distance_km, dtype=float)
    mask = problem.candidates()
    homes_of, pcns_of = np.nonzero(mask)
    n_x, n_p, n_h = homes_of.size, len(problem.pcn_codes), len(problem.home_codes)
    penalty = 1.0 + float(np.where(mask, distance, 0).max(axis=1).sum())
    cost = np.concatenate([distance[homes_of, pcns_of], np.full(2 * n_p, penalty)])
    beds = np.asarray(problem.beds, dtype=float)[homes_of]
    low, high = problem.band()
    one_each = csr_array((np.ones(n_x), (homes_of, np.arange(n_x))), shape=(n_h, n_x + 2 * n_p))
    rows = np.concatenate([pcns_of, np.arange(n_p)])
    over = csr_array(
        (
            np.concatenate([beds, -np.ones(n_p)]),
            (rows, np.concatenate([np.arange(n_x), n_x + np.arange(n_p)])),
        ),
        shape=(n_p, n_x + 2 * n_p),
    )
    under = csr_array(
        (
            np.concatenate([beds, np.ones(n_p)]),
            (rows, np.concatenate([np.arange(n_x), n_x + n_p + np.arange(n_p)])),
        ),
        shape=(n_p, n_x + 2 * n_p),
    )
    constraints = [
        LinearConstraint(one_each, 1, 1),
        LinearConstraint(over, -np.inf, high),
        LinearConstraint(under, low, np.inf),
    ]
    integrality = np.concatenate([np.ones(n_x), np.zeros(2 * n_p)])
    upper = np.concatenate([np.ones(n_x), np.full(2 * n_p, np.inf)])
    started = time.perf_counter()
    result = milp(
        cost,
        integrality=integrality,
        bounds=Bounds(np.zeros(n_x + 2 * n_p), upper),
        constraints=constraints,
        options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap},
    )
    seconds = time.perf_counter() - started
    if result.x is None:
        raise RuntimeError(f"the solver found no assignment: {result.message}")
    chosen = np.nonzero(result.x[:n_x] > 0.5)[0]
    assignment = {problem.home_codes[homes_of[k]]: problem.pcn_codes[pcns_of[k]] for k in chosen}
    km, outside, worst, balance = evaluate(problem, assignment)
    return AlignmentSolution(
        method=f"MILP (HiGHS), {min(problem.nearest, n_p)} nearest PCNs per home",
        assignment=assignment,
        status=STATUS.get(result.status, "other"),
        message=result.message,
        objective=float(result.fun),
        distance_km=km,
        beds_outside_band=outside,
        mip_gap=None if result.mip_gap is None else float(result.mip_gap),
        dual_bound=None if result.mip_dual_bound is None else float(result.mip_dual_bound),
        solve_seconds=seconds,
        variables=n_x + 2 * n_p,
        tolerance=problem.tolerance,
        nearest=min(problem.nearest, n_p),
        penalty_per_bed=penalty,
        icb_beds_per_1000_65_plus=1000 * problem.ratio,
        achieved_tolerance=worst,
        balance=balance,
    )


def nearest_assignment(problem: AlignmentProblem) -> AlignmentSolution:
    """Baseline: each home to its nearest PCN, balance ignored (no solver, no gap)."""
    started = time.perf_counter()
    nearest = np.argmin(np.asarray(problem.distance_km, dtype=float), axis=1)
    assignment = {h: problem.pcn_codes[j] for h, j in zip(problem.home_codes, nearest, strict=True)}
    seconds = time.perf_counter() - started
    km, outside, worst, balance = evaluate(problem, assignment)
    return AlignmentSolution(
        method="greedy nearest PCN",
        assignment=assignment,
        status="heuristic",
        message="each home to its nearest PCN; balance not considered",
        objective=km,
        distance_km=km,
        beds_outside_band=outside,
        mip_gap=None,
        dual_bound=None,
        solve_seconds=seconds,
        variables=0,
        tolerance=problem.tolerance,
        nearest=None,
        penalty_per_bed=None,
        icb_beds_per_1000_65_plus=1000 * problem.ratio,
        achieved_tolerance=worst,
        balance=balance,
    )

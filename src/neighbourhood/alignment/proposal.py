"""Propose a care home alignment for one ICB: build the problem from the store and solve it.

Homes: the open care homes in scope on the date (care_homes.homes_in_scope), located by their
own coordinates or their postcode; PCNs: the open PCNs in scope with at least one located open
member practice. Distance home -> PCN = haversine km to the PCN's nearest located member
practice. Balance uses each PCN's patients aged 65+ (population.py). Homes or PCNs that cannot
be located are left out and listed, never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from neighbourhood.alignment.care_homes import EHCH_SOURCE, homes_in_scope, scope_pcns
from neighbourhood.alignment.geography import (
    APPROXIMATE,
    haversine_km,
    locate_care_homes,
    locate_practices,
)
from neighbourhood.alignment.optimise import (
    DEFAULT_NEAREST,
    DEFAULT_TOLERANCE,
    AlignmentProblem,
    AlignmentSolution,
    solve_alignment,
)
from neighbourhood.alignment.population import patients_65_plus_by_pcn
from neighbourhood.footprints.snapshot import Snapshot

Row = dict[str, Any]


@dataclass(frozen=True)
class CareHomeProposal:
    as_of: dt.date
    icb: str | None
    problem: AlignmentProblem
    solution: AlignmentSolution
    homes: tuple[Row, ...]
    practice_locations: tuple[Row, ...]
    left_out: tuple[Row, ...]
    population_source: str
    source: str = EHCH_SOURCE

    @property
    def approximate_locations(self) -> int:
        return sum(1 for p in self.practice_locations if p["level"] in APPROXIMATE)

    def summary(self) -> Row:
        return {
            "as_of": self.as_of.isoformat(),
            "icb": self.icb,
            **self.solution.summary(),
            "homes_changing_pcn": sum(1 for h in self.homes if h["changed"]),
            "practices_placed_approximately": self.approximate_locations,
            "population_source": self.population_source,
            "source": self.source,
        }

    def balance_rows(self) -> list[Row]:
        return [
            {
                "pcn_code": b.pcn_code,
                "homes": b.homes,
                "beds": b.beds,
                "patients_65_plus": b.patients_65_plus,
                "beds_per_1000_65_plus": _round(b.beds_per_1000_65_plus),
                "ratio_to_icb": _round(b.ratio_to_icb),
                "within_tolerance": b.within_tolerance,
            }
            for b in self.solution.balance
        ]

    def to_dict(self) -> Row:
        return {
            "summary": self.summary(),
            "pcns": self.balance_rows(),
            "homes": list(self.homes),
            "practice_locations": list(self.practice_locations),
            "left_out": list(self.left_out),
        }


def build_problem(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    icb: str | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    nearest: int = DEFAULT_NEAREST,
) -> tuple[AlignmentProblem, list[Row], list[Row], list[Row], str]:
    """The problem, the homes in it, practice location rows, what was left out, 65+ source."""
    snap = Snapshot(con, as_of, icb)
    _one_icb(snap)
    pcns = scope_pcns(snap)
    homes = homes_in_scope(con, snap, pcns)
    over_65, population_source = patients_65_plus_by_pcn(snap)
    practices = sorted({code for p in pcns for code in (p["practices"] or [])})
    places = locate_practices(con, practices)
    spots = locate_care_homes(con, [h["home_code"] for h in homes])
    left_out: list[Row] = []
    for home in homes:
        if spots[home["home_code"]].latitude is None:
            left_out.append(
                {
                    "kind": "care_home",
                    "code": home["home_code"],
                    "reason": f"no coordinates and postcode {home['postcode']!r} not placed",
                }
            )
    homes = [h for h in homes if spots[h["home_code"]].latitude is not None]
    columns: list[tuple[str, list[str]]] = []
    for pcn in pcns:
        located = [c for c in (pcn["practices"] or []) if places[c].latitude is not None]
        if located:
            columns.append((pcn["pcn_code"], located))
        else:
            left_out.append(
                {
                    "kind": "pcn",
                    "code": pcn["pcn_code"],
                    "reason": "no open member practice could be located",
                }
            )
    home_lat = np.array([[spots[h["home_code"]].latitude] for h in homes])
    home_lon = np.array([[spots[h["home_code"]].longitude] for h in homes])
    distance = (
        np.column_stack(
            [
                haversine_km(
                    home_lat,
                    home_lon,
                    np.array([places[c].latitude for c in codes]),
                    np.array([places[c].longitude for c in codes]),
                ).min(axis=1)
                for _, codes in columns
            ]
        )
        if homes and columns
        else np.zeros((len(homes), len(columns)))
    )
    problem = AlignmentProblem(
        home_codes=tuple(h["home_code"] for h in homes),
        beds=tuple(float(h["beds"] or 0) for h in homes),
        pcn_codes=tuple(code for code, _ in columns),
        patients_65_plus=tuple(float(over_65.get(code, 0)) for code, _ in columns),
        distance_km=tuple(tuple(float(v) for v in row) for row in distance),
        tolerance=tolerance,
        nearest=nearest,
    )
    location_rows = [
        {
            "practice_code": c,
            "latitude": _round(places[c].latitude, 5),
            "longitude": _round(places[c].longitude, 5),
            "level": places[c].level,
            "approximate": places[c].approximate,
        }
        for c in practices
    ]
    return problem, homes, location_rows, left_out, population_source


def propose_care_homes(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    icb: str | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    nearest: int = DEFAULT_NEAREST,
    time_limit: float = 60.0,
) -> CareHomeProposal:
    """Every home in scope assigned to exactly one PCN: shortest travel within the balance."""
    problem, homes, locations, left_out, population_source = build_problem(
        con, as_of, icb, tolerance=tolerance, nearest=nearest
    )
    solution = solve_alignment(problem, time_limit=time_limit)
    index = {code: j for j, code in enumerate(problem.pcn_codes)}
    rows = []
    for i, home in enumerate(homes):
        proposed = solution.assignment[home["home_code"]]
        current = ";".join(home["pcn_codes"])
        rows.append(
            {
                "home_code": home["home_code"],
                "home_name": home["home_name"],
                "beds": home["beds"],
                "current_pcn": current,
                "proposed_pcn": proposed,
                "distance_km": round(problem.distance_km[i][index[proposed]], 3),
                "changed": current != proposed,
            }
        )
    return CareHomeProposal(
        as_of,
        icb,
        problem,
        solution,
        tuple(rows),
        tuple(locations),
        tuple(left_out),
        population_source,
    )


def _one_icb(snap: Snapshot) -> None:
    if snap.icb is not None:
        return
    icbs = snap.rows("SELECT DISTINCT icb_code FROM sub_icb_icb ORDER BY 1")
    if len(icbs) > 1:
        codes = ", ".join(r["icb_code"] for r in icbs[:5])
        raise ValueError(f"the store holds {len(icbs)} ICBs ({codes}, ...): choose one with icb")


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)

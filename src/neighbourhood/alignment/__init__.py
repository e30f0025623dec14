"""Alignment: care homes to PCNs (EHCH) and community teams to PCN footprints."""

from neighbourhood.alignment.care_homes import EHCH_SOURCE, CurrentAlignment, current_alignment
from neighbourhood.alignment.geography import Location, haversine_km, place_by_postcode
from neighbourhood.alignment.optimise import (
    AlignmentProblem,
    AlignmentSolution,
    nearest_assignment,
    solve_alignment,
)
from neighbourhood.alignment.proposal import CareHomeProposal, build_problem, propose_care_homes
from neighbourhood.alignment.teams import TeamAlignment, team_alignment

__all__ = [
    "EHCH_SOURCE",
    "AlignmentProblem",
    "AlignmentSolution",
    "CareHomeProposal",
    "CurrentAlignment",
    "Location",
    "TeamAlignment",
    "build_problem",
    "current_alignment",
    "haversine_km",
    "nearest_assignment",
    "place_by_postcode",
    "propose_care_homes",
    "solve_alignment",
    "team_alignment",
]

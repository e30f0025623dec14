"""Capacity: a discrete-event simulation of urgent response teams (arrivals by hour and
weekday, priorities, rosters and skills, travel, time on site), Erlang C checks, and the
staffing that meets a standard (README.md)."""

from neighbourhood.capacity import erlang
from neighbourhood.capacity.distributions import (
    Distribution,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)
from neighbourhood.capacity.load import ScenarioError, examples_folder, read_scenario, schema
from neighbourhood.capacity.scenario import (
    WEEKDAYS,
    Arrivals,
    Priority,
    Scenario,
    Shift,
    Slot,
    Target,
    Team,
)
from neighbourhood.capacity.simulate import (
    METRICS,
    Estimate,
    Replication,
    SimulationResult,
    estimate,
    fast_path_applies,
    replicate,
    simulate,
)
from neighbourhood.capacity.staffing import (
    StaffingPlan,
    StaffingPoint,
    evaluate,
    optimise,
    plot,
)

__all__ = [
    "METRICS",
    "WEEKDAYS",
    "Arrivals",
    "Distribution",
    "Estimate",
    "Exponential",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Priority",
    "Replication",
    "Scenario",
    "ScenarioError",
    "Shift",
    "SimulationResult",
    "Slot",
    "StaffingPlan",
    "StaffingPoint",
    "Target",
    "Team",
    "Triangular",
    "Uniform",
    "erlang",
    "estimate",
    "evaluate",
    "examples_folder",
    "fast_path_applies",
    "optimise",
    "plot",
    "read_scenario",
    "replicate",
    "schema",
    "simulate",
]

"""Capacity: a discrete-event simulation of urgent response teams (arrivals by hour and
weekday, priorities, rosters and skills, travel, time on site, or fitted from the store's
referrals), Erlang C checks, the staffing that meets a standard, a waiting list model and an
intermediate care model (README.md)."""

from neighbourhood.capacity import erlang, history, intermediate_care, waiting_list
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
    "history",
    "intermediate_care",
    "optimise",
    "plot",
    "read_scenario",
    "replicate",
    "schema",
    "simulate",
    "waiting_list",
]

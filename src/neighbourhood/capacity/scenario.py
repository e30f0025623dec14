"""A capacity scenario as small frozen values, each checked when it is built: when referrals
arrive, what they need, who is on duty to respond, how long travel and the visit take, and the
standard to meet. Times are minutes; the simulated clock starts on a Monday at 00:00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from neighbourhood.capacity.distributions import Distribution, Fixed

__all__ = [
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "WEEKDAYS",
    "Arrivals",
    "Priority",
    "Scenario",
    "Shift",
    "Slot",
    "Target",
    "Team",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Arrivals:
    """Referrals per hour for each of the 168 hours of the week, Monday 00:00-01:00 first.
    Within an hour, arrivals are a Poisson process at that hour's rate."""

    per_hour: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.per_hour) != 168:
            raise ValueError(f"arrivals need 168 hourly rates, not {len(self.per_hour)}")
        if any(not math.isfinite(r) or r < 0 for r in self.per_hour):
            raise ValueError("arrival rates must be finite and non-negative")
        if sum(self.per_hour) == 0:
            raise ValueError("arrival rates are all zero")

    @classmethod
    def constant(cls, per_day: float) -> Arrivals:
        return cls((per_day / 24,) * 168)

    @classmethod
    def profile(
        cls,
        per_day: float,
        *,
        by_hour: tuple[float, ...] | None = None,
        by_weekday: tuple[float, ...] | None = None,
    ) -> Arrivals:
        """`per_day` on an average day, shaped by relative weights for the 24 hours of the day
        and the 7 days of the week (each scaled so that its mean is 1)."""
        hours = np.asarray(by_hour if by_hour is not None else (1.0,) * 24, dtype=float)
        days = np.asarray(by_weekday if by_weekday is not None else (1.0,) * 7, dtype=float)
        if hours.shape != (24,) or days.shape != (7,):
            raise ValueError("by_hour needs 24 weights and by_weekday 7")
        if (hours < 0).any() or (days < 0).any() or hours.sum() == 0 or days.sum() == 0:
            raise ValueError("weights must be non-negative and not all zero")
        hours, days = hours / hours.mean(), days / days.mean()
        return cls(tuple(float(r) for r in np.outer(days, hours).ravel() * per_day / 24))

    @property
    def per_day(self) -> float:
        """Mean referrals a day over the week."""
        return sum(self.per_hour) / 7

    @property
    def is_constant(self) -> bool:
        return len(set(self.per_hour)) == 1


@dataclass(frozen=True)
class Priority:
    """A kind of referral: its share of arrivals, the skill a responder needs (any when None)
    and, optionally, its own time on site. Priorities are served in the order listed, first
    come first served within a priority."""

    name: str
    share: float
    skill: str | None = None
    time_on_site: Distribution | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a priority needs a name")
        if not 0 < self.share <= 1:
            raise ValueError(f"priority {self.name}: share must be in (0, 1]")


@dataclass(frozen=True)
class Shift:
    """`responders` people on duty from `start` to `end` (minutes after midnight) on each of
    `days` (0 = Monday). An `end` at or before `start` runs on past midnight into the next day.
    A responder still on a visit at the end of the shift finishes it, then goes off duty."""

    days: tuple[int, ...]
    start: int
    end: int
    responders: int

    def __post_init__(self) -> None:
        if not self.days or any(d not in range(7) for d in self.days):
            raise ValueError("shift days must be weekday numbers 0 (Monday) to 6")
        if len(set(self.days)) != len(self.days):
            raise ValueError("a shift names a day twice")
        if not (0 <= self.start < MINUTES_PER_DAY and 0 <= self.end <= MINUTES_PER_DAY):
            raise ValueError("shift times must be within the day (00:00 to 24:00)")
        if not isinstance(self.responders, int) or self.responders < 0:
            raise ValueError("responders must be a whole number, 0 or more")

    @property
    def length(self) -> int:
        """Minutes on duty each day."""
        return (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY

    def intervals(self) -> list[tuple[int, int]]:
        """The on-duty intervals of one week, in minutes from Monday 00:00, merged, with an
        interval that runs past the end of the week joined to one that starts the week; a shift
        on duty all week long is the one interval (0, 10080)."""
        raw = sorted(
            (d * MINUTES_PER_DAY + self.start, d * MINUTES_PER_DAY + self.start + self.length)
            for d in self.days
        )
        merged: list[list[int]] = []
        for a, b in raw:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        # join an interval crossing Sunday midnight with one starting Monday 00:00
        if len(merged) > 1 and merged[-1][1] >= MINUTES_PER_WEEK + merged[0][0]:
            last = merged.pop()
            merged[0] = [last[0], max(last[1], merged[0][1] + MINUTES_PER_WEEK)]
            merged.sort()
        if any(b - a >= MINUTES_PER_WEEK for a, b in merged):
            return [(0, MINUTES_PER_WEEK)]
        return [(a, b) for a, b in merged]

    @property
    def always_on(self) -> bool:
        return any(b - a >= MINUTES_PER_WEEK for a, b in self.intervals())

    def label(self) -> str:
        days = "every day" if len(self.days) == 7 else ",".join(WEEKDAYS[d] for d in self.days)
        end = "24:00" if self.end == MINUTES_PER_DAY else _clock(self.end)
        return f"{days} {_clock(self.start)}-{end}"


@dataclass(frozen=True)
class Team:
    """Responders who share a set of skills, on duty by their shifts."""

    name: str
    shifts: tuple[Shift, ...]
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a team needs a name")
        if not self.shifts:
            raise ValueError(f"team {self.name} has no shifts")

    def coverage(self) -> np.ndarray:
        """Responders on duty in each minute of the week (10,080 values)."""
        minutes = np.zeros(MINUTES_PER_WEEK + 1, dtype=np.int64)
        for shift in self.shifts:
            for a, b in shift.intervals():
                for lo, hi in ((a, min(b, MINUTES_PER_WEEK)), (0, b - MINUTES_PER_WEEK)):
                    if hi > lo:
                        minutes[lo] += shift.responders
                        minutes[hi] -= shift.responders
        return np.cumsum(minutes)[:MINUTES_PER_WEEK]


@dataclass(frozen=True)
class Target:
    """`share` of referrals (of `priority`, or all) reached within `within_minutes` of the
    referral: the wait for a responder plus the travel."""

    within_minutes: float
    share: float
    priority: str | None = None

    def __post_init__(self) -> None:
        if not self.within_minutes > 0:
            raise ValueError("the target time must be positive")
        if not 0 < self.share < 1:
            raise ValueError("the target share must be between 0 and 1")

    def label(self) -> str:
        who = f" of {self.priority}" if self.priority else ""
        return f"{self.share:.0%}{who} within {self.within_minutes:g} minutes"


@dataclass(frozen=True)
class Slot:
    """One shift of one team: the unit the staffing optimiser varies."""

    team: int
    shift: int
    label: str


@dataclass(frozen=True)
class Scenario:
    title: str
    arrivals: Arrivals
    teams: tuple[Team, ...]
    time_on_site: Distribution
    target: Target
    travel: Distribution = field(default_factory=lambda: Fixed(0))
    priorities: tuple[Priority, ...] = (Priority("all", 1.0),)
    days: int = 365
    warm_up_days: int = 28
    description: str = ""
    illustrative: bool = True

    def __post_init__(self) -> None:
        if not self.teams:
            raise ValueError("a scenario needs at least one team")
        if not self.priorities:
            raise ValueError("a scenario needs at least one priority")
        for kind, names in (
            ("team", [t.name for t in self.teams]),
            ("priority", [p.name for p in self.priorities]),
        ):
            if len(set(names)) != len(names):
                raise ValueError(f"two of the {kind} names are the same")
        if abs(sum(p.share for p in self.priorities) - 1) > 1e-6:
            raise ValueError("the priorities' shares must add up to 1")
        if self.target.priority is not None and self.target.priority not in self.priority_names:
            raise ValueError(f"the target names no priority {self.target.priority!r}")
        for priority in self.priorities:
            if not self.teams_for(priority):
                raise ValueError(f"no team has the skill {priority.skill!r} of {priority.name}")
        if self.days < 1 or self.warm_up_days < 0:
            raise ValueError("days must be 1 or more and warm_up_days 0 or more")

    @property
    def priority_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priorities)

    def teams_for(self, priority: Priority) -> tuple[int, ...]:
        """Indexes of the teams whose responders can see a referral of `priority`."""
        return tuple(
            i
            for i, team in enumerate(self.teams)
            if priority.skill is None or priority.skill in team.skills
        )

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(
            Slot(t, s, f"{team.name} {shift.label()}")
            for t, team in enumerate(self.teams)
            for s, shift in enumerate(team.shifts)
        )

    def responders(self) -> tuple[int, ...]:
        """Responders on each slot, in the order of `slots`."""
        return tuple(shift.responders for team in self.teams for shift in team.shifts)

    def with_responders(self, counts: tuple[int, ...]) -> Scenario:
        """The same scenario with `counts` responders on each slot (in the order of `slots`)."""
        if len(counts) != len(self.slots):
            raise ValueError(f"{len(self.slots)} slots, {len(counts)} counts")
        it = iter(counts)
        teams = tuple(
            replace(team, shifts=tuple(replace(s, responders=int(next(it))) for s in team.shifts))
            for team in self.teams
        )
        return replace(self, teams=teams)

    def with_days(self, days: int, warm_up_days: int | None = None) -> Scenario:
        warm = self.warm_up_days if warm_up_days is None else warm_up_days
        return replace(self, days=days, warm_up_days=warm)

    def mean_time_on_site(self) -> float:
        return sum(p.share * (p.time_on_site or self.time_on_site).mean for p in self.priorities)

    def offered_load(self) -> float:
        """Mean responders kept busy by demand: referrals a minute x mean busy time."""
        busy = self.travel.mean + self.mean_time_on_site()
        return self.arrivals.per_day / MINUTES_PER_DAY * busy

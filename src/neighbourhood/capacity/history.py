"""Arrival rates fitted from the store's `community_referrals`: referrals per hour for each
of the 168 hours of the week (Europe/London local time), for one team, the teams of one
provider or of one ICB, over the last N months of data. Optionally scaled by a cohort
(`COHORT_MEASURES`): e.g. referrals per 1,000 patients with moderate or severe frailty
(eFI), then demand for another number of such patients.

Which referrals: urgent community response ones, as `access.ucr_kpis` counts them (service
`urgent_community_response` or a 2-hour clock). Which teams: a provider's are those with
`community_teams.provider_code` = the code; an ICB's are those whose ICB on the window's last
day is the code, by the rule of `ucr_kpis` (the ICB of most of the PCNs the team serves,
`team_serves_pcn` -> `pcn_in_sub_icb` -> `sub_icb_in_icb`, the lowest code on a tie).

The window: from N calendar months before its end, to the end of the local day of the latest
such referral (or of `until`). A rate is the count in that weekday and hour over the number
of those weekdays in the window. On clock-change days a local hour holds 0 or 2 hours of
referrals: the error is at most a day's worth in one hour of the year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import duckdb
import numpy as np

from neighbourhood.access.ucr_clocks import local
from neighbourhood.capacity.scenario import Arrivals

__all__ = [
    "COHORT_MEASURES",
    "LEVELS",
    "CohortMeasure",
    "FittedArrivals",
    "cohort_count",
    "fit_arrivals",
    "teams_of",
]

LONDON = ZoneInfo("Europe/London")
LEVELS = ("team", "provider", "icb")
IS_UCR = "(r.service = 'urgent_community_response' OR r.clock = '2_hour')"


@dataclass(frozen=True)
class CohortMeasure:
    """A count of patients from the cohort library: the cohort, and optionally one of its
    variables with the values that count."""

    cohort: str
    label: str
    variable: str | None = None
    values: tuple[str, ...] = ()


COHORT_MEASURES = {
    "frail": CohortMeasure(
        "efi", "patients aged 65+ with moderate or severe frailty (eFI)", "category",
        ("moderate", "severe"),
    ),
    "severe-frailty": CohortMeasure(
        "smr-severe-frailty", "patients with severe frailty (SMR cohort)"
    ),
}  # fmt: skip
"""Cohort measures to express demand per 1,000 patients (`--cohort NAME`)."""


@dataclass(frozen=True)
class FittedArrivals:
    level: str | None
    code: str | None
    teams: tuple[str, ...]
    first_day: dt.date  # local, included
    last_day: dt.date  # local, included
    referrals: int
    counts: tuple[int, ...]  # 168: Monday 00:00-01:00 first
    arrivals: Arrivals
    scale: float = 1.0
    cohort: str | None = None
    cohort_patients: int | None = None
    cohort_patients_scaled: int | None = None

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def per_day(self) -> float:
        return self.arrivals.per_day

    @property
    def per_1000_a_year(self) -> float | None:
        """Referrals a year per 1,000 cohort patients (before scaling)."""
        if not self.cohort_patients:
            return None
        return self.per_day / self.scale * 365.25 / self.cohort_patients * 1000

    def scaled_to(self, cohort: str, patients: int, to_patients: int | None) -> FittedArrivals:
        """The same rates per cohort patient, for `to_patients` patients (or as they are)."""
        if patients <= 0:
            raise ValueError(f"the cohort {cohort} has no patients in this footprint")
        scale = 1.0 if to_patients is None else to_patients / patients
        if scale <= 0:
            raise ValueError("the cohort size to scale to must be positive")
        rates = tuple(r * scale for r in self.arrivals.per_hour)
        return FittedArrivals(
            self.level, self.code, self.teams, self.first_day, self.last_day, self.referrals,
            self.counts, Arrivals(rates), scale, cohort, patients, to_patients,
        )  # fmt: skip

    def describe(self) -> str:
        who = "all teams" if self.level is None else f"{self.level} {self.code}"
        text = (
            f"{self.referrals:,} UCR referrals to {who} ({len(self.teams)} team(s)), "
            f"{self.first_day} to {self.last_day}: {self.per_day:.2f} a day"
        )
        if self.cohort_patients:
            text += f"; {self.per_1000_a_year:.1f} a year per 1,000 {self.cohort}"
            if self.cohort_patients_scaled is not None:
                text += (
                    f"; scaled from {self.cohort_patients:,} to "
                    f"{self.cohort_patients_scaled:,} patients"
                )
        return text

    def to_dict(self) -> dict:
        return {
            "level": self.level,
            "code": self.code,
            "teams": list(self.teams),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "referrals": self.referrals,
            "per_day": self.per_day,
            "scale": self.scale,
            "cohort": self.cohort,
            "cohort_patients": self.cohort_patients,
            "cohort_patients_scaled": self.cohort_patients_scaled,
            "per_1000_cohort_a_year": self.per_1000_a_year,
        }


def _team_icb_sql(day: dt.date) -> str:
    valid = "{a}.valid_from <= DATE '{d}' AND ({a}.valid_to IS NULL OR {a}.valid_to >= DATE '{d}')"
    v = {a: valid.format(a=a, d=day) for a in ("s", "p", "i")}
    return f"""
SELECT team_code, first(icb_code ORDER BY n DESC, icb_code) AS icb_code FROM (
    SELECT s.child_code AS team_code, i.parent_code AS icb_code, count(*) AS n
    FROM org_memberships s
    JOIN org_memberships p ON p.relationship = 'pcn_in_sub_icb' AND {v["p"]}
        AND p.child_code = s.parent_code
    JOIN org_memberships i ON i.relationship = 'sub_icb_in_icb' AND {v["i"]}
        AND i.child_code = p.parent_code
    WHERE s.relationship = 'team_serves_pcn' AND {v["s"]}
    GROUP BY ALL
) GROUP BY ALL"""


def teams_of(con: duckdb.DuckDBPyConnection, level: str | None, code: str | None,
             day: dt.date) -> tuple[str, ...]:  # fmt: skip
    """The teams of a team, provider or ICB code on `day` (every team when `level` is None),
    sorted."""
    if level is None:
        rows = con.execute("SELECT DISTINCT team_code FROM community_referrals").fetchall()
    elif level == "team":
        rows = [(code,)]
    elif level == "provider":
        rows = con.execute(
            "SELECT org_code FROM community_teams WHERE provider_code = ?", [code]
        ).fetchall()
    elif level == "icb":
        rows = con.execute(
            f"SELECT team_code FROM ({_team_icb_sql(day)}) WHERE icb_code = ?", [code]
        ).fetchall()
    else:
        raise ValueError(f"unknown level {level!r}: use {', '.join(LEVELS)}")
    return tuple(sorted(r[0] for r in rows))


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day if it is shorter)."""
    year, m0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = m0 + 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def _utc(day: dt.date) -> dt.datetime:
    """Midnight at the start of a local day, as a naive UTC instant (as the store holds)."""
    wall = dt.datetime.combine(day, dt.time(), tzinfo=LONDON)
    return wall.astimezone(dt.UTC).replace(tzinfo=None)


def fit_arrivals(
    con: duckdb.DuckDBPyConnection,
    *,
    level: str | None = None,
    code: str | None = None,
    months: int = 12,
    until: dt.date | None = None,
) -> FittedArrivals:
    """Referrals per hour of the week for the teams of `level` `code` (all teams when None),
    over the `months` to the end of `until` or of the latest such referral's local day."""
    if months < 1:
        raise ValueError("months must be 1 or more")
    if (level is None) != (code is None):
        raise ValueError("give a level and a code, or neither")
    probe = until or dt.date.today()
    teams = teams_of(con, level, code, probe)
    if not teams:
        raise ValueError(f"no teams for {level} {code}")
    marks = ", ".join("?" * len(teams))
    if until is None:
        (latest,) = con.execute(
            f"SELECT max({local('r.received_at')}) FROM community_referrals r "
            f"WHERE r.team_code IN ({marks}) AND {IS_UCR}",
            list(teams),
        ).fetchone()
        if latest is None:
            raise ValueError(f"no UCR referrals for {level or 'any team'} {code or ''}".strip())
        until = latest.date()
        if level == "icb":  # the teams on the window's last day
            teams = teams_of(con, level, code, until) or teams
            marks = ", ".join("?" * len(teams))
    first = _months_before(until, months) + dt.timedelta(days=1)
    rows = con.execute(
        f"""SELECT team_code, (isodow(t) - 1) * 24 + hour(t) AS slot, count(*) FROM (
                SELECT r.team_code, {local("r.received_at")} AS t FROM community_referrals r
                WHERE r.team_code IN ({marks}) AND {IS_UCR}
                  AND r.received_at >= ? AND r.received_at < ?)
            GROUP BY ALL""",
        [*teams, _utc(first), _utc(until + dt.timedelta(days=1))],
    ).fetchall()
    counts = np.zeros(168, dtype=np.int64)
    for _, slot, n in rows:
        counts[int(slot)] += n
    teams = tuple(sorted({team for team, _, _ in rows}))  # the teams with referrals
    if counts.sum() == 0:
        raise ValueError(f"no UCR referrals from {first} to {until}")
    days = np.zeros(7)
    for offset in range((until - first).days + 1):
        days[(first + dt.timedelta(days=offset)).weekday()] += 1
    rates = counts.reshape(7, 24) / days[:, None]
    return FittedArrivals(
        level, code, teams, first, until, int(counts.sum()), tuple(int(c) for c in counts),
        Arrivals(tuple(float(r) for r in rates.ravel())),
    )  # fmt: skip


def cohort_count(engine, measure: CohortMeasure, at: dt.date, teams: tuple[str, ...],
                 con: duckdb.DuckDBPyConnection) -> int:  # fmt: skip
    """Patients of the cohort measure on `at` registered in the PCNs the teams serve."""
    from neighbourhood.cohorts.run import run_cohort  # the cohorts package is heavy to import

    marks = ", ".join("?" * len(teams))
    pcns = {
        r[0]
        for r in con.execute(
            f"""SELECT DISTINCT parent_code FROM org_memberships
                WHERE relationship = 'team_serves_pcn' AND child_code IN ({marks})
                  AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)""",
            [*teams, at, at],
        ).fetchall()
    }
    rows = run_cohort(engine, measure.cohort, at).rows
    found = 0
    column = None if measure.variable is None else rows.column(measure.variable).to_pylist()
    for i, pcn in enumerate(rows.column("pcn_code").to_pylist()):
        if pcn in pcns and (column is None or column[i] in measure.values):
            found += 1
    return found

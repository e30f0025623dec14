"""Community team coterminosity with PCN footprints, and a proposed realignment.

Caseload of a team on a date: the distinct patients with a `community_referrals` row to the
team received in the 12 months to the date (received date > date - 12 months and <= date;
the UTC date of `received_at`). Each patient is placed by their latest referral to the team in
that window: the practice they were registered with on that referral date, and that practice's
PCN on the same date. Coterminosity = share of the caseload whose PCN is one the team serves
(`team_serves_pcn` on the date); patients with no registration or no PCN on the referral date
stay in the denominator and are counted as `no_pcn`.

Proposed realignment, service by service: each PCN goes to the team of that service that sees
most of the PCN's patients (ties: lowest team code); a PCN no team of the service sees keeps its
current team(s). Coterminosity is then recomputed on the same caseload.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

Row = dict[str, Any]

_CASELOAD = """
WITH window_referrals AS (
    SELECT r.team_code, r.patient_id, CAST(r.received_at AS DATE) AS referral_date,
           row_number() OVER (PARTITION BY r.team_code, r.patient_id
                              ORDER BY r.received_at DESC, r.referral_id DESC) AS recency
    FROM community_referrals r
    WHERE CAST(r.received_at AS DATE) > CAST($as_of AS DATE) - INTERVAL 12 MONTH
      AND CAST(r.received_at AS DATE) <= CAST($as_of AS DATE)
),
latest AS (SELECT * FROM window_referrals WHERE recency = 1),
registered AS (
    SELECT l.team_code, l.patient_id, l.referral_date, min(g.practice_code) AS practice_code
    FROM latest l LEFT JOIN registrations g
      ON g.patient_id = l.patient_id AND g.start_date <= l.referral_date
     AND (g.end_date IS NULL OR g.end_date >= l.referral_date)
    GROUP BY ALL
)
SELECT t.team_code, c.service, t.patient_id, t.practice_code, min(m.parent_code) AS pcn_code
FROM registered t JOIN community_teams c ON c.org_code = t.team_code
LEFT JOIN org_memberships m
  ON m.child_code = t.practice_code AND m.relationship = 'practice_in_pcn'
 AND m.valid_from <= t.referral_date AND (m.valid_to IS NULL OR m.valid_to >= t.referral_date)
GROUP BY ALL ORDER BY 1, 3
"""

_TEAMS = """
SELECT c.org_code AS team_code, o.name AS team_name, c.service, c.provider_code,
       list(m.parent_code ORDER BY m.parent_code) FILTER (WHERE m.parent_code IS NOT NULL)
           AS pcn_codes
FROM community_teams c JOIN organisations o USING (org_code)
LEFT JOIN org_memberships m
  ON m.child_code = c.org_code AND m.relationship = 'team_serves_pcn'
 AND m.valid_from <= CAST($as_of AS DATE)
 AND (m.valid_to IS NULL OR m.valid_to >= CAST($as_of AS DATE))
WHERE (o.open_date IS NULL OR o.open_date <= CAST($as_of AS DATE))
  AND (o.close_date IS NULL OR o.close_date >= CAST($as_of AS DATE))
GROUP BY ALL ORDER BY c.org_code
"""


@dataclass(frozen=True)
class CaseloadPatient:
    team_code: str
    service: str
    patient_id: str
    pcn_code: str | None


@dataclass(frozen=True)
class TeamAlignment:
    as_of: dt.date
    teams: tuple[Row, ...]
    proposed_moves: tuple[Row, ...]

    def to_dict(self) -> Row:
        return {
            "as_of": self.as_of.isoformat(),
            "teams": list(self.teams),
            "proposed_moves": list(self.proposed_moves),
        }


def coterminosity(
    caseload: Iterable[CaseloadPatient], serves: Mapping[str, Iterable[str]]
) -> dict[str, tuple[int, int, int]]:
    """Team -> (caseload, patients in a PCN the team serves, patients with no PCN)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    aligned = {team: set(pcns) for team, pcns in serves.items()}
    for patient in caseload:
        row = counts[patient.team_code]
        row[0] += 1
        row[1] += patient.pcn_code in aligned.get(patient.team_code, set())
        row[2] += patient.pcn_code is None
    return {team: (a, b, c) for team, (a, b, c) in counts.items()}


def realign(
    caseload: Iterable[CaseloadPatient],
    serves: Mapping[str, Iterable[str]],
    service_of: Mapping[str, str],
) -> dict[str, tuple[str, ...]]:
    """Team -> PCNs after giving each PCN, per service, to the team seeing most of its patients."""
    seen: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for patient in caseload:
        if patient.pcn_code is not None:
            seen[(patient.service, patient.pcn_code)][patient.team_code] += 1
    proposed: dict[str, set[str]] = {team: set() for team in service_of}
    for team, pcns in serves.items():
        for pcn in pcns:
            if (service_of[team], pcn) not in seen:
                proposed[team].add(pcn)
    for (_, pcn), teams in seen.items():
        best = max(sorted(teams), key=lambda team: teams[team])
        proposed[best].add(pcn)
    return {team: tuple(sorted(pcns)) for team, pcns in proposed.items()}


def team_alignment(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> TeamAlignment:
    """Coterminosity of every open community team on `as_of`, before and after realignment."""
    params = {"as_of": as_of}
    teams = _rows(con, _TEAMS, params)
    caseload = [
        CaseloadPatient(r["team_code"], r["service"], r["patient_id"], r["pcn_code"])
        for r in _rows(con, _CASELOAD, params)
    ]
    open_teams = {t["team_code"] for t in teams}
    caseload = [p for p in caseload if p.team_code in open_teams]
    serves = {t["team_code"]: tuple(t["pcn_codes"] or ()) for t in teams}
    service_of = {t["team_code"]: t["service"] for t in teams}
    proposed = realign(caseload, serves, service_of)
    before, after = coterminosity(caseload, serves), coterminosity(caseload, proposed)
    rows, moves = [], []
    for team in teams:
        code = team["team_code"]
        size, inside, no_pcn = before.get(code, (0, 0, 0))
        _, inside_after, _ = after.get(code, (0, 0, 0))
        rows.append(
            {
                "team_code": code,
                "team_name": team["team_name"],
                "service": team["service"],
                "provider_code": team["provider_code"],
                "pcn_codes": ";".join(serves[code]),
                "caseload": size,
                "in_aligned_pcns": inside,
                "no_pcn": no_pcn,
                "coterminosity": _share(inside, size),
                "proposed_pcn_codes": ";".join(proposed[code]),
                "in_proposed_pcns": inside_after,
                "coterminosity_after": _share(inside_after, size),
            }
        )
        gained = sorted(set(proposed[code]) - set(serves[code]))
        lost = sorted(set(serves[code]) - set(proposed[code]))
        moves += [{"team_code": code, "pcn_code": p, "change": "gains"} for p in gained]
        moves += [{"team_code": code, "pcn_code": p, "change": "loses"} for p in lost]
    return TeamAlignment(as_of, tuple(rows), tuple(moves))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Row) -> list[Row]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

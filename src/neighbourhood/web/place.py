"""The organisation a dashboard page is about, and what lies under it on the date: the PCNs,
practices, community teams and providers whose figures the page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from neighbourhood.api.context import Context
from neighbourhood.api.problems import forbidden, not_found
from neighbourhood.footprints import organisations, organisations_under
from neighbourhood.overview import data_date

TEAM_SERVES_PCN = """
SELECT DISTINCT s.child_code AS team, r.parent_code AS provider
FROM org_memberships s JOIN org_memberships r
  ON r.child_code = s.child_code AND r.relationship = 'team_run_by_provider'
WHERE s.relationship = 'team_serves_pcn' AND list_contains($pcns, s.parent_code)
  AND (s.valid_from IS NULL OR s.valid_from <= $on) AND (s.valid_to IS NULL OR s.valid_to >= $on)"""
PCN_ICB = """
SELECT DISTINCT i.parent_code FROM org_memberships p JOIN org_memberships i
  ON i.child_code = p.parent_code AND i.relationship = 'sub_icb_in_icb'
WHERE p.relationship = 'pcn_in_sub_icb' AND list_contains($pcns, p.child_code)"""


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    org_type: str
    on: dt.date
    pcns: tuple[str, ...]
    practices: tuple[str, ...]
    teams: tuple[str, ...]
    providers: tuple[str, ...]
    icbs: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def place_of(ctx: Context, org: str | None) -> Place:
    """The organisation asked for (the user's own by default; a national user's default is the
    store's first ICB), which must be in the user's scope."""
    with ctx.store() as con:
        on = ctx.state.cache.get(("data-date",), lambda: data_date(con))
        code = (org or ctx.principal.org_code).upper()
        if org is None and ctx.principal.role == "national":
            icbs = organisations(con, org_type="icb")
            code = icbs[0]["org_code"] if icbs else code
        found = organisations(con, code=code)
        if not found:
            raise not_found(f"no organisation {code} in the store")
        if not ctx.scope(on).holds(code):
            raise forbidden(f"{code} is outside your scope ({ctx.principal.org_code})")
        below = organisations_under(con, code, on)
        of = {t: tuple(sorted(r["org_code"] for r in below if r["org_type"] == t))
              for t in ("pcn", "practice", "community_team", "provider", "icb")}  # fmt: skip
        pcns = of["pcn"]
        served = con.execute(TEAM_SERVES_PCN, {"pcns": list(pcns), "on": on}).fetchall()
        teams = tuple(sorted(set(of["community_team"]) | {t for t, _ in served}))
        providers = tuple(sorted(set(of["provider"]) | {p for _, p in served}))
        icbs = set(of["icb"]) | {
            r[0] for r in con.execute(PCN_ICB, {"pcns": list(pcns)}).fetchall()
        }
    return Place(code, found[0]["name"] or code, found[0]["org_type"] or "", on, pcns,
                 of["practice"], teams, providers, tuple(sorted(icbs)))  # fmt: skip

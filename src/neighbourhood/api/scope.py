"""What a principal may see. Patient rows only inside the organisation of their role and
below it on the date (`footprints.organisations_under`): a PCN user, the patients registered
with the PCN's practices; an ICB user, those of the ICB's PCNs and practices; a community
provider, those of the PCNs its teams serve. A national user sees everything. Aggregates
outside the scope come suppressed for publication (`disclosure.suppress_for_publication`).

A token whose organisation is not in the store, or is not of the role's type (a `pcn` role
held in an ICB's code), has an empty scope: no patient rows, every aggregate suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from neighbourhood.api.auth import Principal
from neighbourhood.disclosure import SUPPRESSED, suppress_for_publication
from neighbourhood.footprints import organisations_under

ROLE_ORG_TYPE = {
    "region": "region",
    "icb": "icb",
    "pcn": "pcn",
    "practice": "practice",
    "community_provider": "provider",
}

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Scope:
    everything: bool
    organisations: frozenset[str] = frozenset()

    def holds(self, code: str | None) -> bool:
        return self.everything or (code is not None and code in self.organisations)

    def patients(self, rows: Iterable[Row]) -> list[Row]:
        """The patient rows of practices in scope (every row for a national user)."""
        return [r for r in rows if self.holds(r.get("practice_code"))]

    def summary(self) -> dict[str, Any]:
        return {"everything": self.everything, "organisations": len(self.organisations)}


def scope_of(principal: Principal, con: duckdb.DuckDBPyConnection, on: dt.date) -> Scope:
    if principal.role == "national":
        return Scope(everything=True)
    rows = organisations_under(con, principal.org_code, on)
    own = next((r for r in rows if r["org_code"] == principal.org_code), None)
    if own is None or own["org_type"] != ROLE_ORG_TYPE[principal.role]:
        return Scope(everything=False)
    return Scope(everything=False, organisations=frozenset(r["org_code"] for r in rows))


def publishable(
    rows: Sequence[Row],
    inside: Callable[[Row], bool],
    *,
    count_fields: Sequence[str],
    dependent: Mapping[str, Sequence[str]] | None = None,
    sums: Mapping[str, Sequence[str]] | None = None,
    group_by: Sequence[str] = (),
    is_total: Callable[[Row], bool] = lambda r: False,
) -> list[dict[str, Any]]:
    """The rows in scope as they are; those outside suppressed for publication (small counts
    and what is worked out from them hidden). Every row gets the `suppressed` field."""
    outside = [i for i, r in enumerate(rows) if not inside(r)]
    hidden = (
        suppress_for_publication(
            [rows[i] for i in outside],
            group_by=group_by,
            count_fields=count_fields,
            is_total=is_total,
            dependent=dependent or {},
            sums=sums or {},
        )
        if outside
        else []
    )
    found: list[dict[str, Any]] = [dict(r) | {SUPPRESSED: []} for r in rows]
    for i, record in zip(outside, hidden, strict=True):
        found[i] = record
    return found

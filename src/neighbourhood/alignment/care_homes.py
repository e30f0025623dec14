"""Care home alignment on a date: which PCN each home is aligned to, and the gaps.

Enhanced Health in Care Homes (Network Contract DES): every CQC-registered care home is
aligned to a single named PCN (see README.md for the sources). Gaps reported:

- `unaligned`: an open care home with no `care_home_aligned_to_pcn` membership on the date;
- `aligned_to_several_pcns`: a home with two or more such memberships on the date;
- beds per 1,000 patients aged 65+ for each PCN (a home aligned to two PCNs counts in both),
  with the ICB-wide figure and each PCN's ratio to it.

With an ICB, the homes in scope are those aligned to one of its PCNs, plus unaligned homes
whose nearest located practice (see geography.py) belongs to one of its PCNs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from neighbourhood.alignment.geography import haversine_km, locate_care_homes, locate_practices
from neighbourhood.alignment.population import patients_65_plus_by_pcn
from neighbourhood.footprints.snapshot import Snapshot

EHCH_SOURCE = (
    "NHS England, Network Contract DES: Enhanced Health in Care Homes - every care home "
    "assigned to a single named PCN, https://www.england.nhs.uk/gp/investment/gp-contract/"
    "transition-between-covid-19-care-home-support-and-the-enhanced-health-in-care-homes-"
    "service-in-the-network-contract-des/"
)
Row = dict[str, Any]

_HOMES = """,
homes AS (
    SELECT o.org_code AS home_code, o.name AS home_name, o.postcode, c.beds
    FROM organisations o LEFT JOIN care_homes c USING (org_code)
    WHERE o.org_type = 'care_home'
      AND (o.open_date IS NULL OR o.open_date <= CAST($as_of AS DATE))
      AND (o.close_date IS NULL OR o.close_date >= CAST($as_of AS DATE))
),
aligned AS (
    SELECT child_code AS home_code, list(DISTINCT parent_code ORDER BY parent_code) AS pcns
    FROM held WHERE relationship = 'care_home_aligned_to_pcn' GROUP BY 1
)
SELECT h.home_code, h.home_name, h.postcode, h.beds, coalesce(a.pcns, []) AS pcn_codes
FROM homes h LEFT JOIN aligned a USING (home_code) ORDER BY h.home_code
"""


@dataclass(frozen=True)
class CurrentAlignment:
    as_of: dt.date
    icb: str | None
    homes: tuple[Row, ...]
    pcns: tuple[Row, ...]
    gaps: tuple[Row, ...]
    population_source: str
    icb_beds_per_1000_65_plus: float | None
    source: str = EHCH_SOURCE

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "icb": self.icb,
            "source": self.source,
            "population_source": self.population_source,
            "icb_beds_per_1000_65_plus": self.icb_beds_per_1000_65_plus,
            "gaps": list(self.gaps),
            "pcns": list(self.pcns),
            "homes": list(self.homes),
        }


def scope_pcns(snap: Snapshot) -> list[Row]:
    """Open PCNs in scope with their name and open member practices on the date."""
    return snap.rows(
        """SELECT o.pcn_code, o.pcn_name,
               list(p.practice_code ORDER BY p.practice_code)
                   FILTER (WHERE p.is_open) AS practices
        FROM pcn_orgs o LEFT JOIN in_pcn i USING (pcn_code)
        LEFT JOIN practices p USING (practice_code)
        WHERE o.is_open AND o.pcn_code IN (SELECT pcn_code FROM scope_pcns)
        GROUP BY ALL ORDER BY o.pcn_code"""
    )


def homes_in_scope(con: duckdb.DuckDBPyConnection, snap: Snapshot, pcns: list[Row]) -> list[Row]:
    """Open care homes with their aligned PCNs on the date, restricted to the scope."""
    homes = snap.rows(_HOMES)
    if snap.icb is None:
        return homes
    in_scope = {p["pcn_code"] for p in pcns}
    unaligned = [h for h in homes if not h["pcn_codes"]]
    nearest_pcn = _nearest_pcn_of(con, snap, [h["home_code"] for h in unaligned])
    return [
        h
        for h in homes
        if set(h["pcn_codes"]) & in_scope
        or (not h["pcn_codes"] and nearest_pcn.get(h["home_code"]) in in_scope)
    ]


def _nearest_pcn_of(con: duckdb.DuckDBPyConnection, snap: Snapshot, homes: list[str]) -> dict:
    """Home -> the PCN of its nearest located practice, over every PCN in the store."""
    if not homes:
        return {}
    everywhere = Snapshot(con, snap.as_of)
    pairs = everywhere.rows(
        "SELECT i.practice_code, i.pcn_code FROM in_pcn i JOIN practices p USING (practice_code)"
        " WHERE p.is_open ORDER BY 1, 2"
    )
    places = locate_practices(con, [p["practice_code"] for p in pairs])
    pairs = [p for p in pairs if places[p["practice_code"]].latitude is not None]
    spots = [h for h in locate_care_homes(con, homes).values() if h.latitude is not None]
    if not pairs or not spots:
        return {}
    lat = np.array([places[p["practice_code"]].latitude for p in pairs])
    lon = np.array([places[p["practice_code"]].longitude for p in pairs])
    km = haversine_km(
        np.array([[s.latitude] for s in spots]), np.array([[s.longitude] for s in spots]), lat, lon
    )
    return {
        s.code: pairs[int(k)]["pcn_code"] for s, k in zip(spots, km.argmin(axis=1), strict=True)
    }


def current_alignment(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, icb: str | None = None
) -> CurrentAlignment:
    """The alignment of care homes to PCNs on `as_of` (optionally one ICB) and its gaps."""
    snap = Snapshot(con, as_of, icb)
    pcns = scope_pcns(snap)
    homes = homes_in_scope(con, snap, pcns)
    over_65, population_source = patients_65_plus_by_pcn(snap)
    gaps: list[Row] = []
    for home in homes:
        count = len(home["pcn_codes"])
        if count == 0:
            gaps.append(_gap("unaligned", home, "aligned to no PCN on " + as_of.isoformat()))
        elif count > 1:
            detail = f"aligned to {count} PCNs: {', '.join(home['pcn_codes'])}"
            gaps.append(_gap("aligned_to_several_pcns", home, detail))
        if home["beds"] is None:
            gaps.append(_gap("no_bed_count", home, "no registered beds: counted as 0"))
    beds = {p["pcn_code"]: 0 for p in pcns}
    homes_of = {p["pcn_code"]: 0 for p in pcns}
    for home in homes:
        for code in home["pcn_codes"]:
            if code in beds:
                beds[code] += home["beds"] or 0
                homes_of[code] += 1
    people = sum(over_65.get(code, 0) for code in beds)
    icb_ratio = 1000 * sum(beds.values()) / people if people else None
    rows = []
    for pcn in pcns:
        code = pcn["pcn_code"]
        aged = over_65.get(code, 0)
        per_1000 = 1000 * beds[code] / aged if aged else None
        rows.append(
            {
                "pcn_code": code,
                "pcn_name": pcn["pcn_name"],
                "homes": homes_of[code],
                "beds": beds[code],
                "patients_65_plus": aged,
                "beds_per_1000_65_plus": _round(per_1000),
                "ratio_to_icb": _round(per_1000 / icb_ratio if per_1000 and icb_ratio else None),
            }
        )
    home_rows = tuple(
        {
            **{k: h[k] for k in ("home_code", "home_name", "postcode", "beds")},
            "pcn_code": ";".join(h["pcn_codes"]),
        }
        for h in homes
    )
    return CurrentAlignment(
        as_of, icb, home_rows, tuple(rows), tuple(gaps), population_source, _round(icb_ratio)
    )


def _gap(kind: str, home: Row, detail: str) -> Row:
    return {
        "gap": kind,
        "home_code": home["home_code"],
        "home_name": home["home_name"],
        "pcn_codes": ";".join(home["pcn_codes"]),
        "detail": detail,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)

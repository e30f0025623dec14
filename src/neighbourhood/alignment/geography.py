"""Where practices and care homes are: coordinates, with a stated fallback when unknown.

A care home's own coordinates (care_homes.latitude/longitude, from CQC / ONSPD) are used as
they are. A practice has only a postcode: when `postcode_centroids` holds that postcode its
centroid is used (level "postcode"); otherwise it is placed at the mean of the known points
(postcode centroids and located care homes) in its postcode sector ("EX1 2"), else its
district ("EX1"), else its area ("EX"), and the level used is reported. Distances are
great-circle (haversine) kilometres on a sphere of radius 6,371.0088 km (the IUGG mean).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
import numpy as np

EARTH_RADIUS_KM = 6371.0088
LEVELS = ("own", "postcode", "sector", "district", "area", "none")
APPROXIMATE = frozenset({"sector", "district", "area"})
_POSTCODE = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})$")


@dataclass(frozen=True)
class Location:
    """Coordinates of one organisation and how they were found (one of LEVELS)."""

    code: str
    latitude: float | None
    longitude: float | None
    level: str

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level {self.level!r} not in {LEVELS}")
        if (self.latitude is None) != (self.level == "none"):
            raise ValueError(f"{self.code}: coordinates and level {self.level!r} disagree")

    @property
    def approximate(self) -> bool:
        return self.level in APPROXIMATE


def postcode_parts(postcode: str | None) -> dict[str, str] | None:
    """{'postcode': 'EX1 2QE', 'sector': 'EX1 2', 'district': 'EX1', 'area': 'EX'} or None."""
    match = _POSTCODE.match((postcode or "").strip().upper())
    if not match:
        return None
    area, district_number, sector_digit, unit = match.groups()
    district = area + district_number
    return {
        "postcode": f"{district} {sector_digit}{unit}",
        "sector": f"{district} {sector_digit}",
        "district": district,
        "area": area,
    }


def place_by_postcode(
    codes_and_postcodes: Mapping[str, str | None],
    known_points: Iterable[tuple[str, float, float]],
) -> dict[str, Location]:
    """Locate each code from its postcode among known (postcode, latitude, longitude) points:
    the exact postcode, else the mean of the sector, district or area (first level that has
    any point); level "none" when nothing matches or the postcode is malformed."""
    sums: dict[tuple[str, str], list[float]] = {}
    exact: dict[str, tuple[float, float]] = {}
    for postcode, latitude, longitude in known_points:
        parts = postcode_parts(postcode)
        if parts is None:
            continue
        exact.setdefault(parts["postcode"], (float(latitude), float(longitude)))
        for level in ("sector", "district", "area"):
            total = sums.setdefault((level, parts[level]), [0.0, 0.0, 0])
            total[0] += float(latitude)
            total[1] += float(longitude)
            total[2] += 1
    placed = {}
    for code, postcode in codes_and_postcodes.items():
        parts = postcode_parts(postcode)
        placed[code] = Location(code, None, None, "none")
        if parts is None:
            continue
        if parts["postcode"] in exact:
            latitude, longitude = exact[parts["postcode"]]
            placed[code] = Location(code, latitude, longitude, "postcode")
            continue
        for level in ("sector", "district", "area"):
            total = sums.get((level, parts[level]))
            if total:
                placed[code] = Location(code, total[0] / total[2], total[1] / total[2], level)
                break
    return placed


def known_points(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float, float]]:
    """Postcode centroids, then care homes with both a postcode and coordinates."""
    return con.execute(
        """SELECT postcode, latitude, longitude FROM postcode_centroids
           UNION ALL
           SELECT o.postcode, c.latitude, c.longitude
           FROM care_homes c JOIN organisations o USING (org_code)
           WHERE o.postcode IS NOT NULL AND c.latitude IS NOT NULL
             AND c.longitude IS NOT NULL"""
    ).fetchall()


def locate_practices(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, Location]:
    """Location of each practice code from its organisations.postcode (see module doc)."""
    wanted = sorted(set(codes))
    rows = con.execute(
        "SELECT org_code, postcode FROM organisations WHERE list_contains($codes, org_code)",
        {"codes": wanted},
    ).fetchall()
    postcodes = {code: None for code in wanted} | dict(rows)
    return place_by_postcode(postcodes, known_points(con))


def locate_care_homes(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, Location]:
    """A home's own coordinates when it has them (level "own"), else placed by its postcode."""
    wanted = sorted(set(codes))
    rows = con.execute(
        """SELECT o.org_code, o.postcode, c.latitude, c.longitude
           FROM organisations o LEFT JOIN care_homes c USING (org_code)
           WHERE list_contains($codes, o.org_code)""",
        {"codes": wanted},
    ).fetchall()
    own = {r[0]: Location(r[0], float(r[2]), float(r[3]), "own") for r in rows if r[2] is not None}
    missing = {code: None for code in wanted if code not in own}
    missing |= {r[0]: r[1] for r in rows if r[0] in missing}
    return own | (place_by_postcode(missing, known_points(con)) if missing else {})


def haversine_km(
    lat1: np.ndarray | float,
    lon1: np.ndarray | float,
    lat2: np.ndarray | float,
    lon2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in km; broadcasts like numpy."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))

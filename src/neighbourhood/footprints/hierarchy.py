"""The organisation tree as of any date, from effective-dated org_memberships.

A membership holds from valid_from to valid_to, both inclusive; an empty valid_to means it
still holds. Practices and PCNs are open from their open date to their close date inclusive.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from neighbourhood.footprints.check import check
from neighbourhood.footprints.snapshot import PCN_SIZES, Snapshot

Row = dict[str, Any]


def members(con: duckdb.DuckDBPyConnection, as_of: dt.date, icb: str | None = None) -> list[Row]:
    """One row per open GP practice: its PCN(s) on the date (empty when none), sub-ICB, ICB.

    A practice in two PCNs on the date (a rule breach) shows both codes joined with ';'.
    `list_size` is the latest total on or before the date, with its `list_size_date`.
    """
    return Snapshot(con, as_of, icb).rows(
        """SELECT p.practice_code, p.practice_name,
               string_agg(i.pcn_code, ';' ORDER BY i.pcn_code) AS pcn_code,
               string_agg(o.pcn_name, ';' ORDER BY i.pcn_code) AS pcn_name,
               s.sub_icb_code, si.icb_code, l.patients AS list_size,
               l.extract_date AS list_size_date
        FROM practices p
        LEFT JOIN in_pcn i USING (practice_code)
        LEFT JOIN pcn_orgs o USING (pcn_code)
        LEFT JOIN practice_sub_icb s USING (practice_code)
        LEFT JOIN sub_icb_icb si USING (sub_icb_code)
        LEFT JOIN list_size l USING (practice_code)
        WHERE p.is_open AND p.practice_code IN (SELECT practice_code FROM scope_practices)
        GROUP BY ALL ORDER BY p.practice_code"""
    )


def pcns(con: duckdb.DuckDBPyConnection, as_of: dt.date, icb: str | None = None) -> list[Row]:
    """One row per open PCN: sub-ICB / ICB / region, open member practices, registered patients.

    `registered_patients` sums the open members' latest total list sizes on or before the date
    (`list_size_dates` says which extract dates); it is empty when any open member has no list
    size (`practices_without_list_size`), never a guess. `flags` lists the rules that fire.
    """
    rows = Snapshot(con, as_of, icb).rows(
        PCN_SIZES
        + """SELECT o.pcn_code, o.pcn_name, c.sub_icb_code, si.icb_code, r.region_code,
               coalesce(z.open_members, 0) AS practices,
               CASE WHEN z.pcn_code IS NULL THEN 0
                    WHEN z.sized_members = z.open_members THEN z.known_patients END
                   AS registered_patients,
               z.extract_dates AS list_size_dates,
               coalesce(z.open_members - z.sized_members, 0) AS practices_without_list_size
        FROM pcn_orgs o
        LEFT JOIN pcn_sub_icb c USING (pcn_code)
        LEFT JOIN sub_icb_icb si USING (sub_icb_code)
        LEFT JOIN icb_region r USING (icb_code)
        LEFT JOIN pcn_sizes z USING (pcn_code)
        WHERE o.is_open AND o.pcn_code IN (SELECT pcn_code FROM scope_pcns)
        ORDER BY o.pcn_code"""
    )
    flags = check(con, as_of, icb).flags_by_pcn()
    for row in rows:
        row["flags"] = flags.get(row["pcn_code"], "")
    return rows


def history(con: duckdb.DuckDBPyConnection, practice_code: str) -> list[Row]:
    """Every PCN and sub-ICB membership the practice has had, oldest first (moves over time)."""
    cursor = con.execute(
        """SELECT m.child_code AS practice_code, m.relationship, m.parent_code,
                  o.name AS parent_name, m.valid_from, m.valid_to
           FROM org_memberships m LEFT JOIN organisations o ON o.org_code = m.parent_code
           WHERE m.child_code = $code
             AND m.relationship IN ('practice_in_pcn', 'practice_in_sub_icb')
           ORDER BY m.valid_from, m.relationship, m.parent_code""",
        {"code": practice_code},
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


_UNDER = """
WITH RECURSIVE valid AS (
    SELECT child_code, parent_code, relationship FROM org_memberships
    WHERE valid_from <= $as_of AND (valid_to IS NULL OR valid_to >= $as_of)
),
roots AS (
    SELECT $code AS org_code
    UNION
    -- a community provider: the PCNs its teams serve
    SELECT s.parent_code FROM valid r JOIN valid s ON s.child_code = r.child_code
    WHERE r.relationship = 'team_run_by_provider' AND r.parent_code = $code
      AND s.relationship = 'team_serves_pcn'
),
under(org_code) AS (
    SELECT org_code FROM roots
    UNION
    SELECT v.child_code FROM valid v JOIN under u ON v.parent_code = u.org_code
)
SELECT u.org_code, o.org_type FROM under u LEFT JOIN organisations o USING (org_code)
ORDER BY u.org_code
"""


def organisations_under(con: duckdb.DuckDBPyConnection, org_code: str, as_of: dt.date) -> list[Row]:
    """The organisation and every one below it on the date (org_code, org_type), following
    org_memberships from parent to child: a region's ICBs, their sub-ICBs, PCNs, practices,
    the community teams serving those PCNs and the care homes aligned to them. A community
    provider's footprint is the PCNs its teams serve (`team_serves_pcn`) and what is below
    them, with its own teams. An unknown code gives itself alone, with no type."""
    cursor = con.execute(_UNDER, {"code": org_code, "as_of": as_of})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def organisations(
    con: duckdb.DuckDBPyConnection, *, org_type: str | None = None, code: str | None = None
) -> list[Row]:
    """Rows of the organisations table (code, type, name, postcode, open and close dates),
    ordered by code; of one type, or the one organisation with `code`, when asked."""
    cursor = con.execute(
        """SELECT org_code, org_type, name, postcode, open_date, close_date FROM organisations
           WHERE ($type IS NULL OR org_type = $type) AND ($code IS NULL OR org_code = $code)
           ORDER BY org_code""",
        {"type": org_type, "code": code},
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

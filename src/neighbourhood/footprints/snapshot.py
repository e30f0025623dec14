"""The organisation tree on one date, as SQL common table expressions over the store.

Every footprint query (members, PCNs, each rule) starts with `SNAPSHOT`, which defines:

    held              memberships that hold on $as_of (valid_from <= date <= valid_to, or open)
    practices         every GP practice, is_open / is_closed on the date
    pcn_orgs          every PCN, is_open on the date
    in_pcn            practice -> PCN memberships held on the date (distinct pairs)
    practice_sub_icb  practice -> sub-ICB held on the date
    pcn_sub_icb       PCN -> sub-ICB held on the date
    sub_icb_icb       sub-ICB -> ICB held on the date
    icb_region        ICB -> region held on the date
    list_size         each practice's latest total list size (sex all, age band ALL) on or before
                      the date, with the extract date used
    scope_pcns        PCNs in the requested ICB ($icb), or all PCNs when $icb is NULL
    scope_practices   practices in that ICB: by their own sub-ICB, or by a PCN in scope

Organisations are open on a date from open_date to close_date, both inclusive (ODS dates); a
practice is closed on a date after its close_date. Everything is set-based: one query per
result, no loops over rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

SNAPSHOT = """
WITH
held AS (
    SELECT child_code, parent_code, relationship FROM org_memberships
    WHERE valid_from <= CAST($as_of AS DATE)
      AND (valid_to IS NULL OR valid_to >= CAST($as_of AS DATE))
),
practices AS (
    SELECT org_code AS practice_code, name AS practice_name, open_date, close_date,
           (open_date IS NULL OR open_date <= CAST($as_of AS DATE))
           AND (close_date IS NULL OR close_date >= CAST($as_of AS DATE)) AS is_open,
           coalesce(close_date < CAST($as_of AS DATE), false) AS is_closed
    FROM organisations WHERE org_type = 'practice'
),
pcn_orgs AS (
    SELECT org_code AS pcn_code, name AS pcn_name,
           (open_date IS NULL OR open_date <= CAST($as_of AS DATE))
           AND (close_date IS NULL OR close_date >= CAST($as_of AS DATE)) AS is_open
    FROM organisations WHERE org_type = 'pcn'
),
in_pcn AS (
    SELECT DISTINCT child_code AS practice_code, parent_code AS pcn_code
    FROM held WHERE relationship = 'practice_in_pcn'
),
practice_sub_icb AS (
    SELECT child_code AS practice_code, min(parent_code) AS sub_icb_code
    FROM held WHERE relationship = 'practice_in_sub_icb' GROUP BY 1
),
pcn_sub_icb AS (
    SELECT child_code AS pcn_code, min(parent_code) AS sub_icb_code
    FROM held WHERE relationship = 'pcn_in_sub_icb' GROUP BY 1
),
sub_icb_icb AS (
    SELECT child_code AS sub_icb_code, min(parent_code) AS icb_code
    FROM held WHERE relationship = 'sub_icb_in_icb' GROUP BY 1
),
icb_region AS (
    SELECT child_code AS icb_code, min(parent_code) AS region_code
    FROM held WHERE relationship = 'icb_in_region' GROUP BY 1
),
list_size AS (
    SELECT practice_code, arg_max(patients, extract_date) AS patients,
           max(extract_date) AS extract_date
    FROM practice_list_sizes
    WHERE sex = 'all' AND age_band = 'ALL' AND extract_date <= CAST($as_of AS DATE)
    GROUP BY 1
),
scope_pcns AS (
    SELECT p.pcn_code FROM pcn_orgs p
    LEFT JOIN pcn_sub_icb s USING (pcn_code)
    LEFT JOIN sub_icb_icb i USING (sub_icb_code)
    WHERE CAST($icb AS VARCHAR) IS NULL OR i.icb_code = CAST($icb AS VARCHAR)
),
scope_practices AS (
    SELECT p.practice_code FROM practices p
    LEFT JOIN practice_sub_icb s USING (practice_code)
    LEFT JOIN sub_icb_icb i USING (sub_icb_code)
    WHERE CAST($icb AS VARCHAR) IS NULL OR i.icb_code = CAST($icb AS VARCHAR)
    UNION
    SELECT practice_code FROM in_pcn WHERE pcn_code IN (SELECT pcn_code FROM scope_pcns)
)
"""


@dataclass(frozen=True)
class Snapshot:
    """A connection to the store, a date and an optional ICB: the scope of one set of queries."""

    con: duckdb.DuckDBPyConnection
    as_of: dt.date
    icb: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.as_of, dt.date) or isinstance(self.as_of, dt.datetime):
            raise TypeError(f"as_of must be a date, not {type(self.as_of).__name__}")
        if self.icb is not None:
            (known,) = self.con.execute(
                "SELECT count(*) FROM organisations WHERE org_code = $icb AND org_type = 'icb'",
                {"icb": self.icb},
            ).fetchone()
            if not known:
                raise ValueError(f"no ICB {self.icb!r} in the store")

    def rows(self, select: str, **params: Any) -> list[dict[str, Any]]:
        """Run `select` after the snapshot CTEs; rows as dicts."""
        used = {name: value for name, value in params.items() if f"${name}" in select}
        cursor = self.con.execute(SNAPSHOT + select, {"as_of": self.as_of, "icb": self.icb, **used})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


# Per-PCN registered list on the date, from the open member practices' latest list sizes.
# Appended after SNAPSHOT (it continues the WITH list).
PCN_SIZES = """,
pcn_members AS (
    SELECT i.pcn_code, p.practice_code, l.patients, l.extract_date
    FROM in_pcn i JOIN practices p USING (practice_code)
    LEFT JOIN list_size l USING (practice_code)
    WHERE p.is_open
),
pcn_sizes AS (
    SELECT pcn_code, count(*) AS open_members, count(patients) AS sized_members,
           sum(patients) AS known_patients,
           string_agg(DISTINCT CAST(extract_date AS VARCHAR), ';'
                      ORDER BY CAST(extract_date AS VARCHAR)) AS extract_dates,
           string_agg(practice_code, ', ' ORDER BY practice_code)
               FILTER (WHERE patients IS NULL) AS unsized
    FROM pcn_members GROUP BY 1
)
"""

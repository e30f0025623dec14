"""Summaries of the store: row counts, PCN footprints with their registered lists, headlines.

Every figure is a plain SQL query over the data model, so it can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from neighbourhood.store.ddl import quote
from neighbourhood.store.model import load_data_model

Row = dict[str, Any]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[Row]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def store_contents(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Rows held, rows quarantined and files loaded for every loadable table."""
    quarantined = dict(
        con.execute("SELECT target_table, count(*) FROM quarantine GROUP BY 1").fetchall()
    )
    files = {
        table: (n, bool(synthetic))
        for table, n, synthetic in con.execute(
            "SELECT target_table, count(*), bool_or(synthetic) FROM load_log GROUP BY 1"
        ).fetchall()
    }
    out = []
    for table in load_data_model().loadable_tables:
        (rows,) = con.execute(f"SELECT count(*) FROM {quote(table.name)}").fetchone()
        n_files, synthetic = files.get(table.name, (0, False))
        out.append(
            {
                "table": table.name,
                "rows": rows,
                "quarantined": quarantined.get(table.name, 0),
                "files": n_files,
                "synthetic": synthetic,
            }
        )
    return out


def quarantined_rows(
    con: duckdb.DuckDBPyConnection, *, table: str | None = None, limit: int = 50
) -> list[Row]:
    """Rejected rows in file and line order, optionally for one target table."""
    return _rows(
        con,
        """SELECT target_table, file_path, line, field, reason, raw FROM quarantine
           WHERE $table IS NULL OR target_table = $table
           ORDER BY file_path, line LIMIT $limit""",
        {"table": table, "limit": limit},
    )


_AGE = """(year($as_of) - year(p.birth_month)
          - CASE WHEN month($as_of) < month(p.birth_month) THEN 1 ELSE 0 END)"""

_REGISTERED_ON = """
    SELECT r.patient_id, r.practice_code, p.birth_month
    FROM registrations r JOIN patients p USING (patient_id)
    WHERE r.start_date <= $as_of
      AND (r.end_date IS NULL OR r.end_date >= $as_of)
      AND (p.date_of_death IS NULL OR p.date_of_death > $as_of)
"""

_MEMBER_ON = """
    SELECT child_code, parent_code FROM org_memberships
    WHERE relationship = '{relationship}' AND valid_from <= $as_of
      AND (valid_to IS NULL OR valid_to >= $as_of)
"""


def pcn_summary(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Row]:
    """One row per PCN open on `as_of`: practices, registered patients, share aged 65+, care homes.

    A patient counts when registered on `as_of` and alive then (a patient registered at two
    practices on the day counts at each; the loader does not forbid overlapping registrations).
    """
    sql = f"""
    WITH members AS ({_MEMBER_ON.format(relationship="practice_in_pcn")}),
    registered AS ({_REGISTERED_ON}),
    aligned AS ({_MEMBER_ON.format(relationship="care_home_aligned_to_pcn")}),
    residents AS (
        SELECT care_home_code, count(DISTINCT patient_id) AS residents
        FROM care_home_residences
        WHERE start_date <= $as_of AND (end_date IS NULL OR end_date >= $as_of)
        GROUP BY 1
    ),
    per_pcn AS (
        SELECT m.parent_code AS pcn_code,
               count(DISTINCT m.child_code) AS practices,
               count(r.patient_id) AS registered_patients,
               count(r.patient_id) FILTER (WHERE {_AGE.replace("p.", "r.")} >= 65) AS aged_65_plus
        FROM members m LEFT JOIN registered r ON r.practice_code = m.child_code
        GROUP BY 1
    ),
    homes AS (
        SELECT a.parent_code AS pcn_code, count(*) AS care_homes,
               coalesce(sum(res.residents), 0) AS care_home_residents
        FROM aligned a LEFT JOIN residents res ON res.care_home_code = a.child_code
        GROUP BY 1
    )
    SELECT o.org_code AS pcn_code, o.name AS pcn_name,
           coalesce(pp.practices, 0) AS practices,
           coalesce(pp.registered_patients, 0) AS registered_patients,
           round(100.0 * pp.aged_65_plus / nullif(pp.registered_patients, 0), 1) AS pct_65_plus,
           coalesce(h.care_homes, 0) AS care_homes,
           coalesce(h.care_home_residents, 0) AS care_home_residents
    FROM organisations o
    LEFT JOIN per_pcn pp ON pp.pcn_code = o.org_code
    LEFT JOIN homes h ON h.pcn_code = o.org_code
    WHERE o.org_type = 'pcn'
      AND (o.open_date IS NULL OR o.open_date <= $as_of)
      AND (o.close_date IS NULL OR o.close_date >= $as_of)
    ORDER BY o.org_code
    """
    return _rows(con, sql, {"as_of": as_of})


def headline_figures(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[Row]:
    """A handful of whole-store figures on `as_of`, each with the rule that produced it."""
    year_ago = as_of - dt.timedelta(days=365)
    queries = [
        (
            "registered patients",
            f"SELECT count(DISTINCT patient_id) FROM ({_REGISTERED_ON})",
            {},
            "registered and alive on the date",
        ),
        (
            "practices with registered patients",
            f"SELECT count(DISTINCT practice_code) FROM ({_REGISTERED_ON})",
            {},
            "distinct practices of those registrations",
        ),
        (
            "care home residents",
            """SELECT count(DISTINCT patient_id) FROM care_home_residences
               WHERE start_date <= $as_of
                 AND (end_date IS NULL OR end_date >= $as_of)""",
            {},
            "residence period covering the date",
        ),
        (
            "2-hour UCR referrals in the last 12 months",
            """SELECT count(*) FROM community_referrals
               WHERE clock = '2_hour' AND CAST(received_at AS DATE) > $year_ago
                 AND CAST(received_at AS DATE) <= $as_of""",
            {"year_ago": year_ago},
            "received in the 365 days to the date",
        ),
        (
            "emergency admissions in the last 12 months",
            """SELECT count(*) FROM hospital_spells
               WHERE admission_method = 'emergency' AND admission_date > $year_ago
                 AND admission_date <= $as_of""",
            {"year_ago": year_ago},
            "admitted in the 365 days to the date",
        ),
        (
            "GP appointments in the last 12 months",
            """SELECT count(*) FROM gp_appointments
               WHERE appointment_date > $year_ago AND appointment_date <= $as_of""",
            {"year_ago": year_ago},
            "appointment date in the 365 days to the date",
        ),
    ]
    out = []
    for figure, sql, params, rule in queries:
        (value,) = con.execute(sql, {"as_of": as_of, **params}).fetchone()
        out.append({"figure": figure, "value": value, "rule": rule})
    return out

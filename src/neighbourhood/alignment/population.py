"""Patients aged 65+ by PCN on a date: from published age bands when every practice has them,
else from the registered patients in the store.

1. `practice_list_sizes` age bands: each practice's latest extract on or before the date that
   has age bands; 65+ = the quinary bands 65_69 ... 90_94 and 95+ (or single years 65 ... 94
   and 95+ when that extract has no quinary bands); sex "all" when published, else male +
   female.
2. Otherwise: patients with a registration holding on the date, alive on it, aged 65 or over
   in whole years from their month of birth (born on the 1st: the birthday has passed once
   the month is reached).

A PCN's count sums its open member practices on the date. Which source was used is returned.
"""

from __future__ import annotations

from neighbourhood.footprints.snapshot import Snapshot

SOURCE_LIST_SIZES = (
    "practice_list_sizes age bands (NHS Digital, Patients Registered at a GP Practice)"
)
SOURCE_REGISTRATIONS = "registrations + patients in the store (age on the date from birth month)"

_BANDS = """,
banded AS (
    SELECT practice_code, extract_date, sex, age_band, patients,
           regexp_matches(age_band, '^[0-9]+_[0-9]+$') AS quinary,
           CASE WHEN age_band = '95+' THEN 95
                ELSE TRY_CAST(split_part(age_band, '_', 1) AS INTEGER) END AS lower_age
    FROM practice_list_sizes
    WHERE age_band <> 'ALL' AND extract_date <= CAST($as_of AS DATE)
),
latest_banded AS (
    SELECT practice_code, max(extract_date) AS extract_date FROM banded GROUP BY 1
),
layout AS (
    SELECT b.practice_code, b.extract_date, bool_or(b.quinary) AS has_quinary,
           bool_or(b.sex = 'all') AS has_all
    FROM banded b JOIN latest_banded USING (practice_code, extract_date) GROUP BY 1, 2
),
band_65 AS (
    SELECT b.practice_code, sum(b.patients) AS patients_65_plus
    FROM banded b JOIN layout l USING (practice_code, extract_date)
    WHERE b.lower_age >= 65
      AND (b.age_band = '95+' OR b.quinary = l.has_quinary)
      AND (b.sex = 'all') = l.has_all
    GROUP BY 1
),
registered_65 AS (
    SELECT r.practice_code, count(DISTINCT r.patient_id) AS patients_65_plus
    FROM registrations r JOIN patients p USING (patient_id)
    WHERE r.start_date <= CAST($as_of AS DATE)
      AND (r.end_date IS NULL OR r.end_date >= CAST($as_of AS DATE))
      AND (p.date_of_death IS NULL OR p.date_of_death > CAST($as_of AS DATE))
      AND year(CAST($as_of AS DATE)) - year(p.birth_month)
          - CASE WHEN month(CAST($as_of AS DATE)) < month(p.birth_month) THEN 1 ELSE 0 END >= 65
    GROUP BY 1
),
open_members AS (
    SELECT i.pcn_code, i.practice_code FROM in_pcn i JOIN practices p USING (practice_code)
    WHERE p.is_open AND i.pcn_code IN (SELECT pcn_code FROM scope_pcns)
)
"""


def patients_65_plus_by_pcn(snap: Snapshot) -> tuple[dict[str, int], str]:
    """PCN code -> patients aged 65+ (PCNs in scope with an open member), and the source."""
    (missing,) = snap.rows(
        _BANDS + "SELECT count(*) AS n FROM open_members "
        "WHERE practice_code NOT IN (SELECT practice_code FROM band_65)"
    )
    (members,) = snap.rows(_BANDS + "SELECT count(*) AS n FROM open_members")
    use_bands = members["n"] > 0 and missing["n"] == 0
    table, source = (
        ("band_65", SOURCE_LIST_SIZES) if use_bands else ("registered_65", SOURCE_REGISTRATIONS)
    )
    rows = snap.rows(
        _BANDS
        + f"""SELECT m.pcn_code, coalesce(sum(c.patients_65_plus), 0) AS n
        FROM open_members m LEFT JOIN {table} c USING (practice_code) GROUP BY 1"""
    )
    return {r["pcn_code"]: int(r["n"]) for r in rows}, source

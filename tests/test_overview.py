"""Store summaries on a hand-checked universe of two PCNs, three practices and four patients.

region Y58 ── ICB QJK ── sub-ICB 15N ─┬─ PCN U1 (open) ─┬─ A1
                                      │                 └─ A2 (joins 2024-04-01)
                                      └─ PCN U2 (closed 2020-03-31) ── B1
care home CH1 aligned to U1; P3 lives there from 2024-06-01
P1 born 1958-07 at A1; P2 born 1960-01 at A1, died 2025-01-01;
P3 born 1930-05 at A2 from 2024-05-01; P4 born 1990-02 at A2 until 2025-03-01
"""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.overview import headline_figures, pcn_summary, store_contents
from neighbourhood.store import connect

UNIVERSE = """
INSERT INTO organisations VALUES
  ('Y58', 'region', 'SOUTH WEST', NULL, NULL, NULL),
  ('QJK', 'icb', 'NHS DEVON ICB', NULL, NULL, NULL),
  ('15N', 'sub_icb', 'NHS DEVON ICB - 15N', NULL, NULL, NULL),
  ('U1', 'pcn', 'ONE PCN', NULL, DATE '2019-07-01', NULL),
  ('U2', 'pcn', 'TWO PCN', NULL, DATE '2019-07-01', DATE '2020-03-31'),
  ('A1', 'practice', 'A ONE', 'EX1 1AA', NULL, NULL),
  ('A2', 'practice', 'A TWO', 'EX1 1AB', NULL, NULL),
  ('B1', 'practice', 'B ONE', 'EX1 1AC', NULL, NULL),
  ('CH1', 'care_home', 'HOME ONE', 'EX2 2BB', NULL, NULL);
INSERT INTO org_memberships VALUES
  ('A1', 'U1', 'practice_in_pcn', DATE '2019-07-01', NULL),
  ('A2', 'U1', 'practice_in_pcn', DATE '2024-04-01', NULL),
  ('B1', 'U2', 'practice_in_pcn', DATE '2019-07-01', DATE '2020-03-31'),
  ('CH1', 'U1', 'care_home_aligned_to_pcn', DATE '2020-10-01', NULL);
INSERT INTO patients (patient_id, birth_month, sex, lsoa_code, imd_decile, date_of_death) VALUES
  ('P1', DATE '1958-07-01', 'female', NULL, NULL, NULL),
  ('P2', DATE '1960-01-01', 'male', NULL, NULL, DATE '2025-01-01'),
  ('P3', DATE '1930-05-01', 'female', NULL, NULL, NULL),
  ('P4', DATE '1990-02-01', 'male', NULL, NULL, NULL);
INSERT INTO registrations VALUES
  ('P1', 'A1', DATE '2000-01-01', NULL),
  ('P2', 'A1', DATE '2000-01-01', NULL),
  ('P3', 'A2', DATE '2024-05-01', NULL),
  ('P4', 'A2', DATE '2010-01-01', DATE '2025-03-01');
INSERT INTO care_home_residences VALUES ('P3', 'CH1', DATE '2024-06-01', NULL);
"""


@pytest.fixture
def store():
    con = connect(":memory:")
    con.execute(UNIVERSE)
    return con


def test_pcn_summary_mid_2025(store):
    (row,) = pcn_summary(store, dt.date(2025, 6, 30))  # U2 is closed, so not listed
    assert row == {
        "pcn_code": "U1",
        "pcn_name": "ONE PCN",
        "practices": 2,
        "registered_patients": 2,  # P1 and P3: P2 has died, P4 has left
        "pct_65_plus": 100.0,  # P1 is 66, P3 is 95
        "care_homes": 1,
        "care_home_residents": 1,
    }


def test_pcn_summary_before_a_practice_joined(store):
    (row,) = pcn_summary(store, dt.date(2024, 3, 31))
    assert row["practices"] == 1  # A2 joined U1 on 2024-04-01
    assert row["registered_patients"] == 2  # P1 and P2 at A1
    assert row["pct_65_plus"] == 50.0  # P1 is 65; P2 is 64
    assert row["care_home_residents"] == 0


def test_everyone_registered_at_the_end_of_2024(store):
    (row,) = pcn_summary(store, dt.date(2024, 12, 31))
    assert row["registered_patients"] == 4  # P1, P2 at A1; P3 and P4 at A2
    assert row["pct_65_plus"] == 50.0  # P1 (66) and P3 (94); P2 is 64, P4 is 34


@pytest.mark.parametrize(("day", "pct"), [(dt.date(2023, 6, 30), 0.0), (dt.date(2023, 7, 1), 50.0)])
def test_age_turns_on_the_first_of_the_birth_month(store, day, pct):
    # Only A1 is in U1 in 2023: P1 (born July 1958) turns 65 on 2023-07-01; P2 is 63.
    (row,) = pcn_summary(store, day)
    assert row["registered_patients"] == 2
    assert row["pct_65_plus"] == pct


def test_headlines(store):
    figures = {f["figure"]: f["value"] for f in headline_figures(store, dt.date(2025, 6, 30))}
    assert figures["registered patients"] == 2
    assert figures["practices with registered patients"] == 2
    assert figures["care home residents"] == 1


def test_store_contents_counts_rows(store):
    contents = {r["table"]: r for r in store_contents(store)}
    assert contents["patients"]["rows"] == 4
    assert contents["organisations"]["rows"] == 9
    assert contents["clinical_events"]["rows"] == 0
    assert contents["patients"]["synthetic"] is False

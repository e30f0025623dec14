"""A seeded synthetic store for the cohort benchmark, written by DuckDB SQL (seconds, not the
minutes the package's own generator takes at this size).

    python benchmarks/cohort_data.py --out /tmp/cohorts.duckdb --patients 1000000 \
        --events 30000000 --medicines 20000000

Every random draw is a hash of the row number, a stream number and the seed (`u(i, s)` below),
so the same arguments give the same rows whatever the thread count. The store has the full
schema (`neighbourhood.store.connect`); the index date is 2025-09-30 and no date is later.

- patients: birth months spread evenly over the 100 years up to 2025-09; deaths (more with
  age, about 3.7%) in the five years up to the index date, 5% of them on it;
- registrations: one per patient at one of 150 practices, ended for 4% (moved away, a few on
  the index date), at death for the dead, and a few starting on the index date; 17% have an
  earlier one at another practice, 3.5% a second one that overlaps the first (later start,
  same start with another practice, or earlier start still open), so the rule for the
  registration on a date is exercised;
- organisations: 150 practices in 30 PCNs (practice_in_pcn memberships; a few practices move
  PCN on 2025-04-01, leave one on 2025-06-30, have two memberships on the date (different or
  the same start), one ending on the date and the next starting the day after, or one
  starting after the date; one practice is in none), 300 care homes aligned to PCNs;
- clinical_events: `events` rows (less a few key duplicates), 3% with a code of one of the
  library's SNOMED CT codelists (list first, then a code of it, each evenly), concentrated on
  a minority of patients (patient = P * u^2) so that deficit counts spread; the rest from a
  background pool of 3,000 valid SNOMED CT concept ids in none of those lists; dates over 20
  years, more recent ones likelier, within each life; a value on 10% of rows; plus a FIT
  record 0-29 days before half the lower GI referrals;
- medications_issued: `medicines` rows over the two years up to the index date; half the
  patients have no medicines, the others 1 + floor(4 * Exp(1)) products (each issued about
  equally often, so issues per patient grow with it), 6% of a patient's products from the
  library's dm+d codelists (addictive medicines), the rest from the real dm+d ids of the
  shipped GM SDE medication code sets that are in none of them;
- hospital_spells (0.15 per patient; 60% emergency), care_home_residences (0.01 per patient).
Rows that would share a data-model key are kept once.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

INDEX_DATE = "2025-09-30"
PRACTICES = 150
PCNS = 30
CARE_HOMES = 300
SEED = 20250930
LIBRARY_EVENT_SHARE = 0.03
ADDICTIVE_PERCENT = 6


def library_codelists() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Every codelist the shipped library reads: (SNOMED CT lists, dm+d lists)."""
    from neighbourhood.codelists import CodingSystem, codelist
    from neighbourhood.cohorts import shipped_library

    ids = sorted({i for c in shipped_library().values() for i in c.codelists})
    snomed, dmd = {}, {}
    for i in ids:
        found = codelist(i)
        target = dmd if found.system is CodingSystem.DMD else snomed
        target[i] = tuple(sorted(found.values))
    return snomed, dmd


def background_snomed(count: int, exclude: set[str], seed: int) -> list[str]:
    """Valid SNOMED CT concept ids (partition 00, Verhoeff check digit) not in `exclude`."""
    from neighbourhood.identifiers import sctid_problem, verhoeff_check_digit

    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        body = f"{rng.randrange(10_000, 999_999_999)}00"
        code = body + str(verhoeff_check_digit(body))
        if code not in exclude and sctid_problem(code) is None:
            found[code] = None
    return list(found)


def background_dmd(exclude: set[str]) -> list[str]:
    from neighbourhood.synthetic.medications import medicine_pool

    return [c for c in medicine_pool().tolist() if c not in exclude]


def build(path: Path, patients: int, events: int, medicines: int, seed: int = SEED) -> dict:
    import duckdb
    import pyarrow as pa

    from neighbourhood.store import connect

    snomed, dmd = library_codelists()
    library_snomed = {c for codes in snomed.values() for c in codes}
    library_dmd = {c for codes in dmd.values() for c in codes}
    background = background_snomed(3000, library_snomed, seed)
    medicine_background = background_dmd(library_dmd)
    addictive = sorted(library_dmd)

    # One code table: the background pool first, then each library list in turn.
    codes, lists = list(background), []
    for number, (_, values) in enumerate(sorted(snomed.items())):
        lists.append({"list_no": number, "off": len(codes), "n": len(values)})
        codes.extend(values)
    referral = snomed["lower-gi-urgent-suspected-cancer-referral"]
    (fit_code,) = snomed["nhsd-primary-care-domain-refsets-faecimm_cod"]

    path.parent.mkdir(parents=True, exist_ok=True)
    for old in (path, Path(f"{path}.wal")):
        old.unlink(missing_ok=True)
    connect(path).close()  # the full schema
    con = duckdb.connect(str(path))
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE TEMP MACRO u(i, s) AS (hash(i, s, {seed}) % 4294967291) / 4294967291.0")
    con.execute(f"CREATE TEMP MACRO index_day() AS DATE '{INDEX_DATE}'")
    # dm+d: the background products first, then the library's (addictive) ones.
    medicine_codes = medicine_background + addictive
    con.register("code_rows", pa.table({"idx": range(len(codes)), "code": codes}))
    con.register("list_rows", pa.Table.from_pylist(lists))
    con.register("med_rows", pa.table({"idx": range(len(medicine_codes)), "code": medicine_codes}))
    con.execute("CREATE TEMP TABLE code_pool AS SELECT * FROM code_rows")
    con.execute("CREATE TEMP TABLE lib_lists AS SELECT * FROM list_rows")
    con.execute("CREATE TEMP TABLE med_pool AS SELECT * FROM med_rows")
    sql = {
        "P": patients,
        "E": events,
        "M": medicines,
        "NB": len(background),
        "L": len(lists),
        "NM": len(medicine_background),
        "NA": len(addictive),  # the library dm+d codes, after the NM others
        "LIB": LIBRARY_EVENT_SHARE,
        "ADD": ADDICTIVE_PERCENT,
        "S": round(patients * 0.15),
        "C": round(patients * 0.01),
        "PR": PRACTICES,
        "PCN": PCNS,
        "CH": CARE_HOMES,
    }
    timings = {}

    def run(name: str, statement: str) -> None:
        start = time.perf_counter()
        con.execute(statement.format(**sql))
        timings[name] = round(time.perf_counter() - start, 1)

    run("patients", PATIENTS)
    run("organisations", ORGANISATIONS)
    run("registrations", REGISTRATIONS)
    run("clinical_events", EVENTS)
    run(
        "fit",
        FIT.format(referral=", ".join(f"'{c}'" for c in referral), fit=fit_code, **sql),
    )
    run("medications_issued", MEDICINES)
    run("hospital_spells", SPELLS)
    run("care_home_residences", RESIDENCES)
    con.execute("CHECKPOINT")
    tables = ("patients", "registrations", "clinical_events", "medications_issued",
              "hospital_spells", "care_home_residences", "organisations", "org_memberships",
              "care_homes")  # fmt: skip
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    con.close()
    return {"counts": counts, "seconds": timings, "library_snomed_lists": len(lists),
            "background_snomed": len(background), "background_dmd": len(medicine_background),
            "library_dmd": len(addictive)}  # fmt: skip


PATIENTS = """
CREATE TEMP TABLE pi AS
SELECT i, 'P' || lpad(i::VARCHAR, 8, '0') AS patient_id, birth_month,
       CASE WHEN u(i, 4) < 0.01 + 0.08 * pow(back / 1200.0, 2)
            THEN greatest(birth_month, index_day() - CASE WHEN u(i, 6) < 0.05 THEN 0
                                                         ELSE floor(u(i, 5) * 1827)::INTEGER END)
       END
           AS date_of_death
FROM (SELECT i, floor(u(i, 1) * 1200)::INTEGER AS back,
             (DATE '2025-09-01' - to_months(back))::DATE AS birth_month
      FROM range({P}) t(i));
INSERT INTO patients (patient_id, birth_month, sex, imd_decile, date_of_death)
SELECT patient_id, birth_month, CASE WHEN u(i, 2) < 0.5 THEN 'female' ELSE 'male' END,
       1 + floor(u(i, 3) * 10)::INTEGER, date_of_death
FROM pi;
"""

ORGANISATIONS = """
CREATE TEMP TABLE practice AS
SELECT k, 'A' || (81000 + k)::VARCHAR AS code,
       'U' || (10000 + k % {PCN})::VARCHAR AS pcn,
       'U' || (10000 + (k + 1) % {PCN})::VARCHAR AS other
FROM range({PR}) t(k);
INSERT INTO organisations (org_code, org_type, name, open_date)
SELECT code, 'practice', 'Practice ' || k, DATE '1990-01-01' FROM practice
UNION ALL SELECT 'U' || (10000 + k)::VARCHAR, 'pcn', 'PCN ' || k, DATE '2019-07-01'
FROM range({PCN}) t(k)
UNION ALL SELECT '1-' || (100000000 + k)::VARCHAR, 'care_home', 'Care home ' || k, DATE '2000-01-01'
FROM range({CH}) t(k);
INSERT INTO care_homes (org_code, beds, with_nursing)
SELECT '1-' || (100000000 + k)::VARCHAR, 10 + floor(u(k, 90) * 90)::INTEGER, u(k, 91) < 0.4
FROM range({CH}) t(k);
INSERT INTO org_memberships
SELECT code, pcn, 'practice_in_pcn', DATE '2019-07-01',
       CASE WHEN k % 50 = 7 THEN DATE '2025-03-31' WHEN k % 50 = 13 THEN DATE '2025-06-30'
            WHEN k % 50 = 45 THEN DATE '2025-09-30' END
FROM practice WHERE k <> {PR} - 1
UNION ALL SELECT code, other, 'practice_in_pcn', DATE '2025-04-01', NULL
FROM practice WHERE k % 50 = 7
UNION ALL SELECT code, other, 'practice_in_pcn', DATE '2023-04-01', NULL
FROM practice WHERE k % 50 = 21
UNION ALL SELECT code, other, 'practice_in_pcn', DATE '2025-10-01', NULL
FROM practice WHERE k % 50 IN (33, 45)
UNION ALL SELECT code, other, 'practice_in_pcn', DATE '2019-07-01', NULL
FROM practice WHERE k % 50 = 41
UNION ALL SELECT '1-' || (100000000 + k)::VARCHAR, 'U' || (10000 + k % {PCN})::VARCHAR,
       'care_home_aligned_to_pcn', DATE '2020-01-01', NULL
FROM range({CH}) t(k);
"""

REGISTRATIONS = """
CREATE TEMP TABLE main_reg AS
SELECT i, patient_id, birth_month, date_of_death, practice,
       least(start_date, coalesce(date_of_death, start_date)) AS start_date,
       CASE WHEN date_of_death IS NOT NULL THEN date_of_death
            WHEN r_end < 0.04
              THEN start_date + floor(u(i, 13) * (index_day() - start_date))::INTEGER
            WHEN r_end < 0.043 THEN index_day() END AS end_date
FROM (SELECT i, patient_id, birth_month, date_of_death, u(i, 12) AS r_end,
             floor(u(i, 10) * {PR})::INTEGER AS practice,
             CASE WHEN u(i, 14) < 0.003 THEN index_day()
                  ELSE greatest(birth_month, index_day() - floor(pow(u(i, 11), 2) * 14610)::INTEGER)
             END AS start_date
      FROM pi);
INSERT INTO registrations
SELECT patient_id, 'A' || (81000 + practice)::VARCHAR, start_date, end_date FROM main_reg
UNION ALL  -- an earlier registration elsewhere, ended the day before
SELECT patient_id, 'A' || (81000 + floor(u(i, 16) * {PR})::INTEGER)::VARCHAR,
       greatest(birth_month, start_date - 1 - floor(u(i, 17) * 3650)::INTEGER), start_date - 1
FROM main_reg WHERE u(i, 15) < 0.17 AND start_date > birth_month
UNION ALL  -- an overlapping one at another practice
SELECT patient_id, code, least(s, coalesce(date_of_death, s)), coalesce(date_of_death, e)
FROM (SELECT *, 'A' || (81000 + other)::VARCHAR AS code,
             CASE WHEN r < 0.4
                    THEN start_date + floor(u(i, 20) * (index_day() - start_date))::INTEGER
                  WHEN r < 0.7 THEN start_date
                  ELSE greatest(birth_month, start_date - 1 - floor(u(i, 20) * 3650)::INTEGER)
             END AS s,
             CASE WHEN r >= 0.4 AND r < 0.55 THEN index_day() END AS e
      FROM (SELECT *, u(i, 19) AS r, floor(u(i, 18) * {PR})::INTEGER AS other FROM main_reg
            WHERE u(i, 15) >= 0.17 AND u(i, 15) < 0.205))
WHERE other <> practice;
"""

EVENTS = """
INSERT INTO clinical_events
SELECT DISTINCT p.patient_id,
       hi - floor(pow(r.d, 1.5) * (hi - greatest(p.birth_month, index_day() - 7305) + 1))::INTEGER
           AS event_date,
       c.code, r.value
FROM (SELECT i, u(i, 20) < {LIB} AS lib,
             CASE WHEN u(i, 20) < {LIB} THEN floor({P} * pow(u(i, 21), 2))
                  ELSE floor({P} * u(i, 21)) END::BIGINT AS pat,
             floor(u(i, 22) * {L})::INTEGER AS list_no, u(i, 24) AS pos, u(i, 23) AS d,
             CASE WHEN u(i, 25) < 0.1 THEN round(u(i, 26) * 200, 1) END AS value
      FROM range({E}) t(i)) r
JOIN (SELECT *, coalesce(date_of_death, index_day()) AS hi FROM pi) p ON p.i = r.pat
JOIN lib_lists l ON l.list_no = r.list_no
JOIN code_pool c ON c.idx = CASE WHEN r.lib THEN l.off + floor(r.pos * l.n)::INTEGER
                                 ELSE floor(r.pos * {NB})::INTEGER END;
"""

FIT = """
INSERT INTO clinical_events
SELECT DISTINCT e.patient_id,
       greatest(e.event_date - floor(u(hash(e.patient_id, e.event_date), 40) * 30)::INTEGER,
                p.birth_month),
       '{fit}', round(u(hash(e.patient_id, e.event_date), 41) * 400, 1)
FROM clinical_events e JOIN patients p USING (patient_id)
WHERE e.snomed_code IN ({referral}) AND u(hash(e.patient_id, e.event_date), 42) < 0.5;
"""

MEDICINES = """
CREATE TEMP TABLE takers AS
SELECT i, patient_id, birth_month, coalesce(date_of_death, index_day()) AS hi, k,
       sum(k) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) - k AS cum
FROM (SELECT *, least(40, 1 + floor(-ln(greatest(u(i, 31), 1e-12)) * 4))::INTEGER AS k
      FROM pi WHERE u(i, 30) >= 0.5
      AND (date_of_death IS NULL OR date_of_death >= index_day() - 730));
INSERT INTO medications_issued
SELECT patient_id, issue_date, code, min(quantity)
FROM (
  SELECT t.patient_id,
         t.hi - floor(u(r.i, 36) * (t.hi - greatest(t.birth_month, index_day() - 730) + 1))::INTEGER
             AS issue_date,
         CASE WHEN hash(t.i, floor(r.target - t.cum), 33) % 100 < {ADD}
              THEN {NM} + hash(t.i, floor(r.target - t.cum), 34) % {NA}
              ELSE hash(t.i, floor(r.target - t.cum), 35) % {NM} END AS product,
         CASE WHEN u(r.i, 37) < 0.7 THEN 28 ELSE 56 END AS quantity
  FROM (SELECT i, u(i, 32) * (SELECT sum(k) FROM takers) AS target FROM range({M}) t(i)) r
  ASOF JOIN takers t ON r.target >= t.cum
) JOIN med_pool ON idx = product
GROUP BY ALL;
"""

SPELLS = """
INSERT INTO hospital_spells
SELECT 'H' || lpad(s::VARCHAR, 8, '0'), patient_id, admission_date,
       CASE WHEN m < 0.6 THEN 'emergency' WHEN m < 0.95 THEN 'elective' ELSE 'other' END,
       CASE WHEN discharge <= index_day() THEN admission_date + floor(stay * 0.8)::INTEGER END,
       CASE WHEN discharge <= index_day() THEN discharge END,
       CASE WHEN discharge <= index_day() THEN floor(u(s, 55) * 4)::INTEGER END
FROM (SELECT s, patient_id, admission_date, m, stay, admission_date + stay AS discharge
      FROM (SELECT s, p.patient_id, u(s, 52) AS m,
                   floor(-ln(greatest(u(s, 53), 1e-12)) * 5)::INTEGER AS stay,
                   coalesce(p.date_of_death, index_day()) - floor(u(s, 51) * (coalesce(
                       p.date_of_death, index_day()) - greatest(p.birth_month,
                       index_day() - 1095) + 1))::INTEGER AS admission_date
            FROM range({S}) t(s) JOIN pi p ON p.i = floor({P} * pow(u(s, 50), 1.5))::BIGINT));
"""

RESIDENCES = """
INSERT INTO care_home_residences
SELECT patient_id, home, s,
       min(CASE WHEN date_of_death IS NOT NULL
                THEN least(coalesce(e, date_of_death), date_of_death) ELSE e END)
FROM (SELECT patient_id, date_of_death,
             '1-' || (100000000 + floor(u(c, 61) * {CH})::INTEGER)::VARCHAR AS home,
             least(s0, coalesce(date_of_death, s0)) AS s,
             CASE WHEN r < 0.6 THEN NULL WHEN r < 0.65 THEN index_day() WHEN r < 0.68 THEN s0
                  ELSE s0 + floor(u(c, 64) * (index_day() - s0))::INTEGER END AS e
      FROM (SELECT c, p.patient_id, p.date_of_death, u(c, 63) AS r,
                   greatest(p.birth_month, index_day() - floor(u(c, 62) * 1827)::INTEGER) AS s0
            FROM range({C}) t(c) JOIN pi p ON p.i = floor({P} * u(c, 60))::BIGINT))
GROUP BY patient_id, home, s;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=600_000)
    parser.add_argument("--medicines", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    start = time.perf_counter()
    report = build(args.out, args.patients, args.events, args.medicines, args.seed)
    report["total_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()

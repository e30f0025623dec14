"""Benchmark the cohort library on DuckDB, and two cohorts against a hand-written DuckDB query
and a straightforward pandas implementation of the same rules.

    python benchmarks/bench_cohorts.py --patients 1000000 --events 30000000 \
        --medicines 20000000 --data /tmp/cohort-bench --repeat 3 --each --profile

A seeded synthetic store (`cohort_data.py`: patients, registrations, practices in PCNs,
clinical events, medicine issues, hospital spells, care home residences) is written once by
DuckDB SQL in a child process, to `--data DIR` (kept, and reused when the sizes and seed
match) or to a scratch folder. The index date is 2025-09-30. Then, each in a fresh
subprocess:
- library: every shipped cohort in turn through `run_cohort(open_duckdb(store), id, at)`, in
  one process (each cohort timed, and the sum); with `--each`, every cohort also in a process
  of its own, for its own peak memory;
- for `smr-complex-polypharmacy` and `efi` (`--compare`): ours (`open_duckdb` + `run_cohort`,
  the result as Arrow), one hand-written DuckDB SQL query for the same rules and the same
  output columns (`duckdb.connect` + the query + the result as Arrow), and pandas (the tables
  it needs read whole with DuckDB's `.df()`, then filters, merges and groupby in pandas; the
  reads are timed). Each writes its result to Parquet after its clock stops; a checking
  child then compares every column of every row with ours (same rows, same values) and the
  benchmark stops if anything differs;
- with `--profile`: every cohort once more, with the time split into loading the definition,
  building the Ibis expression, compiling it to SQL, and DuckDB's own execution time (its
  JSON profile), and the three costliest operators.
Each child times its own work (time.perf_counter after its imports) and reports its own peak
RSS (VmHWM); the parent also takes the child's wall time, and its ru_maxrss from os.wait4
(which also counts this small parent's memory at the fork). `--repeat` runs of each timing;
the best is shown. Hand-written rules (both ends of a window included; 6 months before
2025-09-30 is 2025-03-30 and 12 months before it 2024-09-30; the registration on the date is
the one covering it with the latest start, then the latest end, an open one latest, then the
highest practice code; alive means no death or a death after the date; age is whole years
from the month of birth; the PCN is the practice_in_pcn membership holding on the date with
the latest start, then the highest code).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AT = dt.date(2025, 9, 30)
COMPARED = ("smr-complex-polypharmacy", "efi")
SEED = 20250930

# The eFI's 35 coded deficits, in the definition's order; each is the GM SDE code set
# gm-sde-efi-<name with hyphens>.
EFI_DEFICITS = (
    "activity_limitation", "anaemia", "arthritis", "atrial_fibrillation", "care_requirement",
    "chd", "ckd", "cognitive_problems", "diabetes", "dizziness", "dyspnoea", "falls",
    "foot_problems", "fragility_fracture", "hearing_loss", "heart_failure",
    "heart_valve_disease", "housebound", "hypertension", "hypotension", "mobility_problems",
    "osteoporosis", "parkinsons", "peptic_ulcer", "pvd", "respiratory_disease", "skin_ulcer",
    "sleep_disturbance", "social_vulnerability", "stroke_tia", "thyroid_disorders",
    "urinary_incontinence", "urinary_system_disease", "vision_problems", "weight_loss",
)  # fmt: skip


def months_before(date: dt.date, months: int) -> dt.date:
    """The same day `months` earlier; a day the month lacks rolls on to the 1st of the next."""
    total = date.year * 12 + date.month - 1 - months
    year, month = divmod(total, 12)
    if date.day <= calendar.monthrange(year, month + 1)[1]:
        return dt.date(year, month + 1, date.day)
    return dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)


assert months_before(AT, 6) == dt.date(2025, 3, 30)
assert months_before(AT, 12) == dt.date(2024, 9, 30)
assert months_before(dt.date(2024, 3, 31), 6) == dt.date(2023, 10, 1)


def efi_codes() -> dict[str, tuple[str, ...]]:
    from neighbourhood.codelists import codelist

    return {name: codelist(f"gm-sde-efi-{name.replace('_', '-')}").values for name in EFI_DEFICITS}


# ---- hand-written DuckDB SQL ---------------------------------------------------------------

REGISTERED = """
registered AS (
  SELECT patient_id, practice_code FROM (
    SELECT patient_id, practice_code,
           row_number() OVER (PARTITION BY patient_id ORDER BY start_date DESC,
             coalesce(end_date, DATE '9999-12-31') DESC, practice_code DESC) AS n
    FROM registrations
    WHERE start_date <= DATE '{at}' AND (end_date IS NULL OR end_date >= DATE '{at}'))
  WHERE n = 1),
pcn AS (
  SELECT child_code, parent_code FROM (
    SELECT child_code, parent_code,
           row_number() OVER (PARTITION BY child_code ORDER BY valid_from DESC,
             parent_code DESC) AS n
    FROM org_memberships
    WHERE relationship = 'practice_in_pcn' AND valid_from <= DATE '{at}'
      AND (valid_to IS NULL OR valid_to >= DATE '{at}'))
  WHERE n = 1),
base AS (
  SELECT p.patient_id, r.practice_code, c.parent_code AS pcn_code,
         {year} - year(p.birth_month) - CASE WHEN month(p.birth_month) > {month}
           OR (month(p.birth_month) = {month} AND day(p.birth_month) > {day}) THEN 1 ELSE 0
         END AS age
  FROM patients p JOIN registered r USING (patient_id)
  LEFT JOIN pcn c ON c.child_code = r.practice_code
  WHERE p.date_of_death IS NULL OR p.date_of_death > DATE '{at}')"""


def _with_base(at: dt.date) -> str:
    return "WITH" + REGISTERED.format(at=at, year=at.year, month=at.month, day=at.day)


def polypharmacy_sql(at: dt.date) -> str:
    return (
        _with_base(at)
        + f""",
medicines AS (
  SELECT patient_id, count(DISTINCT dmd_code) AS distinct_medicines
  FROM medications_issued
  WHERE issue_date BETWEEN DATE '{months_before(at, 6)}' AND DATE '{at}'
  GROUP BY patient_id HAVING count(DISTINCT dmd_code) >= 10)
SELECT b.patient_id, b.practice_code, b.pcn_code, m.distinct_medicines,
       true AS complex_polypharmacy
FROM base b JOIN medicines m USING (patient_id)
ORDER BY b.patient_id"""
    )


def efi_sql(at: dt.date) -> str:
    flags = ",\n  ".join(
        f"bool_or(deficit = {k}) AS deficit_{name}" for k, name in enumerate(EFI_DEFICITS)
    )
    columns = ", ".join(f"coalesce(f.deficit_{n}, false) AS deficit_{n}" for n in EFI_DEFICITS)
    count = "(coalesce(f.coded, 0) + CASE WHEN m.polypharmacy THEN 1 ELSE 0 END)"
    return (
        _with_base(at)
        + f""",
coded AS (
  SELECT patient_id, {flags},
  count(DISTINCT deficit) AS coded
  FROM clinical_events e JOIN efi_codes k ON e.snomed_code = k.code
  WHERE e.event_date <= DATE '{at}'
  GROUP BY patient_id),
medicines AS (
  SELECT patient_id, count(DISTINCT dmd_code) >= 5 AS polypharmacy
  FROM medications_issued
  WHERE issue_date BETWEEN DATE '{months_before(at, 12)}' AND DATE '{at}'
  GROUP BY patient_id)
SELECT b.patient_id, b.practice_code, b.pcn_code, {columns},
  coalesce(m.polypharmacy, false) AS deficit_polypharmacy,
  {count} AS deficits,
  {count}::DOUBLE / 36 AS score,
  CASE WHEN {count}::DOUBLE / 36 > 0.36::DOUBLE THEN 'severe'
       WHEN {count}::DOUBLE / 36 > 0.24::DOUBLE THEN 'moderate'
       WHEN {count}::DOUBLE / 36 > 0.12::DOUBLE THEN 'mild' ELSE 'fit' END AS category,
  b.age
FROM base b LEFT JOIN coded f USING (patient_id) LEFT JOIN medicines m USING (patient_id)
WHERE b.age >= 65
ORDER BY b.patient_id"""
    )


def run_sql(db: str, cohort_id: str) -> tuple[object, dict]:
    import duckdb
    import pyarrow as pa

    con = duckdb.connect(db, read_only=True)
    if cohort_id == "efi":
        codes = efi_codes()
        con.register(
            "efi_codes",
            pa.table({
                "code": [c for name in EFI_DEFICITS for c in codes[name]],
                "deficit": pa.array(
                    [k for k, name in enumerate(EFI_DEFICITS) for _ in codes[name]], pa.int8()
                ),
            }),
        )  # fmt: skip
        query = efi_sql(AT)
    else:
        query = polypharmacy_sql(AT)
    rows = con.sql(query).to_arrow_table()
    con.close()
    return rows, {}


# ---- pandas --------------------------------------------------------------------------------


def _pandas_base(con, at):
    """Registered and alive on the date, with practice, PCN and age (pandas)."""
    import pandas as pd

    day = pd.Timestamp(at)
    patients = con.sql("SELECT patient_id, birth_month, date_of_death FROM patients").df()
    registrations = con.sql("SELECT * FROM registrations").df()
    links = con.sql("SELECT * FROM org_memberships").df()
    covering = registrations[
        (registrations.start_date <= day)
        & (registrations.end_date.isna() | (registrations.end_date >= day))
    ]
    covering = covering.assign(open=covering.end_date.isna())
    registered = covering.sort_values(
        ["patient_id", "start_date", "open", "end_date", "practice_code"],
        ascending=[True, False, False, False, False],
    ).drop_duplicates("patient_id")[["patient_id", "practice_code"]]
    pcn = links[
        (links.relationship == "practice_in_pcn")
        & (links.valid_from <= day)
        & (links.valid_to.isna() | (links.valid_to >= day))
    ]
    pcn = (
        pcn.sort_values(["child_code", "valid_from", "parent_code"], ascending=[True, False, False])
        .drop_duplicates("child_code")[["child_code", "parent_code"]]
        .rename(columns={"child_code": "practice_code", "parent_code": "pcn_code"})
    )
    alive = patients[patients.date_of_death.isna() | (patients.date_of_death > day)]
    base = alive.merge(registered, on="patient_id").merge(pcn, on="practice_code", how="left")
    birth = base.birth_month.dt
    later = (birth.month > at.month) | ((birth.month == at.month) & (birth.day > at.day))
    base["age"] = at.year - birth.year - later.astype("int64")
    return base[["patient_id", "practice_code", "pcn_code", "age"]]


def _medicines(con, at, months):
    import pandas as pd

    issues = con.sql("SELECT patient_id, issue_date, dmd_code FROM medications_issued").df()
    start, end = pd.Timestamp(months_before(at, months)), pd.Timestamp(at)
    recent = issues[(issues.issue_date >= start) & (issues.issue_date <= end)]
    return recent.groupby("patient_id").dmd_code.nunique()


def run_pandas(db: str, cohort_id: str) -> tuple[object, dict]:
    import duckdb
    import numpy as np
    import pandas as pd

    con = duckdb.connect(db, read_only=True)
    base = _pandas_base(con, AT)
    if cohort_id == "smr-complex-polypharmacy":
        distinct = _medicines(con, AT, 6)
        distinct = distinct[distinct >= 10].rename("distinct_medicines").reset_index()
        frame = base.merge(distinct, on="patient_id")
        frame = frame[["patient_id", "practice_code", "pcn_code", "distinct_medicines"]]
        frame = frame.assign(complex_polypharmacy=True)
    else:
        base = base[base.age >= 65]
        codes = efi_codes()
        code_frame = pd.DataFrame(
            [(c, f"deficit_{name}") for name in EFI_DEFICITS for c in codes[name]],
            columns=["snomed_code", "deficit"],
        )
        events = con.sql("SELECT patient_id, event_date, snomed_code FROM clinical_events").df()
        events = events[events.event_date <= pd.Timestamp(AT)]
        found = events.merge(code_frame, on="snomed_code")[["patient_id", "deficit"]]
        flags = pd.crosstab(found.patient_id, found.deficit) > 0
        flags = flags.reindex(columns=[f"deficit_{n}" for n in EFI_DEFICITS], fill_value=False)
        frame = base.merge(flags, left_on="patient_id", right_index=True, how="left")
        names = [f"deficit_{n}" for n in EFI_DEFICITS]
        frame[names] = frame[names].fillna(False).astype(bool)
        distinct = _medicines(con, AT, 12)
        frame["deficit_polypharmacy"] = frame.patient_id.map(distinct).fillna(0) >= 5
        frame["deficits"] = frame[[*names, "deficit_polypharmacy"]].sum(axis=1).astype("int64")
        frame["score"] = frame.deficits / 36
        frame["category"] = np.select(
            [frame.score > 0.36, frame.score > 0.24, frame.score > 0.12],
            ["severe", "moderate", "mild"],
            "fit",
        )
    con.close()
    frame = frame.sort_values("patient_id").reset_index(drop=True)
    return frame, {}


# ---- ours ----------------------------------------------------------------------------------


def run_ours(db: str, cohort_id: str) -> tuple[object, dict]:
    from neighbourhood.cohorts import run_cohort
    from neighbourhood.store.engines import open_duckdb

    engine = open_duckdb(db)
    rows = run_cohort(engine, cohort_id, AT).rows
    engine.close()
    return rows, {}


# ---- children ------------------------------------------------------------------------------


def _peak_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


IMPORTS = {
    "ours": ("neighbourhood.cohorts", "neighbourhood.store.engines"),
    "sql": ("duckdb", "pyarrow", "neighbourhood.codelists"),
    "pandas": ("duckdb", "numpy", "pandas", "neighbourhood.codelists"),
}


def child_compare(kind: str, db: str, cohort_id: str, out: str) -> dict:
    runner = {"ours": run_ours, "sql": run_sql, "pandas": run_pandas}[kind]
    # Imports before the clock starts (each runner imports what it uses, from this cache).
    for module in IMPORTS[kind]:
        importlib.import_module(module)
    start = time.perf_counter()
    rows, extra = runner(db, cohort_id)
    seconds = time.perf_counter() - start
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pandas(rows, preserve_index=False)
    pq.write_table(table, out)
    return {"seconds": seconds, "rows": table.num_rows} | extra


def child_library(db: str, only: str) -> dict:
    """Every cohort with `run_library` (one shared patient table), or one with `run_cohort`."""
    from neighbourhood.cohorts import run_cohort, run_library, shipped_library
    from neighbourhood.store.engines import open_duckdb

    start = time.perf_counter()  # after the imports
    library = shipped_library()
    engine = open_duckdb(db)
    if only:
        rows = run_cohort(engine, library[only], AT).rows
        cohorts = {only: {"seconds": time.perf_counter() - start, "rows": rows.num_rows}}
    else:
        runs = run_library(engine, library, AT)
        cohorts = {name: {"rows": run.rows.num_rows} for name, run in runs.items()}
    engine.close()
    return {"seconds": time.perf_counter() - start, "cohorts": cohorts}


def child_profile(db: str, scratch: str) -> dict:
    """Per cohort: definition, Ibis expression, SQL, DuckDB's execution, top operators."""
    import ibis

    from neighbourhood.cohorts import cohort, shipped_library
    from neighbourhood.cohorts.compile import IbisCompiler
    from neighbourhood.cohorts.run import _organisation_variables
    from neighbourhood.store.engines import open_duckdb

    start = time.perf_counter()
    library = shipped_library()  # every definition and codelist, read once (then cached)
    loaded = time.perf_counter() - start
    engine = open_duckdb(db)
    con = engine.backend.con
    found = {}
    for cohort_id in library:
        t1 = time.perf_counter()
        chosen = cohort(cohort_id)
        organisation, _ = _organisation_variables(None)
        compiler = IbisCompiler(engine.table, AT)
        variables = organisation | dict(chosen.variables)
        expression = compiler.cohort(chosen.population, variables).order_by("patient_id")
        t2 = time.perf_counter()
        sql = str(ibis.to_sql(expression, dialect="duckdb"))
        t3 = time.perf_counter()
        output = Path(scratch) / f"profile-{cohort_id}.json"
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = '{output}'")
        rows = expression.to_pyarrow()
        t4 = time.perf_counter()
        con.execute("PRAGMA disable_profiling")
        profile = json.loads(output.read_text())
        operators = sorted(_operators(profile.get("operator", [])), reverse=True)
        found[cohort_id] = {
            "rows": rows.num_rows,
            "build": t2 - t1,
            "to_sql": t3 - t2,
            "to_pyarrow": t4 - t3,
            "duckdb": profile["query"]["total_time"],
            "sql_chars": len(sql),
            "top": operators[:3],
        }
    engine.close()
    return {"library": loaded, "cohorts": found}


def _operators(nodes: list[dict]) -> list[tuple[float, str, int, str]]:
    """(operator time, name, rows, what) of every operator of a DuckDB JSON profile."""
    found = []
    for node in nodes:
        info = node.get("extra_info") or {}
        what = info.get("Table") or info.get("Expression") or info.get("Join Type") or ""
        name, count = node.get("name", "?"), node.get("intermediate_rows", 0)
        found.append((node.get("timing", 0.0), name, count, str(what)[:60]))
        found.extend(_operators(node.get("children", [])))
    return found


def child_check(files: list[str]) -> dict:
    """Every other result against the first (ours): same columns, same rows, same values."""
    import duckdb
    import pyarrow.parquet as pq

    con = duckdb.connect()
    reference = files[0]
    columns = pq.read_schema(reference).names
    listed = ", ".join(f'"{c}"' for c in columns)
    outcome = {}
    for other in files[1:]:
        names = pq.read_schema(other).names
        missing = sorted(set(columns) - set(names))
        extra = sorted(set(names) - set(columns))
        if missing or extra:
            outcome[other] = {"missing": missing, "extra": extra}
            continue
        counts = [
            con.execute(f"SELECT count(*) FROM read_parquet('{f}')").fetchone()[0]
            for f in (reference, other)
        ]
        only_ours, only_theirs = (
            con.execute(
                f"SELECT count(*) FROM (SELECT {listed} FROM read_parquet('{a}') EXCEPT ALL "
                f"SELECT {listed} FROM read_parquet('{b}'))"
            ).fetchone()[0]
            for a, b in ((reference, other), (other, reference))
        )
        outcome[other] = {"rows": counts, "only_ours": only_ours, "only_theirs": only_theirs}
    return {"columns": columns, "outcome": outcome}


def child_main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind in ("ours", "sql", "pandas"):
        report = child_compare(kind, *rest)
    elif kind == "library":
        report = child_library(*rest)
    elif kind == "profile":
        report = child_profile(*rest)
    elif kind == "check":
        report = child_check(rest)
    else:
        raise SystemExit(f"unknown child {kind!r}")
    report["peak_kib"] = _peak_kib()
    print(json.dumps(report))


# ---- parent --------------------------------------------------------------------------------


def measure(kind: str, *args: object) -> dict:
    """A fresh child: its report, wall time, own peak RSS (VmHWM) and os.wait4's ru_maxrss."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, *map(str, args)],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"benchmark child {kind} {args} failed ({child.returncode})")
    report = json.loads(output)
    report |= {"wall": wall, "rss": report["peak_kib"] / 1024, "wait4": usage.ru_maxrss / 1024}
    return report


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["seconds"])


def store(args: argparse.Namespace, scratch: Path) -> tuple[Path, dict]:
    """The synthetic store: reused from --data when its manifest matches, else written."""
    sizes = {"patients": args.patients, "events": args.events, "medicines": args.medicines,
             "seed": SEED}  # fmt: skip
    folder = args.data or scratch
    name = f"cohorts-{args.patients}-{args.events}-{args.medicines}"
    path, manifest = folder / f"{name}.duckdb", folder / f"{name}.json"
    if path.exists() and manifest.exists():
        known = json.loads(manifest.read_text())
        if known.get("sizes") == sizes:
            return path, known | {"reused": True}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / "cohort_data.py"), "--out", str(path),
         "--patients", str(args.patients), "--events", str(args.events),
         "--medicines", str(args.medicines), "--seed", str(SEED)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"cohort_data.py failed: {done.stderr}")
    report = json.loads(done.stdout) | {"sizes": sizes, "wall": time.perf_counter() - start}
    manifest.write_text(json.dumps(report, indent=1))
    return path, report


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--events", type=int, help="clinical events (default 30 per patient)")
    parser.add_argument("--medicines", type=int, help="medicine issues (default 20 per patient)")
    parser.add_argument("--data", type=Path, help="folder to keep (and reuse) the store in")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each timing (best shown)")
    parser.add_argument("--pandas-repeat", type=int, default=1)
    parser.add_argument("--compare", default=",".join(COMPARED), help="cohorts to compare")
    parser.add_argument("--each", action="store_true", help="also each cohort in its own process")
    parser.add_argument("--profile", action="store_true", help="where the time goes, per cohort")
    args = parser.parse_args()
    args.events = args.events if args.events is not None else 30 * args.patients
    args.medicines = args.medicines if args.medicines is not None else 20 * args.patients
    compared = [c for c in args.compare.split(",") if c]
    scratch = Path(tempfile.mkdtemp(prefix="bench-cohorts-"))
    try:
        path, data = store(args, scratch)
        report(args, path, data, compared, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(args, path: Path, data: dict, compared: list[str], scratch: Path) -> None:
    counts = data["counts"]
    how = "reused" if data.get("reused") else f"written in {data['wall']:.1f} s"
    print(f"store {path} ({path.stat().st_size / 2**20:,.0f} MiB, {how}), index date {AT}")
    print(", ".join(f"{table} {n:,}" for table, n in counts.items()))
    print()

    # 1. the whole library, one process
    library = [measure("library", path, "") for _ in range(args.repeat)]
    chosen = best(library)
    print(f"## Library: every cohort in one process, `run_library` (best of {args.repeat})\n")
    print("| cohort | patients |" + (" own process, `run_cohort`: seconds | peak RSS (MiB) |"
                                     if args.each else ""))  # fmt: skip
    print("|---|---|" + ("---|---|" if args.each else ""))
    own_total = 0.0
    for cohort_id, found in chosen["cohorts"].items():
        line = f"| {cohort_id} | {found['rows']:,} |"
        if args.each:
            runs = [measure("library", path, cohort_id) for _ in range(args.repeat)]
            alone = best(runs)
            seconds = alone["cohorts"][cohort_id]["seconds"]
            own_total += seconds
            line += f" {seconds:.2f} | {alone['rss']:,.0f} |"
        print(line)
    print(f"| **all {len(chosen['cohorts'])}** | **{chosen['seconds']:.2f} s** |"
          + (f" {own_total:.2f} (sum) | |" if args.each else ""))  # fmt: skip
    print(
        f"\nOne process: {chosen['seconds']:.2f} s of work (reading the definitions included), "
        f"{chosen['wall']:.2f} s wall with Python start and imports, peak RSS "
        f"{chosen['rss']:,.0f} MiB (os.wait4: {chosen['wait4']:,.0f} MiB); the runs took "
        + ", ".join(f"{r['seconds']:.1f}" for r in library)
        + " s.\n"
    )

    # 2-3. ours against hand-written SQL and pandas
    for cohort_id in compared:
        runs: dict[str, list[dict]] = {"ours": [], "sql": [], "pandas": []}
        files = {}
        for kind in runs:
            repeat = args.pandas_repeat if kind == "pandas" else args.repeat
            for i in range(repeat):
                out = scratch / f"{cohort_id}-{kind}-{i}.parquet"
                runs[kind].append(measure(kind, path, cohort_id, out))
                files.setdefault(kind, out)
        check = measure("check", files["ours"], files["sql"], files["pandas"])
        for other, outcome in check["outcome"].items():
            same = (
                "rows" in outcome
                and outcome["rows"][0] == outcome["rows"][1]
                and outcome["only_ours"] == outcome["only_theirs"] == 0
            )
            if not same:
                raise SystemExit(f"{cohort_id}: {other} differs from ours: {outcome}")
        ours, sql, frame = (best(runs[k]) for k in ("ours", "sql", "pandas"))
        print(f"## {cohort_id}: ours, hand-written SQL, pandas\n")
        print(
            f"Checked: all three give the same {ours['rows']:,} patients with the same values "
            f"in all {len(check['columns'])} columns ({', '.join(check['columns'][:6])}"
            + (", ..." if len(check["columns"]) > 6 else "")
            + ").\n"
        )
        print("| implementation | runs | work (s) | wall (s) | peak RSS (MiB) | work / ours |")
        print("|---|---|---|---|---|---|")
        for label, kind, found in (
            ("ours: `run_cohort` on DuckDB", "ours", ours),
            ("hand-written DuckDB SQL, one query", "sql", sql),
            ("pandas (reads included)", "pandas", frame),
        ):
            n = len(runs[kind])
            print(
                f"| {label} | {n} | {found['seconds']:.2f} | {found['wall']:.2f} | "
                f"{found['rss']:,.0f} | {found['seconds'] / ours['seconds']:.2f} |"
            )
        print(
            f"\nours / hand-written SQL: {ours['seconds'] / sql['seconds']:.2f}x "
            f"(target: within 2x); pandas / ours: {frame['seconds'] / ours['seconds']:.1f}x "
            "(target: 10x). All runs (s): "
            + "; ".join(
                f"{k} " + ", ".join(f"{r['seconds']:.2f}" for r in v) for k, v in runs.items()
            )
            + "\n"
        )

    if args.profile:
        profile = measure("profile", path, scratch)
        print("## Where the time goes (one run per cohort, DuckDB profiling on)\n")
        print(f"Reading the library (definitions and codelists, once): {profile['library']:.2f} s."
              " Ibis compiles the SQL again inside to_pyarrow; operator times are summed over"
              " DuckDB's threads.\n")  # fmt: skip
        print("| cohort | Ibis expression (s) | Ibis to SQL (s) | "
              "to_pyarrow (s) | of which DuckDB (s) | SQL (chars) | costliest operators "
              "(operator time s, rows) |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        for cohort_id, p in profile["cohorts"].items():
            top = "; ".join(f"{name} {t:.2f} ({rows:,})" for t, name, rows, _ in p["top"])
            print(
                f"| {cohort_id} | {p['build']:.2f} | "
                f"{p['to_sql']:.2f} | {p['to_pyarrow']:.2f} | {p['duckdb']:.2f} | "
                f"{p['sql_chars']:,} | {top} |"
            )
        print()


if __name__ == "__main__":
    main()

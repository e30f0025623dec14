"""Benchmark loading one large CSV extract against two unchecked baselines.

    python benchmarks/bench_csv.py --rows 2000000 --small-rows 500000 --repeat 3

A clinical_events CSV of `--rows` rows (random patients, dates and SNOMED CT codes, a value on
a third of the rows, one row in 10,000 with a date that does not exist, and 2% of patients
dead in mid-2020, so their later events are quarantined) and a patients CSV are generated once,
in chunks (not timed); the patients are loaded into a seed store (not timed). Then, each in a
fresh subprocess, `--repeat` times, in turn:
- baseline pandas: `pandas.read_csv(path, dtype=str)` of the events file (reading only);
- baseline DuckDB: a copy of the seed store, `INSERT INTO clinical_events SELECT * FROM
  read_csv(path, header=true, columns={...}, ignore_errors=true)` in one transaction: the
  column types given (no sniffing), rows that do not cast dropped silently, no other checks,
  no quarantine, no keys;
- neighbourhood: a copy of the seed store, `load_paths(con, [path])`: every row checked
  (types, dates not in the future and within the patient's life, the patient exists, the
  SNOMED CT check digit), duplicates and bad rows quarantined, keys, load log.
Each child times its own work with time.perf_counter (after its imports: that is the
figure rows/s is taken from) and reports its peak RSS (VmHWM: os.wait4's ru_maxrss would
also count the parent's memory at the fork); the parent takes the child's wall time. The
median over the repeats is shown. With `--small-rows`, the load is also run on a file of
that many rows, and both sizes again with DuckDB's memory_limit set to `--memory-limit`, to
show what peak memory grows with.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

CODES = ["22298006", "38341003", "44054006", "1239511000000100", "271649006", "73211009",
         "195967001", "49436004", "13645005", "396275006"]  # fmt: skip
EVENTS = ("patient_id", "event_date", "snomed_code", "numeric_value")

SEED = """
import sys
from neighbourhood.records import load_paths
from neighbourhood.store import connect
con = connect(sys.argv[1])
load_paths(con, [sys.argv[2]])
con.close()
"""

NEIGHBOURHOOD = """
import json, sys, time
from neighbourhood.records import load_paths
from neighbourhood.store import connect
con = connect(sys.argv[1])
if sys.argv[3]:
    con.execute(f"SET memory_limit = '{sys.argv[3]}'")
start = time.perf_counter()
load = load_paths(con, [sys.argv[2]])
seconds = time.perf_counter() - start
con.close()
report = {"seconds": seconds, "counts": load.tables["clinical_events"].to_dict()}
"""

PANDAS = """
import json, sys, time
import pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[2], dtype=str)
report = {"seconds": time.perf_counter() - start, "rows": len(frame)}
"""

DUCKDB = """
import json, sys, time
from neighbourhood.store import connect
con = connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
start = time.perf_counter()
con.execute("BEGIN")
(rows,) = con.execute(
    "INSERT INTO clinical_events SELECT * FROM read_csv(?, header = true, columns = {"
    "'patient_id': 'VARCHAR', 'event_date': 'DATE', 'snomed_code': 'VARCHAR', "
    "'numeric_value': 'DOUBLE'}, ignore_errors = true)",
    [sys.argv[2]],
).fetchone()
con.execute("COMMIT")
report = {"seconds": time.perf_counter() - start, "rows": rows}
"""

# Each child ends by reporting its own peak RSS (VmHWM): the kernel's ru_maxrss of a child
# (os.wait4, RUSAGE_CHILDREN) also counts the parent's memory at the fork.
TAIL = """
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
report["rss"] = peak / 1024
print(json.dumps(report))
"""


def write_extract(folder: Path, rows: int, patients: int, chunk: int = 500_000) -> Path:
    """patients.csv and clinical_events.csv, written a chunk at a time."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(20251202)
    ids = np.array([f"PAT-{i:07d}" for i in range(patients)], dtype=object)
    pacsv.write_csv(
        pa.table({"patient_id": ids, "birth_month": ["1940-01-01"] * patients,
                  "sex": rng.choice(["female", "male"], patients),
                  "lsoa_code": [None] * patients, "imd_decile": rng.integers(1, 11, patients),
                  "date_of_death": np.where(rng.random(patients) < 0.02, "2020-06-30", None)}),
        folder / "patients.csv",
    )  # fmt: skip
    schema = pa.schema([(name, pa.string()) for name in EVENTS])
    path = folder / "clinical_events.csv"
    with pacsv.CSVWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            dates = (np.datetime64("2005-01-01") + rng.integers(0, 7300, n)).astype(str)
            dates = np.where(rng.random(n) < 1e-4, "2024-02-30", dates)  # quarantined
            values = np.round(rng.gamma(2.0, 20.0, n), 1).astype(str)
            values = np.where(rng.random(n) < 2 / 3, "", values)
            writer.write_table(
                pa.table({"patient_id": ids[rng.integers(0, patients, n)], "event_date": dates,
                          "snomed_code": rng.choice(CODES, n), "numeric_value": values},
                         schema=schema)
            )  # fmt: skip
    return path


def run(script: str, *args: str) -> tuple[dict, float]:
    """The child's own report (with its peak RSS in MiB) and its wall time."""
    start = time.perf_counter()
    child = [sys.executable, "-c", script + TAIL, *args]
    done = subprocess.run(child, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {done.stderr}")
    return json.loads(done.stdout), wall


def store_copy(seed: Path, scratch: Path) -> Path:
    target = scratch / "store.duckdb"
    for old in scratch.glob("store.duckdb*"):
        old.unlink()
    shutil.copy(seed, target)
    return target


def measure(kind: str, events: Path, seed: Path, scratch: Path, limit: str = "") -> dict:
    if kind == "pandas":
        report, wall = run(PANDAS, "", str(events))
    elif kind == "duckdb":
        report, wall = run(DUCKDB, str(store_copy(seed, scratch)), str(events))
    else:
        report, wall = run(NEIGHBOURHOOD, str(store_copy(seed, scratch)), str(events), limit)
    return {"seconds": report["seconds"], "wall": wall, "rss": report["rss"], "report": report}


def median_of(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in ("seconds", "wall", "rss")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--small-rows", type=int, default=500_000, help="0: skip")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="256MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        events = write_extract(scratch / "big", args.rows, args.patients)
        seed = scratch / "seed.duckdb"
        patients = str(scratch / "big" / "patients.csv")
        subprocess.run([sys.executable, "-c", SEED, str(seed), patients], check=True)
        size = events.stat().st_size / 2**20
        runs: dict[str, list[dict]] = {"pandas": [], "duckdb": [], "neighbourhood": []}
        for _ in range(args.repeat):
            for kind, done in runs.items():
                done.append(measure(kind, events, seed, scratch))
        counts = runs["neighbourhood"][0]["report"]["counts"]
        memory: list[tuple[int, str, dict]] = []
        if args.small_rows:
            small = write_extract(scratch / "small", args.small_rows, args.patients)
            for path, rows in ((small, args.small_rows), (events, args.rows)):
                for limit in ("", args.memory_limit):
                    done = [measure("neighbourhood", path, seed, scratch, limit)
                            for _ in range(args.repeat)]  # fmt: skip
                    memory.append((rows, limit, median_of(done)))
    ours = median_of(runs["neighbourhood"])
    print(f"clinical_events.csv: {args.rows:,} rows, {size:.0f} MiB; {args.patients:,} patients "
          f"seeded; median of {args.repeat} runs, each in a fresh process\n")  # fmt: skip
    print(f"neighbourhood counts: {counts}\n")
    print("| load | time (s) | rows per second | child wall (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    labels = {
        "pandas": "baseline: `pandas.read_csv(path, dtype=str)` (reading only)",
        "duckdb": "baseline: DuckDB `INSERT … SELECT * FROM read_csv(…)`, no checks",
        "neighbourhood": "`neighbourhood.records.load_paths`: checked, quarantine, keys, log",
    }
    for kind, label in labels.items():
        m = median_of(runs[kind])
        print(f"| {label} | {m['seconds']:.2f} | {args.rows / m['seconds']:,.0f} | "
              f"{m['wall']:.2f} | {m['rss']:,.0f} |")  # fmt: skip
    for kind in ("pandas", "duckdb"):
        m = median_of(runs[kind])
        print(f"\nneighbourhood / {kind}: {ours['seconds'] / m['seconds']:.2f}x the time, "
              f"{ours['rss'] / m['rss']:.2f}x the peak RSS")  # fmt: skip
    if memory:
        print("\n| rows | DuckDB memory_limit | time (s) | peak RSS (MiB) |")
        print("|---|---|---|---|")
        for rows, limit, m in memory:
            print(f"| {rows:,} | {limit or 'default (80% of RAM)'} | {m['seconds']:.2f} | "
                  f"{m['rss']:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()

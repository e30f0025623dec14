"""Benchmark every shipped IIF indicator (all years) on DuckDB, against running each
indicator's cohort on its own, in the same run.

    python benchmarks/bench_indicators.py --patients 1000000 --events 30000000 \
        --medicines 20000000 --data /tmp/cohort-bench --repeat 3
    python benchmarks/bench_indicators.py   # 20,000 patients: the smoke test

The store is the cohort benchmark's seeded synthetic store (`cohort_data.py`, reused from
`--data` when its sizes match). Each timing is a fresh process timing its own work after its
imports (the definitions are read inside the clock):

- ours: `measure_year` for every year with shipped indicators: the indicators of a year that
  end on the same date share one library run (one stored patient table);
- baseline: for every indicator, `run_cohort` on its own, then the same per-PCN and practice
  counting (`count`): the straightforward way, one query per indicator.

Before any time is shown, the two are checked to give the same counts (eligible, numerator,
declined, unsuitable) for every indicator, PCN and practice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_cohorts import store  # noqa: E402


def _counts(results) -> dict:
    return {
        f"{r['year']}/{r['indicator']}/{r['level']}/{r['pcn_code']}/{r['practice_code']}": [
            r["eligible"], r["numerator"], r["declined"], r["unsuitable"]
        ]
        for result in results
        for r in result.records
    }  # fmt: skip


def child_ours(db: str) -> dict:
    from neighbourhood.indicators import measure_year, shipped_definitions
    from neighbourhood.store.engines import open_duckdb

    start = time.perf_counter()
    years = sorted({i.year for i in shipped_definitions().values()})
    engine = open_duckdb(db)
    results, per_year = [], {}
    for year in years:
        began = time.perf_counter()
        found = measure_year(engine, year)
        per_year[year] = {"seconds": time.perf_counter() - began, "indicators": len(found)}
        results += found
    engine.close()
    return {"seconds": time.perf_counter() - start, "years": per_year, "counts": _counts(results)}


def count_in_python(run) -> dict:
    """The baseline's counting: every patient row fetched and tallied in Python."""
    from collections import defaultdict

    from neighbourhood.indicators import Counts

    table = run.rows
    flags = {
        name: [bool(v) for v in table.column(name).to_pylist()]
        if name in table.column_names
        else [False] * table.num_rows
        for name in ("numerator", "declined", "unsuitable")
    }
    tally = defaultdict(lambda: [0, 0, 0, 0])
    pcns = table.column("pcn_code").to_pylist()
    practices = table.column("practice_code").to_pylist()
    for i in range(table.num_rows):
        met = flags["numerator"][i]
        declined = not met and flags["declined"][i]
        unsuitable = not met and not declined and flags["unsuitable"][i]
        pcn = pcns[i] or "(no PCN)"
        for key in (("pcn", pcn, ""), ("practice", pcn, practices[i] or "(no practice)")):
            for position, value in enumerate((1, met, declined, unsuitable)):
                tally[key][position] += value
    return {key: Counts(*values) for key, values in sorted(tally.items())}


def child_each(db: str) -> dict:
    from neighbourhood.cohorts import run_cohort
    from neighbourhood.indicators import IndicatorResult, shipped_definitions
    from neighbourhood.store.engines import open_duckdb

    start = time.perf_counter()
    engine = open_duckdb(db)
    results = []
    for indicator in shipped_definitions().values():
        run = run_cohort(engine, indicator.cohort, indicator.period_end)
        records = [
            {"year": indicator.year, "indicator": indicator.id, "level": level,
             "pcn_code": pcn, "practice_code": practice or None, "eligible": c.eligible,
             "numerator": c.numerator, "declined": c.declined, "unsuitable": c.unsuitable}
            for (level, pcn, practice), c in count_in_python(run).items()
        ]  # fmt: skip
        results.append(IndicatorResult(indicator, tuple(records), {}, lambda run=run: run))
    engine.close()
    return {"seconds": time.perf_counter() - start, "counts": _counts(results)}


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(kind: str, db: Path) -> dict:
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(db)],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, _ = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark child {kind} failed")
    return json.loads(output) | {"wall": time.perf_counter() - start}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, db = sys.argv[2], sys.argv[3]
        report = child_ours(db) if kind == "ours" else child_each(db)
        print(json.dumps(report | {"peak_kib": _peak_kib()}))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--events", type=int)
    parser.add_argument("--medicines", type=int)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    args.events = args.events if args.events is not None else 30 * args.patients
    args.medicines = args.medicines if args.medicines is not None else 20 * args.patients
    scratch = Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    try:
        path, data = store(args, scratch)
        print(f"store {path}: " + ", ".join(f"{t} {n:,}" for t, n in data["counts"].items()))
        ours = [measure("ours", path) for _ in range(args.repeat)]
        each = [measure("each", path) for _ in range(args.repeat)]
        if ours[0]["counts"] != each[0]["counts"]:
            differ = [
                k for k in ours[0]["counts"] if ours[0]["counts"][k] != each[0]["counts"].get(k)
            ]
            raise SystemExit(f"the two ways differ: {differ[:10]}")
        best_ours = min(ours, key=lambda r: r["seconds"])
        best_each = min(each, key=lambda r: r["seconds"])
        indicators = sum(y["indicators"] for y in best_ours["years"].values())
        print(f"\nChecked: the same counts for {len(best_ours['counts']):,} indicator x "
              f"organisation rows ({indicators} indicators).\n")  # fmt: skip
        print("| year | indicators | seconds (ours) |\n|---|---|---|")
        for year, found in best_ours["years"].items():
            print(f"| {year} | {found['indicators']} | {found['seconds']:.2f} |")
        print("\n| implementation | runs | work (s) | wall (s) | peak RSS (MiB) | time / ours |")
        print("|---|---|---|---|---|---|")
        for label, runs, found in (
            ("ours: `measure_year` for every year", ours, best_ours),
            ("each indicator's cohort on its own (`run_cohort`)", each, best_each),
        ):
            print(f"| {label} | {len(runs)} | {found['seconds']:.2f} | {found['wall']:.2f} | "
                  f"{found['peak_kib'] / 1024:,.0f} | "
                  f"{found['seconds'] / best_ours['seconds']:.2f} |")  # fmt: skip
        print("\nAll runs (s): ours " + ", ".join(f"{r['seconds']:.2f}" for r in ours)
              + "; each " + ", ".join(f"{r['seconds']:.2f}" for r in each))  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

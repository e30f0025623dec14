"""Benchmark the loader against a hand-written DuckDB load of the same files.

    python benchmarks/bench_load.py --patients 200000

A synthetic extract is generated once (not timed). Then, each in a fresh subprocess and a new
store:
- baseline: for every file, `INSERT INTO <table> SELECT * FROM read_csv(<file>)` with DuckDB's
  own type detection, in one transaction: no row checks, no quarantine, no key handling;
- neighbourhood: `load_paths`, which checks every row against the data model, keeps rejected
  rows, enforces keys and records the load;
- neighbourhood re-run: the same load again on the loaded store (must change nothing).
Wall time with time.perf_counter; each child's own peak memory (VmHWM, which the child
reports: os.wait4's ru_maxrss would also count this process's memory at the fork, and this
process holds the generated extract).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = """
import sys
from pathlib import Path
import duckdb
from neighbourhood.store import connect, load_data_model
con = connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")
con.execute("BEGIN")
for table in load_data_model().loadable_tables:
    path = Path(sys.argv[1]) / f"{table.name}.csv"
    con.execute(f'INSERT INTO "{table.name}" SELECT * FROM read_csv(?, header=true)', [str(path)])
con.execute("COMMIT")
"""

NEIGHBOURHOOD = """
import sys
from neighbourhood.records import load_paths
from neighbourhood.store import connect
load_paths(connect(sys.argv[2]), [sys.argv[1]])
"""

PEAK = """
with open("/proc/self/status") as status:
    print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")))
"""


def measure(script: str, extract: Path, db: Path) -> tuple[float, float]:
    """Wall time and this child's own peak RSS in MiB."""
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", script + PEAK, str(extract), str(db)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {child.stderr}")
    return wall, int(child.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=200_000)
    args = parser.parse_args()
    from neighbourhood.synthetic import generate

    with tempfile.TemporaryDirectory() as scratch:
        extract = Path(scratch) / "extract"
        result = generate(extract, patients=args.patients, seed=1)
        rows = sum(info["rows"] for info in result.files.values())
        base_wall, base_rss = measure(BASELINE, extract, Path(scratch) / "baseline.duckdb")
        ours = Path(scratch) / "ours.duckdb"
        wall, rss = measure(NEIGHBOURHOOD, extract, ours)
        rerun, _ = measure(NEIGHBOURHOOD, extract, ours)
    print(f"{args.patients:,} patients, {rows:,} rows in {len(result.files)} CSV files\n")
    print("| load | wall time (s) | peak RSS (MiB) | rows per second |")
    print("|---|---|---|---|")
    print(
        f"| baseline: DuckDB read_csv, no checks | {base_wall:.1f} | {base_rss:.0f} | "
        f"{rows / base_wall:,.0f} |"
    )
    print(f"| neighbourhood load_paths | {wall:.1f} | {rss:.0f} | {rows / wall:,.0f} |")
    print(f"| neighbourhood re-run (nothing to do) | {rerun:.1f} | | |")
    print(f"\nChecked load / unchecked baseline: {wall / base_wall:.1f}x the time")


if __name__ == "__main__":
    main()

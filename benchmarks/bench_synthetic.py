"""Benchmark the synthetic population generator against a naive per-patient Python loop.

    python benchmarks/bench_synthetic.py --patients 1000000 --baseline-patients 20000

Each measurement runs in a fresh subprocess: wall time with time.perf_counter, peak memory
of each child from os.wait4. The baseline ("pure-Python loop") draws the same
kinds of records one patient at a time with the random module and writes them with csv; its
time is extrapolated per patient to the full N.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

VECTORISED = """
import sys
from pathlib import Path
from neighbourhood.synthetic import generate
generate(Path(sys.argv[1]), patients=int(sys.argv[2]), seed=1)
"""

NAIVE = """
import csv, random, sys
from datetime import date, timedelta
from pathlib import Path
out, n = Path(sys.argv[1]), int(sys.argv[2])
rng = random.Random(1)
ref = date(2025, 9, 30)
with (out / "patients.csv").open("w", newline="") as p, \\
     (out / "events.csv").open("w", newline="") as e, \\
     (out / "meds.csv").open("w", newline="") as m:
    pw, ew, mw = csv.writer(p), csv.writer(e), csv.writer(m)
    for i in range(n):
        age = min(int(rng.expovariate(1 / 40)), 104)
        pid = f"S{i + 1:07d}"
        pw.writerow([pid, date(ref.year - age, 1, 1), rng.choice(["male", "female"])])
        for code, rate in (("38341003", 0.15), ("44054006", 0.07), ("195967001", 0.07)):
            if rng.random() < rate * (1 + age / 50):
                ew.writerow([pid, ref - timedelta(days=rng.randrange(3650)), code])
        for k in range(rng.choice([0, 0, 1, 2, 3, 5, 8])):
            interval = rng.choice([28, 56, 84])
            day = ref - timedelta(days=364) + timedelta(days=rng.randrange(interval))
            while day <= ref:
                mw.writerow([pid, day, 1000 + k, interval])
                day += timedelta(days=interval)
"""


def measure(script: str, patients: int) -> tuple[float, float]:
    """Wall time and this child's own peak RSS in MiB (os.wait4 reports it per child)."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", script, out, str(patients)])
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            raise RuntimeError(f"benchmark child failed with status {status}")
        return wall, usage.ru_maxrss / 1024  # KiB -> MiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--baseline-patients", type=int, default=20_000)
    args = parser.parse_args()
    base_wall, base_rss = measure(NAIVE, args.baseline_patients)
    wall, rss = measure(VECTORISED, args.patients)
    extrapolated = base_wall / args.baseline_patients * args.patients
    print("| implementation | N | wall time (s) | peak RSS (MiB) | s per 1M patients |")
    print("|---|---|---|---|---|")
    print(
        f"| pure-Python per-patient loop (baseline) | {args.baseline_patients:,} | "
        f"{base_wall:.1f} | {base_rss:.0f} | {extrapolated / args.patients * 1e6:.1f} |"
    )
    print(
        f"| neighbourhood.synthetic.generate | {args.patients:,} | {wall:.1f} | {rss:.0f} | "
        f"{wall / args.patients * 1e6:.1f} |"
    )
    print(
        f"\nSpeed-up over the baseline (extrapolated to N={args.patients:,}): "
        f"{extrapolated / wall:.1f}x"
    )


if __name__ == "__main__":
    main()

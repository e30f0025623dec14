"""Benchmark the care home alignment MILP on the real Devon care homes and PCNs.

    python benchmarks/bench_alignment.py [--patients 20000] [--repeats 3]

The store is built once (not timed): the synthetic generator for ICB QJK (real Devon
practices, PCNs and CQC care homes with coordinates) loaded by the extract loader. Then, on the
same problem (homes x PCNs distances, beds, patients aged 65+, tolerance ±25%), timed:
- baseline: greedy nearest PCN per home (balance ignored);
- the MILP (HiGHS via scipy.optimize.milp) with the K = 4 and K = 8 nearest PCNs per home,
  and with every PCN a candidate (no K restriction).
Solve time is the solver call alone (the median of --repeats runs); objective, gap, beds
outside the band and the time ratio to K = 8 are printed as a markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from neighbourhood.alignment import build_problem, nearest_assignment, solve_alignment
    from neighbourhood.records import load_paths
    from neighbourhood.store import connect
    from neighbourhood.synthetic import REFERENCE_DATE, generate

    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch), patients=args.patients, seed=1, icb="QJK", file_format="parquet")
        con = connect(":memory:")
        load_paths(con, [scratch])
    problem, *_ = build_problem(con, REFERENCE_DATE, "QJK")
    pcns = len(problem.pcn_codes)
    runs = {
        "greedy nearest PCN (baseline)": lambda: nearest_assignment(problem),
        "MILP, K = 4": lambda: solve_alignment(dataclasses.replace(problem, nearest=4)),
        "MILP, K = 8 (default)": lambda: solve_alignment(problem),
        f"MILP, all {pcns} PCNs": lambda: solve_alignment(
            dataclasses.replace(problem, nearest=pcns)
        ),
    }
    results = {}
    for name, run in runs.items():
        solutions = [run() for _ in range(args.repeats)]
        results[name] = (statistics.median(s.solve_seconds for s in solutions), solutions[0])
    reference = results["MILP, K = 8 (default)"][0]
    print(
        f"{len(problem.home_codes)} Devon care homes, {pcns} PCNs, tolerance ±25%, "
        f"median of {args.repeats}\n"
    )
    print(
        "| method | solve time (s) | time / K=8 | status | distance (km) | mip gap "
        "| beds outside band | worst PCN deviation |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, (seconds, s) in results.items():
        gap = "" if s.mip_gap is None else f"{s.mip_gap:.1e}"
        print(
            f"| {name} | {seconds:.3f} | {seconds / reference:.2f} | {s.status} | "
            f"{s.distance_km:.1f} | {gap} | {s.beds_outside_band:.0f} | "
            f"{s.achieved_tolerance:.1%} |"
        )


if __name__ == "__main__":
    main()

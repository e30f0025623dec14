"""Benchmark the reference load of whole England against a plain pandas + DuckDB load.

    python benchmarks/bench_reference.py [--repeat 3]

Files: the shipped epraccur (16,685 rows), ePCN PCNDetails (1,366) and Core Partner Details
(7,705) and the January 2021 list sizes (6,658). Each measurement runs in a fresh subprocess
with a new store (so imports count), timed with time.perf_counter:
- baseline: pandas.read_csv of each file, then a DuckDB INSERT of the mapped rows into
  organisations / org_memberships / practice_list_sizes: no checks, no quarantine, no keys,
  no hierarchy;
- neighbourhood: `load_reference` (detect, map, hierarchy, every model check, quarantine,
  keys, load_log, one transaction);
- neighbourhood re-run: the same load again on the loaded store (must change nothing).
Prints a markdown table (best of --repeat).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = """
from neighbourhood.sources import data_file
FILES = [data_file("epraccur", "epraccur.csv"), data_file("epcn", "ePCN_PCNDetails.csv"),
         data_file("epcn", "ePCN_CorePartnerDetails.csv"),
         data_file("gp_registered_patients", "gp-reg-pat-prac-all_2021-01.csv")]
"""

BASELINE = (
    FILES
    + """
import sys
import pandas as pd
from neighbourhood.store import connect
con = connect(sys.argv[1])
e = pd.read_csv(FILES[0], header=None, dtype=str, keep_default_na=False)
e = e[e[25] == "4"]
d = lambda s: pd.to_datetime(s, format="%Y%m%d", errors="coerce")
orgs = pd.DataFrame({"org_code": e[0], "org_type": "practice", "name": e[1], "postcode": e[9],
                     "open_date": d(e[10]), "close_date": d(e[11])})
p = pd.read_csv(FILES[1], dtype=str, keep_default_na=False)
orgs = pd.concat([orgs, pd.DataFrame({"org_code": p["PCN Code"], "org_type": "pcn",
    "name": p["PCN Name"], "postcode": p["Postcode"], "open_date": d(p["Open Date"]),
    "close_date": d(p["Close Date"])})])
c = pd.read_csv(FILES[2], dtype=str, keep_default_na=False)
links = pd.DataFrame({"child_code": c.iloc[:, 0], "parent_code": c["PCN Code"],
    "relationship": "practice_in_pcn", "valid_from": d(c.iloc[:, 8]), "valid_to": d(c.iloc[:, 9])})
s = pd.read_csv(FILES[3], dtype={"CODE": str})
sizes = pd.DataFrame({"practice_code": s["CODE"], "extract_date": pd.to_datetime(s["EXTRACT_DATE"],
    format="%d%b%Y"), "sex": s["SEX"].str.lower(), "age_band": s["AGE"],
    "patients": s["NUMBER_OF_PATIENTS"]})
con.execute("BEGIN")
con.execute("INSERT INTO organisations BY NAME SELECT * FROM orgs")
con.execute("INSERT INTO org_memberships BY NAME SELECT * FROM links")
con.execute("INSERT INTO practice_list_sizes BY NAME SELECT * FROM sizes")
con.execute("COMMIT")
"""
)

NEIGHBOURHOOD = (
    FILES
    + """
import sys
from neighbourhood.reference import load_reference
from neighbourhood.store import connect
load_reference(connect(sys.argv[1]), FILES)
"""
)


LOAD_AND_CHECK = (
    FILES
    + """
import datetime as dt
import sys
from neighbourhood.footprints import check, pcns
from neighbourhood.reference import load_reference
from neighbourhood.store import connect
con = connect(sys.argv[1])
load_reference(con, FILES)
as_of = dt.date(2024, 10, 1)
check(con, as_of)
pcns(con, as_of)
"""
)


def measure(script: str, db: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, str(db)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            base, ours = Path(folder) / "baseline.duckdb", Path(folder) / "neighbourhood.duckdb"
            runs = {
                "baseline: pandas read_csv + DuckDB insert, no checks": (BASELINE, base),
                "neighbourhood load_reference (checked, quarantined, atomic)": (
                    NEIGHBOURHOOD,
                    ours,
                ),
                "neighbourhood re-run (changes nothing)": (NEIGHBOURHOOD, ours),
                "neighbourhood load_reference + footprint check + pcns (all England)": (
                    LOAD_AND_CHECK,
                    Path(folder) / "checked.duckdb",
                ),
            }
            for name, (script, db) in runs.items():
                wall = measure(script, db)
                best[name] = min(best.get(name, wall), wall)
    print("| run (whole England: epraccur + ePCN + list sizes) | seconds |")
    print("|---|---|")
    for name, wall in best.items():
        print(f"| {name} | {wall:.2f} |")


if __name__ == "__main__":
    main()

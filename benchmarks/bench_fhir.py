"""Benchmark the FHIR loader against parsing the same Bulk Data NDJSON with fhir.resources.

    python benchmarks/bench_fhir.py --resources 300000 --sizes 100000,400000

A synthetic FHIR R4 Bulk Data export (seeded; one NDJSON file per resource type: Patient,
Observation, Condition, MedicationRequest, Encounter) is generated once per size (not timed).
Then, each in a fresh subprocess:
- neighbourhood: `load_fhir` of the folder into a new DuckDB file: two streaming passes,
  every resource mapped onto data-model rows, pseudonymised, checked, quarantined or stored,
  with keys and the load log, in one transaction;
- baseline: every line parsed and validated with the fhir.resources R4B model of its type
  (`Model.model_validate_json(line)`): no mapping, no pseudonyms, no store;
- floor: `orjson.loads` of every line, nothing else.
Each child times its own work with time.perf_counter (after its imports) and the parent takes
the child's wall time (Python start and imports included); each child reports its own peak
RSS (VmHWM, see PEAK).
`load_fhir` is also run at each of `--sizes` to show how peak memory grows with the files.
The baseline needs fhir.resources 8 or later (pydantic 2), in the dev extra.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from neighbourhood.identifiers import nhs_number_check_digit, sctid_problem
from neighbourhood.synthetic.medications import medicine_pool

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
DMD = "https://dmd.nhs.uk"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

# SNOMED CT measurements: (concept id, display, UCUM unit, low, high); ids checked below.
MEASUREMENTS = (
    ("271649006", "Systolic blood pressure", "mm[Hg]", 95.0, 190.0),
    ("271650006", "Diastolic blood pressure", "mm[Hg]", 55.0, 110.0),
    ("27113001", "Body weight", "kg", 40.0, 140.0),
    ("50373000", "Body height", "cm", 145.0, 200.0),
    ("60621009", "Body mass index", "kg/m2", 16.0, 45.0),
)
CONDITIONS = (
    ("38341003", "Hypertensive disorder"),
    ("44054006", "Type 2 diabetes mellitus"),
    ("195967001", "Asthma"),
    ("13645005", "Chronic obstructive lung disease"),
    ("49436004", "Atrial fibrillation"),
    ("84114007", "Heart failure"),
)
CONSULTATION = ("185349003", "Encounter for check up")
OUTWARD_CODES = (
    "LS17", "LS6", "BD3", "HX1", "WF10", "YO31", "HG2", "M14", "OL9", "SK4", "EX4", "PL1",
    "TQ2", "TR1", "BS5", "NE6", "SR2", "L8", "CH41", "B23", "NG7", "LE3", "CB1", "N1", "SE15",
)  # fmt: skip
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
FIRST_DAY = dt.date(2005, 1, 1)
LAST_DAY = dt.date(2025, 6, 30)  # every event lies in the past
# Shares of the resources that are not Patients (about 14 per patient).
SHARES = (("Observation", 0.50), ("MedicationRequest", 0.30), ("Condition", 0.10))
PER_PATIENT = 15

# The child's own peak RSS. Not getrusage / os.wait4: Linux carries the parent's peak over
# into the child at exec (subprocess forks with vfork), so a child started by a parent that
# has generated the export would report at least the parent's peak. VmHWM belongs to the
# child's own address space, created at exec.
PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

NEIGHBOURHOOD = (
    PEAK
    + """
import json, sys, time
from pathlib import Path
from neighbourhood.records.fhir import load_fhir
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.store import connect
start = time.perf_counter()
con = connect(sys.argv[2])
report = load_fhir(con, [sys.argv[1]], pseudonymiser=Pseudonymiser(b"k" * 32))
con.close()
seconds = time.perf_counter() - start
fhir = report.to_dict()["fhir"]
outcome = {k: fhir[k] for k in ("entries", "mapped", "quarantined", "skipped")}
print(json.dumps({"seconds": seconds, "peak_kib": PEAK(), "fhir": outcome}))
"""
)

PARSE_EVERY_LINE = """
import json, sys, time
from pathlib import Path
{setup}
start = time.perf_counter()
parsed = 0
for path in sorted(Path(sys.argv[1]).glob("*.ndjson")):
    {per_file}
    with path.open("rb") as handle:
        for line in handle:
            {parse}
            parsed += 1
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "parsed": parsed, "peak_kib": PEAK()}}))
"""

BASELINE = PEAK + PARSE_EVERY_LINE.format(
    setup="from fhir.resources.R4B import get_fhir_model_class",
    per_file="model = get_fhir_model_class(path.stem)",
    parse="model.model_validate_json(line)",
)

FLOOR = PEAK + PARSE_EVERY_LINE.format(
    setup="import orjson", per_file="pass", parse="orjson.loads(line)"
)


def _nhs_numbers(rng: random.Random, n: int) -> list[str]:
    found: dict[str, None] = {}
    while len(found) < n:
        first_nine = str(rng.randint(400_000_000, 799_999_999))
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            found[first_nine + str(check)] = None
    return list(found)


def _day(rng: random.Random, after: dt.date) -> dt.date:
    start = max(after, FIRST_DAY)
    return start + dt.timedelta(days=rng.randint(0, (LAST_DAY - start).days))


def _reference(patient: int) -> dict[str, str]:
    return {"reference": f"Patient/p{patient}"}


def _patient(rng: random.Random, i: int, nhs_number: str) -> tuple[dict, dt.date]:
    birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 80))
    postcode = (
        f"{rng.choice(OUTWARD_CODES)} {rng.randint(1, 9)}"
        f"{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    )
    resource = {
        "resourceType": "Patient",
        "id": f"p{i}",
        "meta": {"lastUpdated": "2025-07-01T00:00:00Z"},
        "identifier": [{"system": NHS_NUMBER, "value": nhs_number}],
        "name": [{"use": "official", "family": f"Family{i}", "given": [f"Given{i}"]}],
        "gender": rng.choice(("female", "male")),
        "birthDate": birth.isoformat(),
        "address": [
            {"use": "home", "line": [f"{rng.randint(1, 200)} High Street"], "postalCode": postcode}
        ],
    }
    return resource, birth


def _observation(rng: random.Random, i: int, patient: int, birth: dt.date) -> dict:
    code, display, unit, low, high = rng.choice(MEASUREMENTS)
    on = _day(rng, birth)
    moment = f"{on.isoformat()}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00+00:00"
    return {
        "resourceType": "Observation",
        "id": f"o{i}",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "subject": _reference(patient),
        "effectiveDateTime": moment,
        "valueQuantity": {
            "value": round(rng.uniform(low, high), 1),
            "unit": unit,
            "system": UCUM,
            "code": unit,
        },
    }


def _condition(rng: random.Random, i: int, patient: int, birth: dt.date) -> dict:
    code, display = CONDITIONS[(patient * 7 + i) % len(CONDITIONS)]
    onset = _day(rng, birth)
    return {
        "resourceType": "Condition",
        "id": f"c{i}",
        "clinicalStatus": {"coding": [{"system": CLINICAL_STATUS, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": CATEGORY, "code": "problem-list-item"}]}],
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "subject": _reference(patient),
        "onsetDateTime": onset.isoformat(),
        "recordedDate": onset.isoformat(),
    }


def _medication_request(
    rng: random.Random, i: int, patient: int, birth: dt.date, pool: list[str]
) -> dict:
    return {
        "resourceType": "MedicationRequest",
        "id": f"m{i}",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": DMD, "code": rng.choice(pool)}]},
        "subject": _reference(patient),
        "authoredOn": _day(rng, birth).isoformat(),
        "dispenseRequest": {"quantity": {"value": rng.choice((28, 56, 84)), "unit": "tablet"}},
    }


def _encounter(rng: random.Random, i: int, patient: int, birth: dt.date) -> dict:
    on = _day(rng, birth)
    start = dt.datetime.combine(on, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
    end = start + dt.timedelta(minutes=rng.choice((10, 15, 20, 30)))
    return {
        "resourceType": "Encounter",
        "id": f"e{i}",
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [{"system": SNOMED, "code": CONSULTATION[0]}]}],
        "subject": _reference(patient),
        "period": {"start": f"{start.isoformat()}+00:00", "end": f"{end.isoformat()}+00:00"},
    }


def generate(folder: Path, resources: int, seed: int = 7) -> dict[str, int]:
    """A Bulk Data export of about `resources` resources; resources per file."""
    for code, *_ in (*MEASUREMENTS, *CONDITIONS, CONSULTATION):
        assert sctid_problem(code) is None, code
    rng = random.Random(seed)
    pool = [str(code) for code in medicine_pool()]
    folder.mkdir(parents=True, exist_ok=True)
    patients = max(1, resources // PER_PATIENT)
    rest = resources - patients
    counts = {kind: int(rest * share) for kind, share in SHARES}
    counts["Encounter"] = rest - sum(counts.values())
    births: list[dt.date] = []
    with (folder / "Patient.ndjson").open("wb") as out:
        for i, nhs_number in enumerate(_nhs_numbers(rng, patients)):
            resource, birth = _patient(rng, i, nhs_number)
            births.append(birth)
            out.write(orjson.dumps(resource) + b"\n")
    makers = {
        "Observation": _observation,
        "Condition": _condition,
        "MedicationRequest": lambda r, i, p, b: _medication_request(r, i, p, b, pool),
        "Encounter": _encounter,
    }
    for kind, make in makers.items():
        with (folder / f"{kind}.ndjson").open("wb") as out:
            for i in range(counts[kind]):
                patient = rng.randrange(patients)
                out.write(orjson.dumps(make(rng, i, patient, births[patient])) + b"\n")
    return {"Patient": patients, **counts}


def measure(script: str, *args: Path) -> tuple[dict, float, float]:
    """The child's own report, its wall time and its own peak RSS in MiB (VmHWM)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE
    )
    assert child.stdout is not None
    output = child.stdout.read()
    status = child.wait()
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"benchmark child failed with status {status}")
    report = json.loads(output)
    return report, wall, report["peak_kib"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=300_000)
    parser.add_argument(
        "--sizes", default="100000,400000", help="comma-separated sizes for the memory run"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "export"
        counts = generate(folder, args.resources)
        total = sum(counts.values())
        megabytes = sum(p.stat().st_size for p in folder.glob("*.ndjson")) / 2**20
        ours, ours_wall, ours_rss = measure(NEIGHBOURHOOD, folder, Path(scratch) / "ours.duckdb")
        base, base_wall, base_rss = measure(BASELINE, folder)
        floor, floor_wall, floor_rss = measure(FLOOR, folder)
        assert ours["fhir"]["entries"] == base["parsed"] == floor["parsed"] == total
        scaling = []
        for size in sizes:
            other = Path(scratch) / f"export-{size}"
            n = sum(generate(other, size).values())
            mib = sum(p.stat().st_size for p in other.glob("*.ndjson")) / 2**20
            run, wall, rss = measure(NEIGHBOURHOOD, other, Path(scratch) / f"ours-{size}.duckdb")
            scaling.append((n, mib, run, wall, rss))
    print(
        f"{total:,} resources ({', '.join(f'{k} {v:,}' for k, v in counts.items())}), "
        f"{megabytes:.0f} MiB of NDJSON in {len(counts)} files"
    )
    print(f"load_fhir outcome: {ours['fhir']}\n")
    print("| run | work (s) | wall (s) | resources/s | peak RSS (MiB) | vs fhir.resources |")
    print("|---|---|---|---|---|---|")
    rows = (
        ("neighbourhood load_fhir (map, pseudonymise, check, store)", ours, ours_wall, ours_rss),
        ("baseline: fhir.resources R4B model_validate_json", base, base_wall, base_rss),
        ("floor: orjson.loads per line", floor, floor_wall, floor_rss),
    )
    for name, run, wall, rss in rows:
        rate = total / run["seconds"]
        ratio = base["seconds"] / run["seconds"]
        print(
            f"| {name} | {run['seconds']:.1f} | {wall:.1f} | {rate:,.0f} | {rss:.0f} | "
            f"{ratio:.2f}x |"
        )
    print("\n(vs fhir.resources: how many times the baseline's rate; >1 is faster)\n")
    print("| load_fhir at | NDJSON (MiB) | work (s) | resources/s | peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for n, mib, run, _wall, rss in scaling:
        print(
            f"| {n:,} resources | {mib:.0f} | {run['seconds']:.1f} | "
            f"{n / run['seconds']:,.0f} | {rss:.0f} |"
        )


if __name__ == "__main__":
    main()

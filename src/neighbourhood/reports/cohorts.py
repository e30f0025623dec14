"""The cohorts section of the PCN report: patients of every shipped cohort, for the PCN and
each of its practices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from neighbourhood.cohorts import shipped_library
from neighbourhood.cohorts.run import library_tables
from neighbourhood.reports.common import Row, published
from neighbourhood.reports.model import Column, Section
from neighbourhood.store.engines import Engine


def cohort_section(
    engine: Engine, pcn: str, practices: Sequence[str], end: dt.date, publishable: bool
) -> Section:
    """Patients of every shipped cohort on the date, for the PCN and each of its practices:
    the library worked out once (`library_tables`) and counted in the engine."""
    library = shipped_library()
    counted: list[Row] = []
    with library_tables(engine, library, end) as tables:
        for name, table in tables.items():
            mine = table.filter(table.pcn_code == pcn)
            found = mine.group_by("practice_code").aggregate(patients=mine.count())
            per_practice = {r["practice_code"]: int(r["patients"])
                            for r in found.to_pyarrow().to_pylist()}  # fmt: skip
            counted.append({"cohort": name, "practices": per_practice})
    codes = sorted({*practices, *(p for c in counted for p in c["practices"] if p)})
    records = []
    for c in counted:
        total = sum(c["practices"].values())
        records.append({"cohort": c["cohort"], "practice_code": None, "patients": total})
        records += [
            {"cohort": c["cohort"], "practice_code": p, "patients": c["practices"].get(p, 0)}
            for p in codes
        ]
    records = published(records, publishable, counts=("patients",), group_by=("cohort",),
                        is_total=lambda r: r["practice_code"] is None)  # fmt: skip
    columns = (
        Column("cohort", "Cohort"),
        Column("title", "Title"),
        Column("pcn_total", f"{pcn} (PCN)", "count"),
        *(Column(f"practice_{p}", p, "count") for p in codes),
    )
    rows = []
    for name, chosen in library.items():
        mine = [r for r in records if r["cohort"] == name]
        row: Row = {"cohort": name, "title": chosen.title}
        row["pcn_total"] = next(r["patients"] for r in mine if r["practice_code"] is None)
        row |= {f"practice_{r['practice_code']}": r["patients"] for r in mine
                if r["practice_code"] is not None}  # fmt: skip
        rows.append(row)
    versions = ", ".join(f"{c.id} {c.version}" for c in library.values())
    notes = (
        f"Patients in each cohort of the shipped library on {end}, by the practice they are "
        "registered with on the date and its PCN (neighbourhood.cohorts); each cohort's "
        "definition file gives its criteria and sources",
        f"Definition versions: {versions}",
    )
    return Section("cohorts", "Cohorts", columns, rows, notes)

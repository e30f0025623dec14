"""`load_reference`: published reference files into the store, checked, atomic, re-runnable."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb

from neighbourhood.progress import SILENT, Progress
from neighbourhood.records import LoadReport, SkippedRows, load_batches
from neighbourhood.reference import care_homes, epcn, epraccur, list_sizes, postcodes
from neighbourhood.reference.common import Parsed, to_batch
from neighbourhood.reference.detect import detect_format
from neighbourhood.reference.hierarchy import add_hierarchy
from neighbourhood.sources import data_file

SHIPPED = (
    ("epraccur", "epraccur.csv"),
    ("epcn", "ePCN_PCNDetails.csv"),
    ("epcn", "ePCN_CorePartnerDetails.csv"),
    ("gp_registered_patients", "gp-reg-pat-prac-all_2021-01.csv"),
    ("care-homes", "devon", "cqc_care_homes.csv"),
    ("care-homes", "greater-manchester", "trafford_care_homes.csv"),
    ("postcodes", "trafford", "trafford_postcodes_lsoa21_2025-02.csv"),
)
ORDER = ("epraccur", "epcn", "cqc_api", "cqc_directory", "list_sizes", "postcodes")


def shipped_paths() -> list[Path]:
    """The real files shipped in the package that `load_reference(con)` loads (PROVENANCE.md)."""
    return [data_file(*parts) for parts in SHIPPED]


def _parse(files: list[tuple[str, Path]], progress: Progress) -> list[Parsed]:
    ods: list[tuple[Parsed, object]] = []
    pcns: list[tuple[Parsed, object]] = []
    parsed: list[Parsed] = []
    for file_format, path in files:
        if file_format == "epraccur":
            ods.append(epraccur.read(path))
            parsed.append(ods[-1][0])
        elif file_format == "epcn":
            pcns.append(epcn.read(path))
            parsed.append(pcns[-1][0])
        elif file_format in ("cqc_api", "cqc_directory"):
            parsed.append(care_homes.read(path))
        elif file_format == "list_sizes":
            parsed.append(list_sizes.read(path))
        else:
            parsed.append(postcodes.read(path))
        progress.step("read reference files", 1, len(files))
    add_hierarchy(ods, pcns)
    return parsed


def load_reference(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path] | None = None,
    *,
    progress: Progress = SILENT,
    now: dt.datetime | None = None,
) -> LoadReport:
    """Load reference files (the shipped real ones when `paths` is None) in one transaction.

    Raises LoadError naming the file, with the store unchanged, when a file cannot be read.
    Rows that are not for the data model (e.g. epraccur rows that are not GP practices) are
    counted in `LoadReport.skipped` with their reason.
    """
    given = shipped_paths() if paths is None else [Path(p).resolve() for p in paths]
    unique = list(dict.fromkeys(given))
    files = sorted(((detect_format(p), p) for p in unique), key=lambda f: ORDER.index(f[0]))
    parsed = _parse(files, progress)
    batches = [to_batch(table, p) for p in parsed for table in p.frames]
    report = load_batches(con, batches, progress=progress, now=now)
    skipped = tuple(
        SkippedRows(str(p.path), reason, int(count))
        for p in parsed
        for reason, count in p.skipped.items()
    )
    return dataclasses.replace(report, skipped=skipped)

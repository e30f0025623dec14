"""One entry point for `neighbourhood load`: extract files and FHIR files, each to its loader.

Paths are sorted by kind: `.csv` / `.parquet` files go to the extract loader, `.json`,
`.ndjson` and `.xml` to the FHIR loader; a folder goes to whichever loaders find files in
it. Each loader runs in its own transaction (extracts first, so that FHIR references can
find the organisations and patients of the same command); a key is needed only when
something is pseudonymised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from neighbourhood.progress import SILENT, Progress
from neighbourhood.records.discover import FORMATS
from neighbourhood.records.fhir import FhirLoadReport, is_fhir_file, load_fhir
from neighbourhood.records.fhir.load import NOT_FHIR
from neighbourhood.records.load import load_paths
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.records.report import LoadError, LoadReport


@dataclass(frozen=True)
class RecordsLoad:
    extracts: LoadReport | None
    fhir: FhirLoadReport | None

    def to_dict(self) -> dict:
        document: dict = {}
        if self.extracts is not None:
            document["extracts"] = self.extracts.to_dict()
        if self.fhir is not None:
            document["fhir"] = self.fhir.to_dict()
        return document


def split_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    """(extract paths, FHIR paths); a folder may be in both."""
    extracts: list[Path] = []
    fhir: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = [p for p in path.iterdir() if p.is_file()]
            if any(p.suffix.lower() in FORMATS for p in files):
                extracts.append(path)
            if any(is_fhir_file(p) and p.name not in NOT_FHIR for p in files):
                fhir.append(path)
        elif is_fhir_file(path):
            fhir.append(path)
        else:
            extracts.append(path)  # the extract loader says what is wrong with it
    if paths and not extracts and not fhir:
        raise LoadError(f"{', '.join(map(str, paths))}: no extract or FHIR files found")
    return extracts, fhir


def load_records(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    *,
    key: Callable[[], Pseudonymiser],
    mapping: Path | None = None,
    progress: Progress = SILENT,
    now: dt.datetime | None = None,
) -> RecordsLoad:
    """Load extract and FHIR files; `key()` is called only when a key is needed."""
    if not paths:
        raise LoadError("no files given to load")
    extract_paths, fhir_paths = split_paths(paths)
    extracts = fhir = None
    if extract_paths:
        pseudonymiser = key() if mapping is not None else None
        extracts = load_paths(
            con, extract_paths, progress=progress, now=now, mapping=mapping,
            pseudonymiser=pseudonymiser,
        )  # fmt: skip
    if fhir_paths:
        fhir = load_fhir(con, fhir_paths, pseudonymiser=key(), progress=progress, now=now)
    return RecordsLoad(extracts, fhir)

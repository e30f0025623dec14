"""`load_fhir`: FHIR R4 files into the store through the records loader, every entry accounted for.

Two streaming passes over the files of one load:
1. index: the resources references are followed to (Patient, Organization, Location,
   Practitioner, Medication) under every key a reference may use, so references resolve
   inside a bundle and across the files of the load whatever their order;
2. map: each entry onto data-model rows (`mappers.py`), pseudonymised.
The rows then go through `load_batches`: the same checks, quarantine, key handling, load_log
and single transaction as extract files. A file whose checksum is in load_log is not read.

Every entry ends up in exactly one of: mapped (at least one row stored, already stored, or
linked), quarantined (every row rejected, with file, entry number, field and reason) or
skipped (a resource type the data model does not hold, or a record entered in error; counted
by type and reason).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from neighbourhood.checksums import sha256_of
from neighbourhood.progress import SILENT, Progress
from neighbourhood.records.batches import Batch, load_batches
from neighbourhood.records.fhir.links import INDEXED_TYPES, LinkIndex, keys_of
from neighbourhood.records.fhir.mappers import MAPPERS, Context, Mapped, target_of
from neighbourhood.records.fhir.read import Entry, entries, is_fhir_file
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.records.read import LINE, SHAPE, SHAPE_FIELD
from neighbourhood.records.report import LoadError, LoadReport
from neighbourhood.store.model import load_data_model

LINKS_TABLE = "resource_links"
NOT_FHIR = ("manifest.json",)  # the extract manifest, not a resource


@dataclass(frozen=True)
class FhirFileReport:
    path: str  # as given; the store knows the file as `stored_path`
    sha256: str
    entries: int | None  # None when the file was loaded before and not read again
    mapped: int = 0
    quarantined: int = 0
    skipped: int = 0
    already_loaded: bool = False

    def __post_init__(self) -> None:
        if (
            self.entries is not None
            and self.mapped + self.quarantined + self.skipped != self.entries
        ):
            raise ValueError(f"{self.path}: entries do not add up: {self}")


@dataclass(frozen=True)
class FhirLoadReport:
    load: LoadReport
    files: tuple[FhirFileReport, ...]
    skipped: dict[str, int]  # "Type: reason" -> entries
    unresolved: dict[str, int]  # 'element: why' -> values kept out of the rows (entry still loaded)

    @property
    def entries(self) -> int:
        return sum(f.entries or 0 for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        document = self.load.to_dict()
        document["fhir"] = {
            "entries": self.entries,
            "mapped": sum(f.mapped for f in self.files),
            "quarantined": sum(f.quarantined for f in self.files),
            "skipped": sum(f.skipped for f in self.files),
            "skipped_by_type": dict(sorted(self.skipped.items())),
            "not_mapped": dict(sorted(self.unresolved.items())),
            "files": [f.__dict__ for f in self.files],
        }
        return document


def discover_fhir(paths: Sequence[str | Path]) -> list[Path]:
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(
                p.resolve()
                for p in path.iterdir()
                if p.is_file() and is_fhir_file(p) and p.name not in NOT_FHIR
            )
        elif not path.exists():
            raise LoadError(f"{path}: no such file or directory")
        elif not is_fhir_file(path):
            raise LoadError(f"{path}: not a FHIR file (.json, .ndjson or .xml)")
        else:
            found.append(path.resolve())
    return list(dict.fromkeys(found))


def stored_path(path: Path, sha256: str) -> Path:
    """How the store names a FHIR file: its folder and checksum, never its name, since
    exports often name files after the patient (Synthea writes Given_Family_uuid.json)."""
    return path.parent / f"sha256-{sha256[:16]}{path.suffix.lower()}"


class _Rows:
    """Rows of one file for one table, as text columns with the entry number; moved into
    Arrow every CHUNK rows, where a value costs its bytes rather than a Python object."""

    CHUNK = 50_000

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = (*columns, SHAPE, SHAPE_FIELD)
        self._fresh()
        self.chunks: list[pa.RecordBatch] = []

    def _fresh(self) -> None:
        self.values: list[list[str | None]] = [[] for _ in self.columns]
        self.lines: list[int] = []

    def add(self, position: int, row: dict[str, str | None], problem: tuple | None) -> None:
        self.lines.append(position)
        values = self.values
        for i, column in enumerate(self.columns[:-2]):
            values[i].append(row.get(column))
        values[-2].append(problem[1] if problem else None)
        values[-1].append(problem[0] if problem else None)
        if len(self.lines) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self.lines:
            return
        arrays = [pa.array(v, pa.string()) for v in self.values]
        arrays.append(pa.array(self.lines, pa.int64()))
        self.chunks.append(pa.RecordBatch.from_arrays(arrays, names=[*self.columns, LINE]))
        self._fresh()

    def table(self) -> pa.Table:
        self._flush()
        return pa.Table.from_batches(self.chunks)


@dataclass
class _FileWork:
    path: Path
    sha256: str
    rows: dict[str, _Rows] = field(default_factory=dict)
    primary_rows: Counter = field(default_factory=Counter)  # entry -> rows not in links
    entries: int = 0
    skipped: int = 0
    linked: set[int] = field(default_factory=set)  # entries with no rows of their own


def _stored_organisations(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    return frozenset(
        code for (code,) in con.execute("SELECT org_code FROM organisations").fetchall()
    )


def _already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    return bool(
        con.execute("SELECT 1 FROM load_log WHERE file_sha256 = ? LIMIT 1", [sha256]).fetchall()
    )


def _index(work: _FileWork, ctx: Context, links: LinkIndex) -> None:
    for entry in entries(work.path, types=INDEXED_TYPES):
        resource = entry.resource
        if resource is None or resource["resourceType"] not in INDEXED_TYPES:
            continue
        target = target_of(resource, entry.full_url, ctx)
        if target is None:
            continue
        keys = keys_of(resource, entry.full_url)
        links.add(keys, target)
        rows = work.rows.setdefault(
            LINKS_TABLE, _Rows(("reference_key", "resource_type", "target"))
        )
        for key in keys:
            row = {
                "reference_key": links.stored_key(key),
                "resource_type": target.resource_type,
                "target": target.value,
            }
            rows.add(entry.position, row, None)


def _map_entry(entry: Entry, ctx: Context, skipped: Counter, unresolved: Counter) -> Mapped | None:
    if entry.problem:
        return Mapped(LINKS_TABLE).reject(None, f"the entry cannot be read: {entry.problem}")
    if entry.skip:
        skipped[f"(entry): {entry.skip}"] += 1
        return None
    resource = entry.resource
    assert resource is not None
    kind = resource["resourceType"]
    mapper = MAPPERS.get(kind)
    if mapper is None:
        skipped[f"{kind}: not in the data model"] += 1
        return None
    mapped = mapper(resource, entry.full_url, ctx)
    if mapped.skip:
        skipped[f"{kind}: {mapped.skip}"] += 1
        return None
    for element in mapped.unresolved:
        unresolved[element] += 1
    return mapped


def _map(work: _FileWork, ctx: Context, skipped: Counter, unresolved: Counter) -> None:
    model = load_data_model()
    for entry in entries(work.path):
        work.entries += 1
        mapped = _map_entry(entry, ctx, skipped, unresolved)
        if mapped is None:
            work.skipped += 1
            continue
        if not mapped.rows:
            work.linked.add(entry.position)
        for table, row in mapped.rows:
            if table not in work.rows:
                work.rows[table] = _Rows(model.table(table).column_names)
            work.rows[table].add(entry.position, row, mapped.problem)
            if table != LINKS_TABLE or mapped.problem:
                work.primary_rows[entry.position] += 1


def _outcomes(con: duckdb.DuckDBPyConnection, work: _FileWork, load_id: str) -> FhirFileReport:
    rejected = dict(
        con.execute(
            "SELECT line, count(*) FROM quarantine WHERE load_id = ? AND file_path = ? "
            "AND (target_table <> ? OR reason NOT LIKE 'duplicate of line%') "
            "GROUP BY line",
            [load_id, str(stored_path(work.path, work.sha256)), LINKS_TABLE],
        ).fetchall()
    )
    quarantined = sum(1 for line, n in work.primary_rows.items() if rejected.get(line, 0) >= n)
    mapped = work.entries - work.skipped - quarantined
    return FhirFileReport(
        str(work.path), work.sha256, work.entries, mapped, quarantined, work.skipped
    )


def load_fhir(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    *,
    pseudonymiser: Pseudonymiser,
    progress: Progress = SILENT,
    now: dt.datetime | None = None,
) -> FhirLoadReport:
    """Load FHIR R4 files (or folders of them) in one transaction; LoadError, with the store
    unchanged, when a file cannot be read at all."""
    files = discover_fhir(paths)
    if not files:
        raise LoadError("no FHIR files given to load")
    reports: list[FhirFileReport] = []
    work: list[_FileWork] = []
    for path in files:
        sha256 = sha256_of(path)
        if _already_loaded(con, sha256) or any(w.sha256 == sha256 for w in work):
            reports.append(FhirFileReport(str(path), sha256, None, already_loaded=True))
        else:
            work.append(_FileWork(path, sha256))
    links = LinkIndex(con, pseudonymiser)
    ctx = Context(pseudonymiser, links, _stored_organisations(con))
    steps = 2 * len(work)
    for item in work:
        _index(item, ctx, links)
        progress.step("read FHIR files", 1, steps)
    skipped: Counter = Counter()
    unresolved: Counter = Counter()
    for item in work:
        _map(item, ctx, skipped, unresolved)
        progress.step("read FHIR files", 1, steps)
    model = load_data_model()
    batches = [
        Batch(model.table(table), stored_path(item.path, item.sha256), item.sha256, rows.table())
        for item in work
        for table, rows in item.rows.items()
    ]
    load = load_batches(con, batches, progress=progress, now=now)
    reports += [_outcomes(con, item, load.load_id) for item in work]
    by_path = {r.path: r for r in reports}
    ordered = tuple(by_path[str(p)] for p in files)
    return FhirLoadReport(load, ordered, dict(skipped), dict(unresolved))

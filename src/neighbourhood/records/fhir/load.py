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
import tempfile
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from neighbourhood.checksums import sha256_of
from neighbourhood.progress import SILENT, Progress
from neighbourhood.records.batches import load_batches
from neighbourhood.records.fhir.links import INDEXED_TYPES, LinkIndex, keys_of
from neighbourhood.records.fhir.mappers import MAPPERS, Context, Mapped, target_of
from neighbourhood.records.fhir.read import Entry, entries, is_fhir_file
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.records.read import LINE, SHAPE, SHAPE_FIELD, SOURCE_LINE
from neighbourhood.records.report import LoadError, LoadReport
from neighbourhood.records.validate import literal
from neighbourhood.store.model import Table, load_data_model

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
    """Rows of one file for one table, as text columns with the entry number. Every CHUNK
    rows, and when the file is done, they go to a Parquet file in the load's scratch folder,
    so memory holds one chunk, not the file."""

    CHUNK = 50_000

    def __init__(self, columns: tuple[str, ...], scratch: Path) -> None:
        self.columns = (*columns, SHAPE, SHAPE_FIELD)
        self.path = scratch / f"{uuid.uuid4().hex}.parquet"
        self.given: set[str] = set()  # columns with a value in at least one row
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._fresh()

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
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        arrays = [pa.array(v, pa.string()) for v in self.values]
        self.given |= {c for c, v in zip(self.columns, self.values, strict=True) if any(v)}
        arrays.append(pa.array(self.lines, pa.int64()))
        batch = pa.RecordBatch.from_arrays(arrays, names=[*self.columns, LINE])
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, batch.schema)
        self._writer.write_batch(batch)
        self.rows += batch.num_rows
        self._fresh()

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def stream(self) -> pa.RecordBatchReader:
        """The rows as the loader stages them: a unique row number in `_line`, the entry in
        `_source_line`, and only the columns that have a value somewhere (a column with none
        is not given, so an update leaves the stored value alone)."""
        keep = [c for c in self.columns[:-2] if c in self.given] + [SHAPE, SHAPE_FIELD]
        fields = [pa.field(c, pa.string()) for c in keep]
        schema = pa.schema([*fields, pa.field(LINE, pa.int64()), pa.field(SOURCE_LINE, pa.int64())])

        def batches():
            done = 0
            for batch in pq.ParquetFile(self.path).iter_batches(batch_size=self.CHUNK):
                n = batch.num_rows
                numbers = pa.array(range(done + 1, done + n + 1), pa.int64())
                arrays = [batch.column(c) for c in keep] + [numbers, batch.column(LINE)]
                done += n
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)

        return pa.RecordBatchReader.from_batches(schema, batches())


@dataclass(frozen=True)
class _SpilledBatch:
    """One FHIR file's rows for one table, loaded like a `Batch` but streamed from disk."""

    table: Table
    path: Path
    sha256: str
    rows: _Rows
    synthetic: bool = False

    def staged(self) -> pa.RecordBatchReader:
        return self.rows.stream()


@dataclass
class _FileWork:
    path: Path
    sha256: str
    scratch: Path
    rows: dict[str, _Rows] = field(default_factory=dict)
    entries: int = 0
    skipped: int = 0

    def rows_for(self, table: str) -> _Rows:
        if table not in self.rows:
            self.rows[table] = _Rows(load_data_model().table(table).column_names, self.scratch)
        return self.rows[table]


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
        rows = work.rows_for(LINKS_TABLE)
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
    for entry in entries(work.path):
        work.entries += 1
        mapped = _map_entry(entry, ctx, skipped, unresolved)
        if mapped is None:
            work.skipped += 1
            continue
        for table, row in mapped.rows:
            work.rows_for(table).add(entry.position, row, mapped.problem)
    for rows in work.rows.values():
        rows.close()


def _outcomes(con: duckdb.DuckDBPyConnection, work: _FileWork, load_id: str) -> FhirFileReport:
    """An entry is quarantined when every row of its own was: its index rows in
    resource_links do not count, unless they are the entry's rejection."""
    own = [
        f"SELECT {LINE} FROM read_parquet({literal(str(rows.path))})"
        + (f" WHERE {SHAPE} IS NOT NULL" if table == LINKS_TABLE else "")
        for table, rows in work.rows.items()
        if rows.rows
    ]
    quarantined = 0
    if own:
        (quarantined,) = con.execute(
            f"""WITH own AS (SELECT {LINE} AS line, count(*) AS n FROM ({" UNION ALL ".join(own)})
                GROUP BY 1),
            rejected AS (SELECT line, count(*) AS n FROM quarantine
                WHERE load_id = ? AND file_path = ?
                  AND (target_table <> ? OR reason NOT LIKE 'duplicate of line%') GROUP BY 1)
            SELECT count(*) FROM own JOIN rejected USING (line) WHERE rejected.n >= own.n""",
            [load_id, str(stored_path(work.path, work.sha256)), LINKS_TABLE],
        ).fetchone()
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
    with tempfile.TemporaryDirectory(prefix="neighbourhood-fhir-") as scratch:
        return _load_files(con, files, Path(scratch), pseudonymiser, progress, now)


def _load_files(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    scratch: Path,
    pseudonymiser: Pseudonymiser,
    progress: Progress,
    now: dt.datetime | None,
) -> FhirLoadReport:
    reports: list[FhirFileReport] = []
    work: list[_FileWork] = []
    for path in files:
        sha256 = sha256_of(path)
        if _already_loaded(con, sha256) or any(w.sha256 == sha256 for w in work):
            reports.append(FhirFileReport(str(path), sha256, None, already_loaded=True))
        else:
            work.append(_FileWork(path, sha256, scratch))
    links = LinkIndex(con, pseudonymiser)
    ctx = Context(pseudonymiser, links, _stored_organisations(con))
    steps = 2 * len(work)
    for item in work:
        _index(item, ctx, links)
        item.rows_for(LINKS_TABLE).flush()
        progress.step("read FHIR files", 1, steps)
    skipped: Counter = Counter()
    unresolved: Counter = Counter()
    for item in work:
        _map(item, ctx, skipped, unresolved)
        progress.step("read FHIR files", 1, steps)
    model = load_data_model()
    batches = [
        _SpilledBatch(model.table(table), stored_path(item.path, item.sha256), item.sha256, rows)
        for item in work
        for table, rows in item.rows.items()
        if rows.rows
    ]
    load = load_batches(con, batches, progress=progress, now=now)
    reports += [_outcomes(con, item, load.load_id) for item in work]
    by_path = {r.path: r for r in reports}
    ordered = tuple(by_path[str(p)] for p in files)
    return FhirLoadReport(load, ordered, dict(skipped), dict(unresolved))

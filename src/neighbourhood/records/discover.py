"""From the paths given to `load` to the files to read, their target table and provenance."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from neighbourhood.records.report import LoadError
from neighbourhood.store.model import DataModel, Table

FORMATS = {".csv": "csv", ".parquet": "parquet"}
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ExtractFile:
    path: Path
    table: Table
    file_format: str
    sha256: str
    synthetic: bool
    header: tuple[str, ...]
    physical_lines: int  # CSV only: lines in the file, counting an unterminated last one
    mapped: bool = False  # read through a column mapping file (mapping.py), header = export's

    def __post_init__(self) -> None:
        if self.file_format not in FORMATS.values():
            raise ValueError(f"unknown file format {self.file_format!r}")


class FileMapping(Protocol):
    """A column mapping (mapping.py): for the files it applies to, it names the target table
    and checks the header instead of the table's declared columns."""

    @property
    def table(self) -> Table: ...

    def applies_to(self, path: Path) -> bool: ...

    def check_header(self, path: Path, header: tuple[str, ...]) -> None: ...


def target_table_name(path: Path) -> str:
    """`patients.csv`, `patients.parquet` and `patients.2024-q1.csv` all go to `patients`."""
    return path.name.split(".", 1)[0]


def _manifest_says_synthetic(directory: Path) -> bool:
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return False
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LoadError(f"{manifest}: not a readable JSON manifest ({error})") from error
    return isinstance(document, dict) and document.get("synthetic") is True


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS)
    if not path.exists():
        raise LoadError(f"{path}: no such file or directory")
    if path.suffix.lower() not in FORMATS:
        raise LoadError(f"{path}: not a .csv or .parquet file")
    return [path]


def _scan_bytes(path: Path) -> tuple[str, int]:
    """SHA-256 of the file and its number of physical lines."""
    digest = hashlib.sha256()
    newlines = 0
    last = b""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
            newlines += block.count(b"\n")
            last = block[-1:]
    unterminated = 1 if last not in (b"", b"\n") else 0
    return digest.hexdigest(), newlines + unterminated


def _csv_header(path: Path) -> tuple[str, ...]:
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.strip():
        raise LoadError(f"{path}: line 1: the file is empty, expected a header row")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}: line 1: not UTF-8 text ({error.reason})") from error
    try:
        row = next(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise LoadError(f"{path}: line 1: not a CSV header ({error})") from error
    return tuple(name.strip() for name in row)


def _parquet_header(path: Path) -> tuple[str, ...]:
    try:
        return tuple(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as error:
        raise LoadError(f"{path}: not a readable Parquet file ({error})") from error


def header_location(path: Path) -> str:
    """Where an error about a file's header points: line 1 of a CSV, a Parquet's columns."""
    return f"{path}: line 1" if path.suffix.lower() == ".csv" else f"{path}: columns"


def check_no_repeats(where: str, header: tuple[str, ...]) -> None:
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise LoadError(f"{where}: column(s) given twice: {', '.join(duplicated)}")


def check_header(path: Path, header: tuple[str, ...], table: Table) -> None:
    where = header_location(path)
    check_no_repeats(where, header)
    missing = [c.name for c in table.columns if c.required and c.name not in header]
    if missing:
        raise LoadError(
            f"{where}: header lacks required column(s) of {table.name}: {', '.join(missing)}"
        )
    unknown = [name for name in header if name not in table.column_names]
    if unknown:
        raise LoadError(f"{where}: unknown column(s) for {table.name}: {', '.join(unknown)}")


def discover(
    paths: Sequence[str | Path], model: DataModel, *, mapping: FileMapping | None = None
) -> list[ExtractFile]:
    """Every file to load, in data-model table order, checked to be readable as far as its header.

    A directory contributes its *.csv and *.parquet files (not recursively); the
    manifest.json beside a file says whether it is synthetic. A file `mapping` applies to
    goes to the mapping's table whatever its name, its header checked against the mapping.
    """
    if not paths:
        raise LoadError("no files given to load")
    loadable = {t.name: t for t in model.loadable_tables}
    order = {t.name: i for i, t in enumerate(model.tables)}
    seen: set[Path] = set()
    found: list[ExtractFile] = []
    for given in paths:
        for file in _files_of(Path(given)):
            path = file.resolve()
            if path in seen:
                continue
            seen.add(path)
            mapped = mapping is not None and mapping.applies_to(path)
            name = mapping.table.name if mapped else target_table_name(path)
            if name not in loadable:
                raise LoadError(
                    f"{path}: no loadable table {name!r} in the data model "
                    f"(expected one of: {', '.join(loadable)})"
                )
            table = loadable[name]
            file_format = FORMATS[path.suffix.lower()]
            header = _csv_header(path) if file_format == "csv" else _parquet_header(path)
            if mapped:
                mapping.check_header(path, header)
            else:
                check_header(path, header, table)
            sha256, lines = _scan_bytes(path)
            found.append(
                ExtractFile(
                    path=path,
                    table=table,
                    file_format=file_format,
                    sha256=sha256,
                    synthetic=_manifest_says_synthetic(path.parent),
                    header=header,
                    physical_lines=lines,
                    mapped=mapped,
                )
            )
    return sorted(found, key=lambda f: (order[f.table.name], str(f.path)))

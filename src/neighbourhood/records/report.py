"""What a load did: counts per table and per file, and the error for a file that cannot be read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class LoadError(Exception):
    """A file cannot be loaded at all; raised before the store changes (the load rolls back)."""


@dataclass(frozen=True)
class TableCounts:
    """What happened to a file's (or a table's) rows: every row read is exactly one of loaded
    (added), quarantined, already_present (its key and values already stored) or updated (its
    key stored with other values, now overwritten by this row)."""

    loaded: int = 0
    quarantined: int = 0
    already_present: int = 0
    updated: int = 0

    def __post_init__(self) -> None:
        if min(self.loaded, self.quarantined, self.already_present, self.updated) < 0:
            raise ValueError(f"row counts cannot be negative: {self}")

    @property
    def rows(self) -> int:
        return self.loaded + self.quarantined + self.already_present + self.updated

    def __add__(self, other: TableCounts) -> TableCounts:
        return TableCounts(
            self.loaded + other.loaded,
            self.quarantined + other.quarantined,
            self.already_present + other.already_present,
            self.updated + other.updated,
        )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class FileReport:
    path: str
    table: str
    sha256: str
    rows_read: int
    counts: TableCounts
    skipped: bool
    synthetic: bool

    def __post_init__(self) -> None:
        c = self.counts
        if c.rows != self.rows_read:
            raise ValueError(f"{self.path}: counts {c} do not add up to {self.rows_read} rows")

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "table": self.table,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            **self.counts.to_dict(),
            "skipped_already_loaded": self.skipped,
            "synthetic": self.synthetic,
        }


@dataclass(frozen=True)
class SkippedRows:
    """Rows of a file that are not for the data model at all (e.g. epraccur rows that are not
    GP practices): counted with the reason, never loaded, never quarantined."""

    path: str
    reason: str
    rows: int

    def __post_init__(self) -> None:
        if self.rows < 1:
            raise ValueError(f"{self.path}: a skipped count must be positive, not {self.rows}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LoadReport:
    load_id: str
    tables: dict[str, TableCounts]
    files: tuple[FileReport, ...]
    synthetic: bool
    skipped: tuple[SkippedRows, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        document = {
            "load_id": self.load_id,
            "synthetic": self.synthetic,
            "tables": {name: counts.to_dict() for name, counts in self.tables.items()},
            "files": [f.to_dict() for f in self.files],
        }
        if self.skipped:
            document["skipped"] = [s.to_dict() for s in self.skipped]
        return document

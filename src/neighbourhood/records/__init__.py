"""Ingest of extract files: validated against the data model, atomic, safe to re-run."""

from neighbourhood.records.batches import Batch, load_batches
from neighbourhood.records.load import load_paths
from neighbourhood.records.report import (
    FileReport,
    LoadError,
    LoadReport,
    SkippedRows,
    TableCounts,
)

__all__ = [
    "Batch",
    "FileReport",
    "LoadError",
    "LoadReport",
    "SkippedRows",
    "TableCounts",
    "load_batches",
    "load_paths",
]

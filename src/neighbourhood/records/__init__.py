"""Ingest of extract files: validated against the data model, atomic, safe to re-run."""

from neighbourhood.records.load import load_paths
from neighbourhood.records.report import FileReport, LoadError, LoadReport, TableCounts

__all__ = ["FileReport", "LoadError", "LoadReport", "TableCounts", "load_paths"]

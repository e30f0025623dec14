"""Where the shipped public data files live inside the installed package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_file(*parts: str) -> Path:
    """Path of a shipped data file, e.g. `data_file("epraccur", "epraccur.csv")`."""
    path = Path(str(resources.files("neighbourhood.sources").joinpath("data", *parts)))
    if not path.is_file():
        raise FileNotFoundError(f"shipped data file not found: {path}")
    return path

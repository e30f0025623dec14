"""Which published format a file is, from its name, header or first line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from neighbourhood.records import LoadError
from neighbourhood.reference import care_homes, epcn, list_sizes, postcodes

EPRACCUR_FIELDS = 27
FORMATS = ("epraccur", "epcn", "cqc_api", "cqc_directory", "list_sizes", "postcodes")


def _first_line(path: Path) -> list[str]:
    try:
        with path.open("rb") as handle:
            first = handle.readline()
    except OSError as error:
        raise LoadError(f"{path}: cannot be read ({error.strerror or error})") from error
    if not first.strip():
        raise LoadError(f"{path}: line 1: the file is empty")
    try:
        decoded = first.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}: line 1: not UTF-8 text ({error.reason})") from error
    try:
        return [cell.strip() for cell in next(csv.reader(io.StringIO(decoded)))]
    except (csv.Error, StopIteration) as error:
        raise LoadError(f"{path}: line 1: not CSV ({error})") from error


def detect_format(path: Path) -> str:
    """One of FORMATS; LoadError naming the file when it is none of them."""
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    if path.suffix.lower() == ".xlsx":
        return "epcn"
    if path.suffix.lower() != ".csv":
        raise LoadError(f"{path}: not a .csv or .xlsx file")
    header = _first_line(path)
    if epcn.kind_of_header(header):
        return "epcn"
    layout = care_homes.layout_of(header)
    if layout:
        return layout
    if list_sizes.is_list_size_header(header):
        return "list_sizes"
    if postcodes.is_postcode_header(header):
        return "postcodes"
    if len(header) == EPRACCUR_FIELDS or "epraccur" in path.name.lower():
        return "epraccur"
    raise LoadError(
        f"{path}: line 1: not a known reference format "
        "(epraccur, ePCN, CQC care directory, GP list sizes, postcode directory)"
    )

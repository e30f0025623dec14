"""What every reference reader shares: CSV rows with their lines, dates, batches."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from neighbourhood.records import Batch, LoadError
from neighbourhood.store.model import load_data_model

LINE, SOURCE, RAW, SHAPE, SHAPE_FIELD = "_line", "_source", "_raw", "_shape", "_shape_field"


@dataclass
class Parsed:
    """One file read into data-model rows: frames per table, and rows skipped with reasons."""

    path: Path
    sha256: str
    file_format: str
    frames: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, frame: pd.DataFrame) -> None:
        if len(frame):
            self.frames.setdefault(table, []).append(frame)

    def skip(self, reason: str, rows: int) -> None:
        if rows:
            self.skipped[reason] = self.skipped.get(reason, 0) + rows


def read_csv_rows(
    path: Path, *, header: bool = True
) -> tuple[list[str], list[list[str]], list[int]]:
    """Header (empty when there is none), rows and the physical line each row starts on.

    Raises LoadError naming the file when it is not UTF-8 CSV or has no rows at all.
    """
    rows: list[list[str]] = []
    lines: list[int] = []
    names: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            end_of_previous = 0
            for row in reader:
                start, end_of_previous = end_of_previous + 1, reader.line_num
                if not row or not any(cell.strip() for cell in row):
                    continue
                if header and not names:
                    names = [cell.strip() for cell in row]
                    continue
                rows.append(row)
                lines.append(start)
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}: not UTF-8 text ({error.reason})") from error
    except csv.Error as error:
        raise LoadError(f"{path}: line {reader.line_num}: not valid CSV ({error})") from error
    except OSError as error:
        raise LoadError(f"{path}: cannot be read ({error.strerror or error})") from error
    if header and not names:
        raise LoadError(f"{path}: the file is empty, expected a header row")
    return names, rows, lines


def frame_of(names: Sequence[str], rows: list[list[str]], lines: list[int]) -> pd.DataFrame:
    """Rows as a text frame with `_line`, `_raw` (the row as JSON) and `_shape` (wrong width)."""
    width = len(names)
    fixed = [r if len(r) == width else (r + [""] * width)[:width] for r in rows]
    frame = pd.DataFrame(fixed, columns=list(names), dtype=object)
    # pandas writes the JSON of every row in C; the few rows of the wrong width get theirs
    # (with the extra fields) one by one.
    raw = (
        frame.to_json(orient="records", lines=True, force_ascii=False).splitlines() if rows else []
    )
    for index, r in enumerate(rows):
        if len(r) != width:
            raw[index] = json.dumps(
                dict(zip(names, r, strict=False)) | _extra(r, width), ensure_ascii=False
            )
    frame[LINE] = lines
    frame[RAW] = raw
    frame[SHAPE] = [
        None if len(r) == width else f"the row has {len(r)} fields, expected {width}" for r in rows
    ]
    return frame


def _extra(row: list[str], width: int) -> dict[str, list[str]]:
    return {"_extra_fields": row[width:]} if len(row) > width else {}


def text(series: pd.Series) -> pd.Series:
    """Stripped text; empty becomes missing."""
    out = series.fillna("").astype(str).str.strip()
    return out.where(out != "", None)


def iso_dates(series: pd.Series, fmt: str = "%Y%m%d") -> tuple[pd.Series, pd.Series]:
    """(YYYY-MM-DD text or missing, mask of values given but not a valid date in `fmt`)."""
    given = text(series)
    parsed = pd.to_datetime(given, format=fmt, errors="coerce")
    bad = given.notna() & parsed.isna()
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None), bad


def reject(frame: pd.DataFrame, mask: pd.Series, field_name: str | None, reason: pd.Series) -> None:
    """Mark rows (not yet rejected) as rejected by the reader with a field and reason."""
    if SHAPE not in frame:
        frame[SHAPE] = None
    if SHAPE_FIELD not in frame:
        frame[SHAPE_FIELD] = None
    todo = mask & frame[SHAPE].isna()
    frame.loc[todo, SHAPE] = reason[todo]
    frame.loc[todo, SHAPE_FIELD] = field_name


def bad_date_reasons(values: pd.Series, label: str, fmt_name: str = "YYYYMMDD") -> pd.Series:
    return (
        "'"
        + values.fillna("").astype(str).str.strip()
        + f"' in {label} is not a valid date ({fmt_name})"
    )


def to_batch(table_name: str, parsed: Parsed) -> Batch:
    table = load_data_model().table(table_name)
    frame = pd.concat(parsed.frames[table_name], ignore_index=True)
    keep = [
        c
        for c in frame.columns
        if c in table.column_names or c in (SOURCE, RAW, SHAPE, SHAPE_FIELD)
    ]
    data = {
        c: pa.array(frame[c].astype(object).where(frame[c].notna(), None), pa.string())
        for c in keep
    }
    data[LINE] = pa.array(frame[LINE].astype("int64"), pa.int64())
    return Batch(table=table, path=parsed.path, sha256=parsed.sha256, rows=pa.table(data))

"""Read one extract file into an Arrow table of text columns with the line each row came from.

Every declared column comes back as a string column (CSV cells as written, Parquet values cast
to text), plus `_line` (CSV: physical line, header = 1; Parquet: row number from 1), `_shape`
(why a CSV row could not be split into the declared columns, else null) and `_raw` (that row's
original fields as JSON when `_shape` is set, else null).
"""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from neighbourhood.records.discover import ExtractFile
from neighbourhood.records.report import LoadError

LINE = "_line"
SHAPE = "_shape"
RAW = "_raw"
SHAPE_FIELD = "_shape_field"  # the column a reader-level rejection is about (null: whole row)
SOURCE_LINE = "_source_line"  # line quarantine reports, when `_line` is only a row number
SOURCE = "_source"  # where a row came from when that is more than the file (a workbook sheet)


def _finish(columns: dict[str, pa.Array], lines, shapes=None, raws=None) -> pa.Table:
    """Optional columns the file leaves out (None in `columns`) come back all missing."""
    n = len(lines)
    data = {k: pa.nulls(n, pa.string()) if v is None else v for k, v in columns.items()}
    data[LINE] = pa.array(lines, pa.int64())
    data[SHAPE] = pa.array(shapes, pa.string()) if shapes is not None else pa.nulls(n, pa.string())
    data[RAW] = pa.array(raws, pa.string()) if raws is not None else pa.nulls(n, pa.string())
    return pa.table(data)


def _utf8_error(file: ExtractFile) -> LoadError:
    data = file.path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return LoadError(f"{file.path}: line {line}: not UTF-8 text ({error.reason})")
    return LoadError(f"{file.path}: not UTF-8 text")


def _read_csv_fast(file: ExtractFile) -> pa.Table | None:
    """pyarrow's parallel reader; None when line numbers cannot be derived from row order."""
    try:
        table = pacsv.read_csv(
            file.path,
            read_options=pacsv.ReadOptions(
                column_names=list(file.header), skip_rows=1, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in file.header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as error:
        if "UTF8" in str(error) or "UTF-8" in str(error):
            raise _utf8_error(file) from error
        return None  # e.g. a row with too many or too few fields: the careful reader says which
    # One row per physical line (after the header) means row i sits on line i + 2; quoted
    # newlines and skipped blank lines both add lines, so they can't cancel out.
    if table.num_rows != file.physical_lines - 1:
        return None
    given = set(table.column_names)
    columns = {n: table.column(n) if n in given else None for n in file.table.column_names}
    return _finish(columns, range(2, table.num_rows + 2))


def _read_csv_careful(file: ExtractFile) -> pa.Table:
    """Row by row with the csv module: exact line numbers and rows of the wrong width kept."""
    names = file.header
    width = len(names)
    values: dict[str, list[str | None]] = {name: [] for name in names}
    lines: list[int] = []
    shapes: list[str | None] = []
    raws: list[str | None] = []
    try:
        with file.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            next(reader)
            end_of_previous = reader.line_num
            for row in reader:
                start, end_of_previous = end_of_previous + 1, reader.line_num
                if not row:
                    continue  # a blank line is not a row
                lines.append(start)
                if len(row) == width:
                    shapes.append(None)
                    raws.append(None)
                else:
                    shapes.append(f"the row has {len(row)} fields, the header has {width}")
                    named = dict(zip(names, row, strict=False))
                    if len(row) > width:
                        named["_extra_fields"] = row[width:]
                    raws.append(json.dumps(named, ensure_ascii=False))
                for i, name in enumerate(names):
                    values[name].append(row[i] if i < len(row) else None)
    except UnicodeDecodeError as error:
        raise _utf8_error(file) from error
    except csv.Error as error:
        raise LoadError(f"{file.path}: line {reader.line_num}: not valid CSV ({error})") from error
    columns = {
        n: pa.array(values[n], pa.string()) if n in values else None
        for n in file.table.column_names
    }
    return _finish(columns, lines, shapes, raws)


def _read_parquet(file: ExtractFile) -> pa.Table:
    try:
        table = pq.read_table(file.path)
    except (pa.ArrowException, OSError) as error:
        raise LoadError(f"{file.path}: not a readable Parquet file ({error})") from error
    columns: dict[str, pa.Array | None] = {}
    for name in file.table.column_names:
        if name not in table.column_names:
            columns[name] = None
            continue
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            if column.type.tz is None:
                column = pc.assume_timezone(column, "UTC")
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")
        try:
            columns[name] = pc.cast(column, pa.string())
        except pa.ArrowException as error:
            raise LoadError(f"{file.path}: column {name}: cannot read as text ({error})") from error
    return _finish(columns, range(1, table.num_rows + 1))


def read_staged(file: ExtractFile) -> pa.Table:
    if file.file_format == "parquet":
        return _read_parquet(file)
    staged = _read_csv_fast(file)
    return staged if staged is not None else _read_csv_careful(file)

"""Read one extract file as a stream of Arrow batches of text columns with each row's line.

`read_staged(file)` gives a `pa.RecordBatchReader`, so a file is never held whole: what is in
memory is pyarrow's CSV readahead (some 32 blocks of `BLOCK_SIZE` bytes), a batch of
`CAREFUL_ROWS` rows on the careful CSV path, or one Parquet batch of at most `PARQUET_ROWS`
rows. Each batch has the file's declared columns as string columns (CSV cells as written,
Parquet values cast to text; a column the file leaves out is not in the stream: every value
missing), plus `_line` (CSV: physical line, header = 1; Parquet: row number from 1), `_shape`
(why a CSV row could not be split into the declared columns, else null) and `_raw` (that
row's original fields as JSON when `_shape` is set, else null).

CSV is read by pyarrow's streaming reader, and a row's line is its row number + 1, which
holds only when the file has one row per physical line after the header. That is known at
the end (rows == physical lines - 1; quoted newlines and skipped blank lines both add lines,
so they can't cancel out), or earlier when pyarrow cannot split a row. When it fails after
batches have been given, the stream raises `Restart`: its consumer throws away what it took
and calls `read_staged(file)` again, which reads the file with the careful csv-module reader
(exact lines, rows of the wrong width kept). `read_staged_table` does that for a caller that
wants the whole file as one table.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator

import numpy as np
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

# Bytes of CSV pyarrow parses at a time. Its streaming reader reads some 32 blocks ahead of
# the batch taken, on its own threads and bounded by nothing else, so the block size sets
# what the reader holds: about 36 MB at 1 MB blocks, about 400 MB at 16 MB.
BLOCK_SIZE = 1 << 20
CAREFUL_ROWS = 100_000  # rows per batch from the csv-module reader
PARQUET_ROWS = 1 << 17  # rows per batch from a Parquet file


class Restart(Exception):  # a signal to the consumer, not an error
    """Raised by a `read_staged` stream whose rows so far carry wrong line numbers: throw them
    away and call `read_staged(file)` again, which then reads the file carefully."""


# (path, sha256) of the files the fast reader gave up on after giving batches: the next
# read_staged of one reads it carefully (and forgets it)
_careful_next: set[tuple[str, str]] = set()


def _given(file: ExtractFile) -> list[str]:
    """The declared columns the file has, in declared order."""
    present = set(file.header)
    return [name for name in file.table.column_names if name in present]


def staged_schema(file: ExtractFile) -> pa.Schema:
    fields = [pa.field(name, pa.string()) for name in _given(file)]
    return pa.schema([*fields, (LINE, pa.int64()), (SHAPE, pa.string()), (RAW, pa.string())])


def _batch(
    schema: pa.Schema, columns: dict[str, pa.Array], lines: pa.Array, shapes=None, raws=None
) -> pa.RecordBatch:
    n = len(lines)
    arrays = [columns[field.name] for field in schema if field.name not in (LINE, SHAPE, RAW)]
    arrays.append(lines)
    arrays.append(pa.array(shapes, pa.string()) if shapes is not None else pa.nulls(n, pa.string()))
    arrays.append(pa.array(raws, pa.string()) if raws is not None else pa.nulls(n, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _numbered(first: int, n: int) -> pa.Array:
    """first, first + 1, ..., as int64, made from the numbers' buffer: `pa.array` of a numpy
    array imports pandas (0.4 s, once per process) to see whether it is a pandas object."""
    values = np.arange(first, first + n, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(values)])


def _utf8_error(file: ExtractFile) -> LoadError:
    """The error for a file that is not UTF-8, naming the first bad line (read in blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with file.path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK_SIZE), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                # the decoder may hold back up to 3 bytes of the previous block: count from
                # where this block's bad sequence starts, less what was held back
                start = max(error.start - (len(error.object) - len(block)), 0)
                line += block.count(b"\n", 0, start)
                return LoadError(f"{file.path}: line {line}: not UTF-8 text ({error.reason})")
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            return LoadError(f"{file.path}: line {line}: not UTF-8 text ({error.reason})")
    return LoadError(f"{file.path}: not UTF-8 text")


def _is_utf8_problem(error: pa.ArrowInvalid) -> bool:
    return "UTF8" in str(error) or "UTF-8" in str(error)


def _csv_fast(file: ExtractFile, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """pyarrow's streaming reader, lines from row order; Restart when that turns out wrong."""
    given = _given(file)
    expected = file.physical_lines - 1
    try:
        reader = pacsv.open_csv(
            file.path,
            read_options=pacsv.ReadOptions(
                column_names=list(file.header),
                skip_rows=1,
                block_size=BLOCK_SIZE,
                use_threads=False,  # as fast here: DuckDB takes the other core
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in file.header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as error:  # the first block is parsed when the reader opens
        if _is_utf8_problem(error):
            raise _utf8_error(file) from error
        yield from _csv_careful(file, schema)  # nothing given yet: no need to restart
        return
    rows = 0
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as error:
            if _is_utf8_problem(error):
                raise _utf8_error(file) from error
            # e.g. a row with too many or too few fields: the careful reader says which
            if rows == 0:
                yield from _csv_careful(file, schema)
                return
            _careful_next.add((str(file.path), file.sha256))
            raise Restart(str(file.path)) from error
        n = batch.num_rows
        if rows + n > expected:  # more rows than lines (e.g. lone carriage returns)
            _careful_next.add((str(file.path), file.sha256))
            raise Restart(str(file.path))
        yield _batch(schema, {name: batch.column(name) for name in given}, _numbered(rows + 2, n))
        rows += n
    if rows != expected:
        _careful_next.add((str(file.path), file.sha256))
        raise Restart(str(file.path))


def _csv_careful(file: ExtractFile, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Row by row with the csv module: exact line numbers and rows of the wrong width kept."""
    names = file.header
    width = len(names)
    given = _given(file)
    index = {name: names.index(name) for name in given}

    def start() -> tuple[dict[str, list[str | None]], list[int], list, list]:
        return {name: [] for name in given}, [], [], []

    def batch(values, lines, shapes, raws) -> pa.RecordBatch:
        columns = {name: pa.array(values[name], pa.string()) for name in given}
        return _batch(schema, columns, pa.array(lines, pa.int64()), shapes, raws)

    values, lines, shapes, raws = start()
    try:
        with file.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            next(reader, None)
            end_of_previous = reader.line_num
            for row in reader:
                first, end_of_previous = end_of_previous + 1, reader.line_num
                if not row:
                    continue  # a blank line is not a row
                lines.append(first)
                if len(row) == width:
                    shapes.append(None)
                    raws.append(None)
                else:
                    shapes.append(f"the row has {len(row)} fields, the header has {width}")
                    named = dict(zip(names, row, strict=False))
                    if len(row) > width:
                        named["_extra_fields"] = row[width:]
                    raws.append(json.dumps(named, ensure_ascii=False))
                for name, i in index.items():
                    values[name].append(row[i] if i < len(row) else None)
                if len(lines) == CAREFUL_ROWS:
                    yield batch(values, lines, shapes, raws)
                    values, lines, shapes, raws = start()
    except UnicodeDecodeError as error:
        raise _utf8_error(file) from error
    except csv.Error as error:
        raise LoadError(f"{file.path}: line {reader.line_num}: not valid CSV ({error})") from error
    if lines:
        yield batch(values, lines, shapes, raws)


def _parquet(file: ExtractFile, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    given = _given(file)
    try:
        parquet = pq.ParquetFile(file.path)
        batches = parquet.iter_batches(batch_size=PARQUET_ROWS, columns=given)
    except (pa.ArrowException, OSError) as error:
        raise LoadError(f"{file.path}: not a readable Parquet file ({error})") from error
    rows = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except (pa.ArrowException, OSError) as error:
            raise LoadError(f"{file.path}: not a readable Parquet file ({error})") from error
        columns: dict[str, pa.Array] = {}
        for name in given:
            column = batch.column(name)
            if pa.types.is_timestamp(column.type):
                if column.type.tz is None:
                    column = pc.assume_timezone(column, "UTC")
                column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")
            try:
                columns[name] = pc.cast(column, pa.string())
            except pa.ArrowException as error:
                raise LoadError(
                    f"{file.path}: column {name}: cannot read as text ({error})"
                ) from error
        n = batch.num_rows
        yield _batch(schema, columns, _numbered(rows + 1, n))
        rows += n


def read_staged(file: ExtractFile) -> pa.RecordBatchReader:
    """The file's rows as a stream of staged batches (see the module docstring)."""
    schema = staged_schema(file)
    if file.file_format == "parquet":
        return pa.RecordBatchReader.from_batches(schema, _parquet(file, schema))
    key = (str(file.path), file.sha256)
    if key in _careful_next:
        _careful_next.discard(key)
        return pa.RecordBatchReader.from_batches(schema, _csv_careful(file, schema))
    return pa.RecordBatchReader.from_batches(schema, _csv_fast(file, schema))


def read_staged_table(file: ExtractFile) -> pa.Table:
    """The whole file as one staged table (in memory), for a caller that needs it at once."""
    try:
        return read_staged(file).read_all()
    except Restart:
        return read_staged(file).read_all()

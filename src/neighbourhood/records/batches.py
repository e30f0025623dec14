"""`load_batches`: rows already mapped onto data-model tables, loaded like extract files.

A reader of a published format (ODS epraccur, ePCN, CQC, ...) maps each file onto one or more
data-model tables and hands the loader one `Batch` per (file, table). The batch goes through
the same checks, quarantine, key handling, load_log and single transaction as an extract
file: a re-run of the same file changes nothing (its sha256 is in load_log for that table).

`Batch.rows` is an Arrow table of text columns named like the table's columns (a missing
column means every value is missing) plus:

    _line          the line of the original file each row came from (int; may repeat, e.g.
                   a practice row that also gives its sub-ICB); quarantine reports it
    _source        optional: where the row came from when the file alone does not say
                   (a workbook sheet, `ePCN.xlsx#PCNDetails`); null = the file
    _raw           optional: the original row as JSON (null = the mapped row is shown)
    _shape         optional: why the reader rejected the row (it goes to quarantine as is)
    _shape_field   optional: the column that reason is about
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from neighbourhood.progress import SILENT, Progress
from neighbourhood.records.load import moment_of, run_load
from neighbourhood.records.read import LINE, RAW, SHAPE, SHAPE_FIELD, SOURCE, SOURCE_LINE
from neighbourhood.records.report import LoadReport
from neighbourhood.store.model import Table, load_data_model

OPTIONAL = (SOURCE, RAW, SHAPE, SHAPE_FIELD)


@dataclass(frozen=True)
class Batch:
    """One file's rows for one data-model table, with the line each came from."""

    table: Table
    path: Path
    sha256: str
    rows: pa.Table
    synthetic: bool = False

    def __post_init__(self) -> None:
        names = self.rows.column_names
        unknown = set(names) - set(self.table.column_names) - {LINE, *OPTIONAL}
        if unknown:
            raise ValueError(f"{self.path}: columns not in {self.table.name}: {sorted(unknown)}")
        if LINE not in names or not pa.types.is_integer(self.rows.schema.field(LINE).type):
            raise ValueError(f"{self.path}: a batch needs an integer {LINE} column")
        for name in names:
            if name != LINE and not pa.types.is_string(self.rows.schema.field(name).type):
                raise ValueError(f"{self.path}: column {name} must be text")
        if len(self.sha256) != 64:
            raise ValueError(f"{self.path}: {self.sha256!r} is not a SHA-256 hex digest")

    @property
    def num_rows(self) -> int:
        return self.rows.num_rows

    def staged(self) -> pa.Table:
        """The rows as the loader stages them: a unique row number in `_line`."""
        n = self.rows.num_rows
        given = set(self.rows.column_names)

        def column(name: str) -> pa.ChunkedArray | pa.Array:
            return self.rows.column(name) if name in given else pa.nulls(n, pa.string())

        data = {name: column(name) for name in self.table.column_names}
        data[LINE] = pa.array(range(1, n + 1), pa.int64())
        data[SOURCE_LINE] = pc.cast(self.rows.column(LINE), pa.int64())
        data.update({name: column(name) for name in OPTIONAL})
        return pa.table(data)


def load_batches(
    con,
    batches: Sequence[Batch],
    *,
    progress: Progress = SILENT,
    now: dt.datetime | None = None,
) -> LoadReport:
    """Load batches in data-model table order (then in the order given), all or nothing.

    Only one batch per (sha256, table) may be given: the loader knows a file by its checksum.
    """
    seen: set[tuple[str, str]] = set()
    for batch in batches:
        identity = (batch.sha256, batch.table.name)
        if identity in seen:
            raise ValueError(f"{batch.path}: two batches for table {batch.table.name}")
        seen.add(identity)
    order = {t.name: i for i, t in enumerate(load_data_model().tables)}
    ordered = sorted(batches, key=lambda b: order[b.table.name])  # stable: keeps given order
    return run_load(con, ordered, stage=lambda b: b.staged(), progress=progress, now=moment_of(now))

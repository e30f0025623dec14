"""Write tables in the file contract: <table>.csv or .parquet, data-model column order,
dates YYYY-MM-DD, instants ISO 8601 UTC with Z, booleans true/false, empty = missing."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from neighbourhood.checksums import sha256_of
from neighbourhood.store.model import Table, load_data_model

ARROW_TYPES = {
    "text": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "instant": pa.string(),
}


def _column(values: pa.ChunkedArray | pa.Array, kind: str) -> pa.Array:
    if kind == "instant" and pa.types.is_timestamp(values.type):
        if values.type.tz is None:
            values = pc.assume_timezone(values, "UTC")
        values = pc.strftime(values, format="%Y-%m-%dT%H:%M:%SZ")
    if kind == "date" and pa.types.is_timestamp(values.type):
        values = pc.cast(values, pa.date32())
    return pc.cast(values, ARROW_TYPES[kind])


def conform(table: pa.Table | None, spec: Table) -> pa.Table:
    """`table` with exactly the declared columns, order and types (empty if None); an
    optional column the generator does not make is written empty."""
    schema = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in spec.columns])
    if table is None or table.num_rows == 0:
        return schema.empty_table()
    missing = [c.name for c in spec.columns if c.required and c.name not in table.column_names]
    if missing:
        raise ValueError(f"table {spec.name} lacks columns {missing}")
    arrays = [
        _column(table[c.name], c.type)
        if c.name in table.column_names
        else pa.nulls(table.num_rows, ARROW_TYPES[c.type])
        for c in spec.columns
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_table(table: pa.Table, path: Path, file_format: str) -> None:
    if file_format == "csv":
        options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
        pacsv.write_csv(table, path, write_options=options)
    else:
        pq.write_table(table, path, compression="zstd")


def write_all(
    tables: dict[str, pa.Table], out_dir: Path, file_format: str, manifest: dict
) -> dict[str, dict]:
    """Write every loadable table of the data model (header-only when empty), the manifest
    and a README; returns {file name: {rows, sha256}}."""
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be 'csv' or 'parquet', not {file_format!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict] = {}
    for spec in load_data_model().loadable_tables:
        table = conform(tables.get(spec.name), spec)
        path = out_dir / f"{spec.name}.{file_format}"
        write_table(table, path, file_format)
        files[path.name] = {"rows": table.num_rows, "sha256": sha256_of(path)}
    unknown = set(tables) - {spec.name for spec in load_data_model().loadable_tables}
    if unknown:
        raise ValueError(f"tables not in the data model: {sorted(unknown)}")
    document = {**manifest, "files": files}
    (out_dir / "manifest.json").write_text(json.dumps(document, indent=2) + "\n")
    (out_dir / "README.txt").write_text(
        "SYNTHETIC DATA. Every patient and every record in these files was made up by\n"
        "neighbourhood.synthetic; the organisations (region, ICB, sub-ICB, PCNs, practices,\n"
        "care homes) are real and public. No row describes a real person.\n"
        "See manifest.json for the seed, the arguments and a checksum of each file.\n"
    )
    return files

"""DuckDB schema generated from the data model."""

from __future__ import annotations

from neighbourhood.store.model import Column, DataModel, Table

SQL_TYPES = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "instant": "TIMESTAMP",
}


def sql_type(column: Column) -> str:
    return SQL_TYPES[column.type]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def create_table_sql(table: Table) -> str:
    lines = []
    for column in table.columns:
        null = " NOT NULL" if column.required else ""
        lines.append(f"    {quote(column.name)} {sql_type(column)}{null}")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} (\n{body}\n);"


def schema_sql(model: DataModel) -> str:
    """The whole schema as one SQL script, in declaration order."""
    header = f"-- neighbourhood data model, version {model.version}. Generated from model.yaml.\n"
    return header + "\n\n".join(create_table_sql(t) for t in model.tables) + "\n"

"""The SQL schema generated from the data model (DuckDB; PostgreSQL for a shared server)."""

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


# PostgreSQL text compares byte by byte (collation "C"), as DuckDB, Spark and Python do,
# whatever the server's default collation: min, max, < and tie-breaks agree across engines.
POSTGRESQL_TYPES = SQL_TYPES | {"decimal": "DOUBLE PRECISION", "text": 'VARCHAR COLLATE "C"'}
DIALECT_TYPES = {"duckdb": SQL_TYPES, "postgresql": POSTGRESQL_TYPES}


def sql_type(column: Column, dialect: str = "duckdb") -> str:
    return DIALECT_TYPES[dialect][column.type]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def create_table_sql(table: Table, dialect: str = "duckdb") -> str:
    lines = []
    for column in table.columns:
        null = " NOT NULL" if column.required else ""
        lines.append(f"    {quote(column.name)} {sql_type(column, dialect)}{null}")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} (\n{body}\n);"


def schema_sql(model: DataModel, dialect: str = "duckdb") -> str:
    """The whole schema as one SQL script, in declaration order."""
    header = f"-- neighbourhood data model, version {model.version}. Generated from model.yaml.\n"
    tables = "\n\n".join(create_table_sql(t, dialect) for t in model.tables)
    return header + tables + "\n"

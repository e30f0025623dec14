"""The data model, read from model.yaml into small immutable objects that check themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

COLUMN_TYPES = ("text", "integer", "decimal", "boolean", "date", "instant")
CONSTRAINT_NAMES = (
    "required",
    "values",
    "min",
    "max",
    "pattern",
    "references",
    "not_future",
    "first_of_month",
    "within_life",
    "snomed_ct_id",
)
ROW_CHECK_RULES = ("not_before",)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DataModelError(ValueError):
    """The declared data model is inconsistent."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    constraints: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise DataModelError(f"column name {self.name!r} is not snake_case")
        if self.type not in COLUMN_TYPES:
            raise DataModelError(f"column {self.name}: type {self.type!r} not in {COLUMN_TYPES}")
        if not self.description.strip():
            raise DataModelError(f"column {self.name}: description is empty")
        for name, value in self.constraints:
            if name not in CONSTRAINT_NAMES:
                raise DataModelError(f"column {self.name}: unknown constraint {name!r}")
            if name == "pattern":
                re.compile(value)
            if name in ("min", "max") and self.type not in ("integer", "decimal"):
                raise DataModelError(f"column {self.name}: {name} needs a numeric type")
            if name in ("not_future", "within_life", "first_of_month") and self.type not in (
                "date",
                "instant",
            ):
                raise DataModelError(f"column {self.name}: {name} needs a date or instant")
            if name == "snomed_ct_id" and self.type != "text":
                raise DataModelError(f"column {self.name}: snomed_ct_id needs a text column")

    def constraint(self, name: str, default: Any = None) -> Any:
        return dict(self.constraints).get(name, default)

    @property
    def required(self) -> bool:
        return bool(self.constraint("required", False))

    @property
    def references(self) -> tuple[str, str] | None:
        target = self.constraint("references")
        if target is None:
            return None
        table, column = target.split(".")
        return table, column


@dataclass(frozen=True)
class RowCheck:
    rule: str
    column: str
    other: str

    def __post_init__(self) -> None:
        if self.rule not in ROW_CHECK_RULES:
            raise DataModelError(f"unknown row check {self.rule!r}")


@dataclass(frozen=True)
class Table:
    name: str
    group: str
    description: str
    source: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    row_checks: tuple[RowCheck, ...] = ()
    loadable: bool = True

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise DataModelError(f"table name {self.name!r} is not snake_case")
        if not self.source.strip():
            raise DataModelError(
                f"table {self.name}: every table cites the source of its definition"
            )
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise DataModelError(f"table {self.name}: duplicate column names")
        for name in self.key:
            if name not in names:
                raise DataModelError(f"table {self.name}: key column {name!r} is not a column")
        for check in self.row_checks:
            for name in (check.column, check.other):
                if name not in names:
                    raise DataModelError(f"table {self.name}: row check names unknown {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def needs_patient(self) -> bool:
        """True when a column must be checked against the patient's life span."""
        return any(c.constraint("within_life") for c in self.columns)


@dataclass(frozen=True)
class DataModel:
    version: int
    groups: tuple[tuple[str, str], ...]
    tables: tuple[Table, ...] = field(default=())

    def __post_init__(self) -> None:
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise DataModelError("duplicate table names")
        group_names = {g for g, _ in self.groups}
        seen: set[str] = set()
        for table in self.tables:
            if table.group not in group_names:
                raise DataModelError(f"table {table.name}: unknown group {table.group!r}")
            for column in table.columns:
                ref = column.references
                if ref is None:
                    continue
                target_table, target_column = ref
                if target_table not in seen and target_table != table.name:
                    raise DataModelError(
                        f"{table.name}.{column.name} references {target_table}, which must be "
                        "declared earlier (tables are loaded in declaration order)"
                    )
                if target_column not in self.table(target_table).column_names:
                    raise DataModelError(f"{table.name}.{column.name}: unknown target {ref}")
            if table.needs_patient and "patient_id" not in table.column_names:
                raise DataModelError(f"table {table.name}: within_life needs a patient_id column")
            seen.add(table.name)

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"no table {name!r} in the data model")

    @property
    def loadable_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.loadable)


def parse_data_model(document: dict[str, Any]) -> DataModel:
    tables = []
    for raw in document["tables"]:
        columns = tuple(
            Column(
                name=c["name"],
                type=c["type"],
                description=c["description"],
                constraints=tuple(
                    sorted(
                        (name, tuple(value) if isinstance(value, list) else value)
                        for name, value in (c.get("constraints") or {}).items()
                    )
                ),
            )
            for c in raw["columns"]
        )
        tables.append(
            Table(
                name=raw["name"],
                group=raw["group"],
                description=" ".join(raw["description"].split()),
                source=raw["source"],
                key=tuple(raw["key"]),
                columns=columns,
                row_checks=tuple(RowCheck(**r) for r in raw.get("row_checks", ())),
                loadable=raw.get("loadable", True),
            )
        )
    return DataModel(
        version=document["version"],
        groups=tuple(document["groups"].items()),
        tables=tuple(tables),
    )


@cache
def load_data_model() -> DataModel:
    """The data model shipped with the package."""
    text = resources.files("neighbourhood.store").joinpath("model.yaml").read_text("utf-8")
    return parse_data_model(yaml.safe_load(text))

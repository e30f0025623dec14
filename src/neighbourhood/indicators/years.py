"""The values of an IIF year that turn points into pounds (`years/<year>.yaml`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from neighbourhood.cohorts.definition import DefinitionError, parse_yaml
from neighbourhood.indicators.definition import Sourced, financial_year
from neighbourhood.yaml_lines import key_lines


@dataclass(frozen=True)
class YearValues:
    year: str
    pound_per_point: Sourced
    max_points: Sourced
    average_pcn_list_size: Sourced
    sources: Mapping[str, Mapping[str, Any]]
    path: str = ""

    def __post_init__(self) -> None:
        for name in ("pound_per_point", "max_points", "average_pcn_list_size"):
            source = getattr(self, name).source
            if source is not None and source not in self.sources:
                raise ValueError(f"{self.year}: {name}: no source {source!r} in sources")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("neighbourhood.indicators").joinpath("years.schema.json")
    return json.loads(text.read_text("utf-8"))


def read_year(path: Path) -> YearValues:
    text, document = parse_yaml(path)
    lines = key_lines(text)
    problems = [
        f"{path}: line {lines.get(tuple(map(str, e.absolute_path)), 1)}: "
        f"{'.'.join(map(str, e.absolute_path)) or '(file)'}: {e.message}"
        for e in jsonschema.Draft202012Validator(_schema()).iter_errors(document)
    ]
    if problems:
        raise DefinitionError("\n".join(sorted(problems)))
    if document["year"] != path.stem:
        raise DefinitionError(f"{path}: line {lines[('year',)]}: year: must be the file name")
    try:
        return YearValues(
            year=document["year"],
            pound_per_point=Sourced(**document["pound_per_point"]),
            max_points=Sourced(**document["max_points"]),
            average_pcn_list_size=Sourced(**document["average_pcn_list_size"]),
            sources=document["sources"],
            path=str(path),
        )
    except ValueError as error:
        raise DefinitionError(f"{path}: {error}") from error


@cache
def shipped_years() -> dict[str, YearValues]:
    folder = Path(str(resources.files("neighbourhood.indicators").joinpath("years")))
    return {path.stem: read_year(path) for path in sorted(folder.glob("*.yaml"))}


def year_values(year: str) -> YearValues:
    years = shipped_years()
    year = financial_year(year)
    if year not in years:
        raise KeyError(f"no IIF year {year!r}; years: {', '.join(years)}")
    return years[year]

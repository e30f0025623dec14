"""Indicator definitions as data: one YAML file per indicator per year, validated against
`definition.schema.json` (`definitions/<year>/<ID>.yaml`).

A file says what is counted, as a cohort of the query language (variables `denominator`
and `numerator`, and optionally `declined` and `unsuitable`: the personalised care
adjustment), over which period, how it scores (thresholds, direction, points, prevalence
adjustment) and the source of each value. A value that could not be sourced is written as
null with `not_found`, and the indicator is `status: incomplete`: it is still counted, so
achievement can be seen, but it earns no points and no pounds.
Every problem of a file is reported at once, each with the file, line and field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from neighbourhood.cohorts import Cohort, shipped_library
from neighbourhood.cohorts import model as m
from neighbourhood.cohorts.definition import DefinitionError, build_cohort, parse_yaml
from neighbourhood.financial_years import start_year
from neighbourhood.yaml_lines import key_lines

PCA_VARIABLES = ("declined", "unsuitable")
VALUES = ("lower_threshold", "upper_threshold", "direction", "points", "prevalence_adjusted")


@dataclass(frozen=True)
class Sourced:
    """One value of a definition with the source that gives it, or why none was found."""

    value: Any
    source: str | None = None
    not_found: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if (self.source is None) == (self.not_found is None):
            raise ValueError("a value names its source or says it was not found, not both")
        if self.not_found is not None and self.value is not None:
            raise ValueError("a value that was not found is null")


@dataclass(frozen=True)
class Indicator:
    """An indicator of one year, built and checked."""

    id: str
    year: str
    version: int
    title: str
    description: str
    status: str
    incomplete: tuple[str, ...]
    period_start: dt.date
    period_end: dt.date
    values: Mapping[str, Sourced]
    sources: Mapping[str, Mapping[str, Any]]
    cohort: Cohort
    choices: tuple[str, ...] = ()
    path: str = ""

    def __post_init__(self) -> None:
        problems = []
        if self.period_end < self.period_start:
            problems.append("the period ends before it starts")
        for name, sourced in self.values.items():
            if sourced.source is not None and sourced.source not in self.sources:
                problems.append(f"values.{name}: no source {sourced.source!r} in sources")
        missing = [name for name in VALUES if self.values[name].value is None]
        if self.status == "complete" and missing:
            problems.append(f"complete, but {', '.join(missing)} not found")
        if self.status == "incomplete" and not self.incomplete:
            problems.append("incomplete: say which values were not found")
        lower, upper = self.value("lower_threshold"), self.value("upper_threshold")
        if lower is not None and upper is not None and lower > upper:
            problems.append("the lower threshold is above the upper threshold")
        for name in ("denominator", "numerator", *PCA_VARIABLES):
            series = self.cohort.variables.get(name)
            if series is not None and series.type != m.BOOL:
                problems.append(f"cohort.variables.{name} must be true/false per patient")
        if problems:
            raise ValueError(f"{self.key}: " + "; ".join(problems))
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @property
    def key(self) -> str:
        return f"{self.year}/{self.id}"

    @property
    def payable(self) -> bool:
        return self.status == "complete"

    def value(self, name: str) -> Any:
        return self.values[name].value

    @property
    def pca(self) -> tuple[str, ...]:
        """The personalised care adjustment variables this indicator has."""
        return tuple(v for v in PCA_VARIABLES if v in self.cohort.variables)

    def source_of(self, name: str) -> dict[str, Any] | None:
        sourced = self.values[name]
        return None if sourced.source is None else dict(self.sources[sourced.source])

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "year": self.year,
            "version": self.version,
            "title": self.title,
            "status": self.status,
            "incomplete": list(self.incomplete),
            "period": [self.period_start.isoformat(), self.period_end.isoformat()],
            "values": {
                k: {"value": v.value, "source": v.source, "not_found": v.not_found}
                for k, v in self.values.items()
            },
            "pca": list(self.pca),
            "codelists": self.cohort.codelists,
            "sources": {k: dict(v) for k, v in self.sources.items()},
            "choices": list(self.choices),
        }


def definitions_folder() -> Path:
    return Path(str(resources.files("neighbourhood.indicators").joinpath("definitions")))


@cache
def schema() -> dict[str, Any]:
    text = resources.files("neighbourhood.indicators").joinpath("definition.schema.json")
    return json.loads(text.read_text("utf-8"))


def read_indicator(path: Path, cohorts: Mapping[str, Cohort] | None = None) -> Indicator:
    """Read, validate and build one indicator file."""
    text, document = parse_yaml(path)
    lines = key_lines(text)

    def at(*keys: Any) -> str:
        return f"{path}: line {lines.get(tuple(str(k) for k in keys), 1)}"

    problems = [
        f"{at(*e.absolute_path)}: {'.'.join(map(str, e.absolute_path)) or '(file)'}: {e.message}"
        for e in sorted(
            jsonschema.Draft202012Validator(schema()).iter_errors(document),
            key=lambda e: list(map(str, e.absolute_path)),
        )
    ]
    if problems:
        raise DefinitionError("\n".join(problems))
    if document["id"] != path.stem:
        raise DefinitionError(f"{at('id')}: id: must be the file name ({path.stem})")
    if document["year"] != path.parent.name:
        raise DefinitionError(f"{at('year')}: year: must be the folder name ({path.parent.name})")
    try:
        start = dt.date.fromisoformat(str(document["period"]["start"]))
        end = dt.date.fromisoformat(str(document["period"]["end"]))
    except ValueError as error:
        raise DefinitionError(f"{at('period')}: period: {error}") from error
    built = _cohort(path, document, lines, start, end, cohorts)
    try:
        return Indicator(
            id=document["id"],
            year=document["year"],
            version=document["version"],
            title=document["title"],
            description=" ".join(document.get("description", "").split()),
            status=document["status"],
            incomplete=tuple(" ".join(s.split()) for s in document.get("incomplete", [])),
            period_start=start,
            period_end=end,
            values={k: Sourced(**v) for k, v in document["values"].items()},
            sources=document["sources"],
            cohort=built,
            choices=tuple(" ".join(c.split()) for c in document.get("choices", [])),
            path=str(path),
        )
    except ValueError as error:
        raise DefinitionError(f"{path}: {error}") from error


def _cohort(
    path: Path,
    document: dict[str, Any],
    lines: dict[tuple[str, ...], int],
    start: dt.date,
    end: dt.date,
    cohorts: Mapping[str, Cohort] | None,
) -> Cohort:
    """The indicator's patients as a cohort: the population is the denominator before the
    personalised care adjustment; the period's dates are parameters of its expressions."""
    part = document["cohort"]
    variables = part["variables"]
    parameters = dict(part.get("parameters", {})) | {"period_start": start, "period_end": end}
    as_cohort = {
        "id": f"iif-{document['year']}-{document['id'].lower()}",
        "version": document["version"],
        "title": document["title"],
        "description": document.get("description", document["title"]),
        "variables": variables,
        "parameters": parameters,
        "include": part.get("include", []),
        "population": "denominator",
        "criteria": [v for v in ("numerator", *PCA_VARIABLES) if v in variables],
        "sources": [dict(s) | {"key": k} for k, s in document["sources"].items()],
    }
    own_lines = {key[1:]: line for key, line in lines.items() if key[:1] == ("cohort",)}
    own_lines[("population",)] = lines.get(("cohort", "variables", "denominator"), 1)
    return build_cohort(path, as_cohort, own_lines, cohorts or shipped_library())


def load_definitions(folder: Path | None = None) -> dict[str, Indicator]:
    """Every indicator of every year (`year/ID` keys, sorted); every problem of every file
    reported at once."""
    folder = folder or definitions_folder()
    found: dict[str, Indicator] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*/*.yaml")):
        try:
            indicator = read_indicator(path)
        except DefinitionError as error:
            problems.append(str(error))
            continue
        found[indicator.key] = indicator
    if problems:
        raise DefinitionError("\n".join(problems))
    return found


@cache
def shipped_definitions() -> dict[str, Indicator]:
    return load_definitions()


def financial_year(text: str) -> str:
    """A financial year as the files name it: "2024/25" or "2024-25" gives "2024-25"."""
    start = start_year(text)
    if start is None:
        raise KeyError(f"{text!r} is not a financial year such as 2024/25")
    return f"{start}-{(start + 1) % 100:02d}"


def indicators_of(year: str) -> dict[str, Indicator]:
    """The shipped indicators of one year (2024/25 or 2024-25), by id."""
    year = financial_year(year)
    found = {i.id: i for i in shipped_definitions().values() if i.year == year}
    if not found:
        years = sorted({i.year for i in shipped_definitions().values()})
        raise KeyError(f"no indicators for {year!r}; years: {', '.join(years)}")
    return found


__all__ = [
    "Indicator",
    "Sourced",
    "financial_year",
    "indicators_of",
    "load_definitions",
    "read_indicator",
    "shipped_definitions",
]

"""Cohort definitions as data: one YAML file per cohort, validated against a JSON schema.

A file names its sources and its choices, its parameters (thresholds, windows), the
definitions it includes (`efi`), its variables in order (each an expression of the query
language that may use the parameters, the earlier variables and the included definitions'
variables; a variable that is a frame, such as a row picked per patient, is a name for later
variables, not an output), which variables are the criteria that explain membership, and the
population.
Every problem of a file is reported at once, each with the file, line and field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from neighbourhood.codelists import CodeError, CodelistError
from neighbourhood.cohorts import model as m
from neighbourhood.cohorts.expressions import ExpressionError, Namespace, evaluate
from neighbourhood.cohorts.language import NAMES, FrameExpr, SeriesExpr
from neighbourhood.yaml_lines import key_lines


class DefinitionError(ValueError):
    """A definition file that cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Cohort:
    """A cohort definition, built: every expression is a checked query-model node."""

    id: str
    version: str
    title: str
    description: str
    population: m.Series
    variables: Mapping[str, m.Series]
    criteria: tuple[str, ...]
    sources: tuple[Mapping[str, Any], ...]
    choices: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""
    sort: tuple[str, ...] = ()  # variables the list is ordered by ("-name": largest first)

    def __post_init__(self) -> None:
        if self.population.type != m.BOOL or self.population.frame is not None:
            raise m.QueryError(f"{self.id}: the population must be one true/false per patient")
        for name in self.criteria:
            if name not in self.variables:
                raise m.QueryError(f"{self.id}: criterion {name!r} is not a variable")
        for name in self.sort:
            if name.removeprefix("-") not in self.variables:
                raise m.QueryError(f"{self.id}: sort by {name!r}, which is not a variable")
        object.__setattr__(self, "variables", MappingProxyType(dict(self.variables)))
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    @property
    def codelists(self) -> dict[str, str]:
        """Every codelist the cohort reads, with its version."""
        return dict(self._codelists)

    @cached_property
    def _codelists(self) -> Mapping[str, str]:
        # found once: walking the definition's nodes costs a served request milliseconds
        found: dict[str, str] = {}
        for node in (self.population, *self.variables.values()):
            found |= m.codelists_used(node)
        return MappingProxyType(dict(sorted(found.items())))

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "criteria": list(self.criteria),
            "sort": list(self.sort),
            "variables": list(self.variables),
            "parameters": dict(self.parameters),
            "codelists": self.codelists,
            "sources": [dict(s) for s in self.sources],
            "choices": list(self.choices),
        }


def library_folder() -> Path:
    return Path(str(resources.files("neighbourhood.cohorts").joinpath("library")))


@cache
def schema() -> dict[str, Any]:
    text = resources.files("neighbourhood.cohorts").joinpath("definition.schema.json")
    return json.loads(text.read_text("utf-8"))


def parse_yaml(path: Path) -> tuple[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        return text, yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path}: not valid YAML: {error}") from error


def read_cohort(path: Path, known: Mapping[str, Cohort] | None = None) -> Cohort:
    """Read and build one definition; `known` holds the definitions it may include."""
    text, document = parse_yaml(path)
    return _checked(path, text, document, known or {})


def _checked(path: Path, text: str, document: Any, known: Mapping[str, Cohort]) -> Cohort:
    """Validate a parsed definition against the schema, then build it."""
    lines = key_lines(text)
    problems = [
        f"{path}: line {lines.get(tuple(str(p) for p in e.absolute_path), 1)}: "
        f"{'.'.join(str(p) for p in e.absolute_path) or '(file)'}: {e.message}"
        for e in sorted(
            jsonschema.Draft202012Validator(schema()).iter_errors(document),
            key=lambda e: list(map(str, e.absolute_path)),
        )
    ]
    if problems:
        raise DefinitionError("\n".join(problems))
    if document["id"] != path.stem:
        raise DefinitionError(f"{path}: line {lines[('id',)]}: id must be the file name")
    return build_cohort(path, document, lines, known)


def build_cohort(
    path: Path, document: dict[str, Any], lines: dict[tuple[str, ...], int], known: Mapping
) -> Cohort:
    names: dict[str, Any] = dict(NAMES)
    problems: list[str] = []
    parameters = document.get("parameters", {})
    names.update(parameters)
    for included in document.get("include", []):
        if included not in known:
            problems.append(f"{path}: include: no definition {included!r} (or it is broken)")
            continue
        cohort = known[included]
        names[included.replace("-", "_")] = Namespace(
            included, {k: SeriesExpr(v) for k, v in cohort.variables.items()}
        )
    variables: dict[str, m.Series] = {}
    for name, text in document["variables"].items():
        if name in names:
            problems.append(f"{path}: line {lines[('variables', name)]}: {name} shadows a name")
            continue
        try:
            found = evaluate(str(text), names)
            if isinstance(found, FrameExpr):  # a named frame: used by later variables
                names[name] = found
                continue
            built = _series(found)
        except (ExpressionError, m.QueryError, CodeError, CodelistError, KeyError) as error:
            problems.append(f"{path}: line {lines[('variables', name)]}: variables.{name}: {error}")
            continue
        variables[name] = built
        names[name] = SeriesExpr(built)
    population = None
    try:
        population = _series(evaluate(str(document["population"]), names))
    except (ExpressionError, m.QueryError, CodeError, CodelistError, KeyError) as error:
        problems.append(f"{path}: line {lines[('population',)]}: population: {error}")
    if problems or population is None:
        raise DefinitionError("\n".join(problems))
    try:
        return Cohort(
            id=document["id"],
            version=str(document["version"]),
            title=document["title"],
            description=" ".join(document["description"].split()),
            population=population,
            variables=variables,
            criteria=tuple(document["criteria"]),
            sources=tuple(document["sources"]),
            choices=tuple(" ".join(c.split()) for c in document.get("choices", [])),
            parameters=parameters,
            path=str(path),
            sort=tuple(document.get("sort", [])),
        )
    except m.QueryError as error:
        raise DefinitionError(f"{path}: {error}") from error


def _series(found: Any) -> m.Series:
    if isinstance(found, SeriesExpr):
        return found.node
    if isinstance(found, bool | int | float | str):
        return NAMES["value"](found).node
    raise ExpressionError(f"the expression gives a {type(found).__name__}, not a value per patient")


def _order(documents: dict[str, dict[str, Any]]) -> list[str]:
    """Definitions ordered so that each comes after those it includes."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name not in documents:
            return
        if name in visiting:
            raise DefinitionError(f"definitions include each other in a circle at {name}")
        visiting.add(name)
        for included in documents[name].get("include", []) or []:
            visit(included)
        visiting.discard(name)
        ordered.append(name)

    for name in sorted(documents):
        visit(name)
    return ordered


def load_library(folder: Path | None = None) -> dict[str, Cohort]:
    """Every definition in the folder (the shipped library by default), in sorted order;
    every problem of every file reported at once."""
    folder = folder or library_folder()
    paths = {p.stem: p for p in sorted(folder.glob("*.yaml"))}
    parsed: dict[str, tuple[str, Any]] = {}
    problems: list[str] = []
    for name, path in paths.items():
        try:
            parsed[name] = parse_yaml(path)
        except DefinitionError as error:
            problems.append(str(error))
    includes = {k: d if isinstance(d, dict) else {} for k, (_, d) in parsed.items()}
    found: dict[str, Cohort] = {}
    for name in _order(includes):
        try:
            found[name] = _checked(paths[name], *parsed[name], found)
        except DefinitionError as error:
            problems.append(str(error))
    if problems:
        raise DefinitionError("\n".join(problems))
    return dict(sorted(found.items()))


@cache
def shipped_library() -> dict[str, Cohort]:
    return load_library()


def cohort(cohort_id: str) -> Cohort:
    """One shipped cohort, reading only its file and those it includes (the whole library,
    with every codelist it reads, when it has been read already)."""
    if shipped_library.cache_info().currsize:
        library = shipped_library()
        if cohort_id not in library:
            raise KeyError(f"no cohort {cohort_id!r}; the library has: {', '.join(library)}")
        return library[cohort_id]
    return _shipped_cohort(cohort_id)


@cache
def _shipped_cohort(cohort_id: str) -> Cohort:
    path = library_folder() / f"{cohort_id}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in library_folder().glob("*.yaml"))
        raise KeyError(f"no cohort {cohort_id!r}; the library has: {', '.join(names)}")
    text, document = parse_yaml(path)
    included = document.get("include", []) if isinstance(document, dict) else []
    known = {name: _shipped_cohort(name) for name in included if isinstance(name, str)}
    return _checked(path, text, document, known)

"""Reading the rates and ARRS files: YAML validated by a JSON schema, then built into values.

Every problem of every file is collected before anything is raised, each with the file, the
line and the field (`rates/2024-25.yaml: line 40: entitlements.core_pcn_funding.revisions.0
.rates.1.value: 'x' is not of type 'number', 'null'`). A file's `year` must be its name.
Dates stay text in YAML (no implicit timestamps) and are parsed here; numbers become
`Decimal` through their shortest text, so 2.218 is exactly 2.218.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import yaml

from neighbourhood.payments.arrs_model import ArrsYear, Cap, Maximum, Pot, Role
from neighbourhood.payments.model import (
    Citation,
    CodingCondition,
    Entitlement,
    Rate,
    RatesYear,
    Revision,
    Source,
    Sourced,
)
from neighbourhood.payments.periods import Period

__all__ = [
    "RatesFileError",
    "arrs_for",
    "load_arrs",
    "load_rates",
    "rates_for",
    "read_arrs",
    "read_rates",
]

T = TypeVar("T")
_PACKAGE = "neighbourhood.payments"


class RatesFileError(ValueError):
    """Rates or ARRS files that cannot be used; the message lists every problem found."""


class _Loader(yaml.SafeLoader):
    """Safe YAML in which a date stays text (the schema checks it, the builder parses it)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _folder(name: str) -> Path:
    return Path(str(resources.files(_PACKAGE).joinpath(name)))


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files(_PACKAGE).joinpath(name).read_text("utf-8"))


class _File:
    """One file being read: its lines by field path, and the problems found so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.lines: dict[tuple[str, ...], int] = {}
        self.sources: dict[str, Source] = {}
        self.cited: set[str] = set()

    def problem(self, where: tuple[Any, ...], message: str) -> None:
        keys = tuple(str(w) for w in where)
        line = next(
            (self.lines[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in self.lines), 1
        )
        self.problems.append(f"{self.path}: line {line}: {'.'.join(keys) or '(file)'}: {message}")

    def build(self, where: tuple[Any, ...], make: Callable[[], T]) -> T | None:
        try:
            return make()
        except (ValueError, KeyError, TypeError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            self.problem(where, str(message))
            return None

    def parse(self) -> Any:
        text = self.path.read_text(encoding="utf-8")
        try:
            root = yaml.compose(text, Loader=_Loader)
            document = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: safe
        except yaml.YAMLError as error:
            self.problems.append(f"{self.path}: not valid YAML: {error}")
            return None
        if root is not None:
            self._visit(root, ())
        return document

    def _visit(self, node: yaml.Node, where: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                here = (*where, str(key.value))
                if key.value in seen:
                    self.problems.append(
                        f"{self.path}: line {key.start_mark.line + 1}: {'.'.join(here)}: "
                        "key given twice"
                    )
                seen.add(key.value)
                self.lines[here] = key.start_mark.line + 1
                self._visit(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*where, str(index))] = item.start_mark.line + 1
                self._visit(item, (*where, str(index)))

    def validate(self, document: Any, schema: str) -> bool:
        validator = jsonschema.Draft202012Validator(_schema(schema))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
        for error in errors:
            self.problem(tuple(error.absolute_path), error.message)
        if not errors and document.get("year") != self.path.stem:
            self.problem(("year",), f"year {document.get('year')!r} must be the file name")
        return not self.problems

    # the pieces every file shares

    def read_sources(self, document: Mapping[str, Any]) -> None:
        for key, entry in document["sources"].items():
            found = self.build(("sources", key), lambda k=key, e=entry: Source(id=k, **e))
            if found is not None:
                self.sources[key] = found

    def citations(self, items: list[dict[str, Any]] | None, where: tuple[Any, ...]):
        found = []
        for index, item in enumerate(items or []):
            here = (*where, index, "source")
            if item["source"] not in self.sources:
                self.problem(here, f"no source {item['source']!r} in this file's sources")
                continue
            self.cited.add(item["source"])
            found.append(
                Citation(self.sources[item["source"]], item["quote"], item.get("checked", True))
            )
        return tuple(found)

    def check_cited(self) -> None:
        for key in sorted(set(self.sources) - self.cited):
            self.problem(("sources", key), "a source that no value cites")

    def sourced(self, entry: Mapping[str, Any], where: tuple[Any, ...]) -> Sourced | None:
        citations = self.citations(entry.get("cite"), (*where, "cite"))
        return self.build(
            where,
            lambda: Sourced(
                value=_decimal(entry["value"]),
                status=entry["status"],
                citations=citations,
                note=" ".join(entry.get("note", "").split()),
                conflict=" ".join(entry.get("conflict", "").split()),
            ),
        )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _period(entry: Mapping[str, Any]) -> Period:
    return Period(date.fromisoformat(entry["from"]), date.fromisoformat(entry["to"]))


def _raise(files: list[_File]) -> None:
    problems = [p for f in files for p in f.problems]
    if problems:
        raise RatesFileError("\n".join(problems))


# rates/<year>.yaml


def _rate(file: _File, entry: Mapping[str, Any], where: tuple[Any, ...]) -> Rate | None:
    citations = file.citations(entry.get("cite"), (*where, "cite"))
    return file.build(
        where,
        lambda: Rate(
            id=entry["id"],
            label=entry["label"],
            value=_decimal(entry["value"]),
            per=entry["per"],
            unit=entry["unit"],
            covers=_period(entry["covers"]),
            status=entry["status"],
            citations=citations,
            basis_date=_date(entry.get("basis_date")),
            note=" ".join(entry.get("note", "").split()),
            conflict=" ".join(entry.get("conflict", "").split()),
        ),
    )


def _entitlement(file: _File, key: str, entry: Mapping[str, Any]) -> Entitlement | None:
    where = ("entitlements", key)
    revisions = []
    for index, revision in enumerate(entry["revisions"]):
        here = (*where, "revisions", index)
        parts = [_rate(file, r, (*here, "rates", i)) for i, r in enumerate(revision["rates"])]
        if None in parts:
            file.citations(revision.get("cite"), (*here, "cite"))
            continue
        cites = file.citations(revision.get("cite"), (*here, "cite"))
        revisions.append(
            file.build(
                here,
                lambda r=revision, p=parts, c=cites: Revision(
                    published=date.fromisoformat(r["published"]),
                    label=r["label"],
                    parts=tuple(p),
                    backdated_to=_date(r.get("backdated_to")),
                    citations=c,
                ),
            )
        )
    condition = None
    if "condition" in entry:
        found = entry["condition"]
        cites = file.citations(found.get("cite"), (*where, "condition", "cite"))
        condition = file.build(
            (*where, "condition"),
            lambda: CodingCondition(
                codes=tuple(found["codes"]),
                status=found["status"],
                citations=cites,
                note=" ".join(found.get("note", "").split()),
            ),
        )
        if condition is None:
            return None
    if None in revisions or len(revisions) != len(entry["revisions"]):
        return None
    return file.build(
        where,
        lambda: Entitlement(
            id=key,
            title=entry["title"],
            paid_to=entry["paid_to"],
            revisions=tuple(revisions),
            condition=condition,
            note=" ".join(entry.get("note", "").split()),
        ),
    )


def _read_rates(file: _File) -> RatesYear | None:
    document = file.parse()
    if document is None or not file.validate(document, "rates.schema.json"):
        return None
    file.read_sources(document)
    entitlements = {k: _entitlement(file, k, e) for k, e in document["entitlements"].items()}
    file.check_cited()
    if file.problems:
        return None
    return file.build(
        (),
        lambda: RatesYear(
            year=document["year"],
            entitlements=entitlements,
            path=str(file.path),
            notes=tuple(" ".join(n.split()) for n in document.get("notes", [])),
        ),
    )


def read_rates(path: Path) -> RatesYear:
    """Read one rates file; every problem reported at once."""
    file = _File(Path(path))
    found = _read_rates(file)
    _raise([file])
    assert found is not None
    return found


def load_rates(folder: Path | None = None) -> dict[str, RatesYear]:
    """Every rates file in the folder (the shipped `rates/` by default), in year order;
    every problem of every file reported at once."""
    files = [_File(p) for p in sorted((folder or _folder("rates")).glob("*.yaml"))]
    found = {f.path.stem: _read_rates(f) for f in files}
    _raise(files)
    return found  # type: ignore[return-value]


@cache
def _shipped_rates() -> dict[str, RatesYear]:
    return load_rates()


def rates_for(year: str) -> RatesYear:
    shipped = _shipped_rates()
    if year not in shipped:
        raise KeyError(f"no rates for {year!r}; shipped: {', '.join(shipped)}")
    return shipped[year]


# arrs/<year>.yaml


def _maximum(file: _File, entry: Mapping[str, Any], where: tuple[Any, ...]) -> Maximum | None:
    amounts = {
        area: file.sourced(entry[area], (*where, area)) if area in entry else None
        for area in ("england", "outer_london", "inner_london")
    }
    if amounts["england"] is None or any(
        area in entry and amounts[area] is None for area in amounts
    ):
        return None
    return file.build(where, lambda: Maximum(covers=_period(entry), **amounts))


def _role(file: _File, key: str, entry: Mapping[str, Any]) -> Role | None:
    where = ("roles", key)
    maxima = [_maximum(file, m, (*where, "maxima", i)) for i, m in enumerate(entry["maxima"])]
    reimbursement = None
    if "reimbursement" in entry:
        reimbursement = file.sourced(entry["reimbursement"], (*where, "reimbursement"))
        if reimbursement is None:
            return None
    if None in maxima:
        return None
    return file.build(
        where,
        lambda: Role(
            id=key,
            title=entry["title"],
            band=str(entry["band"]),
            maxima=tuple(maxima),
            pot=entry.get("pot", "main"),
            reimbursement=reimbursement,
            note=" ".join(entry.get("note", "").split()),
        ),
    )


def _pot(file: _File, key: str, entry: Mapping[str, Any]) -> Pot | None:
    where = ("pots", key)
    citations = file.citations(entry.get("cite"), (*where, "cite"))
    rate = None
    if "rate" in entry:
        found = entry["rate"]
        rate = _rate(
            file,
            {
                **{k: v for k, v in found.items() if k not in ("from", "to")},
                "id": key,
                "label": entry["title"],
                "unit": "weighted_population",
                "covers": {"from": found["from"], "to": found["to"]},
            },
            (*where, "rate"),
        )
        if rate is None:
            return None
    return file.build(
        where,
        lambda: Pot(
            id=key,
            title=entry["title"],
            rate=rate,
            applies=entry["applies"],
            note=" ".join(entry.get("note", "").split()),
            citations=citations,
        ),
    )


def _cap(file: _File, index: int, entry: Mapping[str, Any]) -> Cap | None:
    where = ("caps", index)
    citations = file.citations(entry.get("cite"), (*where, "cite"))
    return file.build(
        where,
        lambda: Cap(
            id=entry["id"],
            roles=tuple(entry["roles"]),
            max_wte=Decimal(str(entry["max_wte"])),
            rule=" ".join(entry["rule"].split()),
            citations=citations,
            list_size_min=entry.get("list_size_min"),
            list_size_max=entry.get("list_size_max"),
        ),
    )


def _read_arrs(file: _File) -> ArrsYear | None:
    document = file.parse()
    if document is None or not file.validate(document, "arrs.schema.json"):
        return None
    file.read_sources(document)
    reimbursement = file.sourced(document["reimbursement"], ("reimbursement",))
    london = document["london_weighting"]
    london_citations = file.citations(london["cite"], ("london_weighting", "cite"))
    pots = {k: _pot(file, k, e) for k, e in document["pots"].items()}
    roles = {k: _role(file, k, e) for k, e in document["roles"].items()}
    caps = tuple(_cap(file, i, e) for i, e in enumerate(document.get("caps", [])))
    roles_citations = file.citations(document["roles_cite"], ("roles_cite",))
    file.check_cited()
    if file.problems or reimbursement is None:
        return None
    return file.build(
        (),
        lambda: ArrsYear(
            year=document["year"],
            reimbursement=reimbursement,
            london_weighting=london["applies"],
            pots=pots,
            roles=roles,
            caps=caps,
            roles_citations=roles_citations,
            london_citations=london_citations,
            path=str(file.path),
            notes=tuple(" ".join(n.split()) for n in document.get("notes", [])),
        ),
    )


def read_arrs(path: Path) -> ArrsYear:
    file = _File(Path(path))
    found = _read_arrs(file)
    _raise([file])
    assert found is not None
    return found


def load_arrs(folder: Path | None = None) -> dict[str, ArrsYear]:
    """Every ARRS file in the folder (the shipped `arrs/` by default); all problems at once."""
    files = [_File(p) for p in sorted((folder or _folder("arrs")).glob("*.yaml"))]
    found = {f.path.stem: _read_arrs(f) for f in files}
    _raise(files)
    return found  # type: ignore[return-value]


@cache
def _shipped_arrs() -> dict[str, ArrsYear]:
    return load_arrs()


def arrs_for(year: str) -> ArrsYear:
    shipped = _shipped_arrs()
    if year not in shipped:
        raise KeyError(f"no ARRS file for {year!r}; shipped: {', '.join(shipped)}")
    return shipped[year]

"""The shipped codelists: one definition file each in `definitions/`, named by its id.

`codelist(id)` reads the definition and its CSV (checked strictly: one invalid code and the
codelist will not load). `load_definitions()` reads every definition in sorted order and
reports every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from neighbourhood.codelists.codelist import Codelist
from neighbourhood.codelists.codes import CodingSystem
from neighbourhood.codelists.read import CodelistError, codelist_from_csv
from neighbourhood.sources.paths import data_file

REQUIRED = ("id", "title", "coding_system", "version", "file", "rows", "source")


@dataclass(frozen=True)
class Definition:
    id: str
    title: str
    system: CodingSystem
    version: str
    file: str
    rows: int
    source: dict

    @property
    def source_text(self) -> str:
        s = self.source
        return f"{s['publisher']}: {s['url']}"

    def load(self) -> Codelist:
        path = data_file(*self.file.split("/"))
        return codelist_from_csv(
            path, id=self.id, version=self.version, system=self.system, source=self.source_text
        )


def definitions_folder() -> Path:
    return Path(str(resources.files("neighbourhood.codelists").joinpath("definitions")))


def _definition(path: Path) -> Definition:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise CodelistError(f"{path}: not a mapping")
    missing = [k for k in REQUIRED if k not in document]
    if missing:
        raise CodelistError(f"{path}: missing {', '.join(missing)}")
    if document["id"] != path.stem:
        raise CodelistError(f"{path}: id {document['id']!r} is not the file name")
    try:
        system = CodingSystem(document["coding_system"])
    except ValueError as error:
        raise CodelistError(f"{path}: coding_system: {error}") from error
    return Definition(
        document["id"], document["title"], system, str(document["version"]), document["file"],
        int(document["rows"]), dict(document["source"]),
    )  # fmt: skip


@cache
def load_definitions() -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    problems: list[str] = []
    for path in sorted(definitions_folder().glob("*.yaml")):
        try:
            found[path.stem] = _definition(path)
        except (CodelistError, yaml.YAMLError) as error:
            problems.append(str(error))
    if problems:
        raise CodelistError("; ".join(problems))
    return found


@cache
def codelist(codelist_id: str) -> Codelist:
    definitions = load_definitions()
    if codelist_id not in definitions:
        raise KeyError(f"no codelist {codelist_id!r}; shipped: {', '.join(sorted(definitions))}")
    return definitions[codelist_id].load()

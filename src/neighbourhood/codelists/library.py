"""The shipped codelists: one definition file each in `definitions/`, named by its id.

`codelist(id)` reads the definition and its file. An OpenCodelists CSV, or a GM SDE
per-concept file (`format: gm-sde-txt`), is checked strictly: one invalid code and the
codelist will not load. A GM SDE definition (`format: gm-sde`) names one concept of the GM SDE
code sets file, pinned to a version; its invalid rows are kept as `rejected`, and their number
must be the one the definition records. Any definition may `select` some codes of its file,
with a `select_reason`: every selected code must be in the file, and the codelist is only
those. `load_definitions()` reads every definition in sorted order and reports every problem
at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from neighbourhood.codelists.codelist import Codelist
from neighbourhood.codelists.codes import CodingSystem
from neighbourhood.codelists.read import (
    CodelistError,
    codelist_from_csv,
    codelist_from_gm_sde,
    codelist_from_gm_sde_txt,
)
from neighbourhood.sources.paths import data_file

REQUIRED = ("id", "title", "coding_system", "version", "file", "rows", "source")
FORMATS = {
    "opencodelists": (),
    "gm-sde": ("concept", "concept_version", "rejected"),
    "gm-sde-txt": (),
}


@dataclass(frozen=True)
class Definition:
    id: str
    title: str
    system: CodingSystem
    version: str
    file: str
    rows: int
    source: dict
    path: Path  # the definition file, named in errors
    format: str = "opencodelists"
    concept: str = ""  # GM SDE only: the concept, its pinned version, its rejected rows
    concept_version: str = ""
    rejected: int = 0
    select: tuple[str, ...] = ()  # any format: only these codes of the file, and why
    select_reason: str = ""
    column: str = ""  # OpenCodelists only: the code column when it is not `code`/`dmd_id`

    @property
    def source_text(self) -> str:
        s = self.source
        return f"{s['publisher']}: {s['url']}"

    def load(self) -> Codelist:
        try:
            loaded = self._load_file(data_file(*self.file.split("/")))
        except (CodelistError, OSError) as error:
            raise CodelistError(f"{self.path}: {error}") from error
        if self.format == "gm-sde" and len(loaded.rejected) != self.rejected:
            raise CodelistError(
                f"{self.path}: {len(loaded.rejected)} rows are not valid codes, "
                f"the definition says {self.rejected}"
            )
        loaded = replace(loaded, id=self.id, version=self.version)
        return self._selected(loaded) if self.select else loaded

    def _load_file(self, path: Path) -> Codelist:
        common = {"system": self.system, "source": self.source_text}
        if self.format == "gm-sde":
            return codelist_from_gm_sde(
                path, concept=self.concept, version=self.concept_version, **common
            )
        if self.format == "gm-sde-txt":
            return codelist_from_gm_sde_txt(path, id=self.id, version=self.version, **common)
        column = {"column": self.column} if self.column else {}
        return codelist_from_csv(path, id=self.id, version=self.version, **common, **column)

    def _selected(self, loaded: Codelist) -> Codelist:
        """Only the selected codes; a selected code that is not a valid code of the file is an
        error. The file's rejected rows are not part of a selection."""
        present = set(loaded.values)
        missing = [code for code in self.select if code not in present]
        if missing:
            raise CodelistError(
                f"{self.path}: select: {len(missing)} code(s) not among the "
                f"{len(present)} codes of {self.file}: {', '.join(missing)}"
            )
        wanted = set(self.select)
        return replace(
            loaded,
            codes=frozenset(c for c in loaded.codes if c.value in wanted),
            terms={k: v for k, v in loaded.terms.items() if k in wanted},
            source=f"{loaded.source} (a selection of {len(wanted)} of its {len(present)} codes)",
            rejected=(),
        )


def definitions_folder() -> Path:
    return Path(str(resources.files("neighbourhood.codelists").joinpath("definitions")))


def read_definition(path: Path) -> Definition:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise CodelistError(f"{path}: not a mapping")
    form = document.get("format", "opencodelists")
    if form not in FORMATS:
        raise CodelistError(f"{path}: format {form!r} is not one of {', '.join(FORMATS)}")
    missing = [k for k in REQUIRED + FORMATS[form] if k not in document]
    if missing:
        raise CodelistError(f"{path}: missing {', '.join(missing)}")
    if document["id"] != path.stem:
        raise CodelistError(f"{path}: id {document['id']!r} is not the file name")
    try:
        system = CodingSystem(document["coding_system"])
    except ValueError as error:
        raise CodelistError(f"{path}: coding_system: {error}") from error
    select = document.get("select", [])
    if not isinstance(select, list) or ("select" in document and not select):
        raise CodelistError(f"{path}: select must be a list of codes")
    if select and not str(document.get("select_reason", "")).strip():
        raise CodelistError(f"{path}: missing select_reason (why only these codes)")
    return Definition(
        document["id"], document["title"], system, str(document["version"]), document["file"],
        int(document["rows"]), dict(document["source"]), path, form,
        str(document.get("concept", "")), str(document.get("concept_version", "")),
        int(document.get("rejected", 0)), tuple(str(code) for code in select),
        str(document.get("select_reason", "")).strip(), str(document.get("column", "")),
    )  # fmt: skip


@cache
def load_definitions() -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    problems: list[str] = []
    for path in sorted(definitions_folder().glob("*.yaml")):
        try:
            found[path.stem] = read_definition(path)
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

"""Codelists from OpenCodelists CSV files and from the GM SDE code sets.

OpenCodelists downloads come in two shapes: `code,term` (SNOMED CT, CTV3, ...) and, for dm+d,
`dmd_type,dmd_id,dmd_name,bnf_code`. The GM SDE publishes one file per concept and
terminology (tab-separated code and term, no header); the project also ships a CSV that stacks
many of them. Every row is checked against its coding system; all the problems of a file are
collected before anything is raised (or, with `strict=False`, kept on the codelist as
`rejected`).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from neighbourhood.codelists.codelist import Codelist
from neighbourhood.codelists.codes import CODE_TYPES, Code, CodeError, CodingSystem

DMD_COLUMNS = ("dmd_id", "dmd_name")
GM_SDE_TERMINOLOGY = {CodingSystem.SNOMED_CT: "snomed", CodingSystem.CTV3: "ctv3",
                      CodingSystem.READ_V2: "readv2", CodingSystem.DMD: "snomed"}  # fmt: skip


class CodelistError(ValueError):
    """A codelist file cannot be read, or (strict) holds values that are not valid codes."""


def _checked(
    rows: list[tuple[int, str, str]], system: CodingSystem
) -> tuple[frozenset[Code], dict[str, str], tuple[tuple[int, str, str], ...]]:
    make = CODE_TYPES[system]
    codes: set[Code] = set()
    terms: dict[str, str] = {}
    rejected = []
    for line, value, term in rows:
        cleaned = value.replace("\ufeff", "").strip()
        try:
            code = make(cleaned)
        except CodeError as error:
            rejected.append((line, value, str(error)))
            continue
        codes.add(code)
        terms.setdefault(code.value, term)
    return frozenset(codes), terms, tuple(rejected)


def _raise_or_keep(path: Path, rejected, strict: bool) -> None:
    if strict and rejected:
        shown = "; ".join(f"line {line}: {reason}" for line, _, reason in rejected[:10])
        more = f" (and {len(rejected) - 10} more)" if len(rejected) > 10 else ""
        raise CodelistError(f"{path}: {len(rejected)} invalid code(s): {shown}{more}")


def codelist_from_csv(
    path: Path,
    *,
    id: str,
    version: str,
    system: CodingSystem,
    source: str,
    column: str | None = None,
    term_column: str | None = None,
    strict: bool = True,
) -> Codelist:
    """An OpenCodelists-format CSV; the code column defaults to `code`, or `dmd_id` when a
    dm+d list has the dm+d layout."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            dmd_layout = system is CodingSystem.DMD and "dmd_id" in header
            column = column or ("dmd_id" if dmd_layout else "code")
            term_column = term_column or ("dmd_name" if dmd_layout else "term")
            if column not in header:
                raise CodelistError(f"{path}: line 1: no column {column!r} (columns: {header})")
            rows = [
                (reader.line_num, row[column] or "", row.get(term_column) or "") for row in reader
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CodelistError(f"{path}: cannot read ({error})") from error
    codes, terms, rejected = _checked(rows, system)
    _raise_or_keep(path, rejected, strict)
    return Codelist(id, version, system, codes, source, terms, rejected)


GmSdeRows = dict[tuple[str, str], dict[str, tuple[tuple[int, str, str], ...]]]


@lru_cache(maxsize=4)
def _gm_sde_rows(path: Path, mtime_ns: int, size: int) -> GmSdeRows:
    """The GM SDE code sets file, parsed once per path (and modification time and size, so an
    edited file is read again): {(concept, terminology): {version: ((line, code, term), ...)}}.
    Callers must not change what it returns."""
    grouped: dict[tuple[str, str], dict[str, list[tuple[int, str, str]]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            versions = grouped.setdefault((row["concept"], row["terminology"]), {})
            versions.setdefault(row["version"], []).append(
                (reader.line_num, row["code"], row["term"])
            )
    return {
        key: {version: tuple(rows) for version, rows in versions.items()}
        for key, versions in grouped.items()
    }


def codelist_from_gm_sde(
    path: Path,
    *,
    concept: str,
    system: CodingSystem,
    source: str,
    version: str | None = None,
    strict: bool = False,
) -> Codelist:
    """One concept of the GM SDE code sets file (category, concept, version, terminology, code,
    term): the latest version unless one is named. Not strict by default: the published file
    holds float-mangled ids, which are kept as `rejected` with their reason. The file is parsed
    once and kept (see `_gm_sde_rows`), so loading many concepts reads it once."""
    wanted = GM_SDE_TERMINOLOGY[system]
    stat = path.stat()
    found = _gm_sde_rows(path, stat.st_mtime_ns, stat.st_size).get((concept, wanted), {})
    if not found:
        raise CodelistError(f"{path}: no {wanted} codes for concept {concept!r}")
    chosen = version or max(found, key=int)
    if chosen not in found:
        raise CodelistError(
            f"{path}: concept {concept!r} has no version {chosen} ({sorted(found)})"
        )
    codes, terms, rejected = _checked(list(found[chosen]), system)
    _raise_or_keep(path, rejected, strict)
    return Codelist(f"gm-sde/{concept}", chosen, system, codes, source, terms, rejected)


def codelist_from_gm_sde_txt(
    path: Path,
    *,
    id: str,
    version: str,
    system: CodingSystem,
    source: str,
    strict: bool = True,
) -> Codelist:
    """One GM SDE per-concept file (`<concept>.<terminology>.txt`): each line a code, a tab
    and its term, no header; the whole file is the codelist. Lines are counted from 1; blank
    lines are skipped; a line without a tab is a code with no term."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CodelistError(f"{path}: cannot read ({error})") from error
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            code, _, term = line.partition("\t")
            rows.append((number, code, term))
    if not rows:
        raise CodelistError(f"{path}: no rows")
    codes, terms, rejected = _checked(rows, system)
    _raise_or_keep(path, rejected, strict)
    return Codelist(id, version, system, codes, source, terms, rejected)

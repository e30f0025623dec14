"""Stream the resources of FHIR R4 files, one entry at a time, never the whole file at once.

- `.json`: a Bundle (transaction, batch, collection, searchset, document, history) is read
  entry by entry with ijson; any other resource is one entry.
- `.ndjson`: Bulk Data export, one resource per line.
- `.xml`: the FHIR XML representation (a Bundle read entry by entry, or one resource),
  converted to the JSON shape by `xml.py`.

Each entry comes with its position: the entry number in a Bundle (1 = the first entry), the
line in an NDJSON file, 1 for a file holding one resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import ijson
import orjson

from neighbourhood.records.fhir.xml import FHIR_NS, element_to_resource, local_name
from neighbourhood.records.report import LoadError

FHIR_SUFFIXES = (".json", ".ndjson", ".xml")
BUNDLE_TYPES = (
    "transaction",
    "batch",
    "collection",
    "searchset",
    "document",
    "history",
    "message",
    "transaction-response",
    "batch-response",
)


@dataclass(frozen=True)
class Entry:
    """One entry of a FHIR file: a resource, or why there is none to map."""

    position: int
    resource: dict[str, Any] | None
    full_url: str | None = None
    problem: str | None = None  # the entry cannot be read at all
    skip: str | None = None  # the entry is deliberately not loaded (e.g. a search outcome)


def is_fhir_file(path: Path) -> bool:
    return path.suffix.lower() in FHIR_SUFFIXES


def _entry_of(position: int, raw: Any) -> Entry:
    if not isinstance(raw, dict):
        return Entry(position, None, problem="the entry is not a JSON object")
    full_url = raw.get("fullUrl")
    resource = raw.get("resource")
    if (raw.get("search") or {}).get("mode") == "outcome":
        return Entry(position, None, full_url, skip="search outcome (OperationOutcome)")
    if resource is None:
        method = (raw.get("request") or {}).get("method")
        if method == "DELETE":
            return Entry(position, None, full_url, skip="DELETE request (deletions not applied)")
        if method in ("GET", "HEAD"):
            return Entry(position, None, full_url, skip=f"{method} request (a query, not a record)")
        return Entry(position, None, full_url, problem="the entry has no resource")
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return Entry(position, None, full_url, problem="the resource has no resourceType")
    return Entry(position, resource, full_url)


def _json_top_level(path: Path) -> tuple[str | None, str | None]:
    """(resourceType, Bundle.type) of a JSON file, reading only as far as needed."""
    resource_type = bundle_type = None
    with path.open("rb") as handle:
        try:
            for prefix, event, value in ijson.parse(handle):
                if prefix == "resourceType" and event == "string":
                    resource_type = value
                elif prefix == "type" and event == "string":
                    bundle_type = value
                if resource_type is not None and (resource_type != "Bundle" or bundle_type):
                    break
        except ijson.JSONError as error:
            raise LoadError(f"{path}: not valid JSON ({error})") from error
    return resource_type, bundle_type


def _json_entries(path: Path) -> Iterator[Entry]:
    resource_type, bundle_type = _json_top_level(path)
    if resource_type is None:
        raise LoadError(f"{path}: not a FHIR resource (no resourceType)")
    if resource_type != "Bundle":
        try:
            resource = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as error:
            raise LoadError(f"{path}: not valid JSON ({error})") from error
        yield Entry(1, resource)
        return
    if bundle_type not in BUNDLE_TYPES:
        raise LoadError(f"{path}: Bundle.type {bundle_type!r} is not a FHIR R4 bundle type")
    with path.open("rb") as handle:
        try:
            for position, raw in enumerate(ijson.items(handle, "entry.item", use_float=True), 1):
                yield _entry_of(position, raw)
        except ijson.JSONError as error:
            raise LoadError(f"{path}: not valid JSON after entry {position} ({error})") from error


def _type_filter(types: tuple[str, ...] | None):
    """A byte test that a line may hold one of `types`, to spare parsing lines that cannot."""
    if types is None:
        return None
    names = "|".join(re.escape(t) for t in types)
    return re.compile(rb'"resourceType"\s*:\s*"(?:' + names.encode() + rb')"').search


def _ndjson_entries(path: Path, types: tuple[str, ...] | None = None) -> Iterator[Entry]:
    may_hold = _type_filter(types)
    with path.open("rb") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip() or (may_hold is not None and not may_hold(line)):
                continue
            try:
                resource = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield Entry(line_number, None, problem=f"not valid JSON ({error})")
                continue
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                yield Entry(line_number, None, problem="the line is not a FHIR resource")
                continue
            yield Entry(line_number, resource)


def _xml_entries(path: Path) -> Iterator[Entry]:
    depth = 0
    root_name = None
    position = 0
    try:
        for event, element in ElementTree.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1:
                    root_name = local_name(element.tag)
                    if not element.tag.startswith("{" + FHIR_NS + "}"):
                        raise LoadError(f"{path}: not FHIR XML (namespace {FHIR_NS} expected)")
                continue
            depth -= 1
            if root_name == "Bundle" and depth == 1 and local_name(element.tag) == "entry":
                position += 1
                yield _entry_of(position, _xml_entry(element))
                element.clear()
            elif depth == 0 and root_name != "Bundle":
                yield Entry(1, element_to_resource(element))
    except ElementTree.ParseError as error:
        raise LoadError(f"{path}: not well-formed XML ({error})") from error


def _xml_entry(element: ElementTree.Element) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for child in element:
        name = local_name(child.tag)
        if name == "fullUrl":
            entry["fullUrl"] = child.get("value")
        elif name == "resource" and len(child):
            entry["resource"] = element_to_resource(child[0])
        elif name in ("search", "request"):
            entry[name] = {local_name(c.tag): c.get("value") for c in child}
    return entry


def entries(path: Path, *, types: tuple[str, ...] | None = None) -> Iterator[Entry]:
    """The entries of one FHIR file, streamed; LoadError when the file cannot be read at all.

    With `types`, entries of other types may be left out (NDJSON lines that cannot hold one
    are not parsed); the caller must still check each entry's type."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    if suffix == ".ndjson":
        return _ndjson_entries(path, types)
    if suffix == ".xml":
        return _xml_entries(path)
    if suffix == ".json":
        return _json_entries(path)
    raise LoadError(f"{path}: not a FHIR file ({', '.join(FHIR_SUFFIXES)})")

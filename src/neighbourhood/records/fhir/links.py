"""Resolving FHIR references inside a bundle, across the files of one load and across loads.

A reference may be literal (`Patient/123`, `https://server/fhir/Patient/123`, `urn:uuid:...`),
conditional (`Practitioner?identifier=system|value`) or logical (`{"identifier": {...}}`).
Each indexed resource is known under its fullUrl, `Type/id` and `Type?identifier=system|value`
for each identifier. The index holds only what references resolve to (a pseudonym or a code)
under a short digest of the key, so it grows with the number of patients, organisations,
locations, practitioners and medicines, not with the size of the files. What earlier loads
indexed is found in the store's `resource_links` (keyed hashes, never the references).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from neighbourhood.records.fhir.elements import ODS_ORGANISATION_SYSTEM, identifier_values, text
from neighbourhood.records.pseudonymise import Pseudonymiser

INDEXED_TYPES = ("Patient", "Organization", "Location", "Practitioner", "Medication")
_LITERAL = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


@dataclass(frozen=True)
class Target:
    """What a reference points at: its type and what the store knows it by (None: the
    resource was found but could not be loaded, e.g. an Organization with no ODS code)."""

    resource_type: str
    value: str | None


def keys_of(resource: dict[str, Any], full_url: str | None) -> list[str]:
    """Every normalised key a reference could use for this resource."""
    kind = resource["resourceType"]
    keys = []
    if full_url:
        keys.append(full_url)
        literal = _LITERAL.search(full_url)
        if literal:
            keys.append(f"{literal.group(1)}/{literal.group(2)}")
    if text(resource.get("id")):
        keys.append(f"{kind}/{text(resource.get('id'))}")
    keys += [f"{kind}?identifier={system}|{value}" for system, value in identifier_values(resource)]
    return list(dict.fromkeys(keys))


def reference_key(reference: Any, expected: str | None = None) -> str | None:
    """The normalised key of a Reference, or None for a contained (#id) or empty one."""
    if not isinstance(reference, dict):
        return None
    literal = text(reference.get("reference"))
    if literal:
        if literal.startswith("#"):
            return None
        if literal.startswith(("urn:uuid:", "urn:oid:")):
            return literal
        if "?" in literal:
            kind, _, query = literal.partition("?")
            return f"{kind.rsplit('/', 1)[-1]}?{query}"
        match = _LITERAL.search(literal)
        return f"{match.group(1)}/{match.group(2)}" if match else literal
    identifier = reference.get("identifier")
    if isinstance(identifier, dict):
        system, value = text(identifier.get("system")), text(identifier.get("value"))
        kind = text(reference.get("type")) or expected
        if system and value and kind:
            return f"{kind}?identifier={system}|{value}"
    return None


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class LinkIndex:
    """Where references go: this load's resources first, then what earlier loads stored."""

    def __init__(self, con: duckdb.DuckDBPyConnection, pseudonymiser: Pseudonymiser) -> None:
        self._con = con
        self._pseudonymiser = pseudonymiser
        self._here: dict[bytes, Target] = {}
        self._stored: dict[bytes, Target | None] = {}

    def add(self, keys: list[str], target: Target) -> None:
        for key in keys:
            self._here.setdefault(_digest(key), target)

    def stored_key(self, key: str) -> str:
        """The keyed hash a reference is kept under in `resource_links`."""
        return self._pseudonymiser.token("reference", key)

    def resolve(self, reference: Any, expected: str) -> tuple[str | None, Target | None]:
        """(key, target) of a reference; target None when it is found nowhere."""
        key = reference_key(reference, expected)
        if key is None:
            return None, None
        if key.startswith("Organization?identifier=" + ODS_ORGANISATION_SYSTEM + "|"):
            found = self._here.get(_digest(key))
            return key, found or Target("Organization", key.rsplit("|", 1)[1].strip().upper())
        digest = _digest(key)
        found = self._here.get(digest)
        if found is None:
            if digest not in self._stored:
                row = self._con.execute(
                    "SELECT resource_type, target FROM resource_links WHERE reference_key = ?",
                    [self.stored_key(key)],
                ).fetchall()
                self._stored[digest] = Target(row[0][0], row[0][1]) if row else None
            found = self._stored[digest]
        if found is not None and found.resource_type != expected:
            return key, None
        return key, found

"""Small readers of FHIR R4 data types that work on the JSON shape from either format."""

from __future__ import annotations

import re
from typing import Any

SNOMED = "http://snomed.info/sct"
DMD_SYSTEMS = ("https://dmd.nhs.uk", "http://dmd.nhs.uk", SNOMED)  # UK Core codes dm+d as SCT
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANISATION_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ODS_SITE_SYSTEM = "https://fhir.nhs.uk/Id/ods-site-code"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def many(value: Any) -> list[Any]:
    """A repeating element as a list: JSON gives a list, XML a single value when it occurs once."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def codings(concept: Any) -> list[tuple[str, str]]:
    """(system, code) of every coding of a CodeableConcept (or a Coding), de-duplicated."""
    found: list[tuple[str, str]] = []
    for item in many(concept):
        if not isinstance(item, dict):
            continue
        inner = many(item.get("coding")) if "coding" in item else [item]
        for coding in inner:
            if not isinstance(coding, dict):
                continue
            system, code = text(coding.get("system")), text(coding.get("code"))
            if code and (system or "", code) not in found:
                found.append((system or "", code))
    return found


def first_coding(concept: Any) -> tuple[str | None, str | None]:
    found = codings(concept)
    return found[0] if found else (None, None)


def date_part(value: Any) -> tuple[str | None, str | None]:
    """(YYYY-MM-DD, None) from a FHIR date or dateTime; (None, reason) for a partial date."""
    written = text(value)
    if written is None:
        return None, None
    if _DATE.match(written):
        return written[:10], None
    return None, f"partial date {written!r} (a day is needed)"


def first_present(resource: dict[str, Any], *paths: str) -> Any:
    """The first of `paths` (dotted, e.g. 'performedPeriod.start') that has a value."""
    for path in paths:
        value: Any = resource
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            return value
    return None


def identifier_values(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(system, value) of each identifier with both."""
    found = []
    for identifier in many(resource.get("identifier")):
        if isinstance(identifier, dict):
            system, value = text(identifier.get("system")), text(identifier.get("value"))
            if system and value:
                found.append((system, value))
    return found


def identifier_of(resource: dict[str, Any], system: str) -> str | None:
    for found_system, value in identifier_values(resource):
        if found_system == system:
            return value.strip()
    return None


def postcode_district(address: Any) -> str | None:
    """Outward code of the first UK postcode among the addresses (home first), else None."""
    addresses = [a for a in many(address) if isinstance(a, dict)]
    addresses.sort(key=lambda a: 0 if a.get("use") == "home" else 1)
    for item in addresses:
        written = (text(item.get("postalCode")) or "").upper().strip()
        match = UK_POSTCODE.match(re.sub(r"\s+", " ", written))
        if match:
            return match.group(1)
    return None


def decimal(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return text(value)

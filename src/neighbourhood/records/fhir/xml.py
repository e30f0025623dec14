"""FHIR R4 XML to the JSON shape (https://hl7.org/fhir/R4/xml.html).

Primitive elements carry their value in a `value` attribute; `extension` carries `url` as an
attribute; the narrative `div` is XHTML (free text) and is dropped; a `resource` or
`contained` element wraps one resource named by its tag. XML cannot say whether an element
repeats, so an element met once becomes a single value and one met several times a list:
readers use `elements.many()` for anything that may repeat.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

FHIR_NS = "http://hl7.org/fhir"
WRAPPERS = ("resource", "contained", "outcome")


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(element: Element) -> Any:
    name = local_name(element.tag)
    if name in WRAPPERS and len(element) == 1 and "value" not in element.attrib:
        return element_to_resource(element[0])
    if "value" in element.attrib:
        return element.attrib["value"]  # a primitive; any extensions on it are not read
    result: dict[str, Any] = {}
    if "url" in element.attrib:
        result["url"] = element.attrib["url"]
    for child in element:
        child_name = local_name(child.tag)
        if child_name == "div":
            continue
        value = _value(child)
        if child_name in result:
            existing = result[child_name]
            if isinstance(existing, list):
                existing.append(value)
            else:
                result[child_name] = [existing, value]
        else:
            result[child_name] = value
    return result


def element_to_resource(element: Element) -> dict[str, Any]:
    resource = _value(element)
    if not isinstance(resource, dict):
        resource = {}
    resource["resourceType"] = local_name(element.tag)
    resource.pop("text", None)  # narrative: free text, never stored
    return resource

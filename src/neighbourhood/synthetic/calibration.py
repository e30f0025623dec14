"""The calibration figures (calibration.yaml, calibration_activity.yaml), each file read once."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _document(file_name: str) -> dict[str, Any]:
    text = resources.files("neighbourhood.synthetic").joinpath(file_name).read_text("utf-8")
    return yaml.safe_load(text)


def figure_in(file_name: str, *path: str) -> Any:
    """A figure of a calibration file: its `value` when it has one, else the node itself."""
    node: Any = _document(file_name)
    for key in path:
        node = node[key]
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return node


def figure(*path: str) -> Any:
    """A population figure: `figure("frailty", "any_frailty_65_plus")` -> 0.437."""
    return figure_in("calibration.yaml", *path)

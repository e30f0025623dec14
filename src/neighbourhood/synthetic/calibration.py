"""The calibration figures (calibration.yaml), read once."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def calibration() -> dict[str, Any]:
    text = resources.files("neighbourhood.synthetic").joinpath("calibration.yaml").read_text()
    return yaml.safe_load(text)


def figure(*path: str) -> Any:
    """A calibration value: `figure("frailty", "any_frailty_65_plus")` -> 0.437."""
    node: Any = calibration()
    for key in path:
        node = node[key]
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return node

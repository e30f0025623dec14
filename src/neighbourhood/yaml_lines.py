"""Where each key of a YAML document is, so a definition's problems can name their line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line number (1-based) of every mapping key and list item, by its path in the document
    (list items by their index as text); empty when the text is not YAML."""
    found: dict[tuple[str, ...], int] = {}

    def visit(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, str(key.value))
                found[here] = key.start_mark.line + 1
                visit(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                found[(*path, str(index))] = item.start_mark.line + 1
                visit(item, (*path, str(index)))

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return found
    if root is not None:
        visit(root, ())
    return found


class Problems:
    """Collects `file: line N: field: message` for one file: the line of the deepest key of
    the field's path that the file has."""

    def __init__(self, path: Path, lines: dict[tuple[str, ...], int]) -> None:
        self.path, self.lines = path, lines
        self.found: list[str] = []

    def add(self, keys: Iterable[object], message: str) -> None:
        keys = tuple(str(k) for k in keys)
        found = (self.lines[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in self.lines)
        line = next(found, 1)
        self.found.append(f"{self.path}: line {line}: {'.'.join(keys) or '(file)'}: {message}")

    def where(self, keys: Iterable[object]) -> str:
        keys = tuple(str(k) for k in keys)
        return f"{self.path}: line {self.lines.get(keys, 1)}"

    def attempt(self, keys: Iterable[object], build: Callable[..., Any], *args: Any) -> Any:
        """`build(*args)`, or None with its ValueError noted against the field."""
        try:
            return build(*args)
        except ValueError as error:
            self.add(keys, str(error))
            return None

"""Imports point one way: sources > ingest > compute > results > interfaces, with the store
underneath.

The store (data model, schema, connection) and `progress` are the foundation every stage may
use; they import no stage. A module never imports a stage to its right.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "neighbourhood"

RANK = {
    "progress": 0,
    "checksums": 0,
    "identifiers": 0,
    "yaml_lines": 0,
    "financial_years": 0,
    "months": 0,
    "disclosure": 0,
    "store": 0,
    "sources": 1,
    "synthetic": 1,
    "codelists": 1,
    "records": 2,
    "reference": 2,
    "overview": 3,
    "footprints": 3,
    "alignment": 3,
    "cohorts": 3,
    "indicators": 3,
    "access": 3,
    "capacity": 3,
    "payments": 3,
    "funding": 3,
    "reports": 4,
    "demo": 5,
    "cli": 5,
    "api": 5,
    "web": 5,
}


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "neighbourhood" or len(parts) < 2:
        return None
    return parts[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_every_stage_has_a_rank():
    stages = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    stages -= {"__init__", "__pycache__", "py"}
    assert stages <= set(RANK), stages - set(RANK)


def test_no_module_imports_a_stage_to_its_right():
    offences = []
    for path in PACKAGE.rglob("*.py"):
        own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        for module in imports_of(path):
            target = stage_of(module)
            if target is not None and target != own and RANK[target] > RANK[own]:
                offences.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offences == []


def test_the_checker_catches_a_right_to_left_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from neighbourhood.cli import app\n", encoding="utf-8")
    (module,) = imports_of(bad)
    assert RANK[stage_of(module)] > RANK["records"]

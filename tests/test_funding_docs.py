"""The funding README is executed and kept in step with the code: its example runs, and it
documents every setting and every CSV column."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from neighbourhood.funding import CSV_COLUMNS, CSV_OPTIONAL_COLUMNS, Settings

README = Path(__file__).resolve().parents[1] / "src" / "neighbourhood" / "funding" / "README.md"


def test_the_readme_example_runs():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})


def test_the_readme_documents_every_setting_and_csv_column():
    text = README.read_text(encoding="utf-8")
    for setting in fields(Settings):
        assert f"| `{setting.name}` |" in text, setting.name
    for column in CSV_COLUMNS + CSV_OPTIONAL_COLUMNS:
        assert f"`{column}`" in text, column

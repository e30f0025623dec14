"""Every expression in the query language reference builds a valid query."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from neighbourhood.cohorts.expressions import evaluate
from neighbourhood.cohorts.language import NAMES, FrameExpr, SeriesExpr

DOC = Path(__file__).parents[1] / "docs" / "cohort-query-language.md"
BLOCKS = re.findall(r"```cohort-expression\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
EXPRESSIONS = [line for block in BLOCKS for line in block.splitlines() if line.strip()]


def test_the_reference_has_examples():
    assert len(EXPRESSIONS) >= 20


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_each_example_builds(text):
    built = evaluate(text, NAMES)
    assert isinstance(built, SeriesExpr | FrameExpr)

"""Check digits: NHS number (modulus 11) and SNOMED CT identifiers (Verhoeff, partition)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from neighbourhood.identifiers import (
    nhs_number_check_digit,
    nhs_number_problem,
    sctid_problem,
    verhoeff_check_digit,
    verhoeff_valid,
)

CODELISTS = Path(__file__).parents[1] / "src" / "neighbourhood" / "sources" / "data" / "codelists"


def test_a_worked_example():
    # 943 476 591: 9x10 + 4x9 + 3x8 + 4x7 + 7x6 + 6x5 + 5x4 + 9x3 + 1x2 = 299; 299 mod 11 = 2;
    # 11 - 2 = 9, so 943 476 5919 is valid (worked by hand)
    assert 9 * 10 + 4 * 9 + 3 * 8 + 4 * 7 + 7 * 6 + 6 * 5 + 5 * 4 + 9 * 3 + 1 * 2 == 299
    assert nhs_number_check_digit("943476591") == 9
    assert nhs_number_problem("943 476 5919") is None
    assert nhs_number_problem("9434765918") == "NHS number fails the modulus 11 check digit"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("9912003888", None),
        ("991-200-3888", None),
        ("9912003890", "NHS number fails the modulus 11 check digit"),
        ("12345", "NHS number must be 10 digits"),
        ("99120038８8", "NHS number must be 10 digits"),  # a full-width digit
    ],
)
def test_nhs_numbers(text, problem):
    assert nhs_number_problem(text) == problem


def test_a_remainder_of_one_makes_every_number_invalid():
    # find nine digits whose weighted sum leaves 1 (check would be 10): no tenth digit works
    nine = next(
        f"{n:09d}"
        for n in range(100000000, 100100000)
        if sum(int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1), strict=True)) % 11 == 1
    )
    assert nhs_number_check_digit(nine) is None
    assert all(nhs_number_problem(nine + str(d)) for d in range(10))


def test_verhoeff_against_the_published_codelist():
    # every code of the shipped OpenCodelists SNOMED CT lists is a valid concept id
    codes = set()
    for path in sorted(CODELISTS.rglob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            column = next((c for c in ("code", "dmd_id") if c in (reader.fieldnames or [])), None)
            if column is None or "gm-sde" in str(path):
                continue
            codes |= {row[column] for row in reader if row[column].isdigit()}
    assert len(codes) > 100
    assert [c for c in codes if sctid_problem(c)] == []
    for code in list(codes)[:200]:
        assert verhoeff_check_digit(code[:-1]) == int(code[-1])
        wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
        assert not verhoeff_valid(wrong)


def test_partitions():
    assert sctid_problem("22298006") is None  # 00: concept
    assert sctid_problem("1240751000000100") is None  # 10: concept in an extension
    concept = "10000101"  # partition 01 (description) with its check digit
    code = concept + str(verhoeff_check_digit(concept))
    assert "partition 01 (description)" in sctid_problem(code)
    assert "no leading zero" in sctid_problem("022298006")
    assert "6 to 18 digits" in sctid_problem("12345")

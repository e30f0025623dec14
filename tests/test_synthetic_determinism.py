"""Same seed and arguments give byte-identical files; another seed gives other data."""

from __future__ import annotations

import json

import pytest

from neighbourhood.synthetic import generate


@pytest.mark.slow
def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    first = generate(tmp_path / "a", patients=5_000, seed=3)
    second = generate(tmp_path / "b", patients=5_000, seed=3)
    other = generate(tmp_path / "c", patients=5_000, seed=4)
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first.files == second.files
    assert first.files["patients.csv"]["sha256"] != other.files["patients.csv"]["sha256"]
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["seed"] == 3
    assert manifest["files"]["patients.csv"]["rows"] == 5_000


def test_parquet_output_has_the_same_rows(tmp_path):
    result = generate(tmp_path, patients=2_000, seed=5, file_format="parquet")
    assert (tmp_path / "patients.parquet").exists()
    assert result.rows("patients") == 2_000
    assert (tmp_path / "README.txt").read_text().startswith("SYNTHETIC DATA")

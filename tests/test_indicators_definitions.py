"""The shipped IIF indicator definitions: every file loads, every value is sourced or says why
not, and a bad file fails naming the file, the line and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from neighbourhood.cohorts.definition import DefinitionError
from neighbourhood.indicators import load_definitions, read_indicator
from neighbourhood.indicators.definition import VALUES, definitions_folder

YEARS = ("2020-21", "2021-22", "2022-23", "2023-24", "2024-25")
EXPECTED = {
    "2020-21": {"FLU-65", "LD-HC-14", "SP-REF", "NSAID-GP-65", "OAC-AP-GP-18", "ASP-AP-GP-18"},
    "2021-22": {"VI-01", "VI-02", "VI-03", "HI-01", "HI-02", "PC-01", "EHCH-01", "EHCH-02"},
    "2022-23": {"VI-01", "VI-02", "VI-03", "PC-01", "CAN-01", "SMR-01", "EHCH-01", "AC-02"},
    "2023-24": {"VI-01", "VI-02", "HI-03", "CAN-02", "ACC-08"},
    "2024-25": {"HI-03", "CAN-02", "CAN-04"},
}


@pytest.fixture(scope="module")
def shipped():
    return load_definitions()


def test_every_shipped_definition_loads(shipped):
    files = sorted(definitions_folder().glob("*/*.yaml"))
    assert len(shipped) == len(files) == sum(len(ids) for ids in EXPECTED.values())
    found = {year: {i.id for i in shipped.values() if i.year == year} for year in YEARS}
    assert found == EXPECTED


def test_ids_match_file_names_and_years_match_folders(shipped):
    for indicator in shipped.values():
        path = Path(indicator.path)
        assert indicator.id == path.stem
        assert indicator.year == path.parent.name
        assert indicator.period_start <= indicator.period_end
        first = int(indicator.year[:4])  # within the financial year, 1 April to 31 March
        assert str(indicator.period_start) >= f"{first}-04-01", indicator.key
        assert str(indicator.period_end) <= f"{first + 1}-03-31", indicator.key


def test_every_value_is_sourced_or_says_why_not(shipped):
    for indicator in shipped.values():
        for name in VALUES:
            sourced = indicator.values[name]
            if sourced.value is None:
                assert sourced.not_found and len(sourced.not_found) >= 5, (indicator.key, name)
            else:
                assert sourced.source in indicator.sources, (indicator.key, name)
                source = indicator.sources[sourced.source]
                assert source["kind"] in ("primary", "secondary")
                assert source["url"].startswith(("http://", "https://"))


def test_every_source_is_cited_or_quoted(shipped):
    # a source either gives a value or documents the wording with a short exact quote
    for indicator in shipped.values():
        cited = {s.source for s in indicator.values.values() if s.source}
        for key, source in indicator.sources.items():
            assert key in cited or source.get("quote"), (indicator.key, key)


def test_every_incomplete_indicator_says_why(shipped):
    for indicator in shipped.values():
        if indicator.status == "incomplete":
            assert indicator.incomplete, indicator.key
            assert not indicator.payable
            missing = [n for n in VALUES if indicator.value(n) is None]
            if missing:  # each missing value is covered by a reason or its not_found
                assert all(indicator.values[n].not_found for n in missing)


def test_each_complete_indicator_has_all_five_values(shipped):
    for indicator in shipped.values():
        if indicator.status == "complete":
            assert all(indicator.value(n) is not None for n in VALUES), indicator.key
            assert indicator.payable


def test_cohorts_have_a_true_false_denominator_and_numerator(shipped):
    for indicator in shipped.values():
        assert {"denominator", "numerator"} <= set(indicator.cohort.variables), indicator.key


def test_thresholds_are_proportions(shipped):
    for indicator in shipped.values():
        for name in ("lower_threshold", "upper_threshold"):
            value = indicator.value(name)
            assert value is None or 0 <= value <= 1, (indicator.key, name)


def test_codelists_used_are_shipped(shipped):
    from neighbourhood.codelists.library import load_definitions as codelist_definitions

    known = set(codelist_definitions())
    for indicator in shipped.values():
        assert set(indicator.cohort.codelists) <= known, indicator.key


# ---- bad files -------------------------------------------------------------------------


def _copy(tmp_path: Path, key: str = "2024-25/CAN-04") -> tuple[Path, dict]:
    source = definitions_folder() / f"{key}.yaml"
    folder = tmp_path / source.parent.name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return target, yaml.safe_load(source.read_text(encoding="utf-8"))


def _line_of(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(pattern, line):
            return number
    raise AssertionError(pattern)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_threshold_given_as_text_fails_naming_file_line_and_field(tmp_path):
    path, _ = _copy(tmp_path)
    _replace(path, "lower_threshold: {value: 0.65,", 'lower_threshold: {value: "65%",')
    with pytest.raises(DefinitionError) as error:
        read_indicator(path)
    message = str(error.value)
    line = _line_of(path, r"^\s+lower_threshold:")
    assert f"{path}: line {line}: values.lower_threshold" in message


def test_a_source_key_that_does_not_exist_fails(tmp_path):
    path, _ = _copy(tmp_path)
    _replace(
        path, "points: {value: 22, source: cmca-contracts}", "points: {value: 22, source: nowhere}"
    )
    with pytest.raises(DefinitionError) as error:
        read_indicator(path)
    message = str(error.value)
    assert str(path) in message and "values.points" in message and "nowhere" in message


def test_a_complete_indicator_with_a_null_value_fails(tmp_path):
    path, _ = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    start = text.index("status: incomplete")
    end = text.index("period:")
    path.write_text(text[:start] + "status: complete\n" + text[end:], encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        read_indicator(path)
    message = str(error.value)
    assert str(path) in message and "prevalence_adjusted not found" in message


def test_an_incomplete_indicator_without_reasons_fails_naming_the_line(tmp_path):
    path, _ = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    start = text.index("incomplete:\n")
    end = text.index("period:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        read_indicator(path)
    assert f"{path}: line 1: (file): 'incomplete' is a required property" in str(error.value)


def test_an_id_that_is_not_the_file_name_fails(tmp_path):
    path, _ = _copy(tmp_path)
    _replace(path, "id: CAN-04", "id: CAN-05")
    with pytest.raises(DefinitionError) as error:
        read_indicator(path)
    assert f"{path}: line {_line_of(path, '^id:')}: id: must be the file name" in str(error.value)


def test_a_year_that_is_not_the_folder_fails(tmp_path):
    path, _ = _copy(tmp_path)
    _replace(path, "year: 2024-25", "year: 2023-24")
    with pytest.raises(DefinitionError) as error:
        read_indicator(path)
    assert f"{path}: line {_line_of(path, '^year:')}: year: must be the folder name" in str(
        error.value
    )


def test_an_unknown_codelist_fails_naming_the_file(tmp_path):
    path, _ = _copy(tmp_path)
    _replace(path, "nhsd-primary-care-domain-refsets-faecimm_cod", "no-such-codelist")
    with pytest.raises(DefinitionError) as error:
        read_indicator(path)
    assert str(path) in str(error.value) and "no-such-codelist" in str(error.value)


def test_every_problem_of_a_folder_is_reported_at_once(tmp_path):
    first, _ = _copy(tmp_path, "2024-25/CAN-04")
    second, _ = _copy(tmp_path, "2022-23/CAN-01")
    _replace(first, "lower_threshold: {value: 0.65,", 'lower_threshold: {value: "65%",')
    _replace(second, "id: CAN-01", "id: CAN-09")
    with pytest.raises(DefinitionError) as error:
        load_definitions(tmp_path)
    assert str(first) in str(error.value) and str(second) in str(error.value)

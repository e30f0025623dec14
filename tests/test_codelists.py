"""Codelists: typed codes, the OpenCodelists and GM SDE readers, and the shipped definitions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from neighbourhood.codelists import (
    CodeError,
    Codelist,
    CodelistError,
    CodingSystem,
    CTV3Code,
    DMDCode,
    ReadV2Code,
    SNOMEDCTCode,
    codelist,
    codelist_from_csv,
    codelist_from_gm_sde,
    load_definitions,
)
from neighbourhood.codelists.library import definitions_folder

PACKAGE = Path(__file__).parents[1] / "src" / "neighbourhood"
DATA = PACKAGE / "sources" / "data"
GM_SDE = DATA / "codelists" / "gm-sde" / "gm_sde_codesets.csv"


def test_codes_check_themselves():
    assert SNOMEDCTCode("22298006").value == "22298006"
    with pytest.raises(CodeError, match="Verhoeff"):
        SNOMEDCTCode("22298007")
    with pytest.raises(CodeError, match="dm\\+d: '21678411000001100' fails"):
        DMDCode("21678411000001100")
    assert CTV3Code("XE0Uh").value == "XE0Uh" and ReadV2Code("14B4.00").value == "14B4.00"
    with pytest.raises(CodeError):
        CTV3Code("14B4")
    assert SNOMEDCTCode("22298006") != DMDCode("22298006")  # same digits, other terminology


def test_a_codelist_holds_one_coding_system_only():
    with pytest.raises(TypeError, match="holds DMDCode"):
        Codelist("x", "1", CodingSystem.SNOMED_CT, frozenset({DMDCode("22298006")}), "hand-made")
    with pytest.raises(ValueError, match="source"):
        Codelist("x", "1", CodingSystem.SNOMED_CT, frozenset({SNOMEDCTCode("22298006")}), " ")
    made = Codelist("x", "1", CodingSystem.SNOMED_CT, frozenset({SNOMEDCTCode("22298006")}), "s")
    assert "22298006" in made and SNOMEDCTCode("22298006") in made
    assert DMDCode("22298006") not in made
    assert hash(made) == hash(
        Codelist("x", "1", CodingSystem.SNOMED_CT, frozenset({SNOMEDCTCode("22298006")}), "s")
    )


def test_every_shipped_definition_is_valid_and_loads_with_its_row_count():
    schema = json.loads((PACKAGE / "codelists" / "definition.schema.json").read_text())
    files = sorted(definitions_folder().glob("*.yaml"))
    assert len(files) == 21
    for path in files:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    definitions = load_definitions()
    assert set(definitions) == {p.stem for p in files}
    for definition in definitions.values():
        loaded = codelist(definition.id)
        with (DATA / definition.file).open(encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == definition.rows, definition.id
        column = "dmd_id" if "dmd_id" in rows[0] else "code"
        assert set(loaded.values) == {r[column] for r in rows}, definition.id
        assert loaded.system is definition.system
        assert definition.source["url"] in loaded.source


def test_medicines_lists_are_dmd_and_condition_lists_are_snomed():
    assert codelist("opensafely-addictive-medicines").system is CodingSystem.DMD
    assert codelist("primis-covid19-vacc-uptake-astrx").system is CodingSystem.DMD
    assert (
        codelist("nhsd-primary-care-domain-refsets-carehome_cod").system is CodingSystem.SNOMED_CT
    )


def test_strict_reading_names_file_line_and_reason(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,term\n22298006,MI\n22298007,typo\n\n1234,short\n")
    with pytest.raises(CodelistError) as error:
        codelist_from_csv(path, id="bad", version="1", system=CodingSystem.SNOMED_CT, source="t")
    message = str(error.value)
    assert "2 invalid code(s)" in message
    assert "line 3: SNOMED CT: '22298007' fails the SNOMED CT Verhoeff check digit" in message
    assert "line 5" in message
    kept = codelist_from_csv(
        path, id="bad", version="1", system=CodingSystem.SNOMED_CT, source="t", strict=False
    )
    assert kept.values == ("22298006",) and [r[0] for r in kept.rejected] == [3, 5]
    with pytest.raises(CodelistError, match=r"no column 'dmd_id'"):
        codelist_from_csv(path, id="x", version="1", system=CodingSystem.DMD, source="t",
                          column="dmd_id")  # fmt: skip


def test_gm_sde_keeps_the_float_mangled_ids_as_rejected():
    with GM_SDE.open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["concept"] == "anticholinergic-medications"]
    snomed = [r for r in rows if r["terminology"] == "snomed"]
    latest = max(int(r["version"]) for r in snomed)
    expected = {
        r["code"].replace("\ufeff", "").strip() for r in snomed if int(r["version"]) == latest
    }
    loaded = codelist_from_gm_sde(
        GM_SDE, concept="anticholinergic-medications", system=CodingSystem.DMD, source="GM SDE"
    )
    assert loaded.version == str(latest)
    assert set(loaded.values) | {r[1].strip() for r in loaded.rejected} == expected
    assert len(loaded.rejected) > 0
    assert all(r[1].endswith("00") for r in loaded.rejected)  # float rounding leaves ...00
    with pytest.raises(CodelistError, match="no snomed codes for concept 'nothing'"):
        codelist_from_gm_sde(GM_SDE, concept="nothing", system=CodingSystem.SNOMED_CT, source="s")

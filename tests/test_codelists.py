"""Codelists: typed codes, the OpenCodelists and GM SDE readers, and the shipped definitions."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from functools import cache
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
from neighbourhood.codelists.library import definitions_folder, read_definition
from neighbourhood.codelists.read import _gm_sde_rows, codelist_from_gm_sde_txt

PACKAGE = Path(__file__).parents[1] / "src" / "neighbourhood"
DATA = PACKAGE / "sources" / "data"
GM_SDE = DATA / "codelists" / "gm-sde" / "gm_sde_codesets.csv"
SCHEMA = json.loads((PACKAGE / "codelists" / "definition.schema.json").read_text())
GM_SDE_REPOSITORY = "UoM-Data-Science-Platforms/gm-sde"
GM_SDE_COMMIT = "6cf10afc0d745a557b2e8dd7e0b1d4b61ea40e42"
CANCER_REFERRAL = DATA / "codelists" / "gm-sde" / "cancer-referral.snomed.txt"
LOWER_GI = {"892201000000106", "276401000000108"}


@cache
def gm_sde_file() -> tuple[dict, dict]:
    """The raw GM SDE file, read here with the csv module alone: {(concept, version,
    terminology): {line: code}} and {concept: category}."""
    rows: dict[tuple[str, str, str], dict[int, str]] = defaultdict(dict)
    categories: dict[str, str] = {}
    with GM_SDE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            rows[row["concept"], row["version"], row["terminology"]][reader.line_num] = row["code"]
            categories[row["concept"]] = row["category"]
    return dict(rows), categories


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
    files = sorted(definitions_folder().glob("*.yaml"))
    assert len(files) == 79  # 27 OpenCodelists CSVs, 50 GM SDE concepts, 2 GM SDE concept files
    for path in files:
        jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)
    definitions = load_definitions()
    assert set(definitions) == {p.stem for p in files}
    for definition in definitions.values():
        if definition.format != "opencodelists":
            continue
        loaded = codelist(definition.id)
        with (DATA / definition.file).open(encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == definition.rows, definition.id
        column = definition.column or ("dmd_id" if "dmd_id" in rows[0] else "code")
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


def gm_sde_definitions():
    return [d for d in load_definitions().values() if d.format == "gm-sde"]


def test_gm_sde_definitions_match_an_independent_count_of_the_raw_file():
    rows, categories = gm_sde_file()
    definitions = gm_sde_definitions()
    assert len(definitions) == 50
    for definition in definitions:
        terminology = {CodingSystem.CTV3: "ctv3"}.get(definition.system, "snomed")
        raw = rows[definition.concept, definition.concept_version, terminology]
        assert definition.id == f"gm-sde-{definition.concept}"
        assert definition.rows == len(raw), definition.id
        path = (
            f"shared/clinical-code-sets/{categories[definition.concept]}/{definition.concept}/"
            f"{definition.concept_version}/{definition.concept}.{terminology}.txt"
        )
        assert definition.source["path"] == path
        assert definition.source["repository"] == GM_SDE_REPOSITORY
        assert definition.source["commit"] == GM_SDE_COMMIT
        assert definition.source["url"] == (
            f"https://github.com/{GM_SDE_REPOSITORY}/blob/{GM_SDE_COMMIT}/{path}"
        )
        loaded = codelist(definition.id)
        assert (loaded.id, loaded.version, loaded.system) == (
            definition.id, definition.version, definition.system
        )  # fmt: skip
        assert definition.source["url"] in loaded.source
        # every row of the concept is either a valid code or kept as rejected, with its reason
        assert len(loaded.rejected) == definition.rejected, definition.id
        assert all(raw[line] == value and reason for line, value, reason in loaded.rejected)
        values = set(loaded.values)
        valid_rows = [line for line, code in raw.items() if code in values]
        assert len(valid_rows) + len(loaded.rejected) == len(raw), definition.id
        assert values == {raw[line] for line in valid_rows}, definition.id


def test_the_35_efi_deficits_are_snomed_ct_and_the_medicines_are_dmd():
    _, categories = gm_sde_file()
    efi = {concept for concept in categories if concept.startswith("efi-")}
    assert len(efi) == 35  # Clegg et al. 2016 has 36 deficits; polypharmacy is a count
    definitions = {d.concept: d for d in gm_sde_definitions()}
    assert efi <= set(definitions)
    assert all(definitions[c].system is CodingSystem.SNOMED_CT for c in efi)
    medicines = {c for c in definitions if categories[c] == "medications"}
    assert medicines == {
        "opioids", "benzodiazepines", "gabapentinoid", "nsaids", "antipsychotics",
        "anticholinergic-medications", "proton-pump-inhibitors",
    }  # fmt: skip
    assert all(definitions[c].system is CodingSystem.DMD for c in medicines)
    assert codelist("gm-sde-opioids").system is CodingSystem.DMD
    # the one concept published without a SNOMED CT list ships as CTV3, and says so
    assert definitions["homeless"].system is CodingSystem.CTV3
    assert "CTV3" in definitions["homeless"].title
    others = set(definitions) - efi - medicines - {"homeless"}
    assert all(definitions[c].system is CodingSystem.SNOMED_CT for c in others)
    # the float-mangled dm+d ids are in one list only
    assert {c: d.rejected for c, d in definitions.items() if d.rejected} == {
        "anticholinergic-medications": 588
    }


def write_definition(
    folder: Path, name: str, template: str = "gm-sde-efi-falls", **changes
) -> Path:
    document = yaml.safe_load((definitions_folder() / f"{template}.yaml").read_text())
    document.update(id=name, **changes)
    document = {k: v for k, v in document.items() if v is not None}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_a_broken_gm_sde_definition_names_its_file(tmp_path):
    unknown = write_definition(tmp_path, "gm-sde-nothing", concept="nothing")
    with pytest.raises(CodelistError, match="no snomed codes for concept 'nothing'") as error:
        read_definition(unknown).load()
    assert str(error.value).startswith(f"{unknown}: ")
    no_concept = write_definition(tmp_path, "gm-sde-no-concept", concept=None)
    with pytest.raises(CodelistError, match=f"^{no_concept}: missing concept$"):
        read_definition(no_concept)
    wrong_count = write_definition(tmp_path, "gm-sde-wrong-count", rejected=3)
    with pytest.raises(CodelistError, match="0 rows are not valid codes, the definition says 3"):
        read_definition(wrong_count).load()
    unknown_format = write_definition(tmp_path, "gm-sde-odd", format="gm_sde")
    with pytest.raises(CodelistError, match="format 'gm_sde' is not one of"):
        read_definition(unknown_format)


def test_the_schema_asks_a_gm_sde_definition_for_its_concept_and_nobody_else():
    document = yaml.safe_load((definitions_folder() / "gm-sde-efi-falls.yaml").read_text())
    jsonschema.validate(document, SCHEMA)
    for field in ("concept", "concept_version", "rejected"):
        broken = {k: v for k, v in document.items() if k != field}
        with pytest.raises(jsonschema.ValidationError, match=f"'{field}' is a required property"):
            jsonschema.validate(broken, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document | {"file": "codelists/opensafely/x.csv"}, SCHEMA)
    opencodelists = yaml.safe_load(
        (definitions_folder() / "opensafely-housebound.yaml").read_text()
    )
    jsonschema.validate(opencodelists | {"format": "opencodelists"}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(opencodelists | {"concept": "efi-falls"}, SCHEMA)


def test_the_gm_sde_file_is_parsed_once_for_all_its_concepts():
    _gm_sde_rows.cache_clear()
    for concept in ("efi-falls", "efi-arthritis", "carer"):
        codelist_from_gm_sde(GM_SDE, concept=concept, system=CodingSystem.SNOMED_CT, source="s")
    info = _gm_sde_rows.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_a_gm_sde_concept_file_is_the_whole_codelist():
    # an independent read of the shipped file: code TAB term per line, no header, no final newline
    raw = CANCER_REFERRAL.read_bytes()
    assert len(raw) == 1202 and not raw.endswith(b"\n")
    rows = [line.split("\t") for line in raw.decode("utf-8").split("\n")]
    assert len(rows) == 15 and all(len(row) == 2 for row in rows)
    definition = load_definitions()["gm-sde-cancer-referral"]
    assert (definition.format, definition.rows, definition.system) == (
        "gm-sde-txt", 15, CodingSystem.SNOMED_CT
    )  # fmt: skip
    assert definition.file == "codelists/gm-sde/cancer-referral.snomed.txt"
    assert definition.source["path"].endswith("/cancer-referral/1/cancer-referral.snomed.txt")
    assert definition.source["url"] == (
        f"https://github.com/{GM_SDE_REPOSITORY}/blob/{definition.source['commit']}/"
        f"{definition.source['path']}"
    )
    loaded = codelist("gm-sde-cancer-referral")
    assert (loaded.id, loaded.version) == ("gm-sde-cancer-referral", definition.version)
    assert set(loaded.values) == {code for code, _ in rows}
    assert dict(loaded.terms) == dict(rows) and loaded.rejected == ()
    assert definition.source["url"] in loaded.source


def test_a_gm_sde_concept_file_counts_lines_from_one(tmp_path):
    path = tmp_path / "x.snomed.txt"
    path.write_text("22298007\ttypo\n22298006\tMyocardial infarction\n\n1234\n")
    with pytest.raises(CodelistError) as error:
        codelist_from_gm_sde_txt(
            path, id="x", version="1", system=CodingSystem.SNOMED_CT, source="s"
        )
    message = str(error.value)
    assert message.startswith(f"{path}: 2 invalid code(s): line 1: SNOMED CT: '22298007'")
    assert "line 4: " in message
    kept = codelist_from_gm_sde_txt(
        path, id="x", version="1", system=CodingSystem.SNOMED_CT, source="s", strict=False
    )
    assert kept.values == ("22298006",) and [r[0] for r in kept.rejected] == [1, 4]
    assert dict(kept.terms) == {"22298006": "Myocardial infarction"}


def test_the_lower_gi_referral_is_two_codes_selected_from_the_cancer_referral_file():
    definition = load_definitions()["lower-gi-urgent-suspected-cancer-referral"]
    assert set(definition.select) == LOWER_GI
    assert "siblings" in definition.select_reason and "GICANREF" in definition.select_reason
    loaded = codelist("lower-gi-urgent-suspected-cancer-referral")
    assert set(loaded.values) == LOWER_GI and loaded.system is CodingSystem.SNOMED_CT
    assert loaded.id == "lower-gi-urgent-suspected-cancer-referral"
    assert dict(loaded.terms) == {
        "892201000000106": "Fast track referral for suspected lower gastrointestinal cancer"
        " (procedure)",
        "276401000000108": "Fast track referral for suspected colorectal cancer (procedure)",
    }
    assert set(loaded.values) < set(codelist("gm-sde-cancer-referral").values)
    assert definition.source["url"] in loaded.source and "2 of its 15 codes" in loaded.source


def test_a_selected_code_missing_from_the_file_is_an_error(tmp_path):
    path = write_definition(
        tmp_path, "lower-gi-wrong", template="lower-gi-urgent-suspected-cancer-referral",
        select=["892201000000106", "22298006", "276401000000108", "86044005"],
    )  # fmt: skip
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)  # valid, but wrong
    with pytest.raises(CodelistError) as error:
        read_definition(path).load()
    assert str(error.value) == (
        f"{path}: select: 2 code(s) not among the 15 codes of "
        "codelists/gm-sde/cancer-referral.snomed.txt: 22298006, 86044005"
    )


def test_a_selection_needs_a_reason():
    document = yaml.safe_load(
        (definitions_folder() / "lower-gi-urgent-suspected-cancer-referral.yaml").read_text()
    )
    jsonschema.validate(document, SCHEMA)
    unexplained = {k: v for k, v in document.items() if k != "select_reason"}
    with pytest.raises(jsonschema.ValidationError, match="'select_reason' is a dependency of"):
        jsonschema.validate(unexplained, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document | {"select_reason": " "}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document | {"select": []}, SCHEMA)
    reason_alone = {k: v for k, v in document.items() if k != "select"}
    with pytest.raises(jsonschema.ValidationError, match="'select' is a dependency of"):
        jsonschema.validate(reason_alone, SCHEMA)


def test_the_library_also_refuses_a_selection_without_a_reason(tmp_path):
    path = write_definition(
        tmp_path, "lower-gi-unexplained", template="lower-gi-urgent-suspected-cancer-referral",
        select_reason=None,
    )  # fmt: skip
    with pytest.raises(CodelistError, match=f"^{path}: missing select_reason"):
        read_definition(path)


def test_the_schema_keeps_the_gm_sde_file_formats_apart():
    concept_file = yaml.safe_load(
        (definitions_folder() / "gm-sde-cancer-referral.yaml").read_text()
    )
    jsonschema.validate(concept_file, SCHEMA)
    for wrong in (
        {"concept": "cancer-referral"},  # a whole file has no concept, version or rejected
        {"rejected": 0},
        {"file": "codelists/gm-sde/gm_sde_codesets.csv"},
        {"source": concept_file["source"] | {"repository": "opensafely/OptiFIT"}},
        {"format": "opencodelists"},  # an OpenCodelists file is a CSV
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(concept_file | wrong, SCHEMA)

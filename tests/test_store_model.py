"""The data model: declared once, validated when built, and the schema generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from neighbourhood.store import connect, load_data_model
from neighbourhood.store.ddl import schema_sql
from neighbourhood.store.docs import data_model_markdown
from neighbourhood.store.model import DataModelError, parse_data_model

REPO = Path(__file__).resolve().parents[1]
MODEL_YAML = REPO / "src" / "neighbourhood" / "store" / "model.yaml"

# The tables and the minimum columns issue 2 asks the data model to hold, written out by hand.
REQUIRED = {
    "organisations": {"org_code", "org_type", "name", "postcode", "open_date", "close_date"},
    "org_memberships": {"child_code", "parent_code", "relationship", "valid_from", "valid_to"},
    "care_homes": {"org_code", "beds", "with_nursing"},
    "community_teams": {"org_code", "service", "provider_code"},
    "patients": {"patient_id", "birth_month", "sex", "lsoa_code", "imd_decile", "date_of_death"},
    "registrations": {"patient_id", "practice_code", "start_date", "end_date"},
    "clinical_events": {"patient_id", "snomed_code", "event_date", "numeric_value"},
    "medications_issued": {"patient_id", "dmd_code", "issue_date", "quantity"},
    "care_home_residences": {"patient_id", "care_home_code", "start_date", "end_date"},
    "community_referrals": {"team_code", "service", "referral_source", "received_at", "clock"},
    "care_contacts": {"contact_at", "outcome"},
    "waiting_list_snapshots": {"service_line", "age_group", "weeks_waited_band", "patients"},
    "gp_appointments": {"mode", "hcp_type", "status", "booked_to_seen_days"},
    "hospital_spells": {
        "admission_date",
        "discharge_ready_date",
        "discharge_date",
        "discharge_pathway",
    },
    "workforce": {"role", "wte", "start_date", "end_date", "annual_cost"},
    "finance_lines": {"organisation_code", "financial_year", "category", "amount"},
}


def raw_model() -> dict:
    return yaml.safe_load(MODEL_YAML.read_text(encoding="utf-8"))


def test_model_holds_every_table_and_column_the_issue_asks_for():
    model = load_data_model()
    for table, columns in REQUIRED.items():
        assert columns <= set(model.table(table).column_names), table


def test_enumerations_match_the_issue():
    model = load_data_model()
    sources = model.table("community_referrals").column("referral_source").constraint("values")
    assert set(sources) == {
        "ambulance_999",
        "nhs_111",
        "clinical_assessment_service",
        "care_home",
        "gp",
        "self_or_carer",
        "hospital",
        "other",
    }
    clocks = model.table("community_referrals").column("clock").constraint("values")
    assert set(clocks) == {"2_hour", "2_day", "none"}
    outcomes = model.table("care_contacts").column("outcome").constraint("values")
    assert set(outcomes) == {"attended", "did_not_attend", "cancelled"}
    pathway = model.table("hospital_spells").column("discharge_pathway")
    assert (pathway.constraint("min"), pathway.constraint("max")) == (0, 3)


def test_every_table_and_column_is_documented_and_sourced():
    for table in raw_model()["tables"]:
        assert table["source"].strip(), table["name"]
        assert table["description"].strip(), table["name"]
        for column in table["columns"]:
            assert column["description"].strip(), (table["name"], column["name"])


def test_generated_schema_creates_exactly_the_declared_columns():
    con = connect(":memory:")
    for table in raw_model()["tables"]:
        described = con.execute(f'DESCRIBE "{table["name"]}"').fetchall()
        assert [row[0] for row in described] == [c["name"] for c in table["columns"]]
        nullability = {row[0]: row[2] for row in described}
        for column in table["columns"]:
            required = (column.get("constraints") or {}).get("required", False)
            assert nullability[column["name"]] == ("NO" if required else "YES")


def test_generated_schema_maps_types():
    con = connect(":memory:")

    def column_types(table: str) -> dict[str, str]:
        return {row[0]: row[1] for row in con.execute(f"DESCRIBE {table}").fetchall()}

    assert column_types("community_referrals")["received_at"] == "TIMESTAMP"
    assert column_types("care_homes")["with_nursing"] == "BOOLEAN"
    assert column_types("patients")["birth_month"] == "DATE"
    assert column_types("hospital_spells")["discharge_pathway"] == "BIGINT"
    assert column_types("medications_issued")["quantity"] == "DOUBLE"


def test_required_column_rejects_null_in_the_store():
    con = connect(":memory:")
    with pytest.raises(Exception, match="NOT NULL"):
        con.execute("INSERT INTO patients (patient_id) VALUES ('S1')")


def test_schema_is_idempotent():
    con = connect(":memory:")
    con.execute(schema_sql(load_data_model()))  # running it again changes nothing
    assert len(con.execute("SHOW TABLES").fetchall()) == len(raw_model()["tables"])


def test_committed_data_model_doc_is_current():
    committed = (REPO / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert committed == data_model_markdown(load_data_model()), "run `make docs`"


def test_doc_lists_every_column():
    text = data_model_markdown(load_data_model())
    for table in raw_model()["tables"]:
        assert f"### `{table['name']}`" in text
        for column in table["columns"]:
            assert re.search(rf"\| `{column['name']}` \|", text)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda m: m["tables"][0]["columns"][0].update(type="string"), "type"),
        (lambda m: m["tables"][0].update(source=""), "source"),
        (lambda m: m["tables"][0].update(key=["no_such_column"]), "key column"),
        (lambda m: m["tables"][0]["columns"][0].update(constraints={"maximum": 3}), "constraint"),
        (lambda m: m["tables"][0]["columns"][0].update(name="OrgCode"), "snake_case"),
        (lambda m: m["tables"].reverse(), "declared earlier"),
        (
            lambda m: m["tables"][0]["columns"][1].update(constraints={"min": 1}),
            "numeric",
        ),
    ],
)
def test_inconsistent_model_fails_when_built(mutate, message):
    document = raw_model()
    mutate(document)
    with pytest.raises(DataModelError, match=message):
        parse_data_model(document)

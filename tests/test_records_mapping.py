"""Column mapping files: an EMIS-like export loads as it is, pseudonymised, nothing leaking."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from neighbourhood.identifiers import nhs_number_check_digit, nhs_number_problem
from neighbourhood.records import LoadError, TableCounts, load_paths
from neighbourhood.records.mapping import load_mapping
from neighbourhood.records.pseudonymise import Pseudonymiser
from neighbourhood.store import connect, load_data_model

FIXTURES = Path(__file__).parent / "fixtures" / "records"
MAPPING = FIXTURES / "mapping"
EVENTS = MAPPING / "emis_events.csv"
FOLLOW_UP = MAPPING / "emis_events_followup.csv"
EVENTS_MAPPING = MAPPING / "emis_events.yaml"
ORGANISATIONS = FIXTURES / "good" / "organisations.csv"
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
D = dt.date
KEY = b"a test key of at least thirty-two bytes, never a real one"
HEADER = "NHS Number,Surname,Forename,Address,Date,SNOMED CT Concept ID,Value,Free Text\n"

# The fixtures' NHS numbers: valid ones (check digit computed below) and one that fails.
VALID = ("9912003888", "9912003896", "9912003918", "9912003926")
INVALID = "9912003889"
# Everything in the exports that must never reach the store.
IDENTIFYING = (
    *VALID, INVALID, "991 200 3888", "991 200 3896",
    "Smithson", "Agatha", "Okonkwo", "Bertram", "Fairweather", "Cecil", "Pemberton", "Doris",
    "Quince", "Edna", "Larch Way", "Mill Lane", "Quarry Row", "Station Road", "Elm Street",
    "Leeds", "Wakefield", "Halifax", "Otley", "Ilkley",
    "Seen in clinic", "Weight recorded", "advised on diet", "phoned", "Follow-up",
)  # fmt: skip


def pseudonym(nhs_number: str) -> str:
    """Computed here from the documented scheme, not with the code under test."""
    digits = nhs_number.replace(" ", "")
    message = b"nhs-number:" + digits.encode()
    return hmac.new(KEY, message, hashlib.sha256).hexdigest()[:32]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def patients_csv(folder: Path, numbers=VALID) -> Path:
    """The patients the exports refer to, in the data-model layout, keyed by pseudonym."""
    lines = "".join(f"{pseudonym(n)},1950-07-01,female,,,\n" for n in numbers)
    header = "patient_id,birth_month,sex,lsoa_code,imd_decile,date_of_death\n"
    return write(folder / "patients.csv", header + lines)


def mapping_file(folder: Path, text: str, name: str = "mapping.yaml") -> Path:
    return write(folder / name, text)


def everything_as_text(con) -> str:
    """Every row of every table in the store (data, load_log, quarantine) as one text."""
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    ]
    assert {"quarantine", "load_log", "clinical_events", "patients"} <= set(tables)
    return "\n".join(repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)


def snapshot(con) -> dict[str, list[tuple]]:
    return {
        t.name: sorted(con.execute(f"SELECT * FROM {t.name}").fetchall(), key=repr)
        for t in load_data_model().tables
    }


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def key() -> Pseudonymiser:
    return Pseudonymiser(KEY)


def load_events(con, tmp_path, key, *files: Path):
    return load_paths(
        con,
        [patients_csv(tmp_path), *files],
        mapping=EVENTS_MAPPING,
        pseudonymiser=key,
        now=NOW,
    )


def test_the_fixture_numbers_are_what_they_claim():
    for number in VALID:
        assert nhs_number_check_digit(number[:9]) == int(number[9])
        assert nhs_number_problem(number) is None
    assert nhs_number_problem(INVALID) == "NHS number fails the modulus 11 check digit"
    assert Pseudonymiser(KEY).patient_from_nhs_number("991 200 3888") == pseudonym("9912003888")


def test_export_loads_through_the_mapping(con, tmp_path, key):
    report = load_events(con, tmp_path, key, EVENTS)
    assert report.tables["patients"] == TableCounts(loaded=4)
    assert report.tables["clinical_events"] == TableCounts(loaded=3, quarantined=3)
    (events_file,) = [f for f in report.files if f.table == "clinical_events"]
    assert events_file.path == str(EVENTS.resolve())
    assert events_file.rows_read == 6
    stored = sorted(con.execute("SELECT * FROM clinical_events").fetchall())
    assert stored == sorted(
        [
            (pseudonym("9912003888"), D(2024, 2, 3), "38341003", None),
            (pseudonym("9912003888"), D(2024, 7, 15), "1239511000000100", 12.5),
            (pseudonym("9912003896"), D(2023, 11, 30), "22298006", None),
        ]
    )
    quarantined = con.execute(
        "SELECT line, target_table, field, reason, raw FROM quarantine ORDER BY line"
    ).fetchall()
    # Line numbers are physical lines: the quoted free text on line 3 runs onto line 4.
    assert [q[:4] for q in quarantined[:2]] == [
        (6, "clinical_events", "patient_id", "NHS number fails the modulus 11 check digit"),
        (7, "clinical_events", "event_date",
         "'31-Feb-2024' is not a valid date (expected YYYY-MM-DD)"),
    ]  # fmt: skip
    line, _, field, reason, _ = quarantined[2]
    assert (line, field) == (8, None)
    assert reason.startswith("the row has 9 fields")
    raws = [json.loads(q[4]) for q in quarantined]
    # raw shows the mapped export columns only, as written, the NHS number pseudonymised
    # (or blanked when it fails its check); never an ignored column or an extra field.
    assert raws == [
        {"NHS Number": "", "Date": "01-Mar-2024", "SNOMED CT Concept ID": "38341003", "Value": ""},
        {"NHS Number": pseudonym("9912003918"), "Date": "31-Feb-2024",
         "SNOMED CT Concept ID": "38341003", "Value": ""},
        {"NHS Number": pseudonym("9912003926"), "Date": "02-Jan-2024",
         "SNOMED CT Concept ID": "22298006", "Value": ""},
    ]  # fmt: skip


def test_no_identifier_of_the_export_reaches_the_store(con, tmp_path, key):
    load_events(con, tmp_path, key, EVENTS, FOLLOW_UP)
    text = everything_as_text(con)
    assert pseudonym("9912003888") in text  # the scan does see the stored rows
    leaked = [value for value in IDENTIFYING if value in text]
    assert leaked == []


def test_a_missing_nhs_number_is_a_missing_value_not_a_pseudonym(con, tmp_path, key):
    export = write(
        tmp_path / "exports" / "events.csv",
        HEADER + ",Nobody,Known,,03-Feb-2024,38341003,,\n",
    )
    load_events(con, tmp_path, key, export)
    assert con.execute("SELECT line, field, reason FROM quarantine").fetchall() == [
        (2, "patient_id", "required value missing")
    ]
    assert "Nobody" not in everything_as_text(con)


def test_reloading_the_same_export_changes_nothing(con, tmp_path, key):
    load_events(con, tmp_path, key, EVENTS)
    before = snapshot(con)
    again = load_events(con, tmp_path, key, EVENTS)
    assert snapshot(con) == before
    assert again.tables["clinical_events"] == TableCounts(already_present=6)
    assert all(f.skipped for f in again.files)


def test_the_same_patient_in_a_second_export_links_up(con, tmp_path, key):
    load_events(con, tmp_path, key, EVENTS)
    report = load_paths(con, [FOLLOW_UP], mapping=EVENTS_MAPPING, pseudonymiser=key, now=NOW)
    assert report.tables == {"clinical_events": TableCounts(loaded=2)}
    by_date = con.execute(
        "SELECT patient_id, count(*) FROM clinical_events GROUP BY 1 ORDER BY 1"
    ).fetchall()
    # "991 200 3888" in the follow-up is the patient written 9912003888 in the first export.
    assert by_date == sorted([(pseudonym("9912003888"), 3), (pseudonym("9912003896"), 2)])
    assert con.execute(
        "SELECT count(*) FROM clinical_events e JOIN patients p USING (patient_id)"
    ).fetchone() == (5,)


def test_a_column_neither_mapped_nor_ignored_is_refused(con, tmp_path, key):
    export = write(
        tmp_path / "exports" / "events.csv",
        HEADER.rstrip("\n") + ",Telephone\n9912003888,S,A,X,03-Feb-2024,38341003,,,0113 496 0000\n",
    )
    with pytest.raises(LoadError, match=r"events\.csv: line 1: .*neither mapped nor ignored"
                       r".*: Telephone") as error:  # fmt: skip
        load_events(con, tmp_path, key, export)
    assert str(EVENTS_MAPPING) in str(error.value)
    assert con.execute("SELECT count(*) FROM load_log").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM patients").fetchone() == (0,)


def test_a_column_the_mapping_reads_must_be_in_the_export(con, tmp_path, key):
    export = write(
        tmp_path / "exports" / "events.csv",
        "NHS Number,Surname,Date,SNOMED CT Concept ID\n9912003888,S,03-Feb-2024,38341003\n",
    )
    with pytest.raises(LoadError, match=r"header lacks column.* maps from: Value"):
        load_events(con, tmp_path, key, export)


def test_a_required_column_must_be_mapped(con, tmp_path, key):
    mapping = mapping_file(
        tmp_path,
        "table: clinical_events\n"
        "columns:\n"
        "  patient_id: {from: NHS Number, pseudonymise: nhs_number}\n"
        "  event_date: {from: Date, date_format: '%d-%b-%Y'}\n"
        "ignore: [Surname]\n",
    )
    with pytest.raises(LoadError) as error:
        load_paths(con, [EVENTS], mapping=mapping, pseudonymiser=key, now=NOW)
    assert str(error.value) == (
        f"{mapping}: columns: required column(s) of clinical_events not mapped: snomed_code"
    )


def test_pseudonymising_without_a_key_is_refused(con, tmp_path):
    with pytest.raises(LoadError, match="pseudonymises patient_id but no pseudonymisation key"):
        load_paths(con, [patients_csv(tmp_path), EVENTS], mapping=EVENTS_MAPPING, now=NOW)
    assert con.execute("SELECT count(*) FROM load_log").fetchone() == (0,)


BASE = (
    "table: clinical_events\n"
    "columns:\n"
    "  patient_id: {from: NHS Number, pseudonymise: nhs_number}\n"
    "  event_date: {from: Date, date_format: '%d-%b-%Y'}\n"
    "  snomed_code: {from: SNOMED CT Concept ID}\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just a list\n", "expected a mapping with keys table, files, columns, ignore"),
        ("table: [unclosed\n", "not valid YAML"),
        (BASE + "colums: {}\n", "colums: unknown key"),
        (BASE.replace("clinical_events", "load_log"), "table: 'load_log' is not a loadable"),
        (BASE.replace("table: clinical_events\n", ""), "table: missing"),
        (BASE + "  snomed: {from: Code}\n", "columns.snomed: clinical_events has no column"),
        (BASE + "  numeric_value: {from: Value, unit: mg}\n", "columns.numeric_value.unit: "),
        (BASE + "  numeric_value: {from: Value, value: '1'}\n",
         "columns.numeric_value: give exactly one of `from`"),
        (BASE + "  numeric_value: {from: Value, pseudonymise: hash}\n",
         "columns.numeric_value.pseudonymise: 'hash' is not one of: nhs_number, identifier"),
        (BASE + "  numeric_value: {from: Value, date_format: '%Y'}\n",
         "columns.numeric_value.date_format: numeric_value is a decimal column"),
        (BASE.replace("%d-%b-%Y", "%d-%b"),
         "columns.event_date.date_format: '%d-%b' does not give the year and month"),
        (BASE.replace("%d-%b-%Y", "%d-%Q-%Y"),
         "columns.event_date.date_format: '%d-%Q-%Y' is not a usable strptime format"),
        (BASE + "  numeric_value: {from: NHS Number}\n",
         "columns.numeric_value.pseudonymise: export column 'NHS Number' is also mapped"),
        (BASE + "ignore: [Surname, Date]\n", "ignore: column(s) both mapped and ignored: Date"),
        (BASE + "ignore: {Surname: 1}\n", "ignore: expected a list of non-empty strings"),
        (BASE + "files: [1]\n", "files: expected a list of non-empty strings"),
        (BASE.replace("{from: SNOMED CT Concept ID}", "SNOMED CT Concept ID"),
         "columns.snomed_code: expected {from: <export column>} or {value: <constant>}"),
    ],
)  # fmt: skip
def test_a_wrong_mapping_file_names_the_key(tmp_path, text, message):
    path = mapping_file(tmp_path, text)
    with pytest.raises(LoadError) as error:
        load_mapping(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_a_missing_mapping_file(con, tmp_path, key):
    with pytest.raises(LoadError, match="no such mapping file"):
        load_paths(con, [EVENTS], mapping=tmp_path / "absent.yaml", pseudonymiser=key, now=NOW)


def test_files_the_mapping_does_not_match_load_as_usual(con, tmp_path, key):
    """patients.csv is not `*events*.csv`: it goes to patients by its name, in the same load."""
    report = load_events(con, tmp_path, key, EVENTS)
    assert [(Path(f.path).name, f.table) for f in report.files] == [
        ("patients.csv", "patients"),
        ("emis_events.csv", "clinical_events"),
    ]


def test_a_constant_value_and_a_mapping_to_another_table(con, tmp_path, key):
    load_paths(con, [ORGANISATIONS, patients_csv(tmp_path)], now=NOW)
    mapping = mapping_file(
        tmp_path,
        "table: registrations\n"
        "columns:\n"
        "  patient_id: {from: NHS Number, pseudonymise: nhs_number}\n"
        "  practice_code: {value: A81001}\n"
        "  start_date: {from: Registration Date, date_format: '%d/%m/%Y'}\n"
        "ignore: [Surname]\n",
    )
    export = write(
        tmp_path / "exports" / "SystmOne Registrations.csv",
        "NHS Number,Surname,Registration Date\n"
        "9912003888,Smithson,01/04/2019\n"
        "9912003896,Okonkwo,31/02/2019\n"
        "9912003918,Pemberton,2019-04-01\n",
    )
    report = load_paths(con, [export], mapping=mapping, pseudonymiser=key, now=NOW)
    assert report.tables == {"registrations": TableCounts(loaded=2, quarantined=1)}
    assert sorted(con.execute("SELECT * FROM registrations").fetchall()) == sorted(
        [
            (pseudonym("9912003888"), "A81001", D(2019, 4, 1), None),
            # not in the export's format but already a data-model date: it passes as written
            (pseudonym("9912003918"), "A81001", D(2019, 4, 1), None),
        ]
    )
    # A date that does not parse with the format is left as written, so the usual check
    # rejects it with its usual reason.
    assert con.execute("SELECT line, field, reason FROM quarantine").fetchall() == [
        (3, "start_date", "'31/02/2019' is not a valid date (expected YYYY-MM-DD)")
    ]


def test_an_identifier_is_pseudonymised_as_the_column_it_refers_to(con, tmp_path, key):
    """A local patient id (not an NHS number) in an events export becomes the token of
    patients.patient_id, so it links to a patients export pseudonymised the same way."""
    patients_mapping = mapping_file(
        tmp_path,
        "table: patients\n"
        "columns:\n"
        "  patient_id: {from: Patient ID, pseudonymise: identifier}\n"
        "  birth_month: {from: Month of Birth, date_format: '%b %Y'}\n"
        "  sex: {from: Sex}\n",
        name="patients.yaml",
    )
    events_mapping = mapping_file(
        tmp_path,
        "table: clinical_events\n"
        "columns:\n"
        "  patient_id: {from: Patient ID, pseudonymise: identifier}\n"
        "  event_date: {from: Date}\n"
        "  snomed_code: {from: Code}\n",
        name="events.yaml",
    )
    patients = write(
        tmp_path / "x" / "people.csv", "Patient ID,Month of Birth,Sex\nS1-77,Jul 1950,female\n"
    )
    events = write(
        tmp_path / "x" / "codes.csv", "Patient ID,Date,Code\nS1-77,2024-02-03,38341003\n"
    )
    load_paths(con, [patients], mapping=patients_mapping, pseudonymiser=key, now=NOW)
    load_paths(con, [events], mapping=events_mapping, pseudonymiser=key, now=NOW)
    token = key.token("patients.patient_id", "S1-77")
    assert con.execute("SELECT patient_id, birth_month FROM patients").fetchall() == [
        (token, D(1950, 7, 1))
    ]
    assert con.execute("SELECT patient_id FROM clinical_events").fetchall() == [(token,)]
    assert "S1-77" not in everything_as_text(con)


def test_a_parquet_export(con, tmp_path, key):
    export = tmp_path / "exports" / "emis_events.parquet"
    export.parent.mkdir()
    pq.write_table(
        pa.table(
            {
                "NHS Number": ["9912003888", INVALID],
                "Surname": ["Smithson", "Fairweather"],
                "Date": ["03-Feb-2024", "01-Mar-2024"],
                "SNOMED CT Concept ID": ["38341003", "38341003"],
                "Value": [None, "1"],
            }
        ),
        export,
    )
    text = EVENTS_MAPPING.read_text(encoding="utf-8")
    mapping = mapping_file(tmp_path, text.replace("*events*.csv", "*events*.parquet"))
    report = load_paths(
        con, [patients_csv(tmp_path), export], mapping=mapping, pseudonymiser=key, now=NOW
    )
    assert report.tables["clinical_events"] == TableCounts(loaded=1, quarantined=1)
    assert con.execute("SELECT line, field FROM quarantine").fetchall() == [(2, "patient_id")]
    assert "Fairweather" not in everything_as_text(con)
    assert INVALID not in everything_as_text(con)


def test_a_folder_of_exports(con, tmp_path, key):
    folder = tmp_path / "exports"
    folder.mkdir()
    for path in (EVENTS, FOLLOW_UP):
        shutil.copy(path, folder / path.name)
    report = load_events(con, tmp_path, key, folder)
    assert report.tables["clinical_events"] == TableCounts(loaded=5, quarantined=3)


def test_apply_blanks_a_failing_nhs_number_and_keeps_the_lines(key):
    mapping = load_mapping(EVENTS_MAPPING)
    staged = pa.table(
        {
            "NHS Number": [INVALID, "9912003888"],
            "Surname": ["Fairweather", "Smithson"],
            "Forename": ["Cecil", "Agatha"],
            "Address": ["x", "y"],
            "Date": ["01-Mar-2024", "not a date"],
            "SNOMED CT Concept ID": ["38341003", "38341003"],
            "Value": ["", "7"],
            "Free Text": ["", ""],
            "_line": pa.array([4, 9], pa.int64()),
            "_shape": pa.nulls(2, pa.string()),
            "_raw": pa.nulls(2, pa.string()),
        }
    )
    mapped = mapping.apply(staged, key).to_pydict()
    assert mapped["patient_id"] == [None, pseudonym("9912003888")]
    assert mapped["event_date"] == ["2024-03-01", "not a date"]
    assert mapped["_line"] == [4, 9]
    assert mapped["_shape"] == ["NHS number fails the modulus 11 check digit", None]
    assert mapped["_shape_field"] == ["patient_id", None]
    assert [json.loads(r)["NHS Number"] for r in mapped["_raw"]] == ["", pseudonym("9912003888")]
    assert not any(name in mapped for name in ("Surname", "Forename", "Address", "Free Text"))

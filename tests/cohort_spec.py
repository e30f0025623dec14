"""Helpers for the spec tests of the cohort library (`test_cohorts_library.py`), in the style of
ehrQL's spec tests: each test writes its rows as text tables, names real codes from the shipped
codelists by a short alias, runs a library cohort on DuckDB and on PostgreSQL, and compares
the output with values written by hand.

```
patient_id | birth_month | sex    | date_of_death
p1         | 1940-03-01  | female |
```

A table's first line names its columns (any of the data model's columns of that table; the
required ones must be there, except `hospital_spells.spell_id`, numbered when left out); each
further line is one row; an empty cell is a missing value; cells are parsed by the column's
declared type (dates as YYYY-MM-DD). In a code column (`snomed_code`, `dmd_code`) a cell may
be an alias of `CODES` instead of the code itself.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.parse
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from engines import PostgresSchema
from neighbourhood.cohorts.run import run_cohort
from neighbourhood.store.ddl import schema_sql
from neighbourhood.store.engines import open_duckdb, open_postgresql
from neighbourhood.store.model import load_data_model

MODEL = load_data_model()
TABLES = (
    "patients",
    "registrations",
    "clinical_events",
    "medications_issued",
    "care_home_residences",
    "hospital_spells",
    "org_memberships",
)
"""Every table a library cohort reads (the run adds registrations and org_memberships)."""

ARROW = {"text": pa.string(), "integer": pa.int64(), "decimal": pa.float64()}
ARROW |= {"date": pa.date32(), "boolean": pa.bool_()}
CODE_COLUMNS = {("clinical_events", "snomed_code"), ("medications_issued", "dmd_code")}


# ---- real codes, by alias ---------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """A code of a shipped codelist, with its term there. `also`: the other codelists read by
    the library that hold the same code (none unless listed; a test checks)."""

    codelist: str
    code: str
    term: str
    also: tuple[str, ...] = ()


def _efi(deficit: str, code: str, term: str) -> Code:
    return Code(f"gm-sde-efi-{deficit}", code, term)


CODES: dict[str, Code] = {
    # frailty severity (NHS Digital primary care domain refsets)
    "severe_frailty": Code(
        "nhsd-primary-care-domain-refsets-sevfrail_cod", "925861000000102", "Severe frailty"
    ),
    "moderate_frailty": Code(
        "nhsd-primary-care-domain-refsets-modfrail_cod", "925831000000107", "Moderate frailty"
    ),
    "mild_frailty": Code(
        "nhsd-primary-care-domain-refsets-mildfrail_cod", "925791000000100", "Mild frailty"
    ),
    # housebound (OpenSAFELY), falls (GM SDE, not an eFI code)
    "housebound": Code("opensafely-housebound", "138079003", "Housebound"),
    "no_longer_housebound": Code(
        "opensafely-no-longer-housebound", "760661000000106", "No longer housebound"
    ),
    "fall_from_wheelchair": Code("gm-sde-falls", "17886000", "Fall from wheelchair"),
    # care home residence (PRIMIS LONGRES)
    "old_peoples_home": Code(
        "primis-covid19-vacc-uptake-longres", "160737007", "Lives in an old peoples home"
    ),
    # learning disability, palliative care, SMR, social prescribing, dementia
    "learning_disability": Code(
        "nhsd-primary-care-domain-refsets-ld_cod", "10007009", "Coffin-Siris syndrome"
    ),
    "palliative_care": Code(
        "nhsd-primary-care-domain-refsets-palcare_cod", "103735009", "Palliative care"
    ),
    "end_of_life_plan": Code(
        "nhsd-primary-care-domain-refsets-palcare_cod",
        "1025611000000105",
        "End of life care plan offered",
    ),
    "smr": Code(
        "opensafely-structured-medication-review-nhs-england",
        "1239511000000100",
        "Structured medication review",
    ),
    "social_prescribing": Code(
        "gm-sde-social-care-prescribing-referral",
        "871731000000106",
        "Referral to social prescribing service",
    ),
    "physical_activity_referral": Code(
        "gm-sde-social-care-prescribing-referral",
        "390893007",
        "Referral to physical activity program (procedure)",
    ),
    "dementia": Code(
        "gm-sde-dementia", "10349009", "Multi-infarct dementia with delirium (disorder)"
    ),
    # lower GI urgent suspected cancer referrals, FIT
    "colorectal_referral": Code(
        "lower-gi-urgent-suspected-cancer-referral",
        "276401000000108",
        "Fast track referral for suspected colorectal cancer (procedure)",
    ),
    "lower_gi_referral": Code(
        "lower-gi-urgent-suspected-cancer-referral",
        "892201000000106",
        "Fast track referral for suspected lower gastrointestinal cancer (procedure)",
    ),
    "fit_test": Code(
        "nhsd-primary-care-domain-refsets-faecimm_cod",
        "1049361000000101",
        "Quantitative faecal immunochemical test",
    ),
    # the 35 coded eFI deficits (GM SDE code sets), one code each
    "activity_limitation": _efi(
        "activity-limitation", "160983005", "Attendance allowance (qualifier value)"
    ),
    "anaemia": _efi("anaemia", "84027009", "Pernicious anemia (disorder)"),
    "arthritis": _efi("arthritis", "161567008", "History of rheumatoid arthritis (situation)"),
    "atrial_fibrillation": _efi(
        "atrial-fibrillation", "134377004", "Atrial fibrillation monitoring (regime/therapy)"
    ),
    "care_requirement": _efi("care-requirement", "160774006", "Home help attends (finding)"),
    "chd": _efi("chd", "11101003", "Percutaneous transluminal coronary angioplasty (procedure)"),
    "ckd": _efi("ckd", "197654000", "Renal failure: [chronic] or [end stage] (disorder)"),
    "cognitive_problems": _efi(
        "cognitive-problems", "165280004", "Memory: own age not known (finding)"
    ),
    "diabetes": _efi("diabetes", "111552007", "Diabetes mellitus without complication (disorder)"),
    "dizziness": _efi("dizziness", "111541001", "Benign paroxysmal positional vertigo (disorder)"),
    "dyspnoea": _efi("dyspnoea", "161940008", "Breathless - mild exertion (finding)"),
    "accidental_fall": _efi("falls", "217082002", "Accidental fall (event)"),
    "foot_problems": _efi("foot-problems", "160779001", "Domiciliary chiropody (finding)"),
    "fragility_fracture": _efi("fragility-fracture", "123971006", "Colles' fracture (disorder)"),
    "hearing_loss": _efi("hearing-loss", "15188001", "Hearing loss (disorder)"),
    "heart_failure": _efi("heart-failure", "128404006", "Right heart failure (disorder)"),
    "heart_valve_disease": _efi(
        "heart-valve-disease", "409712001", "Mitral valve prolapse (disorder)"
    ),
    "home_visit": _efi("housebound", "185213002", "(Seen in own home) or (home visit) (finding)"),
    "hypertension": _efi("hypertension", "1201005", "Benign essential hypertension (disorder)"),
    "renovascular_hypertension": _efi(
        "hypertension", "123799005", "Renovascular hypertension (disorder)"
    ),
    "hypotension": _efi("hypotension", "195506001", "Idiopathic hypotension (disorder)"),
    "mobility_problems": _efi(
        "mobility-problems", "160681005", "Mobile outside with aid (finding)"
    ),
    "osteoporosis": _efi("osteoporosis", "102447009", "Postmenopausal osteoporosis (disorder)"),
    "parkinsons": _efi("parkinsons", "163672003", "On examination - Parkinsonian tremor (finding)"),
    "peptic_ulcer": _efi(
        "peptic-ulcer", "12274003", "Acute peptic ulcer with hemorrhage (disorder)"
    ),
    "pvd": _efi("pvd", "163109009", "On examination - right dorsalis pedis pulse absent (finding)"),
    "respiratory_disease": _efi(
        "respiratory-disease",
        "1064821000000109",
        "Life threatening acute exacerbation of asthma (disorder)",
    ),
    "skin_ulcer": _efi("skin-ulcer", "161563007", "History of chronic skin ulcer (situation)"),
    "sleep_disturbance": _efi("sleep-disturbance", "162201008", "Insomnia (& C/O) (finding)"),
    "social_vulnerability": _efi("social-vulnerability", "105529008", "Lives alone (finding)"),
    "stroke_tia": _efi("stroke-tia", "111298007", "Chronic cerebral ischemia (disorder)"),
    "thyroid_disorders": _efi(
        "thyroid-disorders", "111566002", "Acquired hypothyroidism (disorder)"
    ),
    "urinary_incontinence": _efi(
        "urinary-incontinence", "165232002", "Urinary incontinence (finding)"
    ),
    "urinary_system_disease": _efi("urinary-system-disease", "11441004", "Prostatism (disorder)"),
    "vision_problems": _efi("vision-problems", "10810001", "Disorder of lens (disorder)"),
    "weight_loss": _efi("weight-loss", "161832001", "Weight decreasing (finding)"),
    # potentially addictive medicines (dm+d)
    "morphine_mr_15mg": Code(
        "gm-sde-opioids", "36126811000001109", "Morphine 15mg modified-release tablets (product)"
    ),
    "zopiclone_7_5mg": Code(
        "opensafely-addictive-medicines", "10418811000001108", "Zopiclone 7.5mg tablets"
    ),
    "nitrazepam_5mg": Code(
        "gm-sde-benzodiazepines", "1004511000001101", "Nitrazepam 5mg tablets 28 tablet (product)"
    ),
    "gabapentin_600mg": Code(
        "opensafely-addictive-medicines",
        "10168211000001107",
        "Gabapentin 600mg tablets",
        also=("gm-sde-gabapentinoid",),
    ),
    # other medicines (dm+d), in none of the addictive medicines lists
    "omeprazole_10mg": Code(
        "gm-sde-proton-pump-inhibitors",
        "42356211000001101",
        "Omeprazole 10mg gastro-resistant capsules",
    ),
    "lansoprazole_15mg": Code(
        "gm-sde-proton-pump-inhibitors",
        "42354511000001109",
        "Lansoprazole 15mg gastro-resistant capsules",
    ),
    "lansoprazole_30mg": Code(
        "gm-sde-proton-pump-inhibitors",
        "42354611000001108",
        "Lansoprazole 30mg gastro-resistant capsules",
    ),
    "esomeprazole_20mg": Code(
        "gm-sde-proton-pump-inhibitors",
        "42353711000001101",
        "Esomeprazole 20mg gastro-resistant tablets",
    ),
    "esomeprazole_40mg": Code(
        "gm-sde-proton-pump-inhibitors",
        "42353811000001109",
        "Esomeprazole 40mg gastro-resistant tablets",
    ),
    "ibuprofen_400mg": Code("gm-sde-nsaids", "10774611000001104", "Ibuprofen 400mg capsules"),
    "dicycloverine_10mg": Code(
        "gm-sde-anticholinergic-medications", "317109009", "Dicycloverine 10mg tablets"
    ),
    "dicycloverine_20mg": Code(
        "gm-sde-anticholinergic-medications", "317108001", "Dicycloverine 20mg tablets"
    ),
    "chlorphenamine_4mg": Code(
        "gm-sde-anticholinergic-medications", "320697002", "Chlorphenamine 4mg tablets"
    ),
    "atropine_600mcg": Code(
        "gm-sde-anticholinergic-medications", "317084000", "Atropine 600microgram tablets"
    ),
    # codes of the codelists the IIF indicator definitions read (test_indicators_spec.py)
    "flu_vaccination_other_provider": Code(
        "nhsd-primary-care-domain-refsets-flu_cod",
        "955651000000100",
        "Seasonal influenza vaccination given by other healthcare provider",
    ),
    "flu_vaccination_pharmacist": Code(
        "nhsd-primary-care-domain-refsets-flu_cod",
        "955691000000108",
        "Seasonal influenza vaccination given by pharmacist",
    ),
    "flu_intranasal_first": Code(
        "nhsd-primary-care-domain-refsets-flu_cod",
        "884861000000100",
        "Administration of first intranasal seasonal influenza vaccination",
    ),
    "ethnicity_english": Code(
        "nhsd-primary-care-domain-refsets-ethnall_cod",
        "110761000000106",
        "English - ethnic category 2001 census",
    ),
    "ethnicity_not_stated": Code(
        "nhsd-primary-care-domain-refsets-ethnall_cod", "1024701000000100", "Ethnicity not stated"
    ),
    "ethnicity_refused": Code(
        "nhsd-primary-care-domain-refsets-ethnall_cod",
        "312860002",
        "Ethnic group not given - patient refused",
    ),
    "care_home_visit": Code(
        "nhsd-primary-care-domain-refsets-carehome_cod", "889311000000109", "Care home visit"
    ),
    "permanent_nursing_home_care": Code(
        "nhsd-primary-care-domain-refsets-carehome_cod",
        "193231000000103",
        "Provision of permanent nursing home care",
    ),
    "partial_trisomy_21": Code(
        "nhsd-primary-care-domain-refsets-ld_cod",
        "254264002",
        "Partial trisomy 21 in Down's syndrome",
    ),
    # PINCER medicines (dm+d)
    "aspirin_75mg_dispersible": Code(
        "pincer-aspirin", "319773006", "Aspirin 75mg dispersible tablets"
    ),
    "clopidogrel_75mg": Code("pincer-non-asp-antiplate", "319799004", "Clopidogrel 75mg tablets"),
    "prasugrel_10mg": Code("pincer-non-asp-antiplate", "443469008", "Prasugrel 10mg tablets"),
    "ticagrelor_90mg": Code("pincer-non-asp-antiplate", "704465002", "Ticagrelor 90mg tablets"),
    "apixaban_5mg": Code("pincer-anticoag", "703908001", "Apixaban 5mg tablets"),
    "warfarin_1mg": Code("pincer-anticoag", "319733000", "Warfarin 1mg tablets"),
    "naproxen_500mg": Code("gm-sde-nsaids", "329807003", "Naproxen 500mg tablets"),
}


# ---- tables as text ---------------------------------------------------------------------


def _cell(table: str, column: str, kind: str, text: str) -> Any:
    if text == "":
        return None
    if (table, column) in CODE_COLUMNS:
        if text in CODES:
            return CODES[text].code
        if not text.isdigit():  # a mistyped alias would match nothing, silently
            raise ValueError(f"{table}.{column}: {text!r} is neither a code nor an alias")
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "integer":
        return int(text)
    if kind == "decimal":
        return float(text)
    if kind == "boolean":
        return {"true": True, "false": False}[text]
    return text


def table(name: str, text: str) -> list[dict[str, Any]]:
    """The rows of a table written as text (see the module doc)."""
    declared = {c.name: c for c in MODEL.table(name).columns}
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    header = [cell.strip() for cell in lines[0].split("|")]
    unknown = [c for c in header if c not in declared]
    if unknown:
        raise ValueError(f"{name}: no column {', '.join(unknown)}; columns: {', '.join(declared)}")
    numbered = name == "hospital_spells" and "spell_id" not in header
    missing = [
        c.name
        for c in declared.values()
        if c.required and c.name not in header and not (numbered and c.name == "spell_id")
    ]
    if missing:
        raise ValueError(f"{name}: the required columns {', '.join(missing)} are not given")
    rows = []
    for number, line in enumerate(lines[1:], start=1):
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) != len(header):
            raise ValueError(f"{name}: row {number} has {len(cells)} cells, not {len(header)}")
        row: dict[str, Any] = dict.fromkeys(declared)
        for column, cell in zip(header, cells, strict=True):
            row[column] = _cell(name, column, declared[column].type, cell)
        if numbered:
            row["spell_id"] = f"s{number}"
        rows.append(row)
    return rows


def arrow_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    columns = MODEL.table(name).columns
    schema = pa.schema([(c.name, ARROW[c.type]) for c in columns])
    return pa.Table.from_pylist([{c.name: r.get(c.name) for c in columns} for r in rows], schema)


# ---- the engines ------------------------------------------------------------------------


class DuckDBStore:
    """An in-memory DuckDB store with the data model's schema; `load` replaces every row."""

    name = "duckdb"

    def __init__(self) -> None:
        self.engine = open_duckdb(":memory:")
        self.engine.backend.raw_sql(schema_sql(MODEL, "duckdb"))

    def load(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        con = self.engine.backend.con
        for name in TABLES:
            con.execute(f'DELETE FROM "{name}"')
            rows = tables.get(name, [])
            if rows:
                con.register("incoming", arrow_table(name, rows))
                con.execute(f'INSERT INTO "{name}" SELECT * FROM incoming')
                con.unregister("incoming")

    def close(self) -> None:
        self.engine.close()


class PostgresStore:
    """A schema of its own on the test server, with the data model's PostgreSQL schema, and an
    engine whose search path is that schema; `load` empties every table and copies the rows
    in; the schema is dropped at `close`."""

    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self.schema = PostgresSchema(server_url, "cohort_spec")
        self.engine = open_postgresql(_with_search_path(server_url, self.schema.name))

    def load(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        self.schema.fill(tables, TABLES)

    def close(self) -> None:
        self.engine.close()
        self.schema.drop()


def _with_search_path(url: str, schema: str) -> str:
    """The URL with `-c search_path=schema` added to its libpq options."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    options = " ".join([v for k, v in query if k == "options"] + [f"-c search_path={schema}"])
    query = [(k, v) for k, v in query if k != "options"] + [("options", options)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


# ---- running and comparing --------------------------------------------------------------


def _typed(value: Any) -> tuple[str, Any]:
    """A value to compare, with its type: True is not 1; floats equal to 9 decimal places."""
    if isinstance(value, float) and math.isfinite(value):
        return ("float", round(value, 9))
    return (type(value).__name__, value)


def results(
    store: DuckDBStore | PostgresStore,
    cohort_id: str,
    at: dt.date,
    columns: tuple[str, ...],
    pcn: str | None = None,
) -> dict[str, tuple]:
    """The cohort's patients on the date: {patient_id: (value of each column, ...)}, in the
    order of the run's records."""
    run = run_cohort(store.engine, cohort_id, at, pcn=pcn)
    return {row["patient_id"]: tuple(row[c] for c in columns) for row in run.records()}


def assert_results(found: dict[str, tuple], expected: dict[str, tuple], engine: str) -> None:
    """Same patients, and the same values of the same types (an int where an int is expected,
    a float equal to 9 decimal places)."""
    problems = []
    if sorted(found) != sorted(expected):
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        problems.append(f"patients: missing {missing}, not expected {extra}")
    for patient in sorted(set(found) & set(expected)):
        want, got = expected[patient], found[patient]
        if [_typed(v) for v in want] != [_typed(v) for v in got]:
            problems.append(f"{patient}: expected {want!r}, found {got!r}")
    assert not problems, f"{engine}:\n" + "\n".join(problems)

"""NHS Digital "Patients Registered at a GP Practice" → practice_list_sizes.

Three layouts of the same publication are accepted (columns matched by name, any order):

    totals        PUBLICATION, EXTRACT_DATE, TYPE, CCG_CODE | SUB_ICB_LOCATION_CODE,
                  ONS_CCG_CODE | ONS_SUB_ICB_LOCATION_CODE, CODE, POSTCODE, SEX, AGE,
                  NUMBER_OF_PATIENTS                    (gp-reg-pat-prac-all.csv)
    quinary age   ... ORG_CODE, POSTCODE, SEX, AGE_GROUP_5, NUMBER_OF_PATIENTS
                                                         (gp-reg-pat-prac-quin-age.csv)
    single age    ... ORG_CODE, POSTCODE, SEX, AGE, NUMBER_OF_PATIENTS
                                                         (gp-reg-pat-prac-sing-age-*.csv)

TYPE (or ORG_TYPE) other than GP is skipped (those rows are commissioner or regional totals).
EXTRACT_DATE `01JAN2021` or `2021-01-01` → 2021-01-01; SEX ALL/MALE/FEMALE → all/male/female;
the age band is kept as published (ALL, 0_4 … 95+, 0 … 95+).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neighbourhood.checksums import sha256_of
from neighbourhood.records import LoadError
from neighbourhood.reference.common import (
    LINE,
    Parsed,
    frame_of,
    read_csv_rows,
    reject,
    text,
)

CODE_COLUMNS = ("CODE", "ORG_CODE")
AGE_COLUMNS = ("AGE_GROUP_5", "AGE")
TYPE_COLUMNS = ("TYPE", "ORG_TYPE")
REQUIRED = ("EXTRACT_DATE", "SEX", "NUMBER_OF_PATIENTS")


def is_list_size_header(header: list[str]) -> bool:
    names = {h.upper() for h in header}
    return (
        set(REQUIRED) <= names
        and any(c in names for c in CODE_COLUMNS)
        and any(c in names for c in AGE_COLUMNS)
    )


def _first(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    upper = {c.upper(): c for c in frame.columns}
    return next((upper[c] for c in candidates if c in upper), None)


def _extract_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    given = text(values)
    published = pd.to_datetime(given.str.upper(), format="%d%b%Y", errors="coerce")
    iso = pd.to_datetime(given, format="%Y-%m-%d", errors="coerce")
    parsed = published.fillna(iso)
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None), given.notna() & parsed.isna()


def read(path: Path) -> Parsed:
    header, rows, lines = read_csv_rows(path)
    if not is_list_size_header(header):
        raise LoadError(f"{path}: line 1: not a Patients Registered at a GP Practice header")
    parsed = Parsed(path, sha256_of(path), "list_sizes")
    frame = frame_of(header, rows, lines)
    kind = _first(frame, TYPE_COLUMNS)
    if kind is not None:
        org_type = text(frame[kind]).fillna("").str.upper()
        other = (org_type != "GP") & frame["_shape"].isna()
        for value, count in org_type[other].value_counts().items():
            parsed.skip(f"{kind} {value or '(empty)'}: not a GP practice row", count)
        frame = frame[~other].copy()
    upper = {c.upper(): c for c in frame.columns}
    dates, bad = _extract_dates(frame[upper["EXTRACT_DATE"]])
    reason = "'" + text(frame[upper["EXTRACT_DATE"]]).fillna("") + "' is not a date like 01JAN2021"
    reject(frame, bad, "EXTRACT_DATE", reason)
    sizes = pd.DataFrame(
        {
            "practice_code": text(frame[_first(frame, CODE_COLUMNS)]),
            "extract_date": dates,
            "sex": text(frame[upper["SEX"]]).str.lower(),
            "age_band": text(frame[_first(frame, AGE_COLUMNS)]).str.upper(),
            "patients": text(frame[upper["NUMBER_OF_PATIENTS"]]),
        }
    )
    parsed.add(
        "practice_list_sizes",
        pd.concat([sizes, frame[[LINE, "_raw", "_shape", "_shape_field"]]], axis=1),
    )
    return parsed

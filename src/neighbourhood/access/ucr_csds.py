"""Loading CSDS-shaped extracts: CYP101 referrals, CYP104 response clocks, CYP201 contacts.

Each file is mapped onto a data-model table and loaded through `records.load_batches`, so it
gets the same checks, quarantine (file, line, field, reason, raw row), key handling, load_log
and single transaction as any extract: all or nothing. The columns accepted are in
`COLUMNS` (README.md, "CSDS extracts"); a header is matched ignoring case, spaces and
underscores. A file is recognised by `CYP101`, `CYP104` or `CYP201` in its name.

Dates are YYYY-MM-DD and times HH:MM or HH:MM:SS, Europe/London wall-clock time, stored as UTC.
A time that the October change makes happen twice is taken as the first (BST) one; a time
the March change skips (01:00 to 01:59) is rejected.

Codes (NHS Data Model and Dictionary, see ucr-clocks.md):

- SERVICE OR TEAM TYPE REFERRED TO FOR COMMUNITY CARE [S8]: 51 -> urgent_community_response,
  52 -> reablement, 53 and 54 -> intermediate_care, any other -> other.
- WAITING TIME MEASUREMENT TYPE [S1]: 05 ucr_2_hour, 06 intermediate_care_2_day, 07
  ucr_not_2_hour, 08 intermediate_care_other; 01, 02 and 09 are not response clocks
  (rejected). The referral's `clock` is 2_hour when it has a valid 05 row, else 2_day with a
  06 row, else none.
- ATTENDANCE STATUS [S9]: 5 and 6 attended; 3 and 7 did_not_attend; 2 and 4 cancelled; 0 (an
  appointment in the future) is rejected, as not a contact.
- CONSULTATION MECHANISM (COMMUNITY CARE) [S10][S25]: 01 face_to_face, 02 telephone, 11 video,
  any other code other; empty stays empty.
- SOURCE OF REFERRAL: the national code list was not found in our sources, so no code
  mapping is shipped. The column takes the platform's group (`ambulance_999`, `nhs_111`,
  `clinical_assessment_service`, `care_home`, `gp`, `self_or_carer`, `hospital`, `other`) or
  a code of the `source_codes` mapping the caller gives (code -> group).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from neighbourhood.checksums import sha256_of
from neighbourhood.progress import SILENT, Progress
from neighbourhood.records import LoadError, load_batches
from neighbourhood.records.report import LoadReport
from neighbourhood.reference.common import (
    Parsed,
    frame_of,
    read_csv_rows,
    reject,
    text,
    to_batch,
)
from neighbourhood.store.model import load_data_model

__all__ = ["COLUMNS", "load_csds", "read_source_codes"]

LONDON = ZoneInfo("Europe/London")

COLUMNS: dict[str, dict[str, bool]] = {  # table -> column -> required
    "CYP101": {
        "ServiceRequestId": True, "LocalPatientId": True, "TeamIdLocal": True,
        "ServTeamTypeRefToCommunity": True, "SourceOfReferralCommunity": True,
        "ReferralRequestReceivedDate": True, "ReferralRequestReceivedTime": True,
    },
    "CYP104": {
        "ServiceRequestId": True, "WaitTimeMeasureType": True,
        "ReferToTreatPeriodStartDate": True, "ReferToTreatPeriodStartTime": True,
        "ReferToTreatPeriodEndDate": False, "ReferToTreatPeriodEndTime": False,
    },
    "CYP201": {
        "CareContactId": True, "ServiceRequestId": True, "CareContDate": True,
        "CareContTime": True, "AttendanceStatus": True, "ConsMechanismCommunity": False,
    },
}  # fmt: skip
TARGET = {"CYP101": "community_referrals", "CYP104": "response_clocks", "CYP201": "care_contacts"}
TEAM_TYPES = {"51": "urgent_community_response", "52": "reablement",
              "53": "intermediate_care", "54": "intermediate_care"}  # fmt: skip
MEASUREMENT_TYPES = {"05": "ucr_2_hour", "06": "intermediate_care_2_day",
                     "07": "ucr_not_2_hour", "08": "intermediate_care_other"}  # fmt: skip
ATTENDANCE = {"5": "attended", "6": "attended", "3": "did_not_attend", "7": "did_not_attend",
              "2": "cancelled", "4": "cancelled"}  # fmt: skip
MECHANISMS = {"01": "face_to_face", "02": "telephone", "11": "video"}
SOURCE_GROUPS = ("ambulance_999", "nhs_111", "clinical_assessment_service", "care_home", "gp",
                 "self_or_carer", "hospital", "other")  # fmt: skip
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")


def _kind(path: Path) -> str:
    found = [k for k in COLUMNS if k in path.name.upper()]
    if len(found) != 1:
        raise LoadError(
            f"{path}: the name must say which CSDS table it is: CYP101, CYP104 or CYP201"
        )
    return found[0]


def _squash(name: str) -> str:
    return re.sub(r"[\s_]", "", name).lower()


def _header(path: Path, kind: str, names: list[str]) -> dict[str, str]:
    """Given header -> accepted column name; raises when a required one is missing."""
    accepted = {_squash(c): c for c in COLUMNS[kind]}
    found, problems = {}, []
    for name in names:
        column = accepted.get(_squash(name))
        if column is None:
            problems.append(f"unknown column {name!r}")
        elif column in found.values():
            problems.append(f"column {column} given twice")
        else:
            found[name] = column
    missing = [c for c, required in COLUMNS[kind].items() if required and c not in found.values()]
    problems += [f"required column {c} missing" for c in missing]
    if problems:
        raise LoadError(
            f"{path}: line 1: {'; '.join(problems)} (accepted: {', '.join(COLUMNS[kind])})"
        )
    return found


def _instant(date: str | None, time: str | None) -> tuple[str | None, str | None]:
    """(UTC ISO instant, None) or (None, reason), from London date and time text; (None,
    None) when neither is given."""
    date = date if isinstance(date, str) else None
    time = time if isinstance(time, str) else None
    if date is None and time is None:
        return None, None
    try:
        day = dt.date.fromisoformat(date or "")
    except ValueError:
        return None, f"'{date}' is not a valid date (expected YYYY-MM-DD)"
    if not TIME.match(time or ""):
        return None, f"'{time}' is not a valid time (expected HH:MM or HH:MM:SS)"
    clock = dt.time.fromisoformat(time)
    wall = dt.datetime.combine(day, clock, tzinfo=LONDON)  # fold=0: the first of a repeated hour
    there_and_back = wall.astimezone(dt.UTC).astimezone(LONDON)
    if there_and_back.replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None, f"{day} {time} does not exist in Europe/London (the clocks went forward)"
    return wall.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), None


def _instants(frame: pd.DataFrame, date: str, time: str, out: str) -> None:
    pairs = [_instant(d, t) for d, t in zip(text(frame[date]), text(frame[time]), strict=True)]
    frame[out] = [p[0] for p in pairs]
    reasons = pd.Series([p[1] for p in pairs], index=frame.index, dtype=object)
    given = text(frame[date]).notna() | text(frame[time]).notna()
    reject(frame, given & reasons.notna(), date, reasons)


def _coded(frame: pd.DataFrame, column: str, codes: Mapping[str, str], field: str,
           *, other: str | None = None, rejected: str = "") -> None:  # fmt: skip
    values = text(frame[column])
    mapped = values.map(lambda v: codes.get(v, other) if v is not None else None)
    bad = values.notna() & mapped.isna()
    allowed = ", ".join(codes)
    reject(frame, bad, column, "'" + values.fillna("") + f"' is not one of: {allowed}{rejected}")
    frame[field] = mapped


def _read(path: Path, kind: str) -> tuple[Parsed, pd.DataFrame]:
    names, rows, lines = read_csv_rows(path)
    header = _header(path, kind, names)
    frame = frame_of(names, rows, lines).rename(columns=header)
    for column in COLUMNS[kind]:
        if column not in frame:
            frame[column] = None
    return Parsed(path, sha256_of(path), "csv"), frame


def _referrals(frame: pd.DataFrame, clocks: dict[str, str],
               source_codes: Mapping[str, str]) -> pd.DataFrame:  # fmt: skip
    frame["referral_id"] = text(frame["ServiceRequestId"])
    frame["patient_id"] = text(frame["LocalPatientId"])
    frame["team_code"] = text(frame["TeamIdLocal"])
    _coded(frame, "ServTeamTypeRefToCommunity", TEAM_TYPES, "service", other="other")
    groups = {g: g for g in SOURCE_GROUPS} | dict(source_codes)
    _coded(frame, "SourceOfReferralCommunity", groups, "referral_source",
           rejected=" (or a code of the source code mapping)")  # fmt: skip
    _instants(frame, "ReferralRequestReceivedDate", "ReferralRequestReceivedTime",
              "received_at")  # fmt: skip
    frame["clock"] = frame["referral_id"].map(lambda r: clocks.get(r, "none"))
    return frame


def _clocks(frame: pd.DataFrame) -> pd.DataFrame:
    frame["referral_id"] = text(frame["ServiceRequestId"])
    _coded(frame, "WaitTimeMeasureType", MEASUREMENT_TYPES, "measurement_type",
           rejected=" (01, 02 and 09 are not response clocks)")  # fmt: skip
    _instants(frame, "ReferToTreatPeriodStartDate", "ReferToTreatPeriodStartTime",
              "started_at")  # fmt: skip
    _instants(frame, "ReferToTreatPeriodEndDate", "ReferToTreatPeriodEndTime",
              "ended_at")  # fmt: skip
    return frame


def _contacts(frame: pd.DataFrame) -> pd.DataFrame:
    frame["contact_id"] = text(frame["CareContactId"])
    frame["referral_id"] = text(frame["ServiceRequestId"])
    _instants(frame, "CareContDate", "CareContTime", "contact_at")
    _coded(frame, "AttendanceStatus", ATTENDANCE, "outcome",
           rejected=" (0 is an appointment in the future, not a contact)")  # fmt: skip
    _coded(frame, "ConsMechanismCommunity", MECHANISMS, "consultation_mechanism", other="other")
    return frame


def _clock_of_referrals(frame: pd.DataFrame) -> dict[str, str]:
    """referral id -> 2_hour / 2_day from the CYP104 rows whose measurement type is valid."""
    types = text(frame["WaitTimeMeasureType"])
    ids = text(frame["ServiceRequestId"])
    rank = {"05": ("2_hour", 0), "06": ("2_day", 1)}
    best: dict[str, tuple[str, int]] = {}
    for rid, code in zip(ids, types, strict=True):
        if rid is None or code not in rank:
            continue
        if rid not in best or rank[code][1] < best[rid][1]:
            best[rid] = rank[code]
    return {rid: clock for rid, (clock, _) in best.items()}


def read_source_codes(path: Path) -> dict[str, str]:
    """A CSV of `code,group` rows (the caller's SOURCE OF REFERRAL codes) as code -> group."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["code"].strip(): row["group"].strip() for row in csv.DictReader(handle)}


def load_csds(
    con,
    paths: Sequence[str | Path],
    *,
    source_codes: Mapping[str, str] | None = None,
    progress: Progress = SILENT,
    now: dt.datetime | None = None,
) -> LoadReport:
    """Load CSDS CYP101 / CYP104 / CYP201 CSV files (or folders of them), all or nothing.

    Raises LoadError, with the store unchanged, when a file cannot be used at all (unknown
    kind, header problems, not UTF-8 CSV).
    """
    files: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            files += sorted(
                p for p in given.glob("*.csv") if any(k in p.name.upper() for k in COLUMNS)
            )
        elif given.is_file():
            files.append(given)
        else:
            raise LoadError(f"{given}: no such file or folder")
    if not files:
        raise LoadError("no CSDS files (names with CYP101, CYP104 or CYP201) found")
    bad_groups = {k: v for k, v in (source_codes or {}).items() if v not in SOURCE_GROUPS}
    if bad_groups:
        raise LoadError(
            f"source code mapping: unknown groups {bad_groups} (use {', '.join(SOURCE_GROUPS)})"
        )
    read = [(path, kind, *_read(path, kind)) for path in files for kind in [_kind(path)]]
    clocks: dict[str, str] = {}
    for _, kind, _, frame in read:
        if kind == "CYP104":
            clocks |= _clock_of_referrals(frame)
    model = load_data_model()
    batches = []
    for _path, kind, parsed, frame in read:
        if kind == "CYP101":
            mapped = _referrals(frame, clocks, source_codes or {})
        elif kind == "CYP104":
            mapped = _clocks(frame)
        else:
            mapped = _contacts(frame)
        table = model.table(TARGET[kind])
        keep = [c for c in mapped.columns if c in table.column_names or c.startswith("_")]
        parsed.add(table.name, mapped[keep])
        batches.append(to_batch(table.name, parsed))
    return load_batches(con, batches, progress=progress, now=now)

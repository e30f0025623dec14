"""ODS `epraccur` (headerless, 27 positional columns) → GP practices and their sub-ICB.

Only rows with prescribing setting 4 (GP practice) are practices; the others are counted as
skipped. Welsh rows (national grouping W00 / high level health geography Q99) are skipped:
NHS England's PCNs, ICBs and regions do not cover Wales. Column numbers are 1-based, as in the
ODS specification (https://digital.nhs.uk/services/organisation-data-service/export-data-files/csv-downloads/gp-and-gp-practice-related-data).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neighbourhood.checksums import sha256_of
from neighbourhood.reference.common import (
    LINE,
    Parsed,
    bad_date_reasons,
    frame_of,
    iso_dates,
    read_csv_rows,
    reject,
    text,
)

FIELDS = (
    "Organisation Code", "Name", "National Grouping", "High Level Health Geography",
    "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4", "Address Line 5",
    "Postcode", "Open Date", "Close Date", "Status Code", "Organisation Sub-Type Code",
    "Commissioner", "Join Provider/Purchaser Date", "Left Provider/Purchaser Date",
    "Contact Telephone Number", "Null 19", "Null 20", "Null 21", "Amended Record Indicator",
    "Null 23", "Provider/Purchaser", "Null 25", "Prescribing Setting", "Null 27",
)  # fmt: skip
GP_PRACTICE = "4"
STATUSES = {"A": "active", "C": "closed", "D": "dormant", "P": "proposed"}
WALES_GROUPING, WALES_GEOGRAPHY = "W00", "Q99"


def _col(n: int) -> str:
    return FIELDS[n - 1]


def _label(n: int) -> str:
    return f"{_col(n)} (column {n})"


def read(path: Path) -> tuple[Parsed, pd.DataFrame]:
    """The practices of one epraccur file, and the current hierarchy rows it implies.

    The second frame has one row per current (not closed) English practice: sub_icb_code,
    icb_code, region_code, join_date, `_line` — load.py turns it into sub-ICB / ICB / region
    organisations and memberships, named from ePCN when it is loaded too.
    """
    _, rows, lines = read_csv_rows(path, header=False)
    parsed = Parsed(path, sha256_of(path), "epraccur")
    frame = frame_of(FIELDS, rows, lines)
    setting = text(frame[_col(26)]).fillna("")
    wrong_width = frame["_shape"].notna()
    not_gp = ~wrong_width & (setting != GP_PRACTICE)
    for value, count in setting[not_gp].value_counts().items():
        parsed.skip(
            f"prescribing setting {value or '(empty)'}: not a GP practice (setting 4)", count
        )
    wales = (
        ~wrong_width
        & ~not_gp
        & ((text(frame[_col(3)]) == WALES_GROUPING) | (text(frame[_col(4)]) == WALES_GEOGRAPHY))
    )
    parsed.skip("in Wales (national grouping W00 / Q99): outside NHS England's PCNs", wales.sum())
    gp = frame[~not_gp & ~wales].copy()

    status = text(gp[_col(13)])
    open_date, bad_open = iso_dates(gp[_col(11)])
    close_date, bad_close = iso_dates(gp[_col(12)])
    join_date, bad_join = iso_dates(gp[_col(16)])
    left_date, bad_left = iso_dates(gp[_col(17)])
    reject(gp, bad_open, _col(11), bad_date_reasons(gp[_col(11)], _label(11)))
    reject(gp, bad_close, _col(12), bad_date_reasons(gp[_col(12)], _label(12)))
    reject(gp, bad_join, _col(16), bad_date_reasons(gp[_col(16)], _label(16)))
    reject(gp, bad_left, _col(17), bad_date_reasons(gp[_col(17)], _label(17)))
    unknown = ~status.isin(list(STATUSES))
    reject(gp, unknown, _col(13), "status '" + status.fillna("") + "' is not one of A, C, D, P")
    closed_open_ended = (status == "C") & close_date.isna()
    reject(
        gp, closed_open_ended, _col(12), pd.Series("status C (closed) but no close date", gp.index)
    )

    practices = pd.DataFrame(
        {
            "org_code": text(gp[_col(1)]),
            "org_type": "practice",
            "name": text(gp[_col(2)]),
            "postcode": text(gp[_col(10)]),
            "open_date": open_date,
            "close_date": close_date,
        },
        index=gp.index,
    )
    meta = gp[[LINE, "_raw", "_shape", "_shape_field"]]
    parsed.add("organisations", pd.concat([practices, meta], axis=1))
    memberships = pd.DataFrame(
        {
            "child_code": practices["org_code"],
            "parent_code": text(gp[_col(15)]),
            "relationship": "practice_in_sub_icb",
            "valid_from": join_date.fillna(open_date),
            "valid_to": left_date,
        },
        index=gp.index,
    )
    parsed.add("org_memberships", pd.concat([memberships, meta], axis=1))
    good = gp["_shape"].isna() & (status != "C")
    current = pd.DataFrame(
        {
            "sub_icb_code": text(gp[_col(15)]),
            "icb_code": text(gp[_col(4)]),
            "region_code": text(gp[_col(3)]),
            "join_date": join_date.fillna(open_date),
            LINE: gp[LINE],
        }
    )[good]
    closed = gp["_shape"].isna() & (status == "C")
    former = pd.DataFrame({"sub_icb_code": text(gp[_col(15)]), LINE: gp[LINE]})[closed]
    hierarchy = pd.concat(
        [current.assign(current=True), former.assign(current=False)], ignore_index=True
    )
    return parsed, hierarchy.sort_values(LINE, kind="stable")

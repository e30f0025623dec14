"""NHS ODS ePCN: PCN details and practice-to-PCN memberships (CSV exports of ePCN.xlsx)."""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file


def _dates(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], format="%Y%m%d", errors="coerce")
    return frame


@cache
def read_pcn_details() -> pd.DataFrame:
    """One row per PCN: pcn_code, pcn_name, sub_icb_code, sub_icb_name, dates, postcode."""
    raw = pd.read_csv(data_file("epcn", "ePCN_PCNDetails.csv"), dtype=str, keep_default_na=False)
    frame = raw.rename(
        columns={
            "PCN Code": "pcn_code",
            "PCN Name": "pcn_name",
            "Current Sub ICB Loc Code": "sub_icb_code",
            "Sub ICB Location": "sub_icb_name",
            "Open Date": "open_date",
            "Close Date": "close_date",
            "Postcode": "postcode",
        }
    )[
        [
            "pcn_code",
            "pcn_name",
            "sub_icb_code",
            "sub_icb_name",
            "open_date",
            "close_date",
            "postcode",
        ]
    ]
    return _dates(frame, ("open_date", "close_date"))


@cache
def read_pcn_core_partners() -> pd.DataFrame:
    """One row per practice-PCN relationship, with start and (for past ones) end dates."""
    raw = pd.read_csv(
        data_file("epcn", "ePCN_CorePartnerDetails.csv"), dtype=str, keep_default_na=False
    )
    frame = raw.rename(
        columns={
            "Partner Organisation Code": "practice_code",
            "Partner Name": "practice_name",
            "Practice Parent Sub ICB Loc Code": "practice_sub_icb_code",
            "PCN Code": "pcn_code",
            "PCN Name": "pcn_name",
            "PCN Parent Sub ICB Loc Code": "pcn_sub_icb_code",
            "Practice to PCN Relationship Start Date": "start_date",
            "Practice to PCN Relationship End Date": "end_date",
        }
    )[
        [
            "practice_code",
            "practice_name",
            "practice_sub_icb_code",
            "pcn_code",
            "pcn_name",
            "pcn_sub_icb_code",
            "start_date",
            "end_date",
        ]
    ]
    return _dates(frame, ("start_date", "end_date"))

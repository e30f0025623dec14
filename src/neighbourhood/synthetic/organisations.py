"""Rows of organisations, org_memberships and care_homes for the ICB footprint."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from neighbourhood.synthetic.footprint import Footprint

ICB_ESTABLISHED = date(2022, 7, 1)  # Health and Care Act 2022: ICBs and sub-ICB locations
CARE_HOME_DES_START = date(2020, 10, 1)  # Network Contract DES Enhanced Health in Care Homes
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
ORGANISATION_COLUMNS = ["org_code", "org_type", "name", "postcode", "open_date", "close_date"]
MEMBERSHIP_COLUMNS = ["child_code", "parent_code", "relationship", "valid_from", "valid_to"]


def _postcode(value: object) -> object:
    text = str(value or "").strip().upper()
    return text if _POSTCODE.match(text) else None


def _day(value: object) -> object:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def organisation_rows(footprint: Footprint, homes_used: pd.DataFrame) -> pd.DataFrame:
    rows = [
        (
            footprint.region_code,
            "region",
            f"NHS ENGLAND {footprint.region_name.upper()}",
            None,
            None,
            None,
        ),
        (footprint.icb_code, "icb", footprint.icb_name, None, ICB_ESTABLISHED, None),
    ]
    rows += [
        (r.sub_icb_code, "sub_icb", r.sub_icb_name, None, ICB_ESTABLISHED, None)
        for r in footprint.sub_icbs.itertuples()
    ]
    rows += [
        (r.pcn_code, "pcn", r.pcn_name, _postcode(r.postcode), _day(r.open_date), None)
        for r in footprint.pcns.itertuples()
    ]
    rows += [
        (
            r.practice_code,
            "practice",
            r.practice_name,
            _postcode(r.postcode),
            _day(r.open_date),
            None,
        )
        for r in footprint.practices.itertuples()
    ]
    rows += [
        (r.location_id, "care_home", r.name, _postcode(r.postcode), None, None)
        for r in homes_used.itertuples()
    ]
    return pd.DataFrame(rows, columns=ORGANISATION_COLUMNS)


def membership_rows(footprint: Footprint, homes_used: pd.DataFrame) -> pd.DataFrame:
    rows = [(footprint.icb_code, footprint.region_code, "icb_in_region", ICB_ESTABLISHED, None)]
    rows += [
        (code, footprint.icb_code, "sub_icb_in_icb", ICB_ESTABLISHED, None)
        for code in footprint.sub_icbs["sub_icb_code"]
    ]
    rows += [
        (
            r.pcn_code,
            r.sub_icb_code,
            "pcn_in_sub_icb",
            max(_day(r.open_date), ICB_ESTABLISHED),
            None,
        )
        for r in footprint.pcns.itertuples()
    ]
    rows += [
        (r.practice_code, r.pcn_code, "practice_in_pcn", _day(r.pcn_start_date), None)
        for r in footprint.practices.itertuples()
    ]
    rows += [
        (
            r.practice_code,
            r.sub_icb_code,
            "practice_in_sub_icb",
            _day(r.sub_icb_join_date) or _day(r.open_date),
            None,
        )
        for r in footprint.practices.itertuples()
    ]
    pcn_open = dict(zip(footprint.pcns["pcn_code"], footprint.pcns["open_date"], strict=True))
    rows += [
        (
            r.location_id,
            r.pcn_code,
            "care_home_aligned_to_pcn",
            max(CARE_HOME_DES_START, _day(pcn_open[r.pcn_code])),
            None,
        )
        for r in homes_used.itertuples()
        if r.pcn_code
    ]
    return pd.DataFrame(rows, columns=MEMBERSHIP_COLUMNS)


def care_home_rows(homes_used: pd.DataFrame, lad_codes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_code": homes_used["location_id"],
            "beds": homes_used["beds"].astype("int64"),
            "with_nursing": homes_used["with_nursing"].astype(bool),
            "local_authority_code": homes_used["local_authority"].map(lad_codes),
            "latitude": homes_used["latitude"],
            "longitude": homes_used["longitude"],
        }
    )


def local_authority_codes(footprint: Footprint) -> dict[str, str]:
    """Care-home local authority name -> ONS LAD code where the name is a district of the
    footprint (Plymouth E06000026, Torbay E06000027). "Devon" is a county (E10000008), which the
    data model's E06-E09 pattern does not take, so those homes have no code."""
    return dict(zip(footprint.lsoas["lad_name"], footprint.lsoas["lad_code"], strict=True))

"""The real organisations of one ICB: region, sub-ICB locations, PCNs, practices, care homes,
and the LSOAs its patients may live in. Everything here is read from the shipped files."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from neighbourhood.sources import (
    read_devon_care_homes,
    read_epraccur,
    read_gp_by_age,
    read_gp_demographics,
    read_imd2019,
    read_lsoa_lookup,
    read_pcn_core_partners,
    read_pcn_details,
    read_registered_patients,
)
from neighbourhood.synthetic.calibration import figure

DEFAULT_ICB = "QJK"
LIST_SIZE_DATE = np.datetime64("2021-01-01")  # EXTRACT_DATE of the shipped list-size totals
QOF_LIST_SIZE_DATE = np.datetime64("2020-04-01")  # QOF 2019/20 practice lists (gp-by-age.csv)
# Age bands that gp-by-age.csv allows: [low, high] inclusive.
AGE_BANDS = ((0, 15), (16, 16), (17, 17), (18, 49), (50, 64), (65, 104))


@dataclass(frozen=True)
class Footprint:
    region_code: str
    region_name: str
    icb_code: str
    icb_name: str
    sub_icbs: pd.DataFrame  # sub_icb_code, sub_icb_name
    pcns: pd.DataFrame  # pcn_code, pcn_name, sub_icb_code, open_date, postcode
    practices: pd.DataFrame  # see open_practices()
    band_shares: np.ndarray  # (practices, len(AGE_BANDS)) real share of each age band
    lsoas: pd.DataFrame  # lsoa_code, lad_code, lad_name, imd_decile
    care_homes: pd.DataFrame  # read_devon_care_homes() rows inside the ICB
    provider_codes: tuple[str, ...]
    ons_regions: tuple[str, ...]

    @property
    def list_total(self) -> int:
        return int(self.practices["list_size"].sum())


def valid_icb_codes() -> list[str]:
    practices = read_epraccur()
    open_gp = practices[
        (practices["status"] == "A")
        & (practices["prescribing_setting"] == 4)
        & practices["region_code"].str.startswith("Y")
    ]
    return sorted(code for code in open_gp["icb_code"].unique() if code.startswith("Q"))


def open_practices(icb: str) -> pd.DataFrame:
    """Open GP practices of the ICB with a current PCN membership and a known list size."""
    epraccur = read_epraccur()
    rows = epraccur[
        (epraccur["icb_code"] == icb)
        & (epraccur["status"] == "A")
        & (epraccur["prescribing_setting"] == 4)
    ]
    partners = read_pcn_core_partners()
    current = partners[partners["end_date"].isna()][["practice_code", "pcn_code", "start_date"]]
    current = current.drop_duplicates("practice_code")
    frame = rows.merge(current, left_on="org_code", right_on="practice_code", how="inner")
    listed = read_registered_patients()[["practice_code", "patients"]]
    by_age = read_gp_by_age()[["practice_code", "TOTAL"]]
    frame = frame.merge(listed, on="practice_code", how="left").merge(
        by_age, on="practice_code", how="left"
    )
    frame["list_size"] = frame["patients"].fillna(frame["TOTAL"])
    # The published count behind each list size: Jan 2021 totals, else the April 2020 QOF list.
    frame["list_size_date"] = np.where(
        frame["patients"].notna(), LIST_SIZE_DATE, QOF_LIST_SIZE_DATE
    ).astype("datetime64[D]")
    frame = frame[frame["list_size"].notna() & (frame["list_size"] > 0)].copy()
    frame["list_size"] = frame["list_size"].astype("int64")
    pcn_names = read_pcn_details()[["pcn_code", "pcn_name"]]
    frame = frame.merge(pcn_names, on="pcn_code", how="left")
    frame = frame.rename(columns={"name": "practice_name", "start_date": "pcn_start_date"})
    keep = [
        "practice_code",
        "practice_name",
        "pcn_code",
        "pcn_name",
        "sub_icb_code",
        "sub_icb_join_date",
        "postcode",
        "open_date",
        "pcn_start_date",
        "list_size",
        "list_size_date",
        "address_1",
        "address_2",
        "address_3",
        "address_4",
        "address_5",
    ]
    return frame[keep].sort_values("practice_code").reset_index(drop=True)


def _band_shares(practices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Real share of each AGE_BANDS band per practice (gp-by-age.csv, Apr 2020) and share male
    (gp_demographics.csv); practices missing from those files get the ICB average."""
    by_age = read_gp_by_age().set_index("practice_code")
    ages = by_age.reindex(practices["practice_code"])
    counts = np.column_stack(
        [
            ages["TOTAL"] - ages["16OV"],
            ages["16OV"] - ages["17OV"],
            ages["17OV"] - ages["18OV"],
            ages["18OV"] - ages["50OV"],
            ages["50OV"] - ages["65OV"],
            ages["65OV"],
        ]
    ).astype(float)
    counts = np.clip(counts, 0, None)
    known = np.isfinite(counts).all(axis=1) & (np.nansum(counts, axis=1) > 0)
    average = counts[known].sum(axis=0)
    counts[~known] = average
    shares = counts / counts.sum(axis=1, keepdims=True)
    demographics = read_gp_demographics().set_index("practice_code")
    male = demographics["share_male"].reindex(practices["practice_code"]).to_numpy(float, copy=True)
    male[~np.isfinite(male)] = np.nanmean(male) if np.isfinite(male).any() else 0.495
    return shares, male


def _lsoas(icb: str, ons_regions: tuple[str, ...]) -> pd.DataFrame:
    imd = read_imd2019()[["lsoa_code", "lad_code", "lad_name", "imd_decile"]]
    lads = figure("icb_local_authorities").get(icb)
    if lads:
        chosen = imd[imd["lad_code"].isin(lads)]
    else:
        lookup = read_lsoa_lookup()
        in_region = lookup.loc[lookup["REGION"].isin(ons_regions), "LSOA_CODE"]
        chosen = imd[imd["lsoa_code"].isin(in_region)]
    return chosen.sort_values("lsoa_code").reset_index(drop=True)


def load_footprint(icb: str = DEFAULT_ICB) -> Footprint:
    valid = valid_icb_codes()
    if icb not in valid:
        raise ValueError(
            f"unknown ICB code {icb!r}; valid codes include {DEFAULT_ICB} (NHS Devon, the"
            f" default), {', '.join(valid[:6])} ... ({len(valid)} in all)"
        )
    epraccur = read_epraccur()
    region_code = epraccur.loc[epraccur["icb_code"] == icb, "region_code"].mode().iloc[0]
    region = figure("regions")[region_code]
    practices = open_practices(icb)
    shares, male = _band_shares(practices)
    practices["share_male"] = male
    pcn_details = read_pcn_details()
    pcns = pcn_details[pcn_details["pcn_code"].isin(practices["pcn_code"])].copy()
    pcns = pcns.sort_values("pcn_code").reset_index(drop=True)
    sub_icb_names = pcn_details.drop_duplicates("sub_icb_code").set_index("sub_icb_code")
    sub_codes = sorted(set(practices["sub_icb_code"]) | set(pcns["sub_icb_code"]))
    sub_icbs = pd.DataFrame(
        {
            "sub_icb_code": sub_codes,
            "sub_icb_name": [
                sub_icb_names["sub_icb_name"].get(code, f"SUB ICB LOCATION {code}")
                for code in sub_codes
            ],
        }
    )
    icb_name = sub_icbs["sub_icb_name"].iloc[0].split(" - ")[0]
    homes = read_devon_care_homes()
    authorities = figure("icb_care_home_local_authorities").get(icb, [])
    homes = homes[homes["local_authority"].isin(authorities)].sort_values("location_id")
    ons_regions = tuple(region["ons_regions"])
    return Footprint(
        region_code=region_code,
        region_name=region["name"],
        icb_code=icb,
        icb_name=icb_name,
        sub_icbs=sub_icbs,
        pcns=pcns,
        practices=practices,
        band_shares=shares,
        lsoas=_lsoas(icb, ons_regions),
        care_homes=homes.reset_index(drop=True),
        provider_codes=tuple(figure("community_providers").get(icb, [])),
        ons_regions=ons_regions,
    )

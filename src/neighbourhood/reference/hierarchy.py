"""Sub-ICB locations, ICBs and regions implied by epraccur, named from ePCN when it is loaded.

epraccur gives, for each current practice, its sub-ICB (column 15), ICB (column 4) and NHS
England region (column 3); ePCN gives sub-ICB names such as "NHS DEVON ICB - 15N", whose part
before " - 15N" is the ICB's name. Each organisation is emitted once per load, with the line of
the first row that names it. Links hold from 1 July 2022, when ICBs and sub-ICB locations were
established (Health and Care Act 2022, https://www.legislation.gov.uk/ukpga/2022/31/part/1/crossheading/integrated-care-boards),
or from the earliest date a current practice joined the sub-ICB when that is later.
"""

from __future__ import annotations

import pandas as pd

from neighbourhood.reference.common import LINE, SOURCE, Parsed

ESTABLISHED = "2022-07-01"
REGION_NAMES = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}  # NHS England regions, ODS codes (https://www.odsdatasearchandexport.nhs.uk/)


def _orgs(codes: pd.DataFrame, org_type: str, names: dict[str, str]) -> pd.DataFrame:
    firsts = codes.drop_duplicates("code")
    return pd.DataFrame(
        {
            "org_code": firsts["code"],
            "org_type": org_type,
            "name": firsts["code"].map(lambda c: names.get(c) or c),
            LINE: firsts[LINE],
            SOURCE: firsts.get(SOURCE),
        }
    )


def _mode_links(rows: pd.DataFrame, child: str, parent: str, relationship: str) -> pd.DataFrame:
    counted = rows.groupby([child, parent]).agg(n=(LINE, "size"), line=(LINE, "min"))
    best = counted.reset_index().sort_values(["n", "line"], ascending=[False, True])
    best = best.drop_duplicates(child)
    earliest = rows.groupby(child)["join_date"].min()
    starts = earliest.where(earliest > ESTABLISHED, ESTABLISHED)
    return pd.DataFrame(
        {
            "child_code": best[child],
            "parent_code": best[parent],
            "relationship": relationship,
            "valid_from": best[child].map(starts).fillna(ESTABLISHED),
            LINE: best["line"],
        }
    )


def add_hierarchy(
    epraccur: list[tuple[Parsed, pd.DataFrame]], epcn: list[tuple[Parsed, pd.DataFrame]]
) -> None:
    """Add the hierarchy organisations and links to the parsed files, each one once."""
    sub_names: dict[str, str] = {}
    for _, found in epcn:
        for code, name in zip(found["sub_icb_code"], found["sub_icb_name"], strict=True):
            if code and name and code not in sub_names:
                sub_names[code] = name
    emitted: set[str] = set()
    for parsed, rows in epraccur:
        current = rows[rows["current"]].dropna(subset=["sub_icb_code", "icb_code", "region_code"])
        icb_names = {}
        for sub, icb in zip(current["sub_icb_code"], current["icb_code"], strict=True):
            name = sub_names.get(sub, "")
            if " - " in name and icb not in icb_names:
                icb_names[icb] = name.rsplit(" - ", 1)[0].strip()
        subs = rows.dropna(subset=["sub_icb_code"]).rename(columns={"sub_icb_code": "code"})
        icbs = current.rename(columns={"icb_code": "code"})
        regions = current.rename(columns={"region_code": "code"})
        orgs = pd.concat(
            [
                _orgs(subs, "sub_icb", sub_names),
                _orgs(icbs, "icb", icb_names),
                _orgs(regions, "region", REGION_NAMES),
            ]
        )
        orgs = orgs[~orgs["org_code"].isin(emitted)]
        emitted |= set(orgs["org_code"])
        parsed.add("organisations", orgs)
        links = _mode_links(current, "sub_icb_code", "icb_code", "sub_icb_in_icb")
        starts = dict(zip(links["child_code"], links["valid_from"], strict=True))
        by_icb = current.assign(join_date=current["sub_icb_code"].map(starts))
        parsed.add("org_memberships", links)
        parsed.add(
            "org_memberships", _mode_links(by_icb, "icb_code", "region_code", "icb_in_region")
        )
    for parsed, found in epcn:
        subs = found.dropna(subset=["sub_icb_code"]).rename(columns={"sub_icb_code": "code"})
        orgs = _orgs(subs, "sub_icb", sub_names)
        orgs = orgs[~orgs["org_code"].isin(emitted)]
        emitted |= set(orgs["org_code"])
        parsed.add("organisations", orgs)

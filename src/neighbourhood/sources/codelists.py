"""Shipped clinical codelists: OpenCodelists CSVs and the GM SDE code sets."""

from __future__ import annotations

from functools import cache

import pandas as pd

from neighbourhood.sources.paths import data_file


@cache
def read_codelist(name: str) -> pd.DataFrame:
    """An OpenCodelists CSV from `data/codelists/opensafely/<name>.csv`, as text columns."""
    return pd.read_csv(data_file("codelists", "opensafely", f"{name}.csv"), dtype=str)


@cache
def read_gm_sde_codes() -> pd.DataFrame:
    """The SNOMED CT rows of the GM SDE code sets: category, concept, code, term.

    For medication concepts the SNOMED column holds dm+d product ids. A few codes carry a
    stray byte-order mark in the source; it is stripped.
    """
    raw = pd.read_csv(data_file("codelists", "gm-sde", "gm_sde_codesets.csv"), dtype=str)
    snomed = raw[raw["terminology"] == "snomed"].copy()
    snomed["code"] = snomed["code"].str.replace("\ufeff", "", regex=False).str.strip()
    return snomed[["category", "concept", "code", "term"]].reset_index(drop=True)

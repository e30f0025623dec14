"""Readers for the real public files shipped with the package (the leftmost stage).

Each module reads one publication into a pandas DataFrame with explicit column names and
types; nothing is fabricated here. Provenance of every file: `data/PROVENANCE.md`.
"""

from neighbourhood.sources.care_homes import read_devon_care_homes
from neighbourhood.sources.codelists import read_codelist, read_gm_sde_codes
from neighbourhood.sources.deprivation import read_imd2019
from neighbourhood.sources.epcn import read_pcn_core_partners, read_pcn_details
from neighbourhood.sources.epraccur import read_epraccur
from neighbourhood.sources.list_sizes import read_registered_patients
from neighbourhood.sources.paths import data_file
from neighbourhood.sources.qof import (
    read_gp_by_age,
    read_gp_demographics,
    read_imd_prevalence,
    read_lsoa_lookup,
    read_region_prevalence,
)

__all__ = [
    "data_file",
    "read_codelist",
    "read_devon_care_homes",
    "read_epraccur",
    "read_gm_sde_codes",
    "read_gp_by_age",
    "read_gp_demographics",
    "read_imd2019",
    "read_imd_prevalence",
    "read_lsoa_lookup",
    "read_pcn_core_partners",
    "read_pcn_details",
    "read_region_prevalence",
    "read_registered_patients",
]

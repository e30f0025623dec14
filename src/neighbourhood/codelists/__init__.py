"""Codelists: typed by coding system, versioned, with their source (see README.md)."""

from neighbourhood.codelists.codelist import Codelist
from neighbourhood.codelists.codes import (
    Code,
    CodeError,
    CodingSystem,
    CTV3Code,
    DMDCode,
    ReadV2Code,
    SNOMEDCTCode,
)
from neighbourhood.codelists.library import codelist, load_definitions
from neighbourhood.codelists.read import CodelistError, codelist_from_csv, codelist_from_gm_sde

__all__ = [
    "CTV3Code",
    "Code",
    "CodeError",
    "Codelist",
    "CodelistError",
    "CodingSystem",
    "DMDCode",
    "ReadV2Code",
    "SNOMEDCTCode",
    "codelist",
    "codelist_from_csv",
    "codelist_from_gm_sde",
    "load_definitions",
]

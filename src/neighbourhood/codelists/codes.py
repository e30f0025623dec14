"""One type per clinical coding system; a code checks itself when it is made.

A dm+d codelist cannot be used where SNOMED CT codes are expected, even though dm+d ids are
SNOMED CT identifiers too: the type says which terminology a list was drawn from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from neighbourhood.identifiers import sctid_problem


class CodingSystem(Enum):
    SNOMED_CT = "snomedct"
    DMD = "dmd"
    CTV3 = "ctv3"
    READ_V2 = "readv2"

    @property
    def label(self) -> str:
        return {"snomedct": "SNOMED CT", "dmd": "dm+d", "ctv3": "CTV3", "readv2": "Read v2"}[
            self.value
        ]


class CodeError(ValueError):
    """A value is not a valid code of its coding system."""


@dataclass(frozen=True, order=True)
class Code:
    value: str
    system: ClassVar[CodingSystem]

    def __post_init__(self) -> None:
        problem = self.problem(self.value)
        if problem:
            raise CodeError(f"{self.system.label}: {problem}")

    @classmethod
    def problem(cls, value: str) -> str | None:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class _ConceptId(Code):
    """A SNOMED CT concept identifier, whichever terminology it was drawn from."""

    @classmethod
    def problem(cls, value: str) -> str | None:
        return sctid_problem(value)


@dataclass(frozen=True, order=True)
class SNOMEDCTCode(_ConceptId):
    system: ClassVar[CodingSystem] = CodingSystem.SNOMED_CT


@dataclass(frozen=True, order=True)
class DMDCode(_ConceptId):
    """A dm+d VTM, VMP or AMP id: a SNOMED CT concept id from the dm+d namespaces."""

    system: ClassVar[CodingSystem] = CodingSystem.DMD


@dataclass(frozen=True, order=True)
class _Patterned(Code):
    """A code whose whole check is a pattern."""

    pattern: ClassVar[re.Pattern[str]]
    shape: ClassVar[str]  # what the pattern asks for, as the error says it

    @classmethod
    def problem(cls, value: str) -> str | None:
        return None if cls.pattern.match(value) else f"'{value}' is not {cls.shape}"


@dataclass(frozen=True, order=True)
class CTV3Code(_Patterned):
    system: ClassVar[CodingSystem] = CodingSystem.CTV3
    pattern: ClassVar[re.Pattern[str]] = re.compile(r"^[0-9A-Za-z.]{5}$")
    shape: ClassVar[str] = "5 characters (0-9, A-Z, a-z, .)"


@dataclass(frozen=True, order=True)
class ReadV2Code(_Patterned):
    """A Read v2 code, optionally with its two-digit term code (`14B4.00`)."""

    system: ClassVar[CodingSystem] = CodingSystem.READ_V2
    pattern: ClassVar[re.Pattern[str]] = re.compile(r"^[0-9A-Za-z.]{5}(00|[0-9]{2})?$")
    shape: ClassVar[str] = "a Read v2 code"


CODE_TYPES: dict[CodingSystem, type[Code]] = {
    CodingSystem.SNOMED_CT: SNOMEDCTCode,
    CodingSystem.DMD: DMDCode,
    CodingSystem.CTV3: CTV3Code,
    CodingSystem.READ_V2: ReadV2Code,
}

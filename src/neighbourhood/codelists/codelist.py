"""A codelist: typed, versioned codes with the terms and the source they came from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from neighbourhood.codelists.codes import CODE_TYPES, Code, CodingSystem


@dataclass(frozen=True)
class Codelist:
    """Codes of one coding system. `rejected` keeps the rows of the source that were not valid
    codes, with the reason, so that nothing is dropped unseen."""

    id: str
    version: str
    system: CodingSystem
    codes: frozenset[Code]
    source: str
    terms: Mapping[str, str] = field(default_factory=dict)
    rejected: tuple[tuple[int, str, str], ...] = ()  # (line, value, reason)

    def __post_init__(self) -> None:
        if not self.id or not self.version:
            raise ValueError("a codelist needs an id and a version")
        if not self.source.strip():
            raise ValueError(f"codelist {self.id}: the source is empty")
        expected = CODE_TYPES[self.system]
        wrong = sorted({type(c).__name__ for c in self.codes if type(c) is not expected})
        if wrong:
            raise TypeError(f"codelist {self.id} ({self.system.label}) holds {', '.join(wrong)}")
        if not self.codes:
            raise ValueError(f"codelist {self.id}: no valid codes")
        object.__setattr__(self, "terms", MappingProxyType(dict(self.terms)))

    def __contains__(self, value: object) -> bool:
        if isinstance(value, Code):
            return value in self.codes
        return isinstance(value, str) and CODE_TYPES[self.system](value) in self.codes

    def __iter__(self) -> Iterator[Code]:
        return iter(sorted(self.codes))

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def values(self) -> tuple[str, ...]:
        """The codes as text, sorted: what a query compares a column with."""
        return tuple(c.value for c in sorted(self.codes))

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.system, self.codes))

"""The caller's inputs from files: PCNs and practices, aligned care homes and ARRS claims.

One YAML file can hold any of the three sections; care homes and staff claims can also come
from a CSV file (one row each). Every problem of a file is reported at once, each with the
file, line and field, in an `InputFileError`; a file with any problem is refused whole (a
PCN, home or claim left out would change the totals without saying so).

```yaml
year: 2024-25                      # optional: checked against the year asked for
pcns:
  - code: U12345
    registered_patients: 40000     # optional: the sum of the practices' when they all give one
    weighted_population: 41234.5
    adjusted_population: 41000
    months: {count: 12, first: 2024-04-01}   # optional: the whole year
    practices:
      - {code: A81001, registered_patients: 20000, weighted_population: 20500}
care_homes:
  - {id: VN1AB, pcn: U12345, beds: 40, coded_residents: 31, name: The Beeches}
arrs:
  pcn: U12345
  weighted_population: 41234.5
  registered_patients: 40000       # optional: caps that depend on the list size are checked
  claims:
    - {staff_id: S1, role: clinical_pharmacist, wte: 1, claimed: 52000, area: england}
```

CSV columns: care homes `id, pcn, beds, coded_residents` (required), `months, first_month,
name`; staff claims `staff_id, role, wte, claimed` (required), `months, first_month, area`.
Numbers are written plainly (no £, no thousands separators); dates as YYYY-MM-DD.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from neighbourhood.payments.inputs import CareHome, PcnInputs, PracticeInputs, StaffClaim
from neighbourhood.payments.load import _File
from neighbourhood.payments.periods import Months

__all__ = [
    "ArrsInputs",
    "InputFileError",
    "Inputs",
    "read_care_homes_csv",
    "read_inputs",
    "read_staff_claims_csv",
]

CARE_HOME_COLUMNS = ("id", "pcn", "beds", "coded_residents")
CARE_HOME_OPTIONAL = ("months", "first_month", "name")
CLAIM_COLUMNS = ("staff_id", "role", "wte", "claimed")
CLAIM_OPTIONAL = ("months", "first_month", "area")


class InputFileError(ValueError):
    """An inputs file that cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class ArrsInputs:
    pcn: str = "PCN"
    weighted_population: Decimal | None = None
    registered_patients: int | None = None
    claims: tuple[StaffClaim, ...] = ()


@dataclass(frozen=True)
class Inputs:
    path: str
    year: str | None = None
    pcns: tuple[PcnInputs, ...] = ()
    care_homes: tuple[CareHome, ...] = ()
    arrs: ArrsInputs | None = None


def _number(value: Any) -> Any:
    """YAML floats become Decimals through their text (41234.5 is exactly 41234.5)."""
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _months(entry: Any) -> Months:
    if entry is None:
        return Months()
    if not isinstance(entry, Mapping) or set(entry) - {"count", "first"}:
        raise ValueError("months is {count: N, first: YYYY-MM-01}")
    first = entry.get("first")
    return Months(entry.get("count", 12), date.fromisoformat(first) if first else None)


def _fields(entry: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(entry, Mapping):
        raise ValueError(f"expected a mapping of {', '.join(allowed)}")
    unknown = sorted(set(map(str, entry)) - set(allowed))
    if unknown:
        raise ValueError(f"unknown field {', '.join(unknown)}; fields: {', '.join(allowed)}")
    return {k: _number(v) for k, v in entry.items()}


def _practice(entry: Any) -> PracticeInputs:
    found = _fields(entry, ("code", "registered_patients", "weighted_population", "months"))
    found["months"] = _months(found.get("months"))
    return PracticeInputs(**found)


def _pcn(file: _File, entry: Any, where: tuple[Any, ...]) -> PcnInputs | None:
    allowed = ("code", "registered_patients", "weighted_population", "adjusted_population",
               "months", "practices")  # fmt: skip
    found = file.build(where, lambda: _fields(entry, allowed))
    if found is None:
        return None
    practices = []
    for index, item in enumerate(found.get("practices") or []):
        built = file.build((*where, "practices", index), lambda i=item: _practice(i))
        practices.append(built)
    if None in practices:
        return None
    found["practices"] = tuple(practices)
    return file.build(where, lambda: PcnInputs(**found | {"months": _months(found.get("months"))}))


def _care_home(entry: Any) -> CareHome:
    found = _fields(entry, ("id", "pcn", "beds", "coded_residents", "months", "name"))
    found["months"] = _months(found.get("months"))
    return CareHome(**found)


def _claim(entry: Any) -> StaffClaim:
    found = _fields(entry, ("staff_id", "role", "wte", "claimed", "months", "area"))
    found["months"] = _months(found.get("months"))
    return StaffClaim(**found)


def _arrs(file: _File, entry: Any) -> ArrsInputs | None:
    where: tuple[Any, ...] = ("arrs",)
    allowed = ("pcn", "weighted_population", "registered_patients", "claims")
    found = file.build(where, lambda: _fields(entry, allowed))
    if found is None:
        return None
    claims = [
        file.build(("arrs", "claims", i), lambda c=c: _claim(c))
        for i, c in enumerate(found.get("claims") or [])
    ]
    registered = found.get("registered_patients")
    if registered is not None and (type(registered) is not int or registered < 0):
        file.problem((*where, "registered_patients"), "a whole number of patients")
        return None
    weighted = found.get("weighted_population")
    if weighted is not None and (
        isinstance(weighted, bool) or not isinstance(weighted, int | Decimal)
    ):
        file.problem((*where, "weighted_population"), "a number of patients")
        return None
    if None in claims:
        return None
    return ArrsInputs(
        pcn=str(found.get("pcn", "PCN")),
        weighted_population=None if weighted is None else Decimal(weighted),
        registered_patients=registered,
        claims=tuple(claims),  # type: ignore[arg-type]
    )


def read_inputs(path: Path | str) -> Inputs:
    """A YAML inputs file (see the module doc); every problem at once, or the inputs."""
    file = _File(Path(path))
    try:
        document = file.parse()
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot read the file: {error}") from None
    if file.problems:
        raise InputFileError("\n".join(file.problems))
    if not isinstance(document, Mapping):
        raise InputFileError(f"{path}: line 1: (file): expected a mapping of year, pcns, "
                             "care_homes, arrs")  # fmt: skip
    unknown = sorted(set(map(str, document)) - {"year", "pcns", "care_homes", "arrs"})
    for key in unknown:
        file.problem((key,), "unknown section; sections: year, pcns, care_homes, arrs")
    sections: dict[str, Any] = {}
    for name in ("pcns", "care_homes"):
        items = document.get(name) or []
        if not isinstance(items, list):
            file.problem((name,), "expected a list")
            items = []
        sections[name] = items
    pcns = [_pcn(file, item, ("pcns", i)) for i, item in enumerate(sections["pcns"])]
    homes = [
        file.build(("care_homes", i), lambda h=item: _care_home(h))
        for i, item in enumerate(sections["care_homes"])
    ]
    arrs = _arrs(file, document["arrs"]) if document.get("arrs") is not None else None
    year = document.get("year")
    if year is not None and not isinstance(year, str):
        file.problem(("year",), "the year is written like 2024-25")
    if file.problems:
        raise InputFileError("\n".join(file.problems))
    return Inputs(str(path), year, tuple(pcns), tuple(homes), arrs)  # type: ignore[arg-type]


def _read_csv(
    path: Path | str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    build: Callable[[dict[str, str]], Any],
) -> list[Any]:
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputFileError(f"{path}: cannot read the file as UTF-8 CSV: {error}") from None
    header = [c.strip() for c in lines[0]] if lines else []
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    if missing or unknown:
        raise InputFileError(
            f"{path}: line 1: header: "
            + "; ".join(
                [f"missing {', '.join(missing)}"] * bool(missing)
                + [f"unknown column {', '.join(unknown)}"] * bool(unknown)
            )
            + f" (columns: {', '.join(required)}, optional {', '.join(optional)})"
        )
    problems, found = [], []
    for line, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                f"{path}: line {line}: {len(cells)} cells, the header has {len(header)}"
            )
            continue
        row = {k: v.strip() for k, v in zip(header, cells, strict=True) if v.strip()}
        empty = [c for c in required if c not in row]
        if empty:
            problems.append(f"{path}: line {line}: {empty[0]}: no value")
            continue
        try:
            found.append(build(row))
        except (ValueError, TypeError, InvalidOperation) as error:
            problems.append(f"{path}: line {line}: {error}")
    if problems:
        raise InputFileError("\n".join(problems))
    return found


def _csv_months(row: dict[str, str]) -> Months:
    count = row.pop("months", None)
    first = row.pop("first_month", None)
    return Months(
        int(count) if count is not None else 12, date.fromisoformat(first) if first else None
    )


def _whole(row: dict[str, str], name: str) -> int:
    text = row[name]
    if not text.isdigit():
        raise ValueError(f"{name}: {text!r} is not a whole number of 0 or more")
    return int(text)


def read_care_homes_csv(path: Path | str) -> tuple[CareHome, ...]:
    """Aligned care homes, one a row (see the module doc)."""

    def build(row: dict[str, str]) -> CareHome:
        months = _csv_months(row)
        return CareHome(
            id=row["id"],
            pcn=row["pcn"],
            beds=_whole(row, "beds"),
            coded_residents=_whole(row, "coded_residents"),
            months=months,
            name=row.get("name", ""),
        )

    return tuple(_read_csv(path, CARE_HOME_COLUMNS, CARE_HOME_OPTIONAL, build))


def read_staff_claims_csv(path: Path | str) -> tuple[StaffClaim, ...]:
    """ARRS staff claims, one a row (see the module doc)."""

    def build(row: dict[str, str]) -> StaffClaim:
        months = _csv_months(row)
        return StaffClaim(
            staff_id=row["staff_id"],
            role=row["role"],
            wte=row["wte"],
            claimed=row["claimed"],
            months=months,
            area=row.get("area", "england"),
        )

    return tuple(_read_csv(path, CLAIM_COLUMNS, CLAIM_OPTIONAL, build))

"""Our practice-level counts against NHS England's published ones.

NHS England publishes Investment and Impact Fund achievement per practice; its real file
layout is not in our data, so the reader takes a CSV with one row per practice per
indicator and these columns (names matched case-insensitively, surrounding spaces ignored):

| field | accepted column names | required |
|---|---|---|
| practice code | `PRACTICE_CODE`, `Practice Code`, `ORG_CODE` | yes |
| indicator | `INDICATOR`, `IND_CODE`, `Indicator Code` | yes |
| numerator | `NUMERATOR` | yes |
| denominator | `DENOMINATOR` | yes |
| year | `YEAR` (`2024-25`, `2024/25`) or `ACHIEVEMENT_DATE` (`2025-03-31`, `31/03/2025`) | no |

A date stands for the financial year holding it. Other columns are ignored. A file whose
header cannot be read (not UTF-8, empty, a required column missing, two columns for one
field) is refused with an error naming the file. A bad row is never dropped silently: it is
kept as a `RejectedRow` with the file, line, field and reason (a missing code, a count that
is not a whole number of 0 or more, a numerator above the denominator, a practice and
indicator given again: the first row is kept, the later one rejected). Indicator codes are
matched without case, spaces or hyphens (`CAN04` is `CAN-04`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neighbourhood.indicators.achievement import Settings, measure_year
from neighbourhood.indicators.definition import indicators_of
from neighbourhood.progress import SILENT, Progress
from neighbourhood.store.engines import Engine

__all__ = [
    "COLUMNS",
    "Published",
    "PublishedFileError",
    "PublishedRow",
    "RejectedRow",
    "read_published",
    "reconcile",
    "reconcile_year",
]

COLUMNS: Mapping[str, tuple[str, ...]] = {
    "practice_code": ("PRACTICE_CODE", "Practice Code", "ORG_CODE"),
    "indicator": ("INDICATOR", "IND_CODE", "Indicator Code"),
    "numerator": ("NUMERATOR",),
    "denominator": ("DENOMINATOR",),
    "year": ("YEAR", "ACHIEVEMENT_DATE"),
}
REQUIRED = ("practice_code", "indicator", "numerator", "denominator")
STATUSES = ("match", "differs", "only published", "only computed")


class PublishedFileError(ValueError):
    """A published file that cannot be read at all (its header)."""


@dataclass(frozen=True)
class PublishedRow:
    practice_code: str
    indicator: str
    numerator: int
    denominator: int
    year: str | None
    file: str
    line: int


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    field: str
    reason: str
    values: Mapping[str, str]

    def summary(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class Published:
    rows: tuple[PublishedRow, ...]
    rejected: tuple[RejectedRow, ...]


def _header(path: Path, names: Sequence[str]) -> dict[str, int]:
    """Field -> column index; refuses a header that cannot be used."""
    wanted = {alias.strip().casefold(): field for field, aliases in COLUMNS.items()
              for alias in aliases}  # fmt: skip
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        field = wanted.get(name.strip().casefold())
        if field is None:
            continue
        if field in found:
            raise PublishedFileError(
                f"{path}: two columns for the {field.replace('_', ' ')}: "
                f"{names[found[field]]!r} and {name!r}"
            )
        found[field] = index
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        raise PublishedFileError(
            f"{path}: header has no column for "
            + "; ".join(f"{f.replace('_', ' ')} ({' or '.join(COLUMNS[f])})" for f in missing)
            + f"; columns found: {', '.join(names) or '(none)'}"
        )
    return found


_FINANCIAL = re.compile(r"^(20\d\d)[-/](\d\d)$")


def _year(text: str) -> str:
    """`2024-25`, `2024/25`, or a date (ISO or dd/mm/yyyy) as the financial year holding it."""
    found = _FINANCIAL.match(text)
    if found:
        if (int(found[1]) + 1) % 100 != int(found[2]):
            raise ValueError(f"{text!r} is not a financial year")
        return f"{found[1]}-{found[2]}"
    try:
        day = (
            dt.datetime.strptime(text, "%d/%m/%Y").date()
            if "/" in text
            else dt.date.fromisoformat(text)
        )
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a financial year (2024-25) nor a date (2025-03-31, 31/03/2025)"
        ) from None
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _count(text: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"{text!r} is not a count (a whole number of 0 or more)")
    return int(text)


def read_published(path: Path | str) -> Published:
    """The rows of a published CSV, and the rows rejected with their reasons."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except FileNotFoundError:
        raise PublishedFileError(f"{path}: no such file") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise PublishedFileError(f"{path}: cannot read the file as UTF-8 CSV: {error}") from None
    if not lines:
        raise PublishedFileError(f"{path}: empty file: no header")
    columns = _header(path, lines[0])
    rows: list[PublishedRow] = []
    rejected: list[RejectedRow] = []
    first: dict[tuple[str, str, str | None], int] = {}
    for line, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {f: cells[i].strip() if i < len(cells) else "" for f, i in columns.items()}

        def reject(field: str, reason: str, line: int = line, values=values) -> None:
            rejected.append(RejectedRow(str(path), line, field, reason, values))

        if len(cells) != len(lines[0]):
            reject("(row)", f"{len(cells)} cells, the header has {len(lines[0])}")
            continue
        missing = [f for f in ("practice_code", "indicator") if not values[f]]
        if missing:
            reject(missing[0], f"no {missing[0].replace('_', ' ')}")
            continue
        try:
            numerator = _count(values["numerator"])
        except ValueError as error:
            reject("numerator", str(error))
            continue
        try:
            denominator = _count(values["denominator"])
        except ValueError as error:
            reject("denominator", str(error))
            continue
        if numerator > denominator:
            reject("numerator", f"numerator {numerator} is above the denominator {denominator}")
            continue
        year = None
        if values.get("year"):
            try:
                year = _year(values["year"])
            except ValueError as error:
                reject("year", str(error))
                continue
        practice = values["practice_code"].upper()
        key = (practice, _code(values["indicator"]), year)
        if key in first:
            reject("indicator", f"{practice} {values['indicator']} given again (first on line "
                                f"{first[key]}); the first row is kept")  # fmt: skip
            continue
        first[key] = line
        rows.append(PublishedRow(practice, values["indicator"], numerator, denominator, year,
                                 str(path), line))  # fmt: skip
    return Published(tuple(rows), tuple(rejected))


def _code(indicator: str) -> str:
    return re.sub(r"[\s\-_]", "", indicator).upper()


def reconcile(
    published_rows: Iterable[PublishedRow],
    computed_records: Iterable[Mapping[str, Any]],
    *,
    tolerance: int = 0,
) -> list[dict[str, Any]]:
    """One row per (practice, indicator, year): published and computed numerator and
    denominator, the differences (computed - published) and a status: `match` (both within
    `tolerance`), `differs`, `only published` or `only computed`. Only the computed records
    of level practice are used; a published row without a year takes the computed one's."""
    if type(tolerance) is not int or tolerance < 0:
        raise ValueError(f"the tolerance is a whole number of 0 or more, not {tolerance!r}")
    computed: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for record in computed_records:
        if record.get("level") != "practice" or not record.get("practice_code"):
            continue
        key = (str(record["practice_code"]).upper(), _code(str(record["indicator"])))
        computed.setdefault(key, {})[str(record["year"])] = record
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in published_rows:
        key = (row.practice_code, _code(row.indicator))
        years = computed.get(key, {})
        year = row.year or (next(iter(years)) if len(years) == 1 else None)
        record = years.get(year) if year else None
        found[(*key, year or "")] = _row(row, record, year, tolerance)
    for (practice, code), years in computed.items():
        for year, record in years.items():
            if (practice, code, year) not in found:
                found[(practice, code, year)] = _row(None, record, year, tolerance)
    return [found[k] for k in sorted(found)]


def _row(
    published: PublishedRow | None,
    record: Mapping[str, Any] | None,
    year: str | None,
    tolerance: int,
) -> dict[str, Any]:
    p_num = published.numerator if published else None
    p_den = published.denominator if published else None
    c_num = record["numerator"] if record else None
    c_den = record["denominator"] if record else None
    both = published is not None and record is not None
    d_num = c_num - p_num if both else None  # type: ignore[operator]
    d_den = c_den - p_den if both else None  # type: ignore[operator]
    if not both:
        status = "only published" if published else "only computed"
    elif abs(d_num) <= tolerance and abs(d_den) <= tolerance:  # type: ignore[arg-type]
        status = "match"
    else:
        status = "differs"
    return {
        "practice_code": published.practice_code if published else record["practice_code"],  # type: ignore[index]
        "indicator": record["indicator"] if record else published.indicator,  # type: ignore[union-attr]
        "year": year,
        "published_numerator": p_num,
        "published_denominator": p_den,
        "computed_numerator": c_num,
        "computed_denominator": c_den,
        "numerator_difference": d_num,
        "denominator_difference": d_den,
        "status": status,
        "published_line": published.line if published else None,
    }


def reconcile_year(
    engine: Engine,
    published: Published,
    year: str,
    *,
    tolerance: int = 0,
    settings: Settings | None = None,
    pcn: str | None = None,
    progress: Progress = SILENT,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The year's indicators that the published file names, measured on the store and
    reconciled with it; and the warnings of the indicators measured."""
    named = {_code(row.indicator) for row in published.rows}
    only = [i for i in indicators_of(year) if _code(i) in named]
    results = (
        measure_year(engine, year, settings=settings, only=only, pcn=pcn, progress=progress)
        if only
        else []
    )
    records = [record for result in results for record in result.records]
    warnings = [w for result in results for w in result.warnings]
    return reconcile(published.rows, records, tolerance=tolerance), warnings

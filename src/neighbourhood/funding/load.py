"""Reading a ledger: one YAML file validated by `ledger.schema.json`, spend lines from CSV.

Every problem of a YAML file is reported at once, each with the file, line and field. A CSV
file of spend lines loads all or nothing: every bad row is kept, with its line and reason, in
the error that refuses the file; none is dropped and none is loaded on its own.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from neighbourhood.funding.model import (
    BASELINE_YEAR,
    CATEGORIES,
    ICB,
    Baseline,
    FinancialYear,
    FloorRule,
    Ledger,
    LedgerError,
    Region,
    Settings,
    Source,
    SpendLine,
)
from neighbourhood.yaml_lines import Problems, key_lines

__all__ = [
    "CSV_COLUMNS",
    "CSV_OPTIONAL_COLUMNS",
    "RejectedRow",
    "SpendFileError",
    "examples_folder",
    "parse_spend_csv",
    "read_ledger",
    "read_spend_csv",
    "schema",
]

CSV_COLUMNS = ("organisation", "year", "category", "amount_gbp", "source_title", "source_publisher")
CSV_OPTIONAL_COLUMNS = ("source_url", "source_date", "note")
_POUNDS = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_FLOOR_KEYS = {
    "growth_over_baseline_percent": "growth_over_baseline",
    "growth_over_previous_percent": "growth_over_previous",
    "amount_gbp": "absolute",
}


@cache
def schema() -> dict[str, Any]:
    text = resources.files("neighbourhood.funding").joinpath("ledger.schema.json")
    return json.loads(text.read_text("utf-8"))


def examples_folder() -> Path:
    return Path(str(resources.files("neighbourhood.funding").joinpath("examples")))


def _schema_problems(document: Any, problems: Problems) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        message = error.message
        if error.validator == "oneOf":
            message = error.schema.get("x-message", message)
        problems.add(error.absolute_path, message)


def read_ledger(path: Path | str, *, spend_csv: Iterable[Path | str] = ()) -> Ledger:
    """Read, check and build a ledger file; spend lines from CSV files are added to it (the
    file's own `spend_csv` entries, relative to it, and then `spend_csv`)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LedgerError(f"{path}: not valid YAML: {error}") from error
    problems = Problems(path, key_lines(text))
    _schema_problems(document, problems)
    if problems.found:
        raise LedgerError("\n".join(problems.found))
    ledger = _build(path, document, problems)
    named = [path.parent / name for name in document.get("spend_csv", [])]
    for index, name in enumerate(named):
        if not name.is_file():
            problems.add(("spend_csv", index), f"no file {name}")
    if problems.found:
        raise LedgerError("\n".join(problems.found))
    files = named + [Path(name) for name in spend_csv]
    rejected: list[RejectedRow] = []
    added: list[SpendLine] = []
    for name in files:
        lines, bad = parse_spend_csv(name, ledger=ledger)
        added += lines
        rejected += bad
    if rejected:
        raise SpendFileError(rejected)
    return ledger.with_spend(tuple(added))


def _pounds(value: Any) -> Decimal:
    return Decimal(str(value))


def _build(path: Path, document: dict[str, Any], problems: Problems) -> Ledger:
    named: dict[str, Source] = {}
    for name, spec in document.get("sources", {}).items():
        built = _attempt(problems, ("sources", name), Source, **spec)
        if built is not None:
            named[name] = built

    def source(value: Any, keys: tuple[object, ...]) -> Source | None:
        if isinstance(value, str):
            if value not in named:
                problems.add(keys, f"no source named {value!r} under `sources`")
            return named.get(value)
        return _attempt(problems, keys, Source, **value)

    def baseline(spec: dict[str, Any], keys: tuple[object, ...]) -> Baseline | None:
        found = source(spec["source"], (*keys, "source"))
        if found is None:
            return None
        return _attempt(problems, keys, Baseline, _pounds(spec["amount_gbp"]), found)

    def floors(specs: list[dict[str, Any]], keys: tuple[object, ...]) -> tuple[FloorRule, ...]:
        built: list[FloorRule] = []
        seen: set[str] = set()
        for index, spec in enumerate(specs):
            here = (*keys, index)
            if spec["year"] in seen:
                problems.add((*here, "year"), f"a second floor for {spec['year']}")
                continue
            seen.add(spec["year"])
            found = source(spec["source"], (*here, "source"))
            year = _attempt(problems, (*here, "year"), FinancialYear.parse, spec["year"])
            key = next(k for k in _FLOOR_KEYS if k in spec)
            if found is None or year is None:
                continue
            value = _pounds(spec[key])
            rule = _attempt(problems, (*here, key), FloorRule, year, _FLOOR_KEYS[key], value, found)
            if rule is not None:
                built.append(rule)
        return tuple(built)

    codes: dict[str, tuple[object, ...]] = {}
    regions: list[Region] = []
    for r, spec in enumerate(document["regions"]):
        keys = ("regions", r)
        for code, code_keys in [(spec["code"], keys)] + [
            (icb["code"], (*keys, "icbs", i)) for i, icb in enumerate(spec["icbs"])
        ]:
            if code in codes:
                where = problems.where(codes[code])
                problems.add((*code_keys, "code"), f"code {code} is already used ({where})")
            codes.setdefault(code, code_keys)
        icbs = []
        for i, icb_spec in enumerate(spec["icbs"]):
            here = (*keys, "icbs", i)
            icb_baseline = baseline(icb_spec["baseline"], (*here, "baseline"))
            icb_floors = floors(icb_spec.get("floors", []), (*here, "floors"))
            if icb_baseline is not None:
                name = icb_spec["name"]
                icb = _attempt(
                    problems,
                    here,
                    ICB,
                    icb_spec["code"],
                    name,
                    spec["code"],
                    icb_baseline,
                    icb_floors,
                )
                icbs.append(icb)
        region_baseline = baseline(spec["baseline"], (*keys, "baseline"))
        region_floors = floors(spec.get("floors", []), (*keys, "floors"))
        if region_baseline is not None and None not in icbs and len(icbs) == len(spec["icbs"]):
            region = _attempt(
                problems,
                keys,
                Region,
                spec["code"],
                spec["name"],
                region_baseline,
                tuple(icbs),
                region_floors,
            )
            if region is not None:
                regions.append(region)

    region_codes = {spec["code"] for spec in document["regions"]}
    icb_codes = {icb["code"] for spec in document["regions"] for icb in spec["icbs"]}
    spend: list[SpendLine] = []
    for index, spec in enumerate(document.get("spend", [])):
        here = ("spend", index)
        organisation = spec["organisation"]
        if organisation not in icb_codes:
            problems.add((*here, "organisation"), _not_an_icb(organisation, region_codes))
            continue
        found = source(spec["source"], (*here, "source"))
        year = _attempt(problems, (*here, "year"), _spend_year, spec["year"])
        if found is None or year is None:
            continue
        amount = _pounds(spec["amount_gbp"])
        origin = problems.where(here)
        line = _attempt(
            problems,
            here,
            SpendLine,
            organisation,
            year,
            spec["category"],
            amount,
            found,
            spec.get("note"),
            origin,
        )
        if line is not None:
            spend.append(line)

    settings = _attempt(problems, ("settings",), Settings, **document.get("settings", {}))
    if problems.found or settings is None:
        raise LedgerError("\n".join(problems.found))
    try:
        return Ledger(
            title=document["title"],
            illustrative=document["illustrative"],
            regions=tuple(regions),
            spend=tuple(spend),
            settings=settings,
            path=str(path),
        )
    except LedgerError as error:
        raise LedgerError(f"{path}: {error}") from error


def _attempt(problems: Problems, keys: tuple[object, ...], build: Any, *args, **kwargs) -> Any:
    """`build(*args, **kwargs)`, or None with the problem noted at `keys`."""
    try:
        return build(*args, **kwargs)
    except LedgerError as error:
        problems.add(keys, str(error))
        return None


def _spend_year(text: str) -> FinancialYear:
    year = FinancialYear.parse(text)
    if year <= BASELINE_YEAR:
        raise LedgerError(f"spend is for a year after the {BASELINE_YEAR} baseline, not {year}")
    return year


def _not_an_icb(code: str, regions: Iterable[str]) -> str:
    if code in regions:
        return f"{code} is a region; a spend line names an ICB (a region's spend is its ICBs')"
    return f"{code} is not an ICB of this ledger"


# --- CSV ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectedRow:
    """A CSV row that was not loaded: where it is, what it held and why."""

    path: str
    line: int
    values: Mapping[str, str]
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def __str__(self) -> str:
        return f"{self.path}: line {self.line}: {self.reason}"


class SpendFileError(LedgerError):
    """Spend lines refused as a whole; `rejected` holds every bad row with its reason."""

    def __init__(self, rejected: Iterable[RejectedRow]) -> None:
        self.rejected = tuple(rejected)
        super().__init__(
            f"{len(self.rejected)} bad spend row(s); nothing was loaded:\n"
            + "\n".join(str(r) for r in self.rejected)
        )


def parse_spend_csv(
    path: Path | str, *, ledger: Ledger | None = None
) -> tuple[tuple[SpendLine, ...], tuple[RejectedRow, ...]]:
    """Every row of a spend CSV, as a line or as a rejected row; with a ledger, each row's
    organisation must be one of its ICBs.

    Columns (a header row, UTF-8, comma-separated): organisation, year (2023/24), category
    (primary_medical, community_health or other), amount_gbp (digits, optional '-' and
    decimals; no '£' or thousands separators), source_title, source_publisher; optionally
    source_url, source_date, note.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [cell.strip() for cell in next(reader)]
        except StopIteration:
            return (), (RejectedRow(str(path), 1, {}, "the file is empty: no header row"),)
        except csv.Error as error:
            return (), (RejectedRow(str(path), 1, {}, f"not readable as CSV: {error}"),)
        missing = [c for c in CSV_COLUMNS if c not in header]
        unknown = [c for c in header if c not in CSV_COLUMNS + CSV_OPTIONAL_COLUMNS]
        if missing or unknown or len(set(header)) != len(header):
            reason = "; ".join(
                [f"missing column(s) {', '.join(missing)}"] * bool(missing)
                + [f"unknown column(s) {', '.join(unknown)}"] * bool(unknown)
                + ["a column appears twice"] * (len(set(header)) != len(header))
            )
            return (), (RejectedRow(str(path), 1, dict.fromkeys(header, ""), reason),)
        lines: list[SpendLine] = []
        rejected: list[RejectedRow] = []
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                rejected.append(RejectedRow(str(path), start, {}, f"not readable as CSV: {error}"))
                break
            if not any(cell.strip() for cell in cells):
                start = reader.line_num + 1
                continue
            values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
            reasons = [f"{len(cells)} cells, the header has {len(header)}"] * (
                len(cells) != len(header)
            )
            line = _row(path, start, values, reasons, ledger)
            if line is None:
                rejected.append(RejectedRow(str(path), start, values, "; ".join(reasons)))
            else:
                lines.append(line)
            start = reader.line_num + 1
    return tuple(lines), tuple(rejected)


def _row(
    path: Path, line: int, values: dict[str, str], reasons: list[str], ledger: Ledger | None
) -> SpendLine | None:
    organisation = values.get("organisation", "")
    if not organisation:
        reasons.append("organisation is empty")
    elif ledger is not None and organisation not in ledger.icbs:
        reasons.append(_not_an_icb(organisation, (r.code for r in ledger.regions)))
    year = None
    try:
        year = _spend_year(values.get("year", ""))
    except LedgerError as error:
        reasons.append(f"year: {error}")
    category = values.get("category", "")
    if category not in CATEGORIES:
        reasons.append(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
    amount = values.get("amount_gbp", "")
    if not _POUNDS.match(amount):
        reasons.append(
            f"amount_gbp {amount!r} is not pounds (digits, optional '-' and decimals; "
            "no '£' or ',')"
        )
    source = None
    try:
        source = Source(
            values.get("source_title", ""),
            values.get("source_publisher", ""),
            values.get("source_url") or None,
            values.get("source_date") or None,
        )
    except LedgerError as error:
        reasons.append(str(error))
    if reasons or year is None or source is None:
        return None
    return SpendLine(
        organisation,
        year,
        category,
        Decimal(amount),
        source,
        values.get("note") or None,
        f"{path}: line {line}",
    )


def read_spend_csv(path: Path | str, ledger: Ledger) -> Ledger:
    """The ledger with the file's spend lines added, or `SpendFileError` (nothing added)."""
    lines, rejected = parse_spend_csv(path, ledger=ledger)
    if rejected:
        raise SpendFileError(rejected)
    return ledger.with_spend(lines)

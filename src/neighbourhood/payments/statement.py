"""A PCN's payment statement for a financial year: every line the PCN and its practices are
due, each with the figures it was worked out from and the evidence behind them.

`statement(engine, "2024/25", "U12345")` reads the store and puts together:

- **Network Contract DES entitlements** (`entitlements`): the registered list is counted
  from the store, patients registered with the PCN's practices on the list date (1 January
  at the start of the year, the basis date the rates files give: 1 January 2024 for
  2024/25), per practice and for the PCN (the sum of its practices' lists). The practices
  are those in the PCN (`practice_in_pcn`) in any month of the year, each for the months
  it was a member. Weighted and adjusted populations are not in the store: they come from
  `inputs` (an inputs file's `pcns:` entry for the PCN), or the lines that need them are
  incomplete, with the reason.
- **Care Home Premium** (`care_home_premium`): each care home aligned to the PCN
  (`care_home_aligned_to_pcn`) in the year, for the months it was aligned; CQC beds from
  `care_homes.beds`; residents coded with the year's qualifying codes (from the rates file)
  counted by a cohort: the library's `ehch-care-home-residents` population, resident in
  the home on the date the store is read (`at`), with a qualifying code on or before it.
  A home in `inputs` (`care_homes:`) replaces the store's figures for that home.
- **ARRS**: with claims in `inputs` (`arrs:`), what each pot pays (reimbursable up to the
  entitlement); with only a weighted population, the entitlement (shown, not added to the
  total: it is what can be claimed, not what is due); with neither, no ARRS line.
- **Investment and Impact Fund**: each indicator of the year (`measure_year`), its
  achievement, points and pounds; an incomplete indicator has no amount and says why.

Amounts are exact to the penny; a line with no amount is incomplete (never £0, never a
guess). `Statement.total` adds the complete lines that count towards the total.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from neighbourhood.codelists import Codelist, CodingSystem, SNOMEDCTCode
from neighbourhood.cohorts import Cohort, run_cohort, shipped_library
from neighbourhood.cohorts.language import SeriesExpr, clinical_events, index_date
from neighbourhood.financial_years import year_of
from neighbourhood.indicators import IndicatorResult, list_sizes, measure_year
from neighbourhood.indicators import Settings as IndicatorSettings
from neighbourhood.indicators.definition import Indicator
from neighbourhood.indicators.definition import financial_year as normal_year
from neighbourhood.indicators.years import year_values
from neighbourhood.payments.arrs import arrs_claims, arrs_entitlement
from neighbourhood.payments.care_homes import care_home_premium
from neighbourhood.payments.compute import entitlement_line
from neighbourhood.payments.entitlements import entitlements
from neighbourhood.payments.input_files import Inputs
from neighbourhood.payments.inputs import CareHome, PcnInputs, PracticeInputs
from neighbourhood.payments.load import load_rates, rates_for
from neighbourhood.payments.periods import Months, financial_year, month_after
from neighbourhood.payments.results import (
    IncompleteEntitlementWarning,
    Line,
    money,
    number,
    pounds,
)
from neighbourhood.store.engines import Engine

__all__ = [
    "SECTIONS",
    "Statement",
    "StatementLine",
    "default_list_date",
    "residents_cohort",
    "statement",
    "statement_year",
]

SECTIONS = (
    "Network Contract DES entitlements",
    "Care Home Premium",
    "ARRS",
    "Investment and Impact Fund",
)
RESIDENTS_COHORT = "ehch-care-home-residents"
COLUMNS = ("section", "item", "payee", "basis", "amount", "status", "in_total", "reasons",
           "warnings", "evidence")  # fmt: skip


@dataclass(frozen=True)
class StatementLine:
    """One amount due (or why it cannot be worked out). `evidence` names what it rests on:
    sources, rates file and revision, definition and codelist versions, dates of the data.
    `in_total` is false for a figure shown for information (an ARRS entitlement with no
    claims against it)."""

    section: str
    item: str
    payee: str
    basis: str
    amount: Decimal | None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    evidence: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    in_total: bool = True

    def __post_init__(self) -> None:
        if self.section not in SECTIONS:
            raise ValueError(f"section {self.section!r} not in {SECTIONS}")
        if (self.amount is None) != bool(self.reasons):
            raise ValueError(f"{self.item}: an amount is missing exactly when incomplete")
        if self.amount is not None:
            object.__setattr__(self, "amount", pounds(Decimal(self.amount)))
        object.__setattr__(self, "reasons", tuple(self.reasons))
        object.__setattr__(self, "warnings", tuple(self.warnings))
        evidence = {
            str(k): tuple(map(str, v)) if isinstance(v, list | tuple) else str(v)
            for k, v in self.evidence.items()
        }
        object.__setattr__(self, "evidence", MappingProxyType(evidence))

    @property
    def status(self) -> str:
        return "incomplete" if self.amount is None else "complete"

    def record(self) -> dict[str, Any]:
        """One flat row: lists joined with "; ", the amount as text (None when incomplete)."""
        return {
            "section": self.section,
            "item": self.item,
            "payee": self.payee,
            "basis": self.basis,
            "amount": None if self.amount is None else str(self.amount),
            "status": self.status,
            "in_total": self.in_total,
            "reasons": "; ".join(self.reasons),
            "warnings": "; ".join(self.warnings),
            "evidence": "; ".join(
                f"{k}: {', '.join(v) if isinstance(v, tuple) else v}"
                for k, v in self.evidence.items()
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        return self.record() | {
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "evidence": {k: list(v) if isinstance(v, tuple) else v
                         for k, v in self.evidence.items()},
        }  # fmt: skip


@dataclass(frozen=True)
class Statement:
    """The lines due to one PCN and its practices for one financial year."""

    year: str  # 2024-25
    pcn: str
    pcn_name: str
    practices: tuple[str, ...]
    list_date: dt.date
    at: dt.date
    synthetic: bool
    lines: tuple[StatementLine, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "practices", tuple(self.practices))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def year_label(self) -> str:
        return self.year.replace("-", "/")

    @property
    def title(self) -> str:
        name = f" {self.pcn_name}" if self.pcn_name else ""
        data = " (SYNTHETIC DATA)" if self.synthetic else ""
        return f"Payment statement {self.year_label}: PCN {self.pcn}{name}{data}"

    @property
    def total(self) -> Decimal:
        """The complete lines that count towards the total, added up."""
        return sum(
            (x.amount for x in self.lines if x.in_total and x.amount is not None), Decimal(0)
        )

    @property
    def incomplete(self) -> tuple[StatementLine, ...]:
        return tuple(x for x in self.lines if x.amount is None)

    @property
    def complete(self) -> bool:
        return not self.incomplete

    def section(self, name: str) -> tuple[StatementLine, ...]:
        return tuple(x for x in self.lines if x.section == name)

    def totals(self) -> dict[str, Any]:
        return {
            "total_of_complete_lines": str(pounds(self.total)),
            "complete_lines": sum(1 for x in self.lines if x.amount is not None),
            "incomplete_lines": len(self.incomplete),
        }

    def records(self) -> list[dict[str, Any]]:
        """One flat row per line, with the year and PCN."""
        return [{"year": self.year, "pcn": self.pcn} | x.record() for x in self.lines]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "year": self.year,
            "pcn": self.pcn,
            "pcn_name": self.pcn_name,
            "synthetic": self.synthetic,
            "practices": list(self.practices),
            "list_date": self.list_date.isoformat(),
            "at": self.at.isoformat(),
            "lines": [x.to_dict() for x in self.lines],
            "totals": self.totals(),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def to_csv(self) -> str:
        """The records, then a total row (section "Total")."""
        out = io.StringIO()
        writer = csv.DictWriter(out, ["year", "pcn", *COLUMNS], lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records())
        totals = self.totals()
        writer.writerow(
            {"year": self.year, "pcn": self.pcn, "section": "Total",
             "item": "complete lines", "amount": totals["total_of_complete_lines"],
             "status": f"{totals['incomplete_lines']} incomplete line(s) not in the total"}
        )  # fmt: skip
        return out.getvalue()

    def write_xlsx(self, path: Path | str) -> Path:
        """A workbook: a title row, a header, the lines (amounts as numbers in £), totals."""
        from neighbourhood.payments.statement_xlsx import write_statement

        return write_statement(self, Path(path))


# ---- reading the store --------------------------------------------------------------------


def statement_year(on: dt.date) -> str:
    """The financial year containing the date (2025-09-30: 2025-26), or the latest year with
    rates when the rates files stop before it."""
    year = year_of(on)
    shipped = sorted(load_rates())
    return year if year in shipped or year < shipped[0] else shipped[-1]


def default_list_date(year: str) -> dt.date:
    """1 January at the start of the year (2024-25: 2024-01-01), as the rates give it."""
    return dt.date(int(year[:4]), 1, 1)


def _rows(expr) -> list[dict[str, Any]]:
    return expr.to_pyarrow().to_pylist()


def _memberships(engine: Engine, relationship: str, pcn: str, year: str) -> dict[str, list]:
    """Children linked to the PCN in any part of the year: code -> [(from, to)]."""
    whole = financial_year(year)
    t = engine.table("org_memberships")
    expr = t.filter(
        (t.relationship == relationship)
        & (t.parent_code == pcn)
        & (t.valid_from <= whole.end)
        & (t.valid_to.isnull() | (t.valid_to >= whole.start))
    ).select("child_code", "valid_from", "valid_to")
    found: dict[str, list] = {}
    for row in _rows(expr):
        found.setdefault(row["child_code"], []).append((row["valid_from"], row["valid_to"]))
    return dict(sorted(found.items()))


def _runs(periods: list, year: str) -> list[Months]:
    """The months of the year whose first day a period covers, as runs of whole months."""
    covered = [
        m
        for m in financial_year(year).months
        if any(start <= m and (end is None or m <= end) for start, end in periods)
    ]
    runs: list[list[dt.date]] = []
    for month in covered:
        if runs and month_after(runs[-1][-1]) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [Months(len(r), r[0]) for r in runs]


def _names(engine: Engine, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    if not codes:
        return {}
    t = engine.table("organisations")
    return {r["org_code"]: r["name"] for r in _rows(t.filter(t.org_code.isin(codes)))}


def _beds(engine: Engine, homes: Iterable[str]) -> dict[str, int | None]:
    homes = list(homes)
    if not homes:
        return {}
    t = engine.table("care_homes")
    rows = _rows(t.filter(t.org_code.isin(homes)).select("org_code", "beds"))
    return {r["org_code"]: r["beds"] for r in rows}


def _synthetic(engine: Engine) -> bool:
    """True when the store holds loads and every one of them was synthetic."""
    t = engine.table("load_log")
    row = _rows(t.aggregate(n=t.count(), real=(~t.synthetic).cast("int64").sum()))[0]
    return bool(row["n"]) and not row["real"]


def _span(months: Months, year: str) -> str:
    found = months.in_year(year)
    if not found:
        return "no month"
    if len(found) == 12:
        return "the whole year"
    return f"{found[0]:%b %Y} to {found[-1]:%b %Y}"


# ---- the statement --------------------------------------------------------------------------


def statement(
    engine: Engine,
    year: str,
    pcn: str,
    *,
    inputs: Inputs | None = None,
    iif_settings: IndicatorSettings | None = None,
    at: dt.date | None = None,
    list_date: dt.date | None = None,
    iif_definitions: Mapping[str, Indicator] | None = None,
) -> Statement:
    """Every line the PCN and its practices are due for `year` (2024/25 or 2024-25).

    `at` is the date the store is read for care home residents (default: the last day of the
    year); `list_date` the date of the registered list (default: 1 January at the start of
    the year); `inputs` what the store does not hold (see the module doc); `iif_settings`
    and `iif_definitions` are passed to `measure_year`.
    """
    try:
        year = normal_year(year)
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    rates = rates_for(year)
    whole = financial_year(year)
    at = at or whole.end
    list_date = list_date or default_list_date(year)
    if inputs is not None and inputs.year is not None and inputs.year != year:
        raise ValueError(f"{inputs.path}: the inputs are for {inputs.year}, not {year}")
    practices = _memberships(engine, "practice_in_pcn", pcn, year)
    names = _names(engine, [pcn])
    if pcn not in names and not practices:
        raise ValueError(f"no PCN {pcn} in the store, and no practice in it in {year}")
    notes: list[str] = []
    given = next((p for p in (inputs.pcns if inputs else ()) if p.code == pcn), None)
    sizes = list_sizes(engine, list_date)
    lines: list[StatementLine] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteEntitlementWarning)
        per_head, registered = _per_head(year, pcn, practices, sizes, list_date, given, notes)
        lines += per_head
        lines += _care_homes(engine, year, pcn, at, inputs, notes)
        lines += _arrs(year, pcn, inputs, given, registered, notes)
    lines += _iif(engine, year, pcn, iif_settings, iif_definitions, notes)
    if not names:
        notes.append(f"{pcn} is not in the store's organisations table: no name shown")
    found = Statement(
        year=year,
        pcn=pcn,
        pcn_name=names.get(pcn, ""),
        practices=tuple(practices),
        list_date=list_date,
        at=at,
        synthetic=_synthetic(engine),
        lines=tuple(lines),
        notes=tuple(dict.fromkeys([*notes, *rates.notes])),
    )
    if found.incomplete:
        warnings.warn(
            IncompleteEntitlementWarning(
                f"{year} {pcn}: {len(found.incomplete)} line(s) of the statement are "
                "incomplete (no amount); each says why"
            ),
            stacklevel=2,
        )
    return found


def _line(section: str, line: Line, item: str = "", **evidence: Any) -> StatementLine:
    """A payments `Line` as a statement line: its inputs and citations become evidence."""
    shown = {k: "not given" if v is None else v for k, v in line.inputs.items()}
    return StatementLine(
        section=section,
        item=item or line.title,
        payee=line.payee,
        basis=line.formula,
        amount=line.amount,
        reasons=line.reasons,
        warnings=line.warnings,
        evidence={
            "inputs": "; ".join(f"{k}: {v}" for k, v in shown.items()),
            **evidence,
            "revision": line.revision,
            "source status": tuple(dict.fromkeys(line.statuses)),
            "sources": line.sources,
        },
    )


def _per_head(year, pcn, practices, sizes, list_date, given: PcnInputs | None, notes):
    """The per-head entitlements, with the registered lists counted from the store."""
    rates_file = f"payments/rates/{year}.yaml"
    weighted = {p.code: p for p in (given.practices if given else ())}
    for code in sorted(set(weighted) - set(practices)):
        notes.append(f"inputs: practice {code} is not in {pcn} in {year} in the store; ignored")
    lists = {code: sizes.get(("practice", code), 0) for code in practices}
    first: list[PracticeInputs] = []
    later: list[PracticeInputs] = []
    for code, periods in practices.items():
        runs = _runs(periods, year)
        for i, run in enumerate(runs):
            practice = weighted.get(code)
            built = PracticeInputs(
                code,
                registered_patients=lists[code],
                weighted_population=practice.weighted_population if practice else None,
                months=run,
            )
            (first if i == 0 else later).append(built)
    registered = sum(lists.values())
    pcn_inputs = PcnInputs(
        code=pcn,
        registered_patients=registered,
        weighted_population=given.weighted_population if given else None,
        adjusted_population=given.adjusted_population if given else None,
        practices=tuple(first),
        months=given.months if given else Months(),
    )
    if given is not None and given.registered_patients not in (None, registered):
        notes.append(
            f"inputs: {pcn} registered list {number(given.registered_patients)} differs from "
            f"the store's {registered:,} on {list_date}; the store's is used"
        )
    report = entitlements(year, pcn_inputs)
    found = list(report.lines)
    for practice in later:  # a practice that left and came back: its second run of months
        again = entitlements(year, PcnInputs(code=pcn, practices=(practice,)))
        found += [x for x in again.lines if x.paid_to == "practice"]
    counted = f"patients registered with the PCN's practices on {list_date} (store)"
    lines = []
    for line in found:
        at_practice = line.paid_to == "practice"
        evidence: dict[str, Any] = {
            "registered list": (
                f"{lists.get(line.payee, 0):,} patients registered with {line.payee} on "
                f"{list_date} (store)"
                if at_practice
                else f"{registered:,} {counted}: "
                + ", ".join(f"{c} {n:,}" for c, n in lists.items())
            ),
            "rates file": rates_file,
        }
        if not given:
            evidence["weighted and adjusted populations"] = "not in the store; no inputs given"
        lines.append(_line(SECTIONS[0], line, **evidence))
    for code, count in lists.items():
        if count == 0:
            notes.append(f"no patient in the store is registered with {code} on {list_date}")
    return lines, registered


def _premium_codelist(year: str, codes: tuple[str, ...], status: str) -> Codelist:
    return Codelist(
        id=f"care-home-premium-qualifying-codes-{year}",
        version=year,
        system=CodingSystem.SNOMED_CT,
        codes=frozenset(SNOMEDCTCode(c) for c in codes),
        source=f"payments/rates/{year}.yaml: care_home_premium.condition (status {status})",
    )


def residents_cohort(year: str, homes: Iterable[str], codelist: Codelist) -> Cohort:
    """The library's care home residents (aged 18+, registered, alive, resident on the
    date) living in one of `homes`, with whether each is coded with the qualifying codes on
    or before the date."""
    library = shipped_library()[RESIDENTS_COHORT]
    home = SeriesExpr(library.variables["care_home_code"])
    coded = clinical_events.coded(codelist).on_or_before(index_date).exists_for_patient()
    population = SeriesExpr(library.population) & home.is_in(tuple(sorted(homes)))
    return Cohort(
        id=f"care-home-premium-residents-{year}",
        version=library.version,
        title=f"Care home residents and the Care Home Premium codes ({year})",
        description=(
            f"{library.title}, living in one of the PCN's aligned homes, with whether a "
            f"qualifying code ({', '.join(codelist.values)}) is recorded on or before the date."
        ),
        population=population.node,
        variables={"care_home_code": home.node, "qualifying_code_recorded": coded.node},
        criteria=("qualifying_code_recorded",),
        sources=library.sources,
        choices=(
            f"Residents as the library cohort {RESIDENTS_COHORT} (version {library.version}) "
            "defines them; a qualifying code recorded at any time up to the date counts.",
        ),
    )


def _care_homes(engine, year, pcn, at, inputs: Inputs | None, notes) -> list[StatementLine]:
    rates = rates_for(year)
    entitlement = rates.entitlements.get("care_home_premium")
    aligned = _memberships(engine, "care_home_aligned_to_pcn", pcn, year)
    given = {h.id: h for h in (inputs.care_homes if inputs else ()) if h.pcn == pcn}
    if entitlement is None:
        if aligned or given:
            notes.append(f"There was no Care Home Premium in {year}.")
        return []
    condition = entitlement.condition
    codes = tuple(condition.codes) if condition and condition.codes else ()
    uncounted = ""
    counted: Counter = Counter()
    residents: Counter = Counter()
    evidence: dict[str, Any] = {"rates file": f"payments/rates/{year}.yaml"}
    if aligned and codes:
        codelist = _premium_codelist(year, codes, condition.status)  # type: ignore[union-attr]
        cohort = residents_cohort(year, aligned, codelist)
        run = run_cohort(engine, cohort, at)
        for home, coded in zip(
            run.rows.column("care_home_code").to_pylist(),
            run.rows.column("qualifying_code_recorded").to_pylist(),
            strict=True,
        ):
            residents[home] += 1
            counted[home] += bool(coded)
        evidence |= {
            "residents counted by": f"cohort {cohort.id} on {at} (library cohort "
            f"{RESIDENTS_COHORT} version {cohort.version})",
            "codelist": f"{codelist.id} version {codelist.version}: {', '.join(codes)}",
        }
    elif aligned:
        evidence["qualifying codes"] = f"not found for {year}: coded residents not counted"
        uncounted = (
            f"the qualifying codes of the premium in {year} were not found, so residents "
            "coded with them cannot be counted from the store (give the home's "
            "coded_residents in the inputs' care_homes)"
        )
    beds = _beds(engine, aligned)
    names = _names(engine, [*aligned, *given])
    lines = []
    for code, periods in aligned.items():
        if code in given:
            continue
        for months in _runs(periods, year) or [Months(0)]:
            shown = {
                "alignment": f"{code} aligned to {pcn} for {_span(months, year)} "
                "(store: org_memberships)",
                "beds": "CQC beds from the store's care_homes table",
                "residents": "not counted"
                if uncounted
                else f"{residents[code]} resident(s) "
                f"in the store on {at}, {counted[code]} coded with a qualifying code",
            }
            item = f"{entitlement.title}: {names.get(code) or code}"
            if beds.get(code) is None:
                lines.append(_no_beds(year, entitlement, code, months, item, shown | evidence))
                continue
            home = CareHome(code, pcn, int(beds[code]), counted[code], months, names.get(code, ""))
            found = _premium(year, home, item, shown | evidence)
            if uncounted:  # the premium's own reason would say "no resident is coded"
                found = [
                    replace(x, reasons=(uncounted, *(r for r in x.reasons if "coding" not in r)))
                    if x.reasons
                    else x
                    for x in found
                ]
            lines += found
    for code, home in given.items():
        item = f"{entitlement.title}: {home.name or names.get(code) or code}"
        shown = {"figures": f"beds, coded residents and months from {inputs.path}"}  # type: ignore[union-attr]
        lines += _premium(year, home, item, shown | evidence)
    return lines


def _premium(year, home: CareHome, item: str, evidence) -> list[StatementLine]:
    return [_line(SECTIONS[1], x, item, **evidence) for x in care_home_premium(year, home).lines]


def _no_beds(year, entitlement, code, months, item, evidence) -> StatementLine:
    line = entitlement_line(entitlement, code, {"bed": None}, months.in_year(year), None)
    return StatementLine(
        section=SECTIONS[1],
        item=item,
        payee=code,
        basis=line.formula if line else "no month aligned",
        amount=None,
        reasons=(f"no CQC beds for {code} in the store's care_homes table",),
        evidence={**evidence, "beds": "the store's care_homes table has no beds for this home",
                  "sources": line.sources if line else ()},
    )  # fmt: skip


def _arrs(year, pcn, inputs: Inputs | None, given, registered, notes) -> list[StatementLine]:
    arrs = inputs.arrs if inputs else None
    if arrs is not None and arrs.pcn not in ("PCN", pcn):
        notes.append(f"inputs: the arrs section is for {arrs.pcn}, not {pcn}; not used")
        arrs = None
    weighted = (arrs.weighted_population if arrs else None) or (
        given.weighted_population if given else None
    )
    evidence = {"arrs file": f"payments/arrs/{year}.yaml"}
    if arrs is not None and arrs.claims:
        report = arrs_claims(
            year, arrs.claims, weighted_population=weighted,
            registered_patients=registered, pcn=pcn,
        )  # fmt: skip
        lines = []
        for pot in report.pots.values():
            mine = [c for c in report.claims if c.pot == pot.pot]
            if not mine and pot.entitlement is None and not pot.reasons:
                continue
            basis = (
                f"{len(mine)} claim(s): claimed {money(pot.claimed)}, reimbursable "
                f"{money(pot.reimbursable)}, entitlement {money(pot.entitlement)}; paid = "
                f"min(reimbursable, entitlement) = {money(pot.paid)}"
            )
            if pot.paid is not None:
                basis += f"; unspent {money(pot.unspent)}; overspend {money(pot.overspend)}"
            entitlement = next(
                (x for x in report.entitlement.lines if x.entitlement == f"arrs_{pot.pot}"), None
            )
            reasons = pot.reasons or (("no entitlement to check the claims against",)
                                      if pot.paid is None else ())  # fmt: skip
            lines.append(
                StatementLine(
                    section=SECTIONS[2],
                    item=f"ARRS reimbursement: {pot.title}",
                    payee=pcn,
                    basis=basis,
                    amount=pot.paid,
                    reasons=reasons,
                    warnings=pot.notes,
                    evidence=evidence | {
                        "claims": tuple(f"{c.staff_id} {c.role}: {c.formula}" for c in mine),
                        "entitlement": entitlement.formula if entitlement else "none",
                        "weighted population": "not given" if weighted is None
                        else f"{number(weighted)} (inputs)",
                        "registered list for caps": f"{registered:,} (store)",
                        "sources": entitlement.sources if entitlement else (),
                    },
                )
            )  # fmt: skip
        for breach in report.breaches:
            notes.append(f"ARRS cap {breach.cap} breached: {breach.rule}")
        return lines
    if weighted is None:
        notes.append("ARRS not shown: no claims and no weighted population in the inputs")
        return []
    report = arrs_entitlement(year, weighted, pcn=pcn)
    evidence["weighted population"] = f"{number(weighted)} (inputs)"
    return [
        replace(_line(SECTIONS[2], x, f"{x.title} (entitlement: the most claimable)", **evidence),
                in_total=False)
        for x in report.lines
    ]  # fmt: skip


def _iif(engine, year, pcn, settings, definitions, notes) -> list[StatementLine]:
    try:
        results = measure_year(engine, year, settings=settings, pcn=pcn, definitions=definitions)
    except KeyError as error:
        notes.append(f"Investment and Impact Fund: {error.args[0]}")
        return []
    values = year_values(year)
    return [_iif_line(result, pcn, values, settings) for result in results]


def _iif_line(result: IndicatorResult, pcn, values, settings) -> StatementLine:
    indicator = result.indicator
    record = next((r for r in result.records if r["level"] == "pcn" and r["pcn_code"] == pcn), None)
    provenance = result.provenance
    evidence: dict[str, Any] = {
        "definition": f"{provenance['definition_file']} version {indicator.version} "
        f"(status {indicator.status})",
        "codelists": tuple(f"{k} version {v}" for k, v in indicator.cohort.codelists.items()),
        "period": " to ".join(provenance["period"]),
        "list size date": provenance["list_size_date"],
        "engine": provenance["engine"],
        "sources": tuple(
            dict.fromkeys(
                f"{s.get('title')} ({s.get('publisher')}, {s.get('kind')}) {s.get('url')}"
                for s in indicator.sources.values()
            )
        ),
    }
    title = indicator.title.removeprefix(f"{indicator.id}: ")
    item = f"{indicator.id}: {title}"
    if record is None:
        return StatementLine(
            SECTIONS[3], item, pcn, "no patient of the PCN was counted", None,
            ("no patient of the PCN in the indicator's cohort: achievement cannot be worked "
             "out", *result.warnings), (), evidence,
        )  # fmt: skip
    achievement = record["achievement"]
    basis = (
        f"achievement {record['numerator']:,}/{record['denominator']:,}"
        + (f" = {achievement:.1%}" if achievement is not None else "")
        + f" (eligible {record['eligible']:,}, declined {record['declined']:,}, unsuitable "
        f"{record['unsuitable']:,}); thresholds {_share(indicator.value('lower_threshold'))}"
        f"-{_share(indicator.value('upper_threshold'))}, "
        f"{_plain(indicator.value('points'))} points"
    )
    amount = None if record.get("pounds") is None else Decimal(record["pounds"])
    if amount is not None:
        average = (settings.average_pcn_list_size if settings else None) or (
            values.average_pcn_list_size.value
        )
        basis += (
            f"; {record['points']} points × £{_plain(values.pound_per_point.value)} × "
            f"{record['list_size']:,} list size / {_plain(average)} national average"
        )
        if indicator.value("prevalence_adjusted"):
            basis += f" × prevalence {record['prevalence']:.4f} / national prevalence"
        basis += f" = {money(amount)}"
        reasons: tuple[str, ...] = ()
    else:
        basis += f"; pounds not worked out: {record.get('pounds_note')}"
        reasons = (record.get("pounds_note") or "no pounds", *result.warnings)
    return StatementLine(
        SECTIONS[3], item, pcn, basis, amount, tuple(dict.fromkeys(reasons)),
        result.warnings if amount is not None else (), evidence,
    )  # fmt: skip


def _share(value: Any) -> str:
    return "not found" if value is None else f"{value:.0%}"


def _plain(value: Any) -> str:
    if value is None:
        return "not found"
    return number(Decimal(str(value)))

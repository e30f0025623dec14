"""The Investment and Impact Fund sections: `indicators.measure_year` records of the PCN and
its practices, or of the ICB's PCNs."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from neighbourhood.financial_years import year_of
from neighbourhood.indicators import IndicatorResult, measure_year, shipped_definitions
from neighbourhood.payments import IncompleteEntitlementWarning
from neighbourhood.reports.common import Row, project, published
from neighbourhood.reports.model import Chart, Column, Section
from neighbourhood.store.engines import Engine

IIF_SUPPRESSION: dict[str, Any] = {
    "counts": ("eligible", "declined", "unsuitable", "denominator", "numerator"),
    "dependent": {
        "achievement": ("numerator", "denominator"),
        "prevalence": ("denominator",),
        "points": ("achievement",),
        "pounds": ("achievement", "prevalence"),
    },
    "sums": {"eligible": ("denominator", "declined", "unsuitable")},
    "group_by": ("year", "indicator", "pcn_code"),
    "is_total": lambda r: r.get("practice_code") is None,
}  # disclosure's INDICATOR_* defaults, as the API's /v1/indicators/{year}/results

IIF_PCN_COLUMNS = (
    Column("indicator", "Indicator"),
    Column("level", "Level"),
    Column("organisation", "Organisation"),
    Column("status", "Definition"),
    Column("eligible", "Eligible", "count"),
    Column("declined", "Declined", "count"),
    Column("unsuitable", "Unsuitable", "count"),
    Column("denominator", "Denominator", "count"),
    Column("numerator", "Numerator", "count"),
    Column("achievement", "Achievement (%)", "percent"),
    Column("lower_threshold", "Lower threshold (%)", "percent"),
    Column("upper_threshold", "Upper threshold (%)", "percent"),
    Column("points", "Points", "number"),
    Column("pounds", "Pounds", "pounds"),
)
IIF_ICB_COLUMNS = (
    IIF_PCN_COLUMNS[0],
    Column("pcn_code", "PCN"),
    *(c for c in IIF_PCN_COLUMNS[3:] if c.key not in ("eligible", "declined", "unsuitable")),
)


def _percent(proportion: float | None) -> float | None:
    return None if proportion is None else 100 * proportion


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _iif_year(end: dt.date) -> tuple[str, str | None]:
    """The financial year containing the date; when no indicators are shipped for it (and it
    is after the first shipped year), the latest shipped year, with a note saying so, as
    `payments.statement.statement_year` does for the rates."""
    year = year_of(end)
    shipped = sorted({i.year for i in shipped_definitions().values()})
    if year in shipped or year < shipped[0]:
        return year, None
    return shipped[-1], (
        f"No IIF indicators are shipped for {year}, the year of this month: the latest year "
        f"with indicators, {shipped[-1]}, is shown"
    )


def _measure(engine: Engine, end: dt.date, pcn: str | None) -> tuple[str, list, list[str]]:
    """The IIF results of the year of `end` (see `_iif_year`) and the notes to show."""
    year, note = _iif_year(end)
    notes = [note] if note else []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IncompleteEntitlementWarning)
            results = measure_year(engine, year, pcn=pcn)
    except KeyError as error:
        return year, [], [*notes, str(error.args[0] if error.args else error)]
    periods = sorted({(r.provenance["period"][0], r.provenance["period"][1]) for r in results})
    notes.append(
        "Achievement = numerator / denominator after the personalised care adjustment, over "
        "each indicator's period (" + "; ".join(f"{a} to {b}" for a, b in periods) + "); "
        "thresholds and points from the definition files; an incomplete definition earns no "
        "points or pounds (neighbourhood.indicators.measure_year)"
    )
    notes += [f"{r.indicator.id}: {r.indicator.title.removeprefix(r.indicator.id + ': ')}"
              for r in results]  # fmt: skip
    notes += sorted({w for r in results for w in r.warnings})
    return year, results, notes


def _iif_record(result: IndicatorResult, record: Row) -> Row:
    indicator = result.indicator
    return record | {
        "status": indicator.status,
        "organisation": record["practice_code"] or record["pcn_code"],
        "achievement": _percent(record["achievement"]),
        "lower_threshold": _percent(indicator.value("lower_threshold")),
        "upper_threshold": _percent(indicator.value("upper_threshold")),
        "points": record.get("points"),
        "pounds": _money(record.get("pounds")),
    }


def pcn_iif_section(
    engine: Engine, pcn: str, end: dt.date, publishable: bool
) -> tuple[Section, str, list[Row]]:
    """The PCN's and its practices' IIF records, with a threshold chart of the PCN; also the
    year shown and the PCN-level rows (the payment statement hides what they hide)."""
    year, results, notes = _measure(engine, end, pcn)
    records = [_iif_record(result, r) for result in results for r in result.records
               if r["pcn_code"] == pcn]  # fmt: skip
    counted = {r["indicator"] for r in records}
    notes += [f"{r.indicator.id}: no patient of {pcn} in the indicator's cohort" for r in results
              if r.indicator.id not in counted]  # fmt: skip
    records = published(records, publishable, **IIF_SUPPRESSION)
    pcn_rows = [r for r in records if r["level"] == "pcn"]
    chart = Chart(
        "threshold",
        f"IIF {year}: {pcn}'s achievement against the thresholds",
        "",
        tuple((r["indicator"], r["achievement"], r["lower_threshold"], r["upper_threshold"])
              for r in pcn_rows),
    )  # fmt: skip
    section = Section(
        "iif",
        f"Investment and Impact Fund {year}",
        IIF_PCN_COLUMNS,
        project(records, IIF_PCN_COLUMNS),
        tuple(notes) if records else ("No IIF figure for the PCN", *notes),
        chart if pcn_rows else None,
    )
    return section, year, pcn_rows


def icb_iif_section(
    engine: Engine, pcn_codes: Sequence[str], end: dt.date, publishable: bool
) -> tuple[Section, str]:
    """The PCN-level IIF records of the ICB's PCNs, every indicator of the year; also the
    year shown."""
    year, results, notes = _measure(engine, end, None)
    wanted = set(pcn_codes)
    records = [_iif_record(result, r) for result in results for r in result.records
               if r["level"] == "pcn" and r["pcn_code"] in wanted]  # fmt: skip
    records = published(records, publishable, **IIF_SUPPRESSION)
    section = Section(
        "iif",
        f"Investment and Impact Fund {year}",
        IIF_ICB_COLUMNS,
        project(records, IIF_ICB_COLUMNS),
        tuple(notes) if records else ("No IIF figure for the ICB's PCNs", *notes),
    )
    return section, year

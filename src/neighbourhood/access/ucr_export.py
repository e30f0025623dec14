"""The KPIs in the layout NHS England publishes: one table per measure, organisations in
rows, months in columns.

NHS England's "2-hour Urgent Community Response Performance Metrics" workbooks have Table 1
(% of 2-hour referrals meeting the standard), Table 2 (2-hour referrals in scope) and Table 3
(2-hour contacts), organisations (England, region, ICB, provider) in rows and months in
columns [community-standards.md §1.3, as parsed by third-party analyst code]. We add the
measures from April 2026: all UCR referrals and the rate per 100,000 [S12].

Disclosure rules (`DISCLOSURE`):

- Counts are rounded to the nearest 5 (0-2 -> 0, 3-7 -> 5, ...). Only third-party analyst code
  says the published counts are so rounded; no official statement was found
  (community-standards.md §1.3, ucr-clocks.md §5 "NOT FOUND").
- A percentage, and a rate per 100,000, is shown only when the count it is worked out from
  (the clocks decided, met + not met; the UCR referrals) is 0 or at least 5; from 1 to 4 it
  is hidden, with `neighbourhood.disclosure.suppress` (threshold 5, NHS Digital's primary
  suppression of small counts; see that module for the sources). Percentages and rates are
  worked out from the unrounded counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from neighbourhood.disclosure import suppress

__all__ = ["DISCLOSURE", "HIDDEN", "MEASURES", "published_rows", "round_to_5", "to_csv"]

DISCLOSURE = (
    "counts rounded to the nearest 5; a percentage or rate hidden when the count it comes from "
    "is 1 to 4 (neighbourhood.disclosure, threshold 5)"
)
HIDDEN = "*"

MEASURES: tuple[tuple[str, str, str, str | None], ...] = (
    # (table, title, KPI column, kind or the count it is worked out from)
    ("1", "% of 2-hour UCR referrals meeting the 2-hour standard", "two_hour_percent_met",
     "two_hour_decided"),
    ("2", "2-hour UCR referrals in scope", "two_hour_referrals", None),
    ("3", "2-hour UCR contacts delivered", "two_hour_contacts", None),
    ("4", "All UCR referrals", "ucr_referrals", None),
    ("5", "UCR referrals per 100,000 registered population", "ucr_referrals_per_100k",
     "ucr_referrals"),
    ("6", "% of reablement referrals meeting the 2-day standard", "reablement_percent_met",
     "reablement_decided"),
)  # fmt: skip

ORG_LEVELS = ("england", "region", "icb", "provider", "team")


def round_to_5(count: int | None) -> int | None:
    """The nearest multiple of 5 (a count is whole, so there is never a tie)."""
    return None if count is None else 5 * ((count + 2) // 5)


def _shown(record: dict[str, Any], column: str, base: str | None) -> Any:
    if base is None:
        return round_to_5(record[column])
    if base == "two_hour_decided":
        count = record["two_hour_met"] + record["two_hour_not_met"]
    elif base == "reablement_decided":
        count = record["reablement_met"] + record["reablement_not_met"]
    else:
        count = record[base]
    (checked,) = suppress(
        [{"count": count, "value": record[column]}],
        ("count",),
        threshold=5,
        dependent={"value": ("count",)},
        sums={},
    )
    return HIDDEN if "value" in checked["suppressed"] else record[column]


def published_rows(kpi_rows: Iterable[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """(months as YYYY-MM, rows): one row per measure and organisation, a column per month.

    A month with no figure for an organisation is empty (None)."""
    by_org: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    months: set[str] = set()
    for record in kpi_rows:
        month = record["month"].strftime("%Y-%m")
        months.add(month)
        org = (record["level"], record["org_code"], record["org_name"] or "")
        by_org.setdefault(org, {})[month] = record
    ordered = sorted(months)
    rows = []
    for table, title, column, base in MEASURES:
        for level, code, name in sorted(by_org, key=lambda o: (ORG_LEVELS.index(o[0]), o[1])):
            cells = by_org[(level, code, name)]
            row = {"table": table, "measure": title, "level": level, "org_code": code,
                   "org_name": name}  # fmt: skip
            for month in ordered:
                row[month] = _shown(cells[month], column, base) if month in cells else None
            rows.append(row)
    return ordered, rows


def to_csv(months: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, ["table", "measure", "level", "org_code", "org_name", *months], lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()

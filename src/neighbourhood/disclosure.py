"""Small-number suppression for figures meant for publication.

Primary suppression: a count from 1 to `threshold - 1` becomes None. Zero is kept as 0: a
zero says that nobody has the characteristic, which discloses nothing about any one person,
and hiding zeros as well would make every suppressed cell a number from 0 upwards instead
(NHS Digital's earlier rule for Hospital Episode Statistics and the National Child
Measurement Programme replaced "values between 1 and 5" with "*", zero not among them, then
applied secondary suppression; see the sources below). The default threshold, 5, hides 1 to 4;
`threshold=6` gives that NHS Digital range (1 to 5) and `threshold=8` the 1 to 7 range of
its later secondary care method (which also rounds the other counts to the nearest 5: not
done here).

A field worked out from a suppressed count (achievement from the numerator and denominator,
prevalence from the denominator, points and pounds from achievement) is suppressed with it,
since it would give the count back. Where a record's total is the sum of its parts (eligible =
denominator + declined + unsuitable) and exactly one part is hidden, the smallest other
part (a zero included) is hidden too; `suppress_siblings` does the same across records (a
PCN's total and its practices). Every record gets a `suppressed` field listing the fields
hidden in it.

Sources (read 2026-12):

- NHS Digital, "Disclosure control methodology for Hospital Episode Statistics (HES) and
  Emergency Care Data Set (ECDS)" (from September 2018),
  https://digital.nhs.uk/data-and-information/data-tools-and-services/data-services/hospital-episode-statistics/change-to-disclosure-control-methodology-for-hes-and-ecds-from-september-2018
  (primary): the rules until then "require the use of secondary suppression after replacing
  values between 1 and 5 with '*', checking that other values within the data cannot be
  used to recalculate the original small numbers".
- NHS Digital, "Changes to the National Child Measurement Programme 2019-20 publication
  content and disclosure control methodology" (primary): the same rule, "suppression any
  values between 1 and 5 with a '*', then applying secondary suppression on the outputs to
  ensure that it is not possible to recalculate any of the suppressed values".
- The 1 to 7 range with rounding to the nearest 5 of the later secondary care method was
  seen only in an unofficial copy of NHS Digital's text, so it is not relied on.

This module imports nothing else from the package (stage 0: any stage may use it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "DISCHARGE_COUNTS",
    "DISCHARGE_DEPENDENT",
    "INDICATOR_COUNTS",
    "INDICATOR_DEPENDENT",
    "INDICATOR_SUMS",
    "OVERVIEW_COUNTS",
    "OVERVIEW_DEPENDENT",
    "SUPPRESSED",
    "UCR_DEPENDENT",
    "suppress",
    "suppress_for_publication",
    "suppress_siblings",
]

SUPPRESSED = "suppressed"
"""The field of each record listing the fields hidden in it."""

INDICATOR_COUNTS = ("eligible", "declined", "unsuitable", "denominator", "numerator")
"""The counts of patients in an indicator record (`neighbourhood.indicators`)."""

INDICATOR_DEPENDENT: Mapping[str, tuple[str, ...]] = {
    "achievement": ("numerator", "denominator"),
    "prevalence": ("denominator",),  # over the list size, which is published anyway
    "points": ("achievement",),
    "pounds": ("achievement", "prevalence"),
}
"""Derived field -> the fields it is worked out from (followed transitively)."""

INDICATOR_SUMS: Mapping[str, tuple[str, ...]] = {
    "eligible": ("denominator", "declined", "unsuitable"),
}
"""Total field -> its parts, within one record."""

OVERVIEW_COUNTS = ("registered_patients", "care_home_residents")
"""The counts of patients in a PCN summary row (`neighbourhood.overview.pcn_summary`)."""

OVERVIEW_DEPENDENT: Mapping[str, tuple[str, ...]] = {"pct_65_plus": ("registered_patients",)}

UCR_DEPENDENT: Mapping[str, tuple[str, ...]] = {
    "two_hour_percent_met": ("two_hour_met", "two_hour_not_met"),
    "meets_target": ("two_hour_percent_met",),
    "reablement_percent_met": ("reablement_met", "reablement_not_met"),
    "ucr_referrals_per_100k": ("ucr_referrals",),
}
"""What a UCR KPI row (`neighbourhood.access.ucr_kpis`, counts in its COUNT_COLUMNS) works
out from its counts."""

DISCHARGE_COUNTS = ("discharges", "with_ready_date", "without_ready_date",
                    "bed_days_lost_in_month", "discharged_on_ready_date", "delayed")  # fmt: skip
"""The counts of a discharge delay summary (`neighbourhood.access.discharge`)."""

DISCHARGE_DEPENDENT: Mapping[str, tuple[str, ...]] = {
    name: ("with_ready_date",)
    for name in ("mean_delay_days", "median_delay_days", "p90_delay_days",
                 "delay_days_of_these_discharges")
}  # fmt: skip

Dependent = Mapping[str, str | Sequence[str]]


def _sources(dependent: Dependent) -> dict[str, tuple[str, ...]]:
    return {k: (v,) if isinstance(v, str) else tuple(v) for k, v in dependent.items()}


def _hide(record: dict[str, Any], field: str, dependent: dict[str, tuple[str, ...]]) -> None:
    """Hide the field and, transitively, every field worked out from it."""
    pending = [field]
    while pending:
        name = pending.pop(0)
        if name in record and name not in record[SUPPRESSED]:
            record[name] = None
            record[SUPPRESSED].append(name)
        pending += [d for d, froms in dependent.items() if name in froms and d in record
                    and d not in record[SUPPRESSED]]  # fmt: skip


def _smallest(candidates: Iterable[tuple[Any, int]]) -> Any | None:
    """The key of the smallest value (the first of equals), or None when there is none. A
    zero may be picked: two hidden cells then add up to the difference, whichever is 0."""
    found = sorted(candidates, key=lambda kv: kv[1])
    return found[0][0] if found else None


def suppress(
    records: Iterable[Mapping[str, Any]],
    count_fields: Sequence[str] = INDICATOR_COUNTS,
    *,
    threshold: int = 5,
    dependent: Dependent = INDICATOR_DEPENDENT,
    sums: Mapping[str, Sequence[str]] = INDICATOR_SUMS,
) -> list[dict[str, Any]]:
    """Copies of the records with counts from 1 to threshold - 1 hidden (None), with the
    fields worked out from them, and within-record secondary suppression (`sums`).

    Nothing is dropped: every record comes back, with `suppressed` listing what was hidden
    in it, in the order hidden. A field that is missing or already None is left alone.
    """
    if type(threshold) is not int or threshold < 1:
        raise ValueError(f"the threshold is a whole number of 1 or more, not {threshold!r}")
    derived = _sources(dependent)
    found = []
    for original in records:
        record = dict(original)
        record[SUPPRESSED] = list(record.get(SUPPRESSED) or [])
        for field in count_fields:
            value = record.get(field)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{field} is not a count: {value!r}")
            if 0 < value < threshold:
                _hide(record, field, derived)
        _within(record, sums, derived)
        found.append(record)
    return found


def _within(
    record: dict[str, Any],
    sums: Mapping[str, Sequence[str]],
    derived: dict[str, tuple[str, ...]],
) -> None:
    changed = True
    while changed:
        changed = False
        for total, parts in sums.items():
            present = [p for p in parts if p in record]
            hidden = [p for p in present if record[p] is None]
            if record.get(total) is None or len(hidden) != 1:
                continue
            pick = _smallest((p, record[p]) for p in present if record[p] is not None)
            if pick is not None:
                _hide(record, pick, derived)
                changed = True


def suppress_siblings(
    records: Iterable[Mapping[str, Any]],
    group_by: Sequence[str],
    count_field: str,
    *,
    is_total: Callable[[Mapping[str, Any]], bool] = lambda r: r.get("practice_code") is None,
    dependent: Dependent = INDICATOR_DEPENDENT,
    sums: Mapping[str, Sequence[str]] = INDICATOR_SUMS,
) -> list[dict[str, Any]]:
    """Secondary suppression across records: within each group (e.g. one indicator of one
    PCN: `group_by=("year", "indicator", "pcn_code")`), the total record (`is_total`: by
    default the PCN's own, with no practice code) minus the visible parts would give back a
    part hidden alone; so while exactly one part is hidden and the total is shown, the
    smallest visible part (a 0 included, the first of equals) is hidden too, with the
    fields worked out from it (and the record's own sums checked again). Records keep their
    order; none is dropped.
    """
    derived = _sources(dependent)
    found = [dict(r) | {SUPPRESSED: list(r.get(SUPPRESSED) or [])} for r in records]
    groups: dict[tuple[Hashable, ...], list[dict[str, Any]]] = defaultdict(list)
    for record in found:
        groups[tuple(record.get(k) for k in group_by)].append(record)
    for members in groups.values():
        totals = [r for r in members if is_total(r)]
        if len(totals) > 1:
            raise ValueError(f"{len(totals)} totals in one group: group by more fields")
        parts = [r for r in members if not is_total(r)]
        if not totals or totals[0].get(count_field) is None:
            continue
        while sum(1 for r in parts if r.get(count_field) is None) == 1:
            pick = _smallest(
                (i, r[count_field]) for i, r in enumerate(parts) if r.get(count_field) is not None
            )
            if pick is None:
                break
            _hide(parts[pick], count_field, derived)
            _within(parts[pick], sums, derived)
    return found


def suppress_for_publication(
    records: Iterable[Mapping[str, Any]],
    *,
    threshold: int = 5,
    group_by: Sequence[str] = ("year", "indicator", "pcn_code"),
    count_fields: Sequence[str] = INDICATOR_COUNTS,
    is_total: Callable[[Mapping[str, Any]], bool] = lambda r: r.get("practice_code") is None,
    dependent: Dependent = INDICATOR_DEPENDENT,
    sums: Mapping[str, Sequence[str]] = INDICATOR_SUMS,
) -> list[dict[str, Any]]:
    """`suppress`, then `suppress_siblings` for every count field, repeated until nothing
    more is hidden (hiding one count for its siblings can leave another alone in its record)."""
    found = suppress(records, count_fields, threshold=threshold, dependent=dependent, sums=sums)
    while True:
        before = sum(len(r[SUPPRESSED]) for r in found)
        for field in count_fields:
            found = suppress_siblings(
                found, group_by, field, is_total=is_total, dependent=dependent, sums=sums
            )
        if sum(len(r[SUPPRESSED]) for r in found) == before:
            return found

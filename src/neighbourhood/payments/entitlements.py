"""The Network Contract DES per-head entitlements of a year, per PCN and per practice.

`entitlements("2024-25", pcn)` gives one line per entitlement paid to the PCN (core funding,
clinical director, leadership and management, extended hours or enhanced access, PCN support,
capacity and access) and one Network Participation Payment line per member practice, each in
pounds with its formula, inputs and citations, or incomplete with the reasons. The Care Home
Premium depends on the aligned homes: see `care_home_premium`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from neighbourhood.payments.compute import entitlement_line
from neighbourhood.payments.inputs import PcnInputs
from neighbourhood.payments.load import rates_for
from neighbourhood.payments.model import ENTITLEMENT_IDS, RatesYear
from neighbourhood.payments.results import Line, Report, warn_incomplete

__all__ = ["entitlements"]


def entitlements(
    year: str,
    pcn_inputs: PcnInputs | Iterable[PcnInputs],
    *,
    as_published: date | None = None,
    rates: RatesYear | None = None,
) -> Report:
    """Every per-head entitlement of `year` for each PCN and its practices.

    `as_published` picks the rates as published by that date (default: the latest revision,
    including backdated uplifts); `rates` replaces the shipped rates file.
    """
    rates = rates or rates_for(year)
    if rates.year != year:
        raise ValueError(f"rates for {rates.year} given for {year}")
    pcns = (pcn_inputs,) if isinstance(pcn_inputs, PcnInputs) else tuple(pcn_inputs)
    codes = [p.code for p in pcns]
    if len(set(codes)) != len(codes):
        raise ValueError(f"a PCN is given twice: {codes}")
    lines: list[Line] = []
    notes = [
        "The Care Home Premium is worked out per aligned care home by care_home_premium().",
        *rates.notes,
    ]
    for pcn in pcns:
        lines += _pcn_lines(rates, pcn, as_published, notes)
    warn_incomplete(lines, year)
    return Report(year=year, lines=tuple(lines), notes=tuple(notes))


def _pcn_lines(
    rates: RatesYear, pcn: PcnInputs, as_published: date | None, notes: list[str]
) -> list[Line]:
    months = pcn.months.in_year(rates.year)
    found: list[Line] = []
    for entitlement_id in ENTITLEMENT_IDS:
        entitlement = rates.entitlements.get(entitlement_id)
        if entitlement is None or entitlement_id == "care_home_premium":
            continue
        if entitlement.paid_to == "pcn":
            line = entitlement_line(
                entitlement,
                pcn.code,
                {
                    "registered_patient": pcn.registered_patients,
                    "weighted_population": pcn.weighted_population,
                    "adjusted_population": pcn.adjusted_population,
                },
                months,
                as_published,
            )
            found += [line] if line else []
            continue
        if not pcn.practices:
            notes.append(
                f"{pcn.code}: no practices given, so the {entitlement.title} (paid to each "
                "practice) was not worked out"
            )
        for practice in pcn.practices:
            own = set(practice.months.in_year(rates.year))
            line = entitlement_line(
                entitlement,
                practice.code,
                {
                    "registered_patient": practice.registered_patients,
                    "weighted_population": practice.weighted_population,
                },
                tuple(m for m in months if m in own),
                as_published,
                inputs={"PCN": pcn.code},
            )
            found += [line] if line else []
    return found

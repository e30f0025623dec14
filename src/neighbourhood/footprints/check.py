"""Run the footprint rules of rules.yaml on one date, for England or one ICB."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from neighbourhood.footprints.rules import (
    REGISTRY,
    Finding,
    NotAssessed,
    RuleDefinition,
    load_rule_definitions,
)
from neighbourhood.footprints.snapshot import Snapshot


@dataclass(frozen=True)
class CheckResult:
    """What the rules found on `as_of`, and what they could not assess and why."""

    as_of: dt.date
    icb: str | None
    rules: tuple[RuleDefinition, ...]
    findings: tuple[Finding, ...]
    not_assessed: tuple[NotAssessed, ...]

    def finding_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "org_code": f.org_code,
                "pcn_codes": ";".join(f.pcn_codes),
                "detail": f.detail,
            }
            for f in self.findings
        ]

    def not_assessed_rows(self) -> list[dict[str, Any]]:
        return [
            {"rule_id": n.rule_id, "org_code": n.org_code, "reason": n.reason}
            for n in self.not_assessed
        ]

    def rule_rows(self) -> list[dict[str, Any]]:
        counts = {r.id: 0 for r in self.rules}
        for f in self.findings:
            counts[f.rule_id] += 1
        return [
            {
                "rule_id": r.id,
                "severity": r.severity,
                "title": r.title,
                "findings": counts[r.id],
                "source": r.source_url,
            }
            for r in self.rules
        ]

    def flags_by_pcn(self) -> dict[str, str]:
        """PCN code -> the ids of the rules whose findings bear on it, joined with ';'."""
        flags: dict[str, list[str]] = {}
        for f in self.findings:
            for pcn in f.pcn_codes:
                ids = flags.setdefault(pcn, [])
                if f.rule_id not in ids:
                    ids.append(f.rule_id)
        return {pcn: ";".join(ids) for pcn, ids in flags.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "icb": self.icb,
            "rules": self.rule_rows(),
            "findings": self.finding_rows(),
            "not_assessed": self.not_assessed_rows(),
        }


def check(con: duckdb.DuckDBPyConnection, as_of: dt.date, icb: str | None = None) -> CheckResult:
    """Every rule of rules.yaml, in file order, on `as_of` (optionally only ICB `icb`)."""
    snap = Snapshot(con, as_of, icb)
    definitions = load_rule_definitions()
    findings: list[Finding] = []
    not_assessed: list[NotAssessed] = []
    for definition in definitions:
        result = REGISTRY[definition.id](snap, definition)
        findings.extend(result.findings)
        not_assessed.extend(result.not_assessed)
    return CheckResult(as_of, icb, definitions, tuple(findings), tuple(not_assessed))

"""PCN footprint rules: one small set-based query per rule, registered by the id in rules.yaml.

A rule function takes the snapshot (store, date, ICB) and its definition from rules.yaml and
returns what it found and what it could not assess, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from neighbourhood.footprints.snapshot import PCN_SIZES, Snapshot

RULES_FILE = Path(__file__).with_name("rules.yaml")
SEVERITIES = ("hard", "soft")
_DATE = "CAST(CAST($as_of AS DATE) AS VARCHAR)"


@dataclass(frozen=True)
class RuleDefinition:
    id: str
    title: str
    severity: str
    checks: str
    source_title: str
    source_url: str
    source_says: str
    wording_checked: bool
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.id):
            raise ValueError(f"rule id {self.id!r} must be snake_case")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity {self.severity!r} not in {SEVERITIES}")
        if not self.source_url.startswith("https://"):
            raise ValueError(f"rule {self.id}: source url must be https, got {self.source_url!r}")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str
    org_code: str
    detail: str
    pcn_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotAssessed:
    rule_id: str
    org_code: str
    reason: str


@dataclass(frozen=True)
class RuleResult:
    findings: tuple[Finding, ...] = ()
    not_assessed: tuple[NotAssessed, ...] = ()


RuleFunction = Callable[[Snapshot, RuleDefinition], RuleResult]
REGISTRY: dict[str, RuleFunction] = {}


def rule(rule_id: str) -> Callable[[RuleFunction], RuleFunction]:
    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = function
        return function

    return register


@cache
def load_rule_definitions(path: Path = RULES_FILE) -> tuple[RuleDefinition, ...]:
    """Every rule in rules.yaml, in file order; all problems reported at once."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules, errors = [], []
    for entry in document["rules"]:
        try:
            source = entry["source"]
            rules.append(
                RuleDefinition(
                    id=entry["id"],
                    title=entry["title"],
                    severity=entry["severity"],
                    checks=" ".join(entry["checks"].split()),
                    source_title=source["title"],
                    source_url=source["url"],
                    source_says=" ".join(source["says"].split()),
                    wording_checked=bool(source["wording_checked"]),
                    parameters=dict(entry.get("parameters") or {}),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            errors.append(f"{entry.get('id', '?')}: {error!r}")
    ids = [r.id for r in rules]
    errors += [f"{i}: listed twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    errors += [f"{i}: no function in rules.REGISTRY" for i in ids if i not in REGISTRY]
    if errors:
        raise ValueError(f"{path.name}: " + "; ".join(errors))
    return tuple(rules)


def _run(
    snap: Snapshot, definition: RuleDefinition, findings_sql: str, *not_assessed_sql: str
) -> RuleResult:
    """findings_sql yields org_code, pcn_codes, detail; each not_assessed_sql org_code, reason."""
    params = dict(definition.parameters)
    findings = tuple(
        Finding(
            rule_id=definition.id,
            severity=definition.severity,
            org_code=row["org_code"],
            detail=row["detail"],
            pcn_codes=tuple(row["pcn_codes"] or ()),
        )
        for row in snap.rows(findings_sql + " ORDER BY org_code", **params)
    )
    not_assessed = tuple(
        sorted(
            (
                NotAssessed(definition.id, row["org_code"], row["reason"])
                for sql in not_assessed_sql
                for row in snap.rows(sql, **params)
            ),
            key=lambda n: (n.org_code, n.reason),
        )
    )
    return RuleResult(findings, not_assessed)


@rule("pcn_list_size")
def pcn_list_size(snap: Snapshot, definition: RuleDefinition) -> RuleResult:
    in_scope = "o.is_open AND o.pcn_code IN (SELECT pcn_code FROM scope_pcns)"
    return _run(
        snap,
        definition,
        PCN_SIZES
        + f"""SELECT o.pcn_code AS org_code, [o.pcn_code] AS pcn_codes,
               format('{{}} registered patients in {{}} open practice(s)'
                      || ' (list sizes extracted {{}}), outside {{}}-{{}}',
                      s.known_patients, s.open_members, s.extract_dates,
                      $minimum, $maximum) AS detail
        FROM pcn_orgs o JOIN pcn_sizes s USING (pcn_code)
        WHERE {in_scope} AND s.sized_members = s.open_members
          AND (s.known_patients < $minimum OR s.known_patients > $maximum)""",
        PCN_SIZES
        + f"""SELECT o.pcn_code AS org_code,
               format('practice(s) {{}} have no list size on or before {{}}:'
                      || ' size rule not assessed',
                      s.unsized, {_DATE}) AS reason
        FROM pcn_orgs o JOIN pcn_sizes s USING (pcn_code)
        WHERE {in_scope} AND s.sized_members < s.open_members""",
        f"""SELECT o.pcn_code AS org_code,
               'no open member practice on ' || {_DATE} || ': size rule not assessed' AS reason
        FROM pcn_orgs o WHERE {in_scope} AND o.pcn_code NOT IN (
            SELECT i.pcn_code FROM in_pcn i JOIN practices p USING (practice_code)
            WHERE p.is_open)""",
    )


@rule("practice_in_no_pcn")
def practice_in_no_pcn(snap: Snapshot, definition: RuleDefinition) -> RuleResult:
    return _run(
        snap,
        definition,
        f"""SELECT p.practice_code AS org_code, []::VARCHAR[] AS pcn_codes,
               'open GP practice ' || p.practice_name || ' is in no PCN on ' || {_DATE} AS detail
        FROM practices p
        WHERE p.is_open AND p.practice_code IN (SELECT practice_code FROM scope_practices)
          AND p.practice_code NOT IN (SELECT practice_code FROM in_pcn)""",
    )


@rule("practice_in_two_pcns")
def practice_in_two_pcns(snap: Snapshot, definition: RuleDefinition) -> RuleResult:
    return _run(
        snap,
        definition,
        f"""SELECT practice_code AS org_code, list(pcn_code ORDER BY pcn_code) AS pcn_codes,
               format('in {{}} PCNs on {{}}: {{}}', count(*), {_DATE},
                      string_agg(pcn_code, ', ' ORDER BY pcn_code)) AS detail
        FROM in_pcn WHERE practice_code IN (SELECT practice_code FROM scope_practices)
        GROUP BY practice_code HAVING count(*) > 1""",
    )


@rule("pcn_member_in_other_sub_icb")
def pcn_member_in_other_sub_icb(snap: Snapshot, definition: RuleDefinition) -> RuleResult:
    open_members = """SELECT i.pcn_code, i.practice_code FROM in_pcn i
        JOIN practices p USING (practice_code) JOIN pcn_orgs o USING (pcn_code)
        WHERE p.is_open AND o.is_open AND (i.pcn_code IN (SELECT pcn_code FROM scope_pcns)
              OR i.practice_code IN (SELECT practice_code FROM scope_practices))"""
    return _run(
        snap,
        definition,
        f"""SELECT m.pcn_code AS org_code, [m.pcn_code] AS pcn_codes,
               format('PCN sub-ICB {{}}; member practices in another sub-ICB on {{}}: {{}}',
                      c.sub_icb_code, {_DATE},
                      string_agg(m.practice_code || ' (' || s.sub_icb_code || ')', ', '
                                 ORDER BY m.practice_code)) AS detail
        FROM ({open_members}) m
        JOIN practice_sub_icb s USING (practice_code) JOIN pcn_sub_icb c USING (pcn_code)
        WHERE s.sub_icb_code <> c.sub_icb_code
        GROUP BY m.pcn_code, c.sub_icb_code""",
        f"""SELECT DISTINCT m.practice_code AS org_code,
               'practice has no sub-ICB on ' || {_DATE} || ': sub-ICB rule not assessed' AS reason
        FROM ({open_members}) m
        WHERE m.practice_code NOT IN (SELECT practice_code FROM practice_sub_icb)""",
        f"""SELECT DISTINCT m.pcn_code AS org_code,
               'PCN has no sub-ICB on ' || {_DATE} || ': sub-ICB rule not assessed' AS reason
        FROM ({open_members}) m WHERE m.pcn_code NOT IN (SELECT pcn_code FROM pcn_sub_icb)""",
    )


@rule("closed_practice_still_member")
def closed_practice_still_member(snap: Snapshot, definition: RuleDefinition) -> RuleResult:
    return _run(
        snap,
        definition,
        f"""SELECT p.practice_code AS org_code, list(i.pcn_code ORDER BY i.pcn_code) AS pcn_codes,
               format('closed on {{}} but still a member of {{}} on {{}}', p.close_date,
                      string_agg(i.pcn_code, ', ' ORDER BY i.pcn_code), {_DATE}) AS detail
        FROM practices p JOIN in_pcn i USING (practice_code)
        WHERE p.is_closed AND p.practice_code IN (SELECT practice_code FROM scope_practices)
        GROUP BY p.practice_code, p.close_date""",
    )


@rule("pcn_without_open_member")
def pcn_without_open_member(snap: Snapshot, definition: RuleDefinition) -> RuleResult:
    return _run(
        snap,
        definition,
        f"""SELECT o.pcn_code AS org_code, [o.pcn_code] AS pcn_codes,
               format('no open member practice on {{}} ({{}} member(s) that are not open)',
                      {_DATE}, count(i.practice_code)) AS detail
        FROM pcn_orgs o LEFT JOIN in_pcn i USING (pcn_code)
        LEFT JOIN practices p USING (practice_code)
        WHERE o.is_open AND o.pcn_code IN (SELECT pcn_code FROM scope_pcns)
        GROUP BY o.pcn_code HAVING NOT coalesce(bool_or(p.is_open), false)""",
    )


@rule("practice_without_list_size")
def practice_without_list_size(snap: Snapshot, definition: RuleDefinition) -> RuleResult:
    return _run(
        snap,
        definition,
        f"""SELECT p.practice_code AS org_code,
               coalesce(list(i.pcn_code ORDER BY i.pcn_code)
                        FILTER (WHERE i.pcn_code IS NOT NULL), []) AS pcn_codes,
               'no total list size extracted on or before ' || {_DATE}
               || ' (not guessed)' AS detail
        FROM practices p LEFT JOIN in_pcn i USING (practice_code)
        WHERE p.is_open AND p.practice_code IN (SELECT practice_code FROM scope_practices)
          AND p.practice_code NOT IN (SELECT practice_code FROM list_size)
        GROUP BY p.practice_code""",
    )

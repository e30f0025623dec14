"""Footprints: the effective-dated organisation tree and the PCN rules checked on it."""

from neighbourhood.footprints.check import CheckResult, check
from neighbourhood.footprints.hierarchy import (
    history,
    members,
    organisations,
    organisations_under,
    pcns,
)
from neighbourhood.footprints.rules import (
    REGISTRY,
    Finding,
    NotAssessed,
    RuleDefinition,
    load_rule_definitions,
)

__all__ = [
    "REGISTRY",
    "CheckResult",
    "Finding",
    "NotAssessed",
    "RuleDefinition",
    "check",
    "history",
    "load_rule_definitions",
    "members",
    "organisations",
    "organisations_under",
    "pcns",
]

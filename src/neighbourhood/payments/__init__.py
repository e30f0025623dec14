"""PCN payments: the Network Contract DES per-head entitlements, the Care Home Premium and the
Additional Roles Reimbursement Scheme, from versioned, sourced rates files, and a PCN's payment
statement read from the store (see README.md)."""

from neighbourhood.payments.arrs import (
    ArrsReport,
    CapBreach,
    ClaimLine,
    PotSummary,
    RoleSummary,
    arrs_claims,
    arrs_entitlement,
)
from neighbourhood.payments.care_homes import care_home_premium
from neighbourhood.payments.entitlements import entitlements
from neighbourhood.payments.inputs import CareHome, PcnInputs, PracticeInputs, StaffClaim
from neighbourhood.payments.load import (
    RatesFileError,
    arrs_for,
    load_arrs,
    load_rates,
    rates_for,
    read_arrs,
    read_rates,
)
from neighbourhood.payments.periods import Months
from neighbourhood.payments.results import IncompleteEntitlementWarning, Line, Report
from neighbourhood.payments.statement import Statement, StatementLine

# `statement()` itself is `neighbourhood.payments.statement.statement`: exported here it would
# hide the module of the same name.

__all__ = [
    "ArrsReport",
    "CapBreach",
    "CareHome",
    "ClaimLine",
    "IncompleteEntitlementWarning",
    "Line",
    "Months",
    "PcnInputs",
    "PotSummary",
    "PracticeInputs",
    "RatesFileError",
    "Report",
    "RoleSummary",
    "StaffClaim",
    "Statement",
    "StatementLine",
    "arrs_claims",
    "arrs_entitlement",
    "arrs_for",
    "care_home_premium",
    "entitlements",
    "load_arrs",
    "load_rates",
    "rates_for",
    "read_arrs",
    "read_rates",
]

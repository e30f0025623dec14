"""The primary and community services funding guarantee ledger: baselines, floors, spend and
each ICB's and region's delivery, with every figure's source (README.md)."""

from neighbourhood.funding.ledger import Position, RegionPosition, Report, compute, pounds
from neighbourhood.funding.load import (
    CSV_COLUMNS,
    CSV_OPTIONAL_COLUMNS,
    RejectedRow,
    SpendFileError,
    examples_folder,
    parse_spend_csv,
    read_ledger,
    read_spend_csv,
    schema,
)
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

__all__ = [
    "BASELINE_YEAR",
    "CATEGORIES",
    "CSV_COLUMNS",
    "CSV_OPTIONAL_COLUMNS",
    "ICB",
    "Baseline",
    "FinancialYear",
    "FloorRule",
    "Ledger",
    "LedgerError",
    "Position",
    "Region",
    "RegionPosition",
    "RejectedRow",
    "Report",
    "Settings",
    "Source",
    "SpendFileError",
    "SpendLine",
    "compute",
    "examples_folder",
    "parse_spend_csv",
    "pounds",
    "read_ledger",
    "read_spend_csv",
    "schema",
]

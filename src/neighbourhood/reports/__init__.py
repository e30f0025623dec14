"""Results: monthly reports for a PCN and an ICB, built from the compute packages' functions,
and drawn as one self-contained HTML document or an Excel workbook (see README.md).

`charts` (SVG charts, used by the HTML report and the web dashboard) is imported on its own:
`neighbourhood.reports.charts`.
"""

from neighbourhood.reports.build import (
    MANAGEMENT_NOTE,
    PUBLISHABLE_NOTE,
    ReportError,
    icb_report,
    opened,
    pcn_report,
)
from neighbourhood.reports.html import to_html
from neighbourhood.reports.model import Chart, Column, Report, Section
from neighbourhood.reports.xlsx import to_xlsx

__all__ = [
    "MANAGEMENT_NOTE",
    "PUBLISHABLE_NOTE",
    "Chart",
    "Column",
    "Report",
    "ReportError",
    "Section",
    "icb_report",
    "opened",
    "pcn_report",
    "to_html",
    "to_xlsx",
]

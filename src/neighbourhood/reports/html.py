"""A report as one self-contained HTML document: the NHS.UK look in inline CSS (Frutiger,
falling back to Arial; NHS blue header), every table with a caption and header cells with
their scope, every chart as inline SVG (`neighbourhood.reports.charts`) followed by a table of
its figures. No stylesheet, script, font or image is linked, so a downloaded copy works
offline. The template (`templates/report.html`) is autoescaped; only the charts' SVG, which
the charts module escapes itself, is marked safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from neighbourhood.reports.charts import bar_chart, line_chart, threshold_chart
from neighbourhood.reports.model import Chart, Column, Report, Section

__all__ = ["chart_svg", "format_value", "to_html"]

MISSING = "–"

_environment = Environment(
    loader=PackageLoader("neighbourhood.reports", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def format_value(value: Any, kind: str) -> str:
    """A value as shown in a table: counts with thousands separators, percentages to one
    decimal place, pounds to the penny, other numbers to two places at most; – when missing."""
    if value is None:
        return MISSING
    if kind == "count":
        return f"{value:,}"
    if kind == "percent":
        return f"{value:,.1f}"
    if kind == "pounds":
        return f"£{Decimal(str(value)):,.2f}"
    if kind == "number":
        if isinstance(value, int):
            return f"{value:,}"
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def chart_svg(chart: Chart) -> str:
    """The chart drawn as an SVG string."""
    if chart.kind == "line":
        return line_chart(
            chart.points,
            title=chart.title,
            y_label=chart.y_label,
            target=chart.target,
            target_label=chart.target_label,
            unit=chart.unit,
            y_max=chart.y_max,
        )
    if chart.kind == "bar":
        return bar_chart(chart.points, title=chart.title, y_label=chart.y_label, unit=chart.unit)
    return threshold_chart(chart.points, title=chart.title)


WRAP_AFTER = 32  # a text column with a longer value may wrap; shorter ones (codes) do not


@dataclass(frozen=True)
class _Cell:
    text: str
    css: str


@dataclass(frozen=True)
class _Table:
    headings: list[_Cell]
    rows: list[list[_Cell]]


def _table(columns: tuple[Column, ...], rows: Any) -> _Table:
    shown = [[format_value(row[c.key], c.kind) for c in columns] for row in rows]
    css = []
    for i, column in enumerate(columns):
        longest = max((len(r[i]) for r in shown), default=0)
        css.append(column.kind + ("" if longest > WRAP_AFTER else " nowrap"))
    return _Table(
        [_Cell(c.label, css[i]) for i, c in enumerate(columns)],
        [
            [_Cell(text, css[i] + (" missing" if row[c.key] is None else ""))
             for i, (c, text) in enumerate(zip(columns, texts, strict=True))]
            for row, texts in zip(rows, shown, strict=True)
        ],
    )  # fmt: skip


def _view(section: Section) -> dict[str, Any]:
    view: dict[str, Any] = {
        "key": section.key,
        "anchor": f"section-{section.key}",
        "title": section.title,
        "table": _table(section.columns, section.rows),
        "notes": section.notes,
        "svg": None,
    }
    chart = section.chart
    if chart is not None:
        view |= {
            "svg": Markup(chart_svg(chart)),  # the charts module escapes its text
            "chart_title": chart.title,
            "chart_table": _table(chart.data_columns, chart.data_rows),
        }
    return view


def _css() -> str:
    return (resources.files("neighbourhood.reports") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )


def to_html(report: Report) -> str:
    """The report as one HTML document (UTF-8 text)."""
    template = _environment.get_template("report.html")
    made_at = f"{report.made_at:%d %B %Y %H:%M %Z}" if report.made_at else None
    return template.render(
        report=report,
        level="PCN" if report.kind == "pcn" else "ICB",
        made_at=made_at,
        sections=[_view(s) for s in report.sections],
        css=Markup(_css()),  # our own stylesheet, read from the package
    )

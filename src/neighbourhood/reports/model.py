"""A monthly report as data: immutable values that check themselves when built, so a bad
report fails where it is made, not where it is drawn.

A `Report` holds `Section`s; a section is a table (`Column`s and rows of plain values: `str`,
`int`, `float`, `Decimal`, or None for a figure that is missing or suppressed) with notes and,
optionally, a `Chart` described as data. The renderers (`html.to_html`, `xlsx.to_xlsx`) draw
them; nothing here knows about HTML or Excel.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

__all__ = [
    "CHART_KINDS",
    "COLUMN_KINDS",
    "REPORT_KINDS",
    "Chart",
    "Column",
    "Report",
    "Section",
]

REPORT_KINDS = ("pcn", "icb")
COLUMN_KINDS = ("text", "count", "percent", "pounds", "number")
"""`count` whole numbers; `percent` a number of per cent (65.3, not 0.653); `pounds` money;
`number` any other figure (a rate, points); `text` words, codes and dates written out."""
CHART_KINDS = ("line", "bar", "threshold")

_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def _key(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a key (letters, digits, _ . -)")
    return value


def _text(value: Any, what: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ValueError(f"{what} must be {'' if empty else 'non-empty '}text, not {value!r}")
    return value


def _texts(values: Any, what: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ValueError(f"{what} is a sequence of texts, not one text")
    return tuple(_text(v, what) for v in values)


def _number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(value)


@dataclass(frozen=True)
class Column:
    """One column of a section's table: the row key, the heading, and what kind of figure."""

    key: str
    label: str
    kind: str = "text"

    def __post_init__(self) -> None:
        _key(self.key, "column key")
        _text(self.label, f"column {self.key} label")
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column {self.key}: kind {self.kind!r} not in {COLUMN_KINDS}")

    def check(self, value: Any) -> None:
        """Raise ValueError unless `value` fits the column (None always does)."""
        if value is None:
            return
        if self.kind == "text":
            ok = isinstance(value, str)
        elif self.kind == "count":
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = _number(value)
        if not ok:
            raise ValueError(
                f"column {self.key} ({self.kind}): {value!r} ({type(value).__name__}) does not fit"
            )


def _point_value(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if not _number(value):
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return float(value)


@dataclass(frozen=True)
class Chart:
    """A chart as data; the HTML renderer draws it with `neighbourhood.reports.charts`.

    `points` by kind:
    - `line`: (label, value or None) in order (months); `target` draws a line across, with
      `target_label`; `y_max` caps the axis (100 for a percentage);
    - `bar`: (label, value or None);
    - `threshold`: (label, achieved %, lower threshold %, upper threshold %), any but the
      label None when unknown.
    """

    kind: str
    title: str
    y_label: str
    points: tuple[tuple[Any, ...], ...]
    target: float | None = None
    target_label: str = ""
    unit: str = ""
    y_max: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"chart kind {self.kind!r} not in {CHART_KINDS}")
        _text(self.title, "chart title")
        _text(self.y_label, "chart y label", empty=True)
        _text(self.target_label, "chart target label", empty=True)
        _text(self.unit, "chart unit", empty=True)
        width = 4 if self.kind == "threshold" else 2
        points = []
        for point in self.points:
            point = tuple(point)
            if len(point) != width:
                raise ValueError(f"a {self.kind} chart's point has {width} parts: {point!r}")
            label = _text(point[0], f"{self.kind} chart point label")
            values = [_point_value(v, f"{self.title}: {label}") for v in point[1:]]
            points.append((label, *values))
        object.__setattr__(self, "points", tuple(points))
        if self.kind != "line" and (self.target is not None or self.y_max is not None):
            raise ValueError("only a line chart has a target or a y_max")
        object.__setattr__(self, "target", _point_value(self.target, "chart target"))
        object.__setattr__(self, "y_max", _point_value(self.y_max, "chart y_max"))

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """The columns of the table that follows the chart (the same figures in words)."""
        if self.kind == "threshold":
            return (
                Column("label", "Indicator"),
                Column("achieved", "Achievement (%)", "percent"),
                Column("lower", "Lower threshold (%)", "percent"),
                Column("upper", "Upper threshold (%)", "percent"),
            )
        kind = "percent" if self.unit == "%" else "number"
        value = Column("value", self.y_label or "Value", kind)
        label = Column("label", "Month" if self.kind == "line" else "Category")
        if self.target is None:
            return (label, value)
        return (label, value, Column("target", self.target_label or "Target", kind))

    @property
    def data_rows(self) -> tuple[dict[str, Any], ...]:
        keys = [c.key for c in self.data_columns]
        extra = (self.target,) if self.target is not None else ()
        return tuple(dict(zip(keys, (*p, *extra), strict=True)) for p in self.points)


@dataclass(frozen=True)
class Section:
    """One part of a report: a table (every row has exactly the columns' keys, each value of
    the column's kind), its notes, and optionally a chart of some of its figures."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    chart: Chart | None = None

    def __post_init__(self) -> None:
        _key(self.key, "section key")
        _text(self.title, f"section {self.key} title")
        columns = tuple(self.columns)
        if not columns or not all(isinstance(c, Column) for c in columns):
            raise ValueError(f"section {self.key}: columns must be one or more Column")
        keys = [c.key for c in columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"section {self.key}: column keys repeat: {keys}")
        rows = []
        for i, row in enumerate(self.rows):
            if set(row) != set(keys):
                missing, extra = set(keys) - set(row), set(row) - set(keys)
                raise ValueError(
                    f"section {self.key} row {i}: missing {sorted(missing)}, extra {sorted(extra)}"
                )
            for column in columns:
                column.check(row[column.key])
            rows.append(MappingProxyType({k: row[k] for k in keys}))
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "rows", tuple(rows))
        object.__setattr__(self, "notes", _texts(self.notes, f"section {self.key} notes"))
        if self.chart is not None and not isinstance(self.chart, Chart):
            raise ValueError(f"section {self.key}: chart must be a Chart")

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"section {self.key} has no column {key!r}")

    def records(self) -> list[dict[str, Any]]:
        """The rows as plain dicts."""
        return [dict(r) for r in self.rows]


@dataclass(frozen=True)
class Report:
    """A monthly report for one PCN or ICB: its sections, notes (what applies to every
    figure: publication status, synthetic data, dates) and sources."""

    kind: str
    org_code: str
    org_name: str
    month: dt.date  # the first day of the month reported on
    made_at: dt.datetime | None
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    publishable: bool = False
    synthetic: bool = False

    def __post_init__(self) -> None:
        if self.kind not in REPORT_KINDS:
            raise ValueError(f"report kind {self.kind!r} not in {REPORT_KINDS}")
        _key(self.org_code, "organisation code")
        _text(self.org_name, "organisation name", empty=True)
        if type(self.month) is not dt.date or self.month.day != 1:
            raise ValueError(f"month must be the first day of a month (a date), not {self.month!r}")
        if self.made_at is not None and (
            not isinstance(self.made_at, dt.datetime) or self.made_at.utcoffset() is None
        ):
            raise ValueError(f"made_at must be a datetime with a time zone, not {self.made_at!r}")
        sections = tuple(self.sections)
        if not all(isinstance(s, Section) for s in sections):
            raise ValueError("sections must be Section values")
        keys = [s.key for s in sections]
        if len(set(keys)) != len(keys):
            raise ValueError(f"section keys repeat: {keys}")
        object.__setattr__(self, "sections", sections)
        object.__setattr__(self, "notes", _texts(self.notes, "report notes"))
        object.__setattr__(self, "sources", _texts(self.sources, "report sources"))

    @property
    def month_label(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def title(self) -> str:
        level = "PCN" if self.kind == "pcn" else "ICB"
        name = f"{self.org_name} ({self.org_code})" if self.org_name else self.org_code
        data = " (SYNTHETIC DATA)" if self.synthetic else ""
        return f"{level} monthly report: {name}, {self.month_label}{data}"

    @property
    def file_stem(self) -> str:
        """The default file name without its suffix: `pcn-U06387-2025-09`."""
        return f"{self.kind}-{self.org_code}-{self.month:%Y-%m}"

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"the report has no section {key!r}: {[s.key for s in self.sections]}")

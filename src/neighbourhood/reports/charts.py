"""Server-side SVG charts for the web dashboard and for HTML reports that must work offline.

Each function returns one standalone ``<svg>`` string: no scripts, no stylesheet, no external
references, and the same input always gives the same string, so reports render offline and can
be compared byte for byte. Every chart is labelled for assistive technology (``role="img"``,
``aria-labelledby`` pointing at its ``<title>`` and at a ``<desc>`` that states the data in
words), and every data mark carries a ``<title>`` tooltip. Mark colours come from the NHS
identity palette and have at least 3:1 contrast against white; red is kept for targets and
thresholds.

The strings are plain ``str`` whose text is already escaped; in an autoescaping Jinja template
wrap them in ``markupsafe.Markup``. Empty input draws a "No data" chart rather than raising;
NaN or infinite values raise ``ValueError`` naming the label.

The line and bar charts share one plot area (``PLOT_LEFT`` … ``PLOT_BOTTOM`` in a
``WIDTH`` x ``HEIGHT`` viewBox); the threshold chart maps 0-100% onto ``THRESHOLD_LEFT`` …
``THRESHOLD_RIGHT``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

__all__ = [
    "HEIGHT",
    "MAX_X_LABELS",
    "PALETTE",
    "PLOT_BOTTOM",
    "PLOT_LEFT",
    "PLOT_RIGHT",
    "PLOT_TOP",
    "SERIES_MAX_DOTS",
    "SERIES_VISIBLE_DOTS",
    "THRESHOLD_LEFT",
    "THRESHOLD_RIGHT",
    "WIDTH",
    "MapPoint",
    "bar_chart",
    "line_chart",
    "point_map",
    "series_chart",
    "threshold_chart",
]

WIDTH = 640
HEIGHT = 360
PLOT_LEFT = 72
PLOT_TOP = 64
PLOT_RIGHT = 616
PLOT_BOTTOM = 312
MAX_X_LABELS = 12
SERIES_VISIBLE_DOTS = 40
SERIES_MAX_DOTS = 400

THRESHOLD_LEFT = 16
THRESHOLD_RIGHT = 560
THRESHOLD_ROW = 48

MAP_HEIGHT = 480
MAP_RIGHT = 420

TEXT = "#212b32"
AXIS = "#425563"
GRID = "#d8dde0"
TRACK = "#f0f4f5"
TARGET = "#d5281b"
BLUE = "#005eb8"
PALETTE = (
    "#005eb8",  # NHS blue
    "#007f3b",  # green
    "#7c2855",  # dark pink
    "#330072",  # purple
    "#425563",  # dark grey
    "#ae2573",  # pink
    "#00a499",  # aqua green
    "#003087",  # dark blue
)

KINDS = {"practice": "GP practice", "care_home": "Care home"}

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass(frozen=True)
class MapPoint:
    """One site on a point map: a GP practice or a care home, coloured by its group (PCN)."""

    label: str
    latitude: float
    longitude: float
    group: str
    kind: str

    def __post_init__(self) -> None:
        if not 49 <= self.latitude <= 61:
            raise ValueError(f"{self.label!r}: latitude {self.latitude} is outside 49 to 61")
        if not -9 <= self.longitude <= 3:
            raise ValueError(f"{self.label!r}: longitude {self.longitude} is outside -9 to 3")
        if self.kind not in KINDS:
            raise ValueError(f"{self.label!r}: kind {self.kind!r} is not one of {sorted(KINDS)}")


@dataclass(frozen=True)
class _Frame:
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class _Scale:
    """A linear map from the domain [lo, hi] onto the pixel range [start, end]."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.hi == self.lo:
            return (self.start + self.end) / 2
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)


# Text, numbers and SVG elements


def _esc(text: str) -> str:
    return escape(_INVALID_XML.sub("", str(text)), quote=True)


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _fmt(value: float, unit: str = "") -> str:
    """A value for people: 1 decimal for percentages, thousands separators for counts."""
    if unit == "%":
        return f"{value:,.1f}%"
    if float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}" if abs(value) < 1 else f"{value:,.1f}"
    return f"{text} {unit}" if unit else text


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _text_width(text: str, size: float) -> float:
    return 0.6 * size * len(text)


def _shorten(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _attrs(attrs: Mapping[str, object]) -> str:
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        shown = _num(value) if isinstance(value, float) else _esc(str(value))
        out.append(f' {key}="{shown}"')
    return "".join(out)


def _el(tag: str, tooltip: str | None = None, **attrs: object) -> str:
    """An element; ``stroke_width`` becomes ``stroke-width``; a tooltip becomes its title."""
    shown = _attrs({key.replace("_", "-"): value for key, value in attrs.items()})
    if tooltip is None:
        return f"<{tag}{shown}/>"
    return f"<{tag}{shown}><title>{_esc(tooltip)}</title></{tag}>"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 12,
    anchor: str = "start",
    fill: str = TEXT,
    bold: bool = False,
    rotate: float | None = None,
) -> str:
    attrs = _attrs(
        {
            "x": float(x),
            "y": float(y),
            "font-size": size,
            "font-weight": "bold" if bold else None,
            "fill": fill,
            "text-anchor": anchor,
            "transform": f"rotate({_num(rotate)} {_num(x)} {_num(y)})" if rotate else None,
        }
    )
    return f"<text{attrs}>{_esc(content)}</text>"


def _points(coords: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)


def _svg(width: float, height: float, title: str, desc: str, body: Sequence[str]) -> str:
    content = "\n".join(body)
    uid = hashlib.sha256("\0".join((title, desc, content)).encode()).hexdigest()[:12]
    w, h = _num(width), _num(height)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}"'
            f' height="{h}" role="img" aria-labelledby="chart-{uid}-title chart-{uid}-desc"'
            ' font-family="Arial, sans-serif" style="max-width: 100%; height: auto">',
            f'<title id="chart-{uid}-title">{_esc(title)}</title>',
            f'<desc id="chart-{uid}-desc">{_esc(desc)}</desc>',
            _text(16, 24, title, size=16, bold=True),
            *([content] if content else []),
            "</svg>",
        ]
    )


def _no_data(title: str, width: float = WIDTH, height: float = HEIGHT) -> str:
    body = [_text(width / 2, height / 2, "No data", size=16, anchor="middle", fill=AXIS)]
    return _svg(width, height, title, "No data.", body)


def _check_finite(label: str, *values: float | None) -> None:
    for value in values:
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{label!r}: value {value} is not a finite number")


# Scales and axes


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))


def _decimals(step: float) -> int:
    return next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 3)


def _value_scale(
    values: Sequence[float], frame: _Frame, *, top: float | None = None
) -> tuple[_Scale, list[float]]:
    """A vertical scale from 0 (or below, for negative data) to a round maximum, or to ``top``."""
    lo = min(0.0, *values)
    hi = max(0.0, *values) if top is None else top
    if hi <= lo:
        hi = lo + 1
    step = _nice_step(hi - lo)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    ticks = [round(i * step, 10) for i in range(first, last + 1)]
    if top is not None:
        ticks = [t for t in ticks if t <= top + 1e-9]
    return _Scale(ticks[0], ticks[-1] if top is None else top, frame.bottom, frame.top), ticks


def _y_axis(scale: _Scale, ticks: Sequence[float], frame: _Frame, unit: str) -> list[str]:
    decimals = _decimals(ticks[1] - ticks[0]) if len(ticks) > 1 else 0
    parts = []
    for tick in ticks:
        y = scale(tick)
        colour = AXIS if tick == 0 else GRID
        parts.append(_el("line", x1=frame.left, y1=y, x2=frame.right, y2=y, stroke=colour))
        text = f"{tick:,.{decimals}f}" + ("%" if unit == "%" else "")
        parts.append(_text(frame.left - 6, y + 4, text, size=11, anchor="end"))
    return parts


def _bands(count: int, frame: _Frame) -> tuple[list[float], float]:
    slot = (frame.right - frame.left) / count
    return [frame.left + (i + 0.5) * slot for i in range(count)], slot


def _x_labels(labels: Sequence[str], centres: Sequence[float], slot: float, y: float) -> list[str]:
    """Category labels under the axis, every nth one so that they neither overlap nor crowd."""
    shown = [_shorten(label) for label in labels]
    widest = max(_text_width(label, 11) for label in shown)
    step = max(math.ceil(len(labels) / MAX_X_LABELS), math.ceil((widest + 8) / slot), 1)
    return [
        _text(x, y, label, size=11, anchor="middle")
        for i, (x, label) in enumerate(zip(centres, shown, strict=True))
        if i % step == 0
    ]


def _legend_swatch(x: float, y: float, colour: str, dashed: bool = False) -> str:
    dash = "6 3" if dashed else None
    return _el(
        "line", x1=x, y1=y, x2=x + 18, y2=y, stroke=colour, stroke_width=3, stroke_dasharray=dash
    )


# Charts


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    title: str,
    y_label: str,
    target: float | None = None,
    target_label: str = "",
    unit: str = "",
    y_max: float | None = None,
) -> str:
    """One series over ordered categories (usually months); None leaves a gap in the line.

    Values above ``y_max`` are drawn at the top edge; their tooltips keep the true value.
    """
    for label, value in points:
        _check_finite(label, value)
    _check_finite(target_label or "target", target)
    _check_finite("y_max", y_max)
    present = [(i, label, value) for i, (label, value) in enumerate(points) if value is not None]
    if not present:
        return _no_data(title)
    if y_max is not None and y_max <= min(0.0, *(v for _, _, v in present)):
        raise ValueError(f"y_max {y_max} must be above the lowest value and 0")

    frame = _Frame(PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM)
    values = [value for _, _, value in present]
    scale, ticks = _value_scale(values + ([target] if target is not None else []), frame, top=y_max)

    def y_of(value: float) -> float:
        return min(max(scale(value), frame.top), frame.bottom)

    xs, slot = _bands(len(points), frame)
    body = [_text(frame.left, frame.top - 12, y_label)]
    body += _y_axis(scale, ticks, frame, unit)
    body += _x_labels([label for label, _ in points], xs, slot, frame.bottom + 18)

    target_name = target_label or "Target"
    if target is not None:
        ty = y_of(target)
        body.append(
            _el(
                "line",
                f"{target_name}: {_fmt(target, unit)}",
                x1=frame.left,
                y1=ty,
                x2=frame.right,
                y2=ty,
                stroke=TARGET,
                stroke_width=2,
                stroke_dasharray="6 3",
            )
        )
        text_x = frame.right - _text_width(target_name, 12)
        body.append(_legend_swatch(text_x - 24, frame.top - 16, TARGET, dashed=True))
        body.append(_text(frame.right, frame.top - 12, target_name, anchor="end", fill=TARGET))

    runs: list[list[tuple[float, float]]] = [[]]
    for x, (_, value) in zip(xs, points, strict=True):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((x, y_of(value)))
    for run in runs:
        if len(run) > 1:
            body.append(
                _el("polyline", points=_points(run), fill="none", stroke=BLUE, stroke_width=2.5)
            )
    for i, label, value in present:
        body.append(
            _el("circle", f"{label}: {_fmt(value, unit)}", cx=xs[i], cy=y_of(value), r=4, fill=BLUE)
        )

    return _svg(WIDTH, HEIGHT, title, _line_desc(points, present, target, target_label, unit), body)


def _line_desc(
    points: Sequence[tuple[str, float | None]],
    present: Sequence[tuple[int, str, float]],
    target: float | None,
    target_label: str,
    unit: str,
) -> str:
    labels = [label for label, _ in points]
    noun = "month" if all(_MONTH.fullmatch(label) for label in labels) else "point"
    low = min(present, key=lambda p: p[2])
    high = max(present, key=lambda p: p[2])
    span = f"from {labels[0]} to {labels[-1]}" if len(labels) > 1 else f"({labels[0]})"
    parts = [f"{_plural(len(points), noun)} {span}"]
    if len(present) < len(points):
        parts[0] += f" ({len(points) - len(present)} with no data)"
    parts.append(
        f"lowest {_fmt(low[2], unit)} in {low[1]}, highest {_fmt(high[2], unit)} in {high[1]}"
    )
    if target is not None:
        met = sum(value >= target for _, _, value in present)
        name = target_label or f"the target of {_fmt(target, unit)}"
        parts.append(f"{met} of {_plural(len(present), noun)} at or above {name}")
    return "; ".join(parts)


def bar_chart(
    bars: Sequence[tuple[str, float | None]], *, title: str, y_label: str, unit: str = ""
) -> str:
    """Vertical bars over categories, such as a waiting list by weeks waited."""
    for label, value in bars:
        _check_finite(label, value)
    present = [(label, value) for label, value in bars if value is not None]
    if not present:
        return _no_data(title)

    frame = _Frame(PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM)
    scale, ticks = _value_scale([value for _, value in present], frame)
    xs, slot = _bands(len(bars), frame)
    body = [_text(frame.left, frame.top - 12, y_label)]
    body += _y_axis(scale, ticks, frame, unit)
    body += _x_labels([label for label, _ in bars], xs, slot, frame.bottom + 18)

    base = scale(0)
    width = slot * 0.7
    for x, (label, value) in zip(xs, bars, strict=True):
        if value is None:
            rotate = -90 if slot < 44 else None
            anchor = "start" if rotate else "middle"
            body.append(
                _text(
                    x + (3 if rotate else 0),
                    base - 6,
                    "no data",
                    size=10,
                    anchor=anchor,
                    fill=AXIS,
                    rotate=rotate,
                )
            )
            continue
        top = scale(value)
        body.append(
            _el(
                "rect",
                f"{label}: {_fmt(value, unit)}",
                x=x - width / 2,
                y=min(top, base),
                width=width,
                height=abs(base - top),
                fill=BLUE,
            )
        )

    low = min(present, key=lambda p: p[1])
    high = max(present, key=lambda p: p[1])
    parts = [
        _plural(len(bars), "bar"),
        f"highest {_fmt(high[1], unit)} for {high[0]}, lowest {_fmt(low[1], unit)} for {low[0]}",
    ]
    if unit != "%":
        parts.append(f"total {_fmt(sum(value for _, value in present), unit)}")
    if len(present) < len(bars):
        parts.append(f"{len(bars) - len(present)} with no data")
    return _svg(WIDTH, HEIGHT, title, "; ".join(parts), body)


def threshold_chart(
    rows: Sequence[tuple[str, float | None, float | None, float | None]], *, title: str
) -> str:
    """Horizontal bars on a 0-100% scale with lower and upper threshold markers (IIF indicators).

    Values outside 0-100 are drawn at the nearest end; their tooltips keep the true value.
    """
    for label, achieved, lower, upper in rows:
        _check_finite(label, achieved, lower, upper)
    if all(achieved is None for _, achieved, _, _ in rows):
        return _no_data(title)

    def x_of(percent: float) -> float:
        share = min(max(percent, 0.0), 100.0) / 100
        return THRESHOLD_LEFT + share * (THRESHOLD_RIGHT - THRESHOLD_LEFT)

    top = 64
    height = top + len(rows) * THRESHOLD_ROW + 24
    body = []
    if any(lower is not None or upper is not None for _, _, lower, upper in rows):
        body.append(_legend_swatch(THRESHOLD_LEFT, 44, TARGET, dashed=True))
        body.append(_text(THRESHOLD_LEFT + 24, 48, "Lower threshold"))
        body.append(_legend_swatch(THRESHOLD_LEFT + 140, 44, TARGET))
        body.append(_text(THRESHOLD_LEFT + 164, 48, "Upper threshold"))
    for percent in (0, 25, 50, 75, 100):
        x = x_of(percent)
        body.append(_el("line", x1=x, y1=top, x2=x, y2=height - 20, stroke=GRID))
        body.append(_text(x, height - 6, f"{percent}%", size=11, anchor="middle"))

    for i, (label, achieved, lower, upper) in enumerate(rows):
        row_top = top + i * THRESHOLD_ROW
        bar_top, bar_height = row_top + 20, 16
        body.append(_text(THRESHOLD_LEFT, row_top + 14, label))
        body.append(
            _el(
                "rect",
                x=THRESHOLD_LEFT,
                y=bar_top,
                width=THRESHOLD_RIGHT - THRESHOLD_LEFT,
                height=bar_height,
                fill=TRACK,
            )
        )
        value_text = "no data" if achieved is None else _fmt(achieved, "%")
        body.append(_text(WIDTH - 16, bar_top + 12, value_text, anchor="end", bold=True))
        if achieved is not None:
            body.append(
                _el(
                    "rect",
                    f"{label}: {_fmt(achieved, '%')}",
                    x=THRESHOLD_LEFT,
                    y=bar_top,
                    width=x_of(achieved) - THRESHOLD_LEFT,
                    height=bar_height,
                    fill=BLUE,
                )
            )
        for name, threshold, dash in (("Lower", lower, "4 2"), ("Upper", upper, None)):
            if threshold is None:
                continue
            x = x_of(threshold)
            body.append(
                _el(
                    "line",
                    f"{label}: {name.lower()} threshold {_fmt(threshold, '%')}",
                    x1=x,
                    y1=bar_top - 4,
                    x2=x,
                    y2=bar_top + bar_height + 4,
                    stroke=TARGET,
                    stroke_width=2,
                    stroke_dasharray=dash,
                )
            )

    measured = [(a, lo, up) for _, a, lo, up in rows if a is not None]
    parts = [
        _plural(len(rows), "indicator"),
        f"{sum(up is not None and a >= up for a, _, up in measured)} at or above their upper"
        " threshold",
        f"{sum(lo is not None and a < lo for a, lo, _ in measured)} below their lower threshold",
    ]
    if len(measured) < len(rows):
        parts.append(f"{len(rows) - len(measured)} with no data")
    return _svg(WIDTH, height, title, "; ".join(parts), body)


def series_chart(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    bands: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> str:
    """Named line series over a numeric x, each with an optional shaded interval (x, low, high).

    Points are drawn in order of x. Each point of a series gets a dot with its own tooltip:
    visible up to ``SERIES_VISIBLE_DOTS`` points, transparent (a hover target only) above that,
    and none above ``SERIES_MAX_DOTS``, when the line carries the series' tooltip instead.
    """
    bands = bands or {}
    for name, points in series.items():
        for x, y in points:
            _check_finite(f"{name} at x={x}", x, y)
    for name, intervals in bands.items():
        if name not in series:
            raise ValueError(f"{name!r}: band given for a series that is not in the chart")
        for x, low, high in intervals:
            _check_finite(f"{name} band at x={x}", x, low, high)
            if low > high:
                raise ValueError(f"{name!r}: band at x={x} has low {low} above high {high}")
    lines = {name: sorted(points) for name, points in series.items()}
    if not any(lines.values()):
        return _no_data(title)

    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    legend, row, cursor = [], 0, float(PLOT_LEFT)
    for name in series:
        width = 24 + _text_width(name, 12) + 16
        if cursor + width > PLOT_RIGHT and cursor > PLOT_LEFT:
            row, cursor = row + 1, float(PLOT_LEFT)
        y = 46 + 18 * row
        legend += [_legend_swatch(cursor, y - 4, colours[name]), _text(cursor + 24, y, name)]
        cursor += width
    top = 46 + 18 * (row + 1) + 18
    frame = _Frame(PLOT_LEFT, top, PLOT_RIGHT, top + PLOT_BOTTOM - PLOT_TOP)
    height = frame.bottom + 48

    all_points = [p for points in lines.values() for p in points]
    band_rows = [b for intervals in bands.values() for b in intervals]
    xs = [x for x, _ in all_points] + [x for x, _, _ in band_rows]
    ys = [y for _, y in all_points] + [v for _, lo, hi in band_rows for v in (lo, hi)]
    yscale, yticks = _value_scale(ys, frame)
    x_lo, x_hi = min(xs), max(xs)
    xscale = _Scale(x_lo, x_hi, frame.left, frame.right)

    body = [*legend, _text(frame.left, frame.top - 12, y_label)]
    body += _y_axis(yscale, yticks, frame, "")
    if x_hi > x_lo:
        step = _nice_step(x_hi - x_lo, 6)
        decimals = _decimals(step)
        tick = math.ceil(x_lo / step - 1e-9) * step
        while tick <= x_hi + step * 1e-9:
            x = xscale(tick)
            body.append(_el("line", x1=x, y1=frame.bottom, x2=x, y2=frame.bottom + 4, stroke=AXIS))
            body.append(
                _text(x, frame.bottom + 18, f"{tick:,.{decimals}f}", size=11, anchor="middle")
            )
            tick = round(tick + step, 10)
    body.append(_text((frame.left + frame.right) / 2, frame.bottom + 40, x_label, anchor="middle"))

    for name, intervals in bands.items():
        ordered = sorted(intervals)
        outline = [(xscale(x), yscale(hi)) for x, _, hi in ordered]
        outline += [(xscale(x), yscale(lo)) for x, lo, _ in reversed(ordered)]
        body.append(
            _el(
                "polygon",
                f"{name}: interval",
                points=_points(outline),
                fill=colours[name],
                fill_opacity=0.15,
                stroke="none",
            )
        )
    for name, points in lines.items():
        colour = colours[name]
        coords = [(xscale(x), yscale(y)) for x, y in points]
        if len(coords) > 1:
            tooltip = None if len(points) <= SERIES_MAX_DOTS else name
            body.append(
                _el(
                    "polyline",
                    tooltip,
                    points=_points(coords),
                    fill="none",
                    stroke=colour,
                    stroke_width=2.5,
                )
            )
        if len(points) <= SERIES_MAX_DOTS:
            opacity = None if len(points) <= SERIES_VISIBLE_DOTS else 0
            for (x, y), (cx, cy) in zip(points, coords, strict=True):
                tip = f"{name}: {x_label} {_fmt(x)}, {y_label} {_fmt(y)}"
                body.append(
                    _el("circle", tip, cx=cx, cy=cy, r=3, fill=colour, fill_opacity=opacity)
                )

    parts = [f"{len(series)} series over {x_label} {_fmt(x_lo)} to {_fmt(x_hi)}"]
    for name, points in lines.items():
        if not points:
            parts.append(f"{name}: no data")
            continue
        ys_ = [y for _, y in points]
        parts.append(
            f"{name}: {_plural(len(points), 'point')} from {_fmt(points[0][1])} to"
            f" {_fmt(points[-1][1])}, lowest {_fmt(min(ys_))}, highest {_fmt(max(ys_))}"
        )
    if bands:
        parts.append(f"shaded areas show the interval for {', '.join(bands)}")
    return _svg(WIDTH, height, title, "; ".join(parts), body)


def point_map(points: Sequence[MapPoint], *, title: str) -> str:
    """GP practices (circles) and care homes (triangles) coloured by group, without a base map.

    Equirectangular projection with longitude scaled by the cosine of the mean latitude, so
    distances look right locally; a scale bar gives kilometres.
    """
    if not points:
        return _no_data(title, WIDTH, MAP_HEIGHT)
    groups = sorted({p.group for p in points})
    colours = {group: PALETTE[i % len(PALETTE)] for i, group in enumerate(groups)}
    height = max(MAP_HEIGHT, 72 + 20 * (len(groups) + 3))
    frame = _Frame(16, 48, MAP_RIGHT, height - 40)

    k = math.cos(math.radians(sum(p.latitude for p in points) / len(points)))
    east = [p.longitude * k for p in points]
    north = [p.latitude for p in points]
    span_e = max(max(east) - min(east), 0.02)
    span_n = max(max(north) - min(north), 0.02)
    pad = 12
    scale = min(
        (frame.right - frame.left - 2 * pad) / span_e, (frame.bottom - frame.top - 2 * pad) / span_n
    )
    mid_e, mid_n = (max(east) + min(east)) / 2, (max(north) + min(north)) / 2
    cx, cy = (frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2

    body = [
        _el(
            "rect",
            x=frame.left,
            y=frame.top,
            width=frame.right - frame.left,
            height=frame.bottom - frame.top,
            fill="none",
            stroke=GRID,
        )
    ]
    ordered = sorted(points, key=lambda p: p.kind != "care_home")
    for p in ordered:
        x = cx + (p.longitude * k - mid_e) * scale
        y = cy - (p.latitude - mid_n) * scale
        tip = f"{KINDS[p.kind]}: {p.label} ({p.group})"
        body.append(_symbol(p.kind, x, y, colours[p.group], tip))

    km_per_px = 111.32 / scale
    quarter = km_per_px * (frame.right - frame.left) / 4
    power = 10 ** math.floor(math.log10(quarter))
    bar_km = max(m * power for m in (1, 2, 5) if m * power <= quarter)
    bar_px = bar_km / km_per_px
    y = frame.bottom + 20
    body.append(
        _el("line", x1=frame.left, y1=y, x2=frame.left + bar_px, y2=y, stroke=TEXT, stroke_width=2)
    )
    km = f"{bar_km:,.{_decimals(bar_km)}f} km"
    body.append(_text(frame.left + bar_px + 6, y + 4, km, size=11))

    lx, ly = MAP_RIGHT + 20, 64
    body.append(_text(lx, ly, "Groups", bold=True))
    for i, group in enumerate(groups):
        gy = ly + 20 * (i + 1)
        body.append(_el("rect", x=lx, y=gy - 10, width=12, height=12, fill=colours[group]))
        body.append(_text(lx + 18, gy, _shorten(group, 26)))
    ky = ly + 20 * (len(groups) + 2)
    body.append(_symbol("practice", lx + 6, ky - 4, AXIS, None))
    body.append(_text(lx + 18, ky, KINDS["practice"]))
    body.append(_symbol("care_home", lx + 6, ky + 16, AXIS, None))
    body.append(_text(lx + 18, ky + 20, KINDS["care_home"]))

    counts = []
    for group in groups:
        members = [p for p in points if p.group == group]
        practices = sum(p.kind == "practice" for p in members)
        counts.append(
            f"{group} ({_plural(practices, 'practice')},"
            f" {_plural(len(members) - practices, 'care home')})"
        )
    n_practices = sum(p.kind == "practice" for p in points)
    desc = (
        f"{_plural(n_practices, 'GP practice')} and"
        f" {_plural(len(points) - n_practices, 'care home')} in {_plural(len(groups), 'group')}: "
        + "; ".join(counts)
    )
    return _svg(WIDTH, height, title, desc, body)


def _symbol(kind: str, x: float, y: float, colour: str, tooltip: str | None) -> str:
    if kind == "practice":
        return _el("circle", tooltip, cx=x, cy=y, r=5, fill=colour, stroke="#ffffff")
    corners = [(x, y - 6), (x + 5.2, y + 3), (x - 5.2, y + 3)]
    return _el("polygon", tooltip, points=_points(corners), fill=colour, stroke="#ffffff")

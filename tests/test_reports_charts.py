"""SVG charts: marks, scales, gaps, escaping, the words in <desc>, empty and invalid input.

Every chart is parsed with ElementTree, so each test also checks that the output is well-formed
XML. Expected coordinates come from the plot-area constants the module exposes.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from neighbourhood.reports.charts import (
    MAX_X_LABELS,
    PALETTE,
    PLOT_BOTTOM,
    PLOT_TOP,
    SERIES_VISIBLE_DOTS,
    THRESHOLD_LEFT,
    THRESHOLD_RIGHT,
    MapPoint,
    bar_chart,
    line_chart,
    point_map,
    series_chart,
    threshold_chart,
)

SVG = "{http://www.w3.org/2000/svg}"

MONTHS = [f"2024-{m:02d}" for m in (10, 11, 12)] + [f"2025-{m:02d}" for m in range(1, 10)]
UCR = [72.5, 68.0, 65.0, 61.0, 70.0, 71.0, 75.0, 77.0, 80.2, 69.0, 74.0, 73.0]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def marks(root: ET.Element, tag: str) -> list[ET.Element]:
    return [el for el in root.iter(SVG + tag) if el.find(SVG + "title") is not None]


def tip(el: ET.Element) -> str:
    return el.find(SVG + "title").text


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(SVG + "text")]


def desc(root: ET.Element) -> str:
    return root.find(SVG + "desc").text


def ucr_chart(**kwargs) -> str:
    options = {"title": "UCR 2-hour", "y_label": "% met", "unit": "%"}
    options |= {"target": 70.0, "target_label": "70% standard"} | kwargs
    points = options.pop("points", list(zip(MONTHS, UCR, strict=True)))
    return line_chart(points, **options)


SITES = [
    MapPoint("Riverside Surgery", 54.0, -2.0, "North PCN", "practice"),
    MapPoint("Oak House", 54.0, -1.0, "North PCN", "care_home"),
    MapPoint("Hill Practice", 55.0, -2.0, "South PCN", "practice"),
]


def every_chart() -> dict[str, str]:
    return {
        "line": ucr_chart(),
        "bar": bar_chart([("0-1 weeks", 120), ("1-2 weeks", 95)], title="Waits", y_label="N"),
        "threshold": threshold_chart([("ACC-08", 82.5, 40, 60)], title="IIF"),
        "series": series_chart(
            {"Baseline": [(0, 1.0), (1, 2.0)]}, title="Queue", x_label="Day", y_label="Mean"
        ),
        "map": point_map(SITES, title="Sites"),
    }


# Every chart


@pytest.mark.parametrize("kind", sorted(every_chart()))
def test_chart_is_a_standalone_accessible_svg(kind):
    svg = every_chart()[kind]
    root = parse(svg)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 ")
    assert "Arial" in root.get("font-family")
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(SVG + "title").get("id") == title_id
    assert root.find(SVG + "desc").get("id") == desc_id
    assert desc(root)
    for forbidden in ("<script", "href", "class=", "<style", "url(", "http://www.w3.org/1999"):
        assert forbidden not in svg


def test_output_is_deterministic_and_ids_differ_between_charts():
    assert every_chart() == every_chart()
    ids = {parse(svg).find(SVG + "title").get("id") for svg in every_chart().values()}
    assert len(ids) == 5


def test_palette_has_three_to_one_contrast_against_white_and_no_warm_yellow():
    def luminance(colour):
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in PALETTE:
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour
    assert "#ffb81c" not in PALETTE


@pytest.mark.parametrize(
    "draw",
    [
        lambda: line_chart([], title="T", y_label="Y"),
        lambda: line_chart([("2025-01", None), ("2025-02", None)], title="T", y_label="Y"),
        lambda: bar_chart([("a", None)], title="T", y_label="Y"),
        lambda: threshold_chart([], title="T"),
        lambda: threshold_chart([("ACC-08", None, 40, 60)], title="T"),
        lambda: series_chart({}, title="T", x_label="X", y_label="Y"),
        lambda: series_chart({"Baseline": []}, title="T", x_label="X", y_label="Y"),
        lambda: point_map([], title="T"),
    ],
)
def test_empty_input_draws_no_data(draw):
    root = parse(draw())
    assert "No data" in texts(root)
    assert root.find(SVG + "title").text == "T"
    assert desc(root) == "No data."


@pytest.mark.parametrize(
    "draw",
    [
        lambda bad: line_chart([("2025-01", 1.0), ("Bad month", bad)], title="T", y_label="Y"),
        lambda bad: bar_chart([("Bad month", bad)], title="T", y_label="Y"),
        lambda bad: threshold_chart([("Bad month", 50.0, bad, None)], title="T"),
        lambda bad: series_chart({"Bad month": [(0, bad)]}, title="T", x_label="X", y_label="Y"),
    ],
)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_rejected_naming_the_label(draw, bad):
    with pytest.raises(ValueError, match="Bad month"):
        draw(bad)


def test_labels_and_titles_are_escaped():
    nasty = "A & B <script> \"quoted\" 'single'"
    svg = line_chart([(nasty, 5.0)], title=f"Title {nasty}", y_label=nasty, unit="%")
    root = parse(svg)
    assert root.find(SVG + "title").text == f"Title {nasty}"
    (point,) = marks(root, "circle")
    assert tip(point) == f"{nasty}: 5.0%"
    assert "<script>" not in svg
    assert "&amp; B &lt;script&gt; &quot;quoted&quot;" in svg


def test_control_characters_are_dropped_so_the_xml_stays_valid():
    root = parse(bar_chart([("bell\x07", 3)], title="T\x00", y_label="Y"))
    assert tip(marks(root, "rect")[0]) == "bell: 3"


# Line chart


def test_each_point_is_one_mark_with_its_label_and_value():
    root = parse(ucr_chart())
    tips = [tip(c) for c in marks(root, "circle")]
    assert tips == [f"{m}: {v:.1f}%" for m, v in zip(MONTHS, UCR, strict=True)]


def test_target_line_sits_at_the_mapped_y():
    root = parse(ucr_chart(y_max=100))
    (target,) = [line for line in marks(root, "line") if tip(line).startswith("70% standard")]
    expected = PLOT_BOTTOM - 0.7 * (PLOT_BOTTOM - PLOT_TOP)
    assert float(target.get("y1")) == pytest.approx(expected, abs=0.01)
    assert float(target.get("y2")) == pytest.approx(expected, abs=0.01)
    assert tip(target) == "70% standard: 70.0%"


def test_point_above_target_is_drawn_above_the_line_and_below_is_below():
    root = parse(ucr_chart())
    (target,) = [line for line in marks(root, "line") if tip(line).startswith("70% standard")]
    by_label = {tip(c).split(":")[0]: float(c.get("cy")) for c in marks(root, "circle")}
    assert by_label["2025-06"] < float(target.get("y1")) < by_label["2025-01"]
    assert by_label["2025-02"] == pytest.approx(float(target.get("y1")), abs=0.01)


def test_axis_runs_to_a_round_maximum_above_data_and_target():
    root = parse(ucr_chart(points=[("2025-01", 61.0), ("2025-02", 64.0)], target=82.0))
    assert "100%" in texts(root)
    assert "0%" in texts(root)
    assert "120%" not in texts(root)


def test_value_above_y_max_is_held_at_the_top_edge_with_its_true_tooltip():
    root = parse(ucr_chart(points=[("2025-01", 50.0), ("2025-02", 130.0)], y_max=100))
    top = marks(root, "circle")[1]
    assert float(top.get("cy")) == pytest.approx(PLOT_TOP)
    assert tip(top) == "2025-02: 130.0%"


def test_none_leaves_a_gap_between_two_lines():
    points = list(zip(MONTHS, UCR, strict=True))
    points[4] = (points[4][0], None)
    root = parse(ucr_chart(points=points))
    lines = list(root.iter(SVG + "polyline"))
    assert [len(line.get("points").split()) for line in lines] == [4, 7]
    assert len(marks(root, "circle")) == 11
    assert desc(root).startswith("12 months from 2024-10 to 2025-09 (1 with no data)")


def test_an_isolated_point_gets_a_mark_but_no_line():
    root = parse(ucr_chart(points=[("2025-01", 60.0), ("2025-02", None), ("2025-03", 65.0)]))
    assert list(root.iter(SVG + "polyline")) == []
    assert len(marks(root, "circle")) == 2


def test_desc_summarises_range_extremes_and_months_meeting_target():
    assert desc(parse(ucr_chart())) == (
        "12 months from 2024-10 to 2025-09; lowest 61.0% in 2025-01, highest 80.2% in 2025-06;"
        " 8 of 12 months at or above 70% standard"
    )


def test_desc_names_an_unlabelled_target_and_counts_non_month_labels_as_points():
    chart = line_chart([("Week 1", 3), ("Week 2", 5)], title="T", y_label="Y", target=4)
    assert desc(parse(chart)) == (
        "2 points from Week 1 to Week 2; lowest 3 in Week 1, highest 5 in Week 2;"
        " 1 of 2 points at or above the target of 4"
    )


def test_many_x_labels_are_thinned():
    months = [f"{2022 + i // 12}-{i % 12 + 1:02d}" for i in range(36)]
    root = parse(line_chart([(m, 50.0) for m in months], title="T", y_label="Y", unit="%"))
    shown = [t for t in texts(root) if t in months]
    assert 2 <= len(shown) <= MAX_X_LABELS
    assert shown[0] == "2022-01"
    assert len(marks(root, "circle")) == 36


def test_y_max_must_be_above_the_data_floor():
    with pytest.raises(ValueError, match="y_max"):
        line_chart([("a", 1.0)], title="T", y_label="Y", y_max=0)


# Bar chart


def test_bar_heights_are_proportional_and_share_the_baseline():
    root = parse(bar_chart([("a", 100), ("b", 50), ("c", 25)], title="T", y_label="Y"))
    rects = marks(root, "rect")
    heights = [float(r.get("height")) for r in rects]
    assert heights[0] / heights[1] == pytest.approx(2, rel=1e-3)
    assert heights[0] / heights[2] == pytest.approx(4, rel=1e-3)
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 2) for r in rects}
    assert bottoms == {PLOT_BOTTOM}


def test_missing_bar_is_labelled_no_data_and_counts_use_thousands_separators():
    bars = [("0-1 weeks", 12345), ("1-2 weeks", None), ("2-3 weeks & more", 7)]
    root = parse(bar_chart(bars, title="T", y_label="Patients"))
    assert [tip(r) for r in marks(root, "rect")] == ["0-1 weeks: 12,345", "2-3 weeks & more: 7"]
    assert "no data" in texts(root)
    assert desc(root) == (
        "3 bars; highest 12,345 for 0-1 weeks, lowest 7 for 2-3 weeks & more; total 12,352;"
        " 1 with no data"
    )


# Threshold chart


def threshold_x(percent: float) -> float:
    return THRESHOLD_LEFT + percent / 100 * (THRESHOLD_RIGHT - THRESHOLD_LEFT)


def test_threshold_markers_sit_on_the_0_to_100_scale():
    root = parse(threshold_chart([("ACC-08", 82.5, 40.0, 60.0)], title="T"))
    lower, upper = marks(root, "line")
    assert float(lower.get("x1")) == pytest.approx(threshold_x(40), abs=0.01)
    assert float(upper.get("x1")) == pytest.approx(threshold_x(60), abs=0.01)
    assert tip(lower) == "ACC-08: lower threshold 40.0%"
    assert tip(upper) == "ACC-08: upper threshold 60.0%"
    (bar,) = marks(root, "rect")
    assert float(bar.get("width")) == pytest.approx(threshold_x(82.5) - THRESHOLD_LEFT, abs=0.01)
    assert tip(bar) == "ACC-08: 82.5%"


def test_missing_thresholds_draw_no_marker_and_desc_counts_positions():
    rows = [
        ("A", 82.5, 40.0, 60.0),
        ("B", 30.0, 40.0, None),
        ("C", 50.0, None, None),
        ("D", None, 40.0, 60.0),
    ]
    root = parse(threshold_chart(rows, title="T"))
    assert len(marks(root, "line")) == 5
    assert len(marks(root, "rect")) == 3
    assert desc(root) == (
        "4 indicators; 1 at or above their upper threshold; 1 below their lower threshold;"
        " 1 with no data"
    )


def test_achievement_over_100_is_capped_on_the_scale():
    (bar,) = marks(parse(threshold_chart([("A", 120.0, None, None)], title="T")), "rect")
    assert float(bar.get("width")) == pytest.approx(THRESHOLD_RIGHT - THRESHOLD_LEFT)
    assert tip(bar) == "A: 120.0%"


# Series chart


def test_each_series_is_one_line_in_its_own_colour_with_a_band():
    series = {"Baseline": [(2, 3.0), (0, 1.0), (1, 2.0)], "Extra clinic": [(0, 1.0), (2, 1.5)]}
    bands = {"Baseline": [(0, 0.5, 1.5), (1, 1.5, 2.5), (2, 2.5, 3.5)]}
    root = parse(series_chart(series, title="T", x_label="Day", y_label="Queue", bands=bands))
    lines = list(root.iter(SVG + "polyline"))
    assert len(lines) == 2
    assert lines[0].get("stroke") != lines[1].get("stroke")
    xs = [float(p.split(",")[0]) for p in lines[0].get("points").split()]
    assert xs == sorted(xs)
    (band,) = marks(root, "polygon")
    assert band.get("fill") == lines[0].get("stroke")
    assert float(band.get("fill-opacity")) < 1
    assert len(band.get("points").split()) == 6
    assert tip(marks(root, "circle")[0]) == "Baseline: Day 0, Queue 1"
    assert desc(root).endswith("shaded areas show the interval for Baseline")


def test_long_series_get_transparent_hover_dots():
    many = [(float(d), 1.0) for d in range(SERIES_VISIBLE_DOTS + 1)]
    root = parse(series_chart({"A": many}, title="T", x_label="X", y_label="Y"))
    dots = marks(root, "circle")
    assert len(dots) == len(many)
    assert {d.get("fill-opacity") for d in dots} == {"0"}


def test_bands_must_belong_to_a_series_and_be_ordered():
    series = {"A": [(0, 1.0)]}
    with pytest.raises(ValueError, match="'B'"):
        series_chart(series, title="T", x_label="X", y_label="Y", bands={"B": [(0, 0, 1)]})
    with pytest.raises(ValueError, match="low"):
        series_chart(series, title="T", x_label="X", y_label="Y", bands={"A": [(0, 2, 1)]})


# Point map


def site_marks(root: ET.Element) -> dict[str, ET.Element]:
    found = marks(root, "circle") + marks(root, "polygon")
    return {tip(el).split(": ")[1].split(" (")[0]: el for el in found}


def position(el: ET.Element) -> tuple[float, float]:
    if el.tag == SVG + "circle":
        return float(el.get("cx")), float(el.get("cy"))
    corners = [tuple(map(float, p.split(","))) for p in el.get("points").split()]
    return sum(x for x, _ in corners) / 3, sum(y for _, y in corners) / 3


def test_north_is_up_east_is_right_and_longitude_is_scaled_by_cos_latitude():
    sites = site_marks(parse(point_map(SITES, title="T")))
    origin = position(sites["Riverside Surgery"])
    east = position(sites["Oak House"])
    north = position(sites["Hill Practice"])
    assert north[1] < origin[1]
    assert east[0] > origin[0]
    assert east[1] == pytest.approx(origin[1], abs=0.01)
    ratio = (east[0] - origin[0]) / (origin[1] - north[1])
    assert ratio == pytest.approx(math.cos(math.radians((54 + 54 + 55) / 3)), abs=1e-3)


def test_practices_are_circles_care_homes_triangles_coloured_by_group():
    root = parse(point_map(SITES, title="T"))
    sites = site_marks(root)
    assert sites["Riverside Surgery"].tag == SVG + "circle"
    assert sites["Oak House"].tag == SVG + "polygon"
    assert tip(sites["Oak House"]) == "Care home: Oak House (North PCN)"
    assert sites["Riverside Surgery"].get("fill") == sites["Oak House"].get("fill")
    assert sites["Riverside Surgery"].get("fill") != sites["Hill Practice"].get("fill")


def test_legend_lists_each_group_once_and_desc_counts_sites():
    sites = [*SITES, MapPoint("Elm Lodge", 54.2, -1.5, "South PCN", "care_home")]
    root = parse(point_map(sites, title="T"))
    assert texts(root).count("North PCN") == 1
    assert texts(root).count("South PCN") == 1
    assert desc(root) == (
        "2 GP practices and 2 care homes in 2 groups: North PCN (1 practice, 1 care home);"
        " South PCN (1 practice, 1 care home)"
    )


def test_a_single_site_is_drawn():
    root = parse(point_map(SITES[:1], title="T"))
    (x, y) = position(site_marks(root)["Riverside Surgery"])
    assert math.isfinite(x) and math.isfinite(y)


@pytest.mark.parametrize(
    ("latitude", "longitude", "kind", "message"),
    [
        (48.9, -2.0, "practice", "latitude"),
        (61.1, -2.0, "practice", "latitude"),
        (math.nan, -2.0, "practice", "latitude"),
        (54.0, -9.5, "practice", "longitude"),
        (54.0, 3.5, "practice", "longitude"),
        (54.0, -2.0, "hospital", "kind"),
    ],
)
def test_map_point_rejects_places_outside_great_britain_and_unknown_kinds(
    latitude, longitude, kind, message
):
    with pytest.raises(ValueError, match=message):
        MapPoint("Site", latitude, longitude, "PCN", kind)

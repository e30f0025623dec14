"""Locations: exact postcode, then sector, district, area means; haversine distance."""

from __future__ import annotations

import pytest

from neighbourhood.alignment.geography import haversine_km, place_by_postcode, postcode_parts

# known points: (postcode, latitude, longitude)
POINTS = [
    ("EX1 2QE", 50.70, -3.50),
    ("EX1 2AB", 50.72, -3.52),  # sector EX1 2 mean: (50.71, -3.51)
    ("EX1 3CD", 50.80, -3.40),  # district EX1 mean of three: (50.74, -3.4733...)
    ("EX4 1AA", 50.60, -3.60),  # area EX mean of four: (50.705, -3.505)
    ("PL1 1AA", 50.37, -4.14),
]


def test_each_fallback_level_is_used_and_reported():
    placed = place_by_postcode(
        {
            "exact": "EX1 2QE",
            "sector": "ex12zz",
            "district": "EX1 9ZZ",
            "area": "EX7 5QQ",
            "nowhere": "TQ1 1AA",
            "malformed": "NOT A CODE",
            "missing": None,
        },
        POINTS,
    )
    assert {code: p.level for code, p in placed.items()} == {
        "exact": "postcode",
        "sector": "sector",
        "district": "district",
        "area": "area",
        "nowhere": "none",
        "malformed": "none",
        "missing": "none",
    }
    assert (placed["exact"].latitude, placed["exact"].longitude) == (50.70, -3.50)
    assert placed["sector"].latitude == pytest.approx(50.71)
    assert placed["sector"].longitude == pytest.approx(-3.51)
    assert placed["district"].latitude == pytest.approx((50.70 + 50.72 + 50.80) / 3)
    assert placed["area"].longitude == pytest.approx((-3.50 - 3.52 - 3.40 - 3.60) / 4)
    assert placed["sector"].approximate and not placed["exact"].approximate
    assert placed["nowhere"].latitude is None


def test_postcode_parts():
    assert postcode_parts("ex12qe") == {
        "postcode": "EX1 2QE",
        "sector": "EX1 2",
        "district": "EX1",
        "area": "EX",
    }
    assert postcode_parts("SW1A 1AA")["district"] == "SW1A"
    assert postcode_parts("12345") is None


def test_haversine_one_degree_of_latitude():
    """pi / 180 * 6371.0088 km = 111.1951 km along a meridian."""
    assert haversine_km(50.0, -3.0, 51.0, -3.0) == pytest.approx(111.1951, abs=1e-3)
    assert haversine_km(0.0, 0.0, 0.0, 0.0) == 0.0

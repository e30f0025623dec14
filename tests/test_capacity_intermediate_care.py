"""The intermediate care model: with exponential lengths of stay and flat readiness each
pathway is M/M/c, so the mean discharge delay must match Erlang C; and the bed-days freed by
extra places are paired (common random numbers)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neighbourhood.capacity import Exponential, Lognormal, erlang
from neighbourhood.capacity.intermediate_care import IntermediateCare, Pathway, replicate
from neighbourhood.cli import app


def test_mean_delay_matches_erlang_c():
    # P1: 2 a day, 5-day stays, 12 places (load 10, rho 0.83); P2: 0.3 a day, 28-day stays,
    # 10 beds (load 8.4, rho 0.84)
    model = IntermediateCare(
        "m/m/c",
        (Pathway("P1", 2.0, 12, Exponential(5.0)), Pathway("P2", 0.3, 10, Exponential(28.0))),
        days=3650,
        warm_up_days=180,
    )
    result = replicate(model, 30, np.random.default_rng(11), confidence=0.99)
    for p in model.pathways:
        want = erlang.mean_wait(p.capacity, p.per_day, 1 / p.length_of_stay.mean)
        assert p.erlang_mean_delay() == want
        summary = result.summary(p.name)
        got = summary["mean_delay_days"]
        assert got.low <= want <= got.high, (p.name, want, got)
        # Little's law: beds blocked on average = readiness a day x mean delay
        lq = erlang.mean_queue_length(p.capacity, p.per_day, 1 / p.length_of_stay.mean)
        assert summary["delayed_beds"].low <= lq <= summary["delayed_beds"].high
        occupancy = summary["occupancy"].mean
        assert occupancy == pytest.approx(p.offered_load / p.capacity, rel=0.02)


def test_extra_places_free_bed_days_on_the_same_patients():
    model = IntermediateCare(
        "beds", (Pathway("P2", 3.0, 90, Lognormal(28, 14), by_weekday=(1, 1, 1, 1, 1, .5, .5)),),
    )  # fmt: skip
    result = replicate(model, 8, np.random.default_rng(1), extra={"P2": 6})
    base = result.summary("P2")["delayed_bed_days_a_year"]
    more = result.summary("P2", with_extra=True)["delayed_bed_days_a_year"]
    freed = result.bed_days_freed("P2")
    assert freed.mean == pytest.approx(base.mean - more.mean)
    assert freed.low > 0  # paired: more places never delay anyone longer
    assert result.summary("P2")["ready"].mean == result.summary("P2", with_extra=True)["ready"].mean
    (row,) = result.freed_rows()
    assert row["extra_places"] == 6 and row["erlang_mean_delay_days"] is None
    with pytest.raises(KeyError, match="P1"):
        replicate(model, 2, np.random.default_rng(1), extra={"P1": 1})


def test_checks():
    with pytest.raises(ValueError, match="1 or more"):
        Pathway("P1", 1.0, 0, Exponential(3.0))
    with pytest.raises(ValueError, match="same name"):
        IntermediateCare("x", (Pathway("P1", 1, 5, Exponential(3)),) * 2)


def test_cli_intermediate_care_json():
    args = ["capacity", "intermediate-care", "--p1-per-day", "2", "--p1-places", "12",
            "--p1-los", "5", "--p2-per-day", "0.3", "--p2-places", "10", "--p2-los", "28",
            "--p2-los-sd", "14", "--extra-p2", "2", "-n", "4", "--format", "json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    freed = {r["pathway"]: r for r in payload["freed"]}
    assert freed["P1"]["erlang_mean_delay_days"] == pytest.approx(erlang.mean_wait(12, 2, 0.2))
    assert freed["P1"]["acute_bed_days_freed_a_year"] == 0
    assert freed["P2"]["acute_bed_days_freed_a_year"] > 0
    none = CliRunner().invoke(app, ["capacity", "intermediate-care"])
    assert none.exit_code == 2 and "--p1-per-day" in none.stderr

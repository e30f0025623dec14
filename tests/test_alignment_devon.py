"""The care home optimiser on the real Devon care homes (CQC extract shipped in
sources/data/care-homes/devon) against the real Devon PCNs (ePCN), as the synthetic
generator writes them for ICB QJK, loaded through the extract loader."""

from __future__ import annotations

import pandas as pd
import pytest

from neighbourhood.alignment import current_alignment, propose_care_homes
from neighbourhood.records import load_paths
from neighbourhood.store import connect
from neighbourhood.synthetic import REFERENCE_DATE, generate


@pytest.fixture(scope="module")
def devon(tmp_path_factory):
    out = tmp_path_factory.mktemp("devon")
    generate(out, patients=20_000, seed=7, icb="QJK", file_format="parquet")
    con = connect(":memory:")
    load_paths(con, [out])
    yield con, out
    con.close()


def test_every_devon_home_gets_exactly_one_pcn_within_the_balance(devon):
    con, out = devon
    homes = pd.read_parquet(out / "care_homes.parquet")
    pcns = pd.read_parquet(out / "organisations.parquet").query("org_type == 'pcn'")
    # K = 4 nearest PCNs keeps the test fast; the benchmark measures K = 8 and all PCNs.
    result = propose_care_homes(con, REFERENCE_DATE, "QJK", tolerance=0.25, nearest=4)
    solution = result.solution
    assert set(solution.assignment) == set(homes["org_code"])
    assert len(solution.assignment) == len(homes) > 400
    assert set(solution.assignment.values()) <= set(pcns["org_code"])
    assert solution.status == "optimal" and solution.mip_gap <= 1e-6
    assert solution.balanced and solution.beds_outside_band == 0
    assert solution.achieved_tolerance <= 0.25 + 1e-9
    assert sum(b.beds for b in solution.balance) == homes["beds"].sum()
    assert result.left_out == ()


def test_current_devon_alignment_has_one_pcn_per_home(devon):
    con, out = devon
    result = current_alignment(con, REFERENCE_DATE, "QJK")
    assert result.gaps == ()
    assert (
        sum(r["beds"] for r in result.pcns)
        == pd.read_parquet(out / "care_homes.parquet")["beds"].sum()
    )

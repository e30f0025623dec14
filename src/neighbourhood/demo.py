"""The demo: synthesise a real ICB, load it through the real load path, summarise each capability.

It lives beside the interfaces (it orchestrates every stage) and holds no rules of its own.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neighbourhood.access.ucr_kpis import demo_headlines as ucr_headlines
from neighbourhood.access.waits import access_headlines
from neighbourhood.capacity.demo import demo_rows as capacity_rows
from neighbourhood.cohorts import shipped_library
from neighbourhood.cohorts.run import library_counts
from neighbourhood.footprints import check, pcns
from neighbourhood.overview import headline_figures, pcn_summary, store_contents
from neighbourhood.payments import IncompleteEntitlementWarning
from neighbourhood.payments.periods import financial_year
from neighbourhood.payments.statement import Statement, statement, statement_year
from neighbourhood.progress import SILENT, Progress
from neighbourhood.records import load_paths
from neighbourhood.store import connect
from neighbourhood.store.engines import Engine, open_duckdb
from neighbourhood.synthetic import generate

DEMO_PATIENTS = 200_000
DEMO_SEED = 42


class DemoRefused(RuntimeError):
    """The store holds data that did not come from the synthetic generator."""


@dataclass(frozen=True)
class DemoResult:
    synthesis: dict[str, Any]
    load: dict[str, Any]
    as_of: dt.date
    headlines: list[dict[str, Any]]
    pcns: list[dict[str, Any]]
    footprint: list[dict[str, Any]]
    rule_checks: dict[str, Any]
    store: list[dict[str, Any]]
    cohorts: list[dict[str, Any]]
    statement: Statement | None = None  # the first PCN's payment statement
    capacity: list[dict[str, Any]] | None = None  # UCR teams simulated on fitted arrivals

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": "SYNTHETIC: generated on real practices, PCNs and care homes; no real patients",
            "synthesis": self.synthesis,
            "load": self.load,
            "as_of": self.as_of.isoformat(),
            "headlines": self.headlines,
            "pcns": self.pcns,
            "footprint": self.footprint,
            "rule_checks": self.rule_checks,
            "store": self.store,
            "cohorts": self.cohorts,
            "statement": self.statement.to_dict() if self.statement else None,
            "capacity": self.capacity or [],
        }


def _reset_synthetic_store(db: Path) -> None:
    """Remove a store that holds only synthetic loads; refuse to touch anything else."""
    if not db.exists():
        return
    con = connect(db, read_only=True)
    try:
        (real_files,) = con.execute("SELECT count(*) FROM load_log WHERE NOT synthetic").fetchone()
    finally:
        con.close()
    if real_files:
        raise DemoRefused(
            f"{db} holds {real_files} loaded file(s) that are not synthetic; the demo rebuilds "
            "its store from scratch, so give it another one with --db"
        )
    db.unlink()
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        wal.unlink()


def run_demo(
    *,
    db: Path,
    out_dir: Path,
    patients: int = DEMO_PATIENTS,
    seed: int = DEMO_SEED,
    icb: str | None = None,
    progress: Progress = SILENT,
) -> DemoResult:
    _reset_synthetic_store(db)
    synthesis = generate(out_dir, patients=patients, seed=seed, icb=icb, progress=progress)
    con = connect(db)
    try:
        report = load_paths(con, [out_dir], progress=progress)
        as_of = synthesis.reference_date
        summary = dict(
            synthesis=synthesis.to_dict(),
            load=report.to_dict(),
            as_of=as_of,
            headlines=headline_figures(con, as_of)
            + ucr_headlines(con, as_of)
            + access_headlines(con, as_of),
            pcns=pcn_summary(con, as_of),
            footprint=pcns(con, as_of, synthesis.icb),
            rule_checks=check(con, as_of, synthesis.icb).to_dict(),
            store=store_contents(con),
        )
        progress.step("capacity", advance=0, total=1)
        summary["capacity"] = capacity_rows(con, as_of, synthesis.icb, seed=seed)
        progress.step("capacity", total=1)
    finally:
        con.close()
    with open_duckdb(db) as engine:
        cohorts = library_counts(engine, as_of, shipped_library(), progress)
        progress.step("payment statement", advance=0, total=1)
        found = _statement(engine, as_of, summary["footprint"])
        progress.step("payment statement", total=1)
    return DemoResult(**summary, cohorts=cohorts, statement=found)


def _statement(engine: Engine, as_of: dt.date, footprint: list[dict[str, Any]]) -> Statement | None:
    """The payment statement of the ICB's first PCN for the year of `as_of` (or the latest
    year with rates), with the store read on `as_of` or the year's last day if earlier."""
    if not footprint:
        return None
    year = statement_year(as_of)
    at = min(as_of, financial_year(year).end)
    with warnings.catch_warnings():  # the statement's lines say what is incomplete
        warnings.simplefilter("ignore", IncompleteEntitlementWarning)
        return statement(engine, year, footprint[0]["pcn_code"], at=at)

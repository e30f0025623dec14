"""UCR KPIs for one year of national volume: DuckDB (ours) against a plain pandas baseline.

    .venv/bin/python benchmarks/bench_ucr.py [--referrals 900000 --contacts 2000000]

The store is built in memory by DuckDB SQL, seeded (every draw a hash of the row number, a
stream number and the seed): 7 regions, 42 ICBs (one sub-ICB each), 1,260 PCNs of 5 practices
(6,300 practices, 9,000 registered each), 210 providers running 630 UCR teams (each serving
2 PCNs of one ICB), April 2024 to March 2025: `referrals` referrals (80% 2-hour, 10% 2-day
reablement, 10% no clock; 5% with a supplied CYP104 start), `contacts` contacts on random
referrals, 0 to 6 hours after the referral (skewed early), 88% attended, 85% face to face, 5%
video, 5% telephone, 5% not said.

The baseline computes the same KPIs (default settings, all five levels, 12 months) with
pandas from data frames already in memory (so its reading time is not counted), and the two
results are checked equal before any timing is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from neighbourhood.access.ucr_kpis import COUNT_COLUMNS, LEVELS, kpis
from neighbourhood.store import connect

SEED = 20240401
FIRST, LAST = dt.date(2024, 4, 1), dt.date(2025, 3, 1)
AS_OF = dt.datetime(2025, 4, 2, tzinfo=dt.UTC)


def u(i: str, stream: int) -> str:
    return f"(hash({i}, {stream}, {SEED}) % 1000000) / 1000000.0"


def build(referrals: int, contacts: int):
    con = connect(":memory:")
    con.execute(f"""
        INSERT INTO organisations (org_code, org_type, name)
        SELECT 'Y' || i, 'region', 'Region ' || i FROM range(7) t(i)
        UNION ALL SELECT 'Q' || i, 'icb', 'ICB ' || i FROM range(42) t(i)
        UNION ALL SELECT 'S' || i, 'sub_icb', 'Sub-ICB ' || i FROM range(42) t(i)
        UNION ALL SELECT 'U' || i, 'pcn', 'PCN ' || i FROM range(1260) t(i)
        UNION ALL SELECT 'P' || i, 'practice', 'Practice ' || i FROM range(6300) t(i)
        UNION ALL SELECT 'R' || i, 'provider', 'Provider ' || i FROM range(210) t(i)
        UNION ALL SELECT 'T' || i, 'community_team', 'Team ' || i FROM range(630) t(i);
        INSERT INTO org_memberships
        SELECT 'Q' || i, 'Y' || (i // 6), 'icb_in_region', DATE '2020-01-01', NULL
            FROM range(42) t(i)
        UNION ALL SELECT 'S' || i, 'Q' || i, 'sub_icb_in_icb', DATE '2020-01-01', NULL
            FROM range(42) t(i)
        UNION ALL SELECT 'U' || i, 'S' || (i // 30), 'pcn_in_sub_icb', DATE '2020-01-01', NULL
            FROM range(1260) t(i)
        UNION ALL SELECT 'P' || i, 'U' || (i // 5), 'practice_in_pcn', DATE '2020-01-01', NULL
            FROM range(6300) t(i)
        UNION ALL SELECT 'T' || (i // 2), 'U' || i, 'team_serves_pcn', DATE '2020-01-01', NULL
            FROM range(1260) t(i)
        UNION ALL SELECT 'T' || i, 'R' || (i // 3), 'team_run_by_provider', DATE '2020-01-01', NULL
            FROM range(630) t(i);
        INSERT INTO community_teams SELECT 'T' || i, 'urgent_community_response', 'R' || (i // 3)
            FROM range(630) t(i);
        INSERT INTO practice_list_sizes SELECT 'P' || i, DATE '2024-01-01', 'all', 'ALL', 9000
            FROM range(6300) t(i);
        INSERT INTO patients (patient_id, birth_month, sex)
            VALUES ('PAT0', DATE '1940-01-01', 'female');
        INSERT INTO community_referrals
        SELECT 'F' || i, 'PAT0', 'T' || floor({u("i", 1)} * 630)::INT,
            CASE WHEN c < 0.8 THEN 'urgent_community_response' WHEN c < 0.9 THEN 'reablement'
                 ELSE 'community_nursing' END,
            ['ambulance_999', 'nhs_111', 'clinical_assessment_service', 'care_home', 'gp',
             'self_or_carer', 'hospital', 'other'][1 + floor({u("i", 2)} * 8)::INT],
            TIMESTAMP '2024-04-01' + to_microseconds((
                {u("i", 3)} * 364 * 86400 * 1000000)::BIGINT),
            CASE WHEN c < 0.8 THEN '2_hour' WHEN c < 0.9 THEN '2_day' ELSE 'none' END
        FROM (SELECT i, {u("i", 4)} AS c FROM range({referrals}) t(i));
        INSERT INTO response_clocks
        SELECT referral_id, CASE clock WHEN '2_hour' THEN 'ucr_2_hour'
                                       ELSE 'intermediate_care_2_day' END,
            received_at - INTERVAL 20 MINUTE, NULL
        FROM community_referrals
        WHERE clock IN ('2_hour', '2_day') AND {u("hash(referral_id)", 5)} < 0.05;
        INSERT INTO care_contacts
        SELECT 'C' || i, r.referral_id,
            r.received_at
                + to_microseconds(({u("i", 7)} * {u("i", 8)} * 6 * 3600 * 1000000)::BIGINT),
            CASE WHEN {u("i", 9)} < 0.88 THEN 'attended' WHEN {u("i", 9)} < 0.94
                 THEN 'did_not_attend' ELSE 'cancelled' END,
            CASE WHEN m < 0.85 THEN 'face_to_face' WHEN m < 0.90 THEN 'video'
                 WHEN m < 0.95 THEN 'telephone' END
        FROM (SELECT i, floor({u("i", 6)} * {referrals})::INT AS k, {u("i", 10)} AS m
              FROM range({contacts}) t(i)) c
        JOIN community_referrals r ON r.referral_id = 'F' || c.k;
    """)
    return con


def half_up(values: pd.Series) -> pd.Series:
    """One decimal, halves away from zero (as SQL round does; pandas rounds them to even)."""
    return np.floor(values * 10 + 0.5) / 10


def pandas_kpis(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The same KPIs, default settings, written plainly in pandas."""
    london = "Europe/London"
    r = t["community_referrals"].copy()
    sc = t["response_clocks"]
    sc = sc[sc.measurement_type.isin(["ucr_2_hour", "intermediate_care_2_day"])]
    sc = sc.sort_values("started_at").groupby(["referral_id", "measurement_type"]).first()
    r["measurement_type"] = r.clock.map(
        {"2_hour": "ucr_2_hour", "2_day": "intermediate_care_2_day"}
    )
    r = r.merge(sc.reset_index(), on=["referral_id", "measurement_type"], how="left")
    r["start"] = r.started_at.fillna(r.received_at)
    c = t["care_contacts"]
    q = c[(c.outcome == "attended") & (c.consultation_mechanism.isna()
          | (c.consultation_mechanism == "face_to_face"))]  # fmt: skip
    q = q.merge(r[["referral_id", "start"]], on="referral_id")
    first = q[q.contact_at >= q.start].groupby("referral_id").contact_at.min().rename("first")
    r = r.merge(first, left_on="referral_id", right_index=True, how="left")
    r["stop"] = r.ended_at.fillna(r["first"])
    local = r.start.dt.tz_localize("UTC").dt.tz_convert(london)
    r["month"] = local.dt.tz_localize(None).dt.to_period("M").dt.to_timestamp().dt.date
    seconds = (r.stop - r.start).dt.total_seconds().clip(lower=0)
    stop_local = r.stop.dt.tz_localize("UTC").dt.tz_convert(london)
    midnights = (stop_local.dt.tz_localize(None).dt.normalize()
                 - local.dt.tz_localize(None).dt.normalize()).dt.days.clip(lower=0)  # fmt: skip
    as_of = pd.Timestamp(AS_OF.replace(tzinfo=None))
    as_of_day = pd.Timestamp(AS_OF).tz_convert(london).tz_localize(None).normalize()
    running = (as_of - r.start).dt.total_seconds()
    running_midnights = (as_of_day - local.dt.tz_localize(None).dt.normalize()).dt.days
    two, day2 = r.clock == "2_hour", r.clock == "2_day"
    out_scope = day2 & (r.referral_source == "hospital")
    has = r.stop.notna()
    met = (two & has & (seconds <= 7200)) | (day2 & ~out_scope & has & (midnights <= 2))
    not_met = (two & ((has & (seconds > 7200)) | (~has & (running > 7200)))) | (
        day2 & ~out_scope & ((has & (midnights > 2)) | (~has & (running_midnights > 2)))
    )
    is_open = (two | (day2 & ~out_scope)) & ~met & ~not_met
    ucr = (r.service == "urgent_community_response") | two
    group = r.referral_source.replace({"hospital": "other"})
    f = pd.DataFrame({"month": r.month, "team_code": r.team_code})
    f["ucr_referrals"] = ucr
    f["two_hour_referrals"], f["two_hour_met"] = two, two & met
    f["two_hour_not_met"], f["two_hour_open"] = two & not_met, two & is_open
    f["reablement_referrals"] = day2 & ~out_scope
    f["reablement_met"], f["reablement_not_met"] = day2 & met, day2 & not_met
    f["reablement_open"], f["out_of_scope"] = day2 & is_open, out_scope
    for g in ["ambulance_999", "nhs_111", "clinical_assessment_service", "care_home", "gp",
              "self_or_carer", "other"]:  # fmt: skip
        f[f"source_{g}"] = ucr & (group == g)
    f = f[(f.month >= FIRST) & (f.month <= LAST)]
    counts = f.groupby(["month", "team_code"]).sum().astype("int64")
    a = c[c.outcome == "attended"].merge(r[["referral_id", "team_code", "clock", "service"]],
                                         on="referral_id")  # fmt: skip
    cl = a.contact_at.dt.tz_localize("UTC").dt.tz_convert(london).dt.tz_localize(None)
    a["month"] = cl.dt.to_period("M").dt.to_timestamp().dt.date
    a = a[(a.month >= FIRST) & (a.month <= LAST)]
    a["two_hour_contacts"] = a.clock == "2_hour"
    a["ucr_contacts"] = (a.service == "urgent_community_response") | (a.clock == "2_hour")
    cc = a.groupby(["month", "team_code"])[["two_hour_contacts", "ucr_contacts"]].sum()
    team = counts.join(cc, how="outer").fillna(0).astype("int64").reset_index()
    m = t["org_memberships"]
    link = {rel: dict(zip(g.child_code, g.parent_code, strict=True))
            for rel, g in m.groupby("relationship")}  # fmt: skip
    pcn_icb = {p: link["sub_icb_in_icb"][s] for p, s in link["pcn_in_sub_icb"].items()}
    serves = m[m.relationship == "team_serves_pcn"].copy()
    serves["icb"] = serves.parent_code.map(pcn_icb)
    team_icb = (serves.groupby(["child_code", "icb"]).size().rename("n").reset_index()
                .sort_values(["child_code", "n", "icb"], ascending=[True, False, True])
                .groupby("child_code").icb.first())  # fmt: skip
    provider = dict(zip(t["community_teams"].org_code, t["community_teams"].provider_code,
                        strict=True))  # fmt: skip
    team["provider"] = team.team_code.map(provider)
    team["icb"] = team.team_code.map(team_icb)
    team["region"] = team.icb.map(link["icb_in_region"])
    team["england"] = "ENGLAND"
    sizes = t["practice_list_sizes"].set_index("practice_code").patients
    prac = m[m.relationship == "practice_in_pcn"][["child_code", "parent_code"]]
    prac.columns = ["practice", "pcn"]
    prac["size"] = prac.practice.map(sizes)
    prac["icb"] = prac.pcn.map(pcn_icb)
    prac["region"] = prac.icb.map(link["icb_in_region"])
    sv = serves[["child_code", "parent_code"]].rename(columns={"child_code": "team_code",
                                                               "parent_code": "pcn"})  # fmt: skip
    sv["provider"] = sv.team_code.map(provider)
    tp = sv.merge(prac, on="pcn")
    population = {
        "team": tp.drop_duplicates(["team_code", "practice"]).groupby("team_code")["size"].sum(),
        "provider": tp.drop_duplicates(["provider_x" if "provider_x" in tp else "provider",
                                        "practice"]).groupby("provider")["size"].sum(),
        "icb": prac.groupby("icb")["size"].sum(),
        "region": prac.groupby("region")["size"].sum(),
        "england": pd.Series({"ENGLAND": prac["size"].sum()}),
    }  # fmt: skip
    keys = {"team": "team_code", "provider": "provider", "icb": "icb", "region": "region",
            "england": "england"}  # fmt: skip
    frames = []
    for level, key in keys.items():
        g = team.groupby(["month", key])[list(COUNT_COLUMNS)].sum().reset_index()
        g = g.rename(columns={key: "org_code"})
        g["level"] = level
        g["population"] = g.org_code.map(population[level])
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    decided = out.two_hour_met + out.two_hour_not_met
    out["two_hour_percent_met"] = half_up(100.0 * out.two_hour_met / decided.where(decided > 0))
    out["ucr_referrals_per_100k"] = half_up(100000.0 * out.ucr_referrals / out.population)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=900_000)
    parser.add_argument("--contacts", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    con = build(args.referrals, args.contacts)
    n = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
         for t in ("community_referrals", "care_contacts", "response_clocks")}  # fmt: skip
    print(f"built in {time.perf_counter() - began:.1f} s: "
          + ", ".join(f"{t} {k:,}" for t, k in n.items()))  # fmt: skip
    tables = {name: con.execute(f"SELECT * FROM {name}").df() for name in (
        "community_referrals", "care_contacts", "response_clocks", "org_memberships",
        "community_teams", "practice_list_sizes")}  # fmt: skip
    ours = pd.DataFrame(kpis(con, FIRST, LAST, levels=LEVELS, as_of=AS_OF))
    base = pandas_kpis(tables)
    columns = ["level", "org_code", "month", *COUNT_COLUMNS, "population",
               "two_hour_percent_met", "ucr_referrals_per_100k"]  # fmt: skip
    left = ours[columns].sort_values(["level", "org_code", "month"]).reset_index(drop=True)
    right = base[columns].sort_values(["level", "org_code", "month"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    print(f"checked: {len(left):,} KPI rows (5 levels x 12 months) equal in both")
    timings: dict[str, list[float]] = {"duckdb (ours)": [], "pandas baseline": []}
    for _ in range(args.runs):
        start = time.perf_counter()
        kpis(con, FIRST, LAST, levels=LEVELS, as_of=AS_OF)
        timings["duckdb (ours)"].append(time.perf_counter() - start)
        start = time.perf_counter()
        pandas_kpis(tables)
        timings["pandas baseline"].append(time.perf_counter() - start)
    best = {k: min(v) for k, v in timings.items()}
    print("| implementation | best of runs (s) | all runs (s) | time / ours |\n|---|---|---|---|")
    for label, runs in timings.items():
        print(f"| {label} | {best[label]:.2f} | {', '.join(f'{x:.2f}' for x in runs)} | "
              f"{best[label] / best['duckdb (ours)']:.1f}x |")  # fmt: skip


if __name__ == "__main__":
    main()

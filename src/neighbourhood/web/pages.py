"""The dashboard's pages. Each reads the same scoped results as the REST API
(`neighbourhood.api.scoped`), draws its charts with `neighbourhood.reports.charts` and renders a
template; none holds a rule of its own."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from neighbourhood.access.ucr_settings import TARGET_PERCENT
from neighbourhood.alignment import current_alignment
from neighbourhood.alignment.geography import locate_care_homes, locate_practices
from neighbourhood.api import scoped
from neighbourhood.api.problems import Problem
from neighbourhood.cohorts import shipped_library
from neighbourhood.disclosure import SUPPRESSED
from neighbourhood.footprints import check, members
from neighbourhood.indicators import indicators_of, shipped_definitions
from neighbourhood.months import MonthError, add_months, months, parse_month
from neighbourhood.payments.statement import statement_year
from neighbourhood.reports.charts import MapPoint, bar_chart, line_chart, point_map, threshold_chart
from neighbourhood.web.place import Place, place_of
from neighbourhood.web.session import Viewer
from neighbourhood.web.templating import render

router = APIRouter(prefix="/dashboard", include_in_schema=False)

OrgQuery = Annotated[str | None, Query(max_length=10, pattern=r"^[A-Za-z0-9-]+$")]
MonthQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")]
SECTIONS = (
    ("overview", "Overview", ""),
    ("footprints", "Footprints", "/footprints"),
    ("cohorts", "Cohorts", "/cohorts"),
    ("indicators", "IIF", "/indicators"),
    ("ucr", "Urgent response", "/ucr"),
    ("waits", "Waiting lists", "/waits"),
    ("capacity", "Capacity", "/capacity"),
    ("reports", "Reports", "/reports"),
)


def page(request: Request, ctx, place: Place, section: str, template: str, **context: Any):
    return render(request, template, principal=ctx.principal, place=place, section=section,
                  sections=SECTIONS, **context)  # fmt: skip


@router.get("")
def overview(request: Request, ctx: Viewer, org: OrgQuery = None) -> Response:
    place = place_of(ctx, org)
    rows = [r for r in scoped.pcn_overview(ctx, place.on) if r["pcn_code"] in place.pcns]
    return page(request, ctx, place, "overview", "overview.html", pcns=rows)


@router.get("/footprints")
def footprints(request: Request, ctx: Viewer, org: OrgQuery = None) -> Response:
    place = place_of(ctx, org)
    practices, homes, gaps, findings = [], [], [], []
    with ctx.store() as con:
        for icb in place.icbs:
            practices += [p for p in members(con, place.on, icb) if p["pcn_code"] in place.pcns]
            aligned = current_alignment(con, place.on, icb)
            homes += [h for h in aligned.homes if set(h["pcn_code"].split(";")) & set(place.pcns)]
            gaps += [g for g in aligned.gaps if _gap_concerns(g, place)]
            findings += [
                f
                for f in check(con, place.on, icb).finding_rows()
                if place.org_type != "pcn" or place.code in f["pcn_codes"].split(";")
            ]
        where = locate_practices(con, [p["practice_code"] for p in practices])
        where_homes = locate_care_homes(con, [h["home_code"] for h in homes])
    points = [MapPoint(p["practice_name"] or p["practice_code"], where[p["practice_code"]].latitude,
                       where[p["practice_code"]].longitude, p["pcn_code"], "practice")
              for p in practices if _placed(where.get(p["practice_code"]))]  # fmt: skip
    points += [MapPoint(h["home_name"] or h["home_code"], where_homes[h["home_code"]].latitude,
                        where_homes[h["home_code"]].longitude, h["pcn_code"], "care_home")
               for h in homes if _placed(where_homes.get(h["home_code"]))]  # fmt: skip
    chart = point_map(points, title=f"Practices and care homes of {place.label}")
    return page(request, ctx, place, "footprints", "footprints.html", chart=chart,
                practices=practices, homes=homes, gaps=gaps, findings=findings,
                unplaced=len(practices) + len(homes) - len(points))  # fmt: skip


def _placed(location) -> bool:
    return location is not None and 49 <= location.latitude <= 61 and -9 <= location.longitude <= 3


def _gap_concerns(gap: dict, place: Place) -> bool:
    codes = set((gap.get("pcn_codes") or "").split(";")) - {""}
    return not codes or bool(codes & set(place.pcns))


@router.get("/cohorts")
def cohorts(request: Request, ctx: Viewer, org: OrgQuery = None) -> Response:
    place = place_of(ctx, org)
    runs = scoped.library_runs(ctx, place.on)
    rows = []
    for cohort_id, run in runs.items():
        counted = [
            r for r in scoped.cohort_counts(ctx, run) if r["practice_code"] in place.practices
        ]
        rows.append({"id": cohort_id, "title": run.cohort.title,
                     "patients": sum(r["patients"] or 0 for r in counted),
                     "practices": sum(1 for r in counted if r["patients"])})  # fmt: skip
    return page(request, ctx, place, "cohorts", "cohorts.html", cohorts=rows)


@router.get("/cohorts/{cohort_id}")
def cohort_patients(
    request: Request, ctx: Viewer, cohort_id: str, org: OrgQuery = None,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:  # fmt: skip
    try:
        place = place_of(ctx, org)
    except Problem as refused:
        if reason:
            ctx.audit(reason=reason, outcome="not_found" if refused.status == 404 else "denied")
        raise
    library = shipped_library()
    if cohort_id not in library:
        return page(request, ctx, place, "cohorts", "error.html", status=404,
                    heading="Page not found",
                    message=f"There is no cohort {cohort_id}.")  # fmt: skip
    chosen = library[cohort_id]
    given = (reason or "").strip()
    if len(given) < 3:
        return page(request, ctx, place, "cohorts", "reason.html", cohort=chosen,
                    error="Enter why you need to see these patients" if reason is not None
                    else None)  # fmt: skip
    run = scoped.library_runs(ctx, place.on)[cohort_id]
    scope = ctx.scope(place.on)
    rows = [r for r in scope.patients(run.records()) if r["practice_code"] in place.practices]
    shown = rows[:200]
    ctx.audit(reason=given, outcome="read", patients=[r["patient_id"] for r in shown])
    columns = [k for k in (shown[0] if shown else {}) if k not in ("pcn_code",)]
    return page(request, ctx, place, "cohorts", "cohort_patients.html", cohort=chosen,
                rows=shown, total=len(rows), columns=columns, reason=given)  # fmt: skip


@router.get("/indicators")
def indicators(
    request: Request, ctx: Viewer, org: OrgQuery = None,
    year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> Response:  # fmt: skip
    place = place_of(ctx, org)
    years = sorted({d.year for d in shipped_definitions().values()})
    year = year if year in years else statement_year(place.on)
    definitions = indicators_of(year)
    level, codes = (
        ("practice", place.practices) if place.org_type == "practice" else ("pcn", place.pcns)
    )
    rows = []
    for r in scoped.indicator_records(ctx, year):  # kept for other requests: copied, not changed
        if r["level"] == level and (r["practice_code"] or r["pcn_code"]) in codes:
            found = definitions[r["indicator"]]
            rows.append(r | {"title": found.title, "status": found.status,
                             "lower": found.value("lower_threshold"),
                             "upper": found.value("upper_threshold"),
                             "available_points": found.value("points")})  # fmt: skip
    chart = None
    if place.org_type == "pcn":
        chart = threshold_chart(
            [(r["indicator"], _pct(r["achievement"]), _pct(r["lower"]), _pct(r["upper"]))
             for r in rows],
            title=f"IIF {year} achievement against thresholds, {place.label}",
        )  # fmt: skip
    warnings = sorted(
        {w for result in scoped.indicator_results(ctx, year) for w in result.warnings}
    )
    return page(request, ctx, place, "indicators", "indicators.html", year=year, years=years,
                rows=rows, chart=chart, warnings=warnings)  # fmt: skip


def _pct(value: float | None) -> float | None:
    return None if value is None else 100 * value


@router.get("/ucr")
def ucr(request: Request, ctx: Viewer, org: OrgQuery = None, to: MonthQuery = None) -> Response:
    place = place_of(ctx, org)
    last = month_of(to) if to else place.on.replace(day=1)
    first = add_months(last, -11)
    rows = scoped.ucr(ctx, first, last, ("team", "provider", "icb"))
    mine = set(place.teams) | set(place.providers) | set(place.icbs)
    rows = [r for r in rows if r["org_code"] in mine]
    lead = place.providers[0] if place.org_type == "provider" else (place.icbs or ("",))[0]
    labels = [f"{m:%Y-%m}" for m in months(first, last)]
    by_month = {r["month"].strftime("%Y-%m"): r for r in rows if r["org_code"] == lead}
    points = [(m, by_month[m]["two_hour_percent_met"] if m in by_month else None) for m in labels]
    name = next((r["org_name"] for r in rows if r["org_code"] == lead), lead) or place.label
    chart = line_chart(points, title=f"2-hour urgent community response, {name}",
                       y_label="% within 2 hours", target=TARGET_PERCENT,
                       target_label=f"{TARGET_PERCENT:.0f}% standard", unit="%",
                       y_max=100)  # fmt: skip
    table = sorted(rows, key=lambda r: (r["level"] != "icb", r["level"], r["org_code"], r["month"]))
    return page(request, ctx, place, "ucr", "ucr.html", chart=chart, rows=table, first=first,
                last=last, target=TARGET_PERCENT)  # fmt: skip


def month_of(text: str) -> dt.date:
    """The first day of a YYYY-MM month; a 422 problem when it is not a month."""
    try:
        return parse_month(text)
    except MonthError as error:
        raise Problem(422, "invalid-parameters", str(error)) from None


@router.get("/waits")
def waits(request: Request, ctx: Viewer, org: OrgQuery = None) -> Response:
    place = place_of(ctx, org)
    rows = [r for r in scoped.waits(ctx) if r["provider_code"] in place.providers]
    bands = [k for k in (rows[0] if rows else {})
             if k not in (*scoped.WAITS_KEYS, "total", SUPPRESSED)]  # fmt: skip
    charts = []
    for provider in place.providers:
        mine = [r for r in rows if r["provider_code"] == provider]
        if mine:
            bars = [(b, sum(r[b] or 0 for r in mine)) for b in bands]
            charts.append(bar_chart(bars, title=f"Waiting list by weeks waited, {provider}",
                                    y_label="patients waiting"))  # fmt: skip
    return page(request, ctx, place, "waits", "waits.html", rows=rows, bands=bands, charts=charts)


@router.get("/")
def trailing_slash(org: OrgQuery = None) -> Response:
    return RedirectResponse("/dashboard" + (f"?org={org}" if org else ""), status_code=307)

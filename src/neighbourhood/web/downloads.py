"""The dashboard's reports page and downloads: the monthly PCN and ICB reports
(`neighbourhood.reports`) as HTML or XLSX, for organisations in the user's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from neighbourhood.api.problems import Problem
from neighbourhood.months import add_months
from neighbourhood.reports import ReportError, icb_report, opened, pcn_report, to_html, to_xlsx
from neighbourhood.web.pages import MonthQuery, OrgQuery, month_of, page
from neighbourhood.web.place import Place, place_of
from neighbourhood.web.session import Viewer

router = APIRouter(prefix="/dashboard", include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {"pcn": "PCN report", "icb": "ICB report"}


def _months(place: Place, count: int = 12) -> list[str]:
    latest = place.on.replace(day=1)
    return [f"{add_months(latest, -i):%Y-%m}" for i in range(count)]


def _kinds(place: Place) -> list[tuple[str, str, str]]:
    if place.org_type in KINDS:
        return [(place.org_type, place.code, KINDS[place.org_type])]
    return []


@router.get("/reports")
def reports(request: Request, ctx: Viewer, org: OrgQuery = None, month: MonthQuery = None):
    place = place_of(ctx, org)
    months = _months(place)
    chosen = month if month in months else months[0]
    return page(request, ctx, place, "reports", "reports.html", months=months, month=chosen,
                kinds=_kinds(place))  # fmt: skip


@router.get("/reports/{kind}.{extension}")
def download(
    ctx: Viewer, kind: Annotated[str, Path(pattern="^(pcn|icb)$")],
    extension: Annotated[str, Path(pattern="^(html|xlsx)$")], org: OrgQuery = None,
    month: MonthQuery = None,
) -> Response:  # fmt: skip
    place = place_of(ctx, org)
    if place.org_type != kind:
        raise Problem(404, "not-found", f"{place.code} is not a {kind.upper()}: no {KINDS[kind]}")
    first = month_of(month) if month else place.on.replace(day=1)
    build = pcn_report if kind == "pcn" else icb_report
    # As on the pages: figures of organisations outside the user's scope (the ICB's, another
    # provider's) are suppressed for publication.
    scope = ctx.scope(place.on)
    publishable = not all(scope.holds(c) for c in (*place.icbs, *place.providers))

    def make():
        try:
            with opened(ctx.settings.db) as (con, engine):
                return build(con, engine, place.code, first, publishable=publishable)
        except ReportError as error:
            raise Problem(404, "not-found", str(error)) from None

    report = ctx.state.cache.get(("report", kind, place.code, first, publishable), make)
    name = f"{kind}-{place.code}-{first:%Y-%m}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if extension == "html":
        return Response(to_html(report), media_type="text/html; charset=utf-8", headers=headers)
    return Response(to_xlsx(report), media_type=XLSX, headers=headers)

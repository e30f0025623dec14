"""Organisations, footprints and the store overview (no patient-level data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from neighbourhood.api import scoped
from neighbourhood.api.context import Ctx
from neighbourhood.api.problems import not_found
from neighbourhood.api.responses import FormatQuery, LimitQuery, OffsetQuery, document, page
from neighbourhood.api.routers.common import AsOfQuery, on
from neighbourhood.footprints import check, members, organisations, organisations_under, pcns

router = APIRouter(prefix="/v1", tags=["organisations and footprints"])

IcbQuery = Annotated[
    str | None, Query(max_length=10, description="Only this ICB (ODS code, e.g. QJK).")
]
OrgType = Annotated[
    str | None,
    Query(
        alias="type",
        max_length=30,
        description="Only this type: region, icb, sub_icb, pcn, practice, provider, "
        "community_team, care_home.",
    ),
]


@router.get("/me", summary="Who you are and what you may see")
def me(ctx: Ctx, request: Request, fmt: FormatQuery = None):
    scope = ctx.scope()
    body = ctx.principal.to_dict() | {"scope": scope.summary()}
    return document(request, body, fmt=fmt, rows=[ctx.principal.to_dict()], name="me")


@router.get("/organisations", summary="Organisations in the store")
def organisation_list(
    ctx: Ctx, request: Request, org_type: OrgType = None, fmt: FormatQuery = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    rows = ctx.read(organisations, org_type=org_type)
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="organisations")


@router.get("/organisations/{org_code}", summary="One organisation and what is below it")
def organisation(
    ctx: Ctx, request: Request, org_code: str, as_of: AsOfQuery = None, fmt: FormatQuery = None
):
    code = org_code.upper()
    found = ctx.read(organisations, code=code)
    if not found:
        raise not_found(f"no organisation {code} in the store")
    below = ctx.read(organisations_under, code, on(as_of))
    counts: dict[str, int] = {}
    for row in below:
        if row["org_code"] != code:
            counts[row["org_type"] or "unknown"] = counts.get(row["org_type"] or "unknown", 0) + 1
    body = found[0] | {
        "below": counts,
        "as_of": on(as_of),
        "in_your_scope": ctx.scope().holds(code),
    }
    return document(request, body, fmt=fmt, rows=found, name=f"organisation-{code}")


@router.get("/footprints/practices", summary="Open GP practices with their PCN, sub-ICB and ICB")
def footprint_practices(
    ctx: Ctx, request: Request, as_of: AsOfQuery = None, icb: IcbQuery = None,
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    rows = _dated(ctx, members, as_of, icb)
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="practices")


@router.get("/footprints/pcns", summary="Open PCNs: practices, registered list, rule flags")
def footprint_pcns(
    ctx: Ctx, request: Request, as_of: AsOfQuery = None, icb: IcbQuery = None,
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    rows = _dated(ctx, pcns, as_of, icb)
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="pcns")


@router.get(
    "/footprints/check", summary="The PCN rules checked: findings and what was not assessed"
)
def footprint_check(
    ctx: Ctx, request: Request, as_of: AsOfQuery = None, icb: IcbQuery = None,
    fmt: FormatQuery = None,
):  # fmt: skip
    result = _dated(ctx, check, as_of, icb)
    return document(
        request, result.to_dict(), fmt=fmt, rows=result.finding_rows(), name="footprint-check"
    )


def _dated(ctx, function, as_of, icb):
    try:
        return ctx.read(function, on(as_of), icb.upper() if icb else None)
    except ValueError as error:
        raise not_found(str(error)) from None


@router.get(
    "/overview/pcns",
    summary="Each PCN's registered patients, share aged 65+ and care home residents",
    description="Counts from patient records: PCNs outside your scope come suppressed for "
    "publication (counts 1 to 4 hidden, and what is worked out from them).",
)
def overview_pcns(
    ctx: Ctx, request: Request, as_of: AsOfQuery = None, fmt: FormatQuery = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    date = on(as_of)
    rows = scoped.pcn_overview(ctx, date)
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="pcn-overview",
                meta={"as_of": date})  # fmt: skip

"""The cohort library: definitions, counts (aggregates) and patient lists with the reasons
each patient is in them (patient-level: scoped, and every read audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from neighbourhood.api import scoped
from neighbourhood.api.context import Ctx, Reason
from neighbourhood.api.problems import forbidden, not_found
from neighbourhood.api.responses import FormatQuery, LimitQuery, OffsetQuery, document, page
from neighbourhood.api.routers.common import AtQuery, on
from neighbourhood.api.scope import publishable
from neighbourhood.cohorts import Cohort, explain, shipped_library
from neighbourhood.cohorts.run import library_counts

router = APIRouter(prefix="/v1/cohorts", tags=["cohorts"])

OrgQuery = Annotated[str | None, Query(max_length=10)]


def _cohort(cohort_id: str) -> Cohort:
    library = shipped_library()
    if cohort_id not in library:
        raise not_found(f"no cohort {cohort_id!r}; the library has: {', '.join(library)}")
    return library[cohort_id]


@router.get("", summary="Every cohort of the library: id, title, criteria, codelists, sources")
def cohort_list(
    ctx: Ctx, request: Request, fmt: FormatQuery = None, limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
):  # fmt: skip
    rows = [c.summary() for c in shipped_library().values()]
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="cohorts")


@router.get(
    "/counts",
    summary="Every cohort's patients on a date, with the PCNs and practices they are in",
    description="Counts over the whole store: suppressed for publication unless you are a "
    "national user.",
)
def cohort_library_counts(
    ctx: Ctx, request: Request, at: AtQuery = None, fmt: FormatQuery = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    date = on(at)

    def make():
        with ctx.engine() as engine:
            return library_counts(engine, date, shipped_library())

    rows = ctx.state.cache.get(("library-counts", date), make)
    scope = ctx.scope(date)
    rows = publishable(rows, lambda r: scope.everything, count_fields=("patients",))
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="cohort-counts",
                meta={"at": date})  # fmt: skip


@router.get("/{cohort_id}", summary="One cohort definition in full")
def cohort_definition(ctx: Ctx, request: Request, cohort_id: str, fmt: FormatQuery = None):
    chosen = _cohort(cohort_id)
    summary = chosen.summary()
    rows = [{"criterion": c} for c in summary.get("criteria", [])]
    return document(request, summary, fmt=fmt, rows=rows, name=f"cohort-{cohort_id}")


@router.get(
    "/{cohort_id}/counts",
    summary="Patients per PCN and practice, and how many meet each criterion",
    description="Practices outside your scope come suppressed for publication.",
)
def cohort_counts(
    ctx: Ctx, request: Request, cohort_id: str, at: AtQuery = None, fmt: FormatQuery = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    run = scoped.cohort_run(ctx, _cohort(cohort_id), on(at))
    rows = scoped.cohort_counts(ctx, run)
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name=f"{cohort_id}-counts",
                meta={"provenance": run.provenance})  # fmt: skip


@router.get(
    "/{cohort_id}/patients",
    summary="The cohort's patients (pseudonymous ids) in your scope, with each criterion",
    description="Patient-level: only patients registered with practices in your scope; "
    "`pcn` or `practice` outside it is refused (403). Needs a reason; every read is audited.",
)
def cohort_patients(
    ctx: Ctx, request: Request, cohort_id: str, reason: Reason, at: AtQuery = None,
    pcn: OrgQuery = None, practice: OrgQuery = None, fmt: FormatQuery = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    chosen = _cohort(cohort_id)
    date = on(at)
    scope = ctx.scope(date)
    for code in (pcn, practice):
        if code is not None and not scope.holds(code.upper()):
            ctx.audit(reason=reason, outcome="denied")
            raise forbidden(f"{code.upper()} is outside your scope ({ctx.principal.org_code})")
    run = scoped.cohort_run(ctx, chosen, date)
    rows = scope.patients(run.records())
    if pcn:
        rows = [r for r in rows if r["pcn_code"] == pcn.upper()]
    if practice:
        rows = [r for r in rows if r["practice_code"] == practice.upper()]
    shown = rows[offset : offset + limit]
    ctx.audit(reason=reason, outcome="read", patients=[r["patient_id"] for r in shown])
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name=f"{cohort_id}-patients",
                meta={"provenance": run.provenance})  # fmt: skip


@router.get(
    "/{cohort_id}/patients/{patient_id}",
    summary="Why one patient is (or is not) in the cohort: each criterion and its records",
    description="Patient-level: a patient registered outside your scope is refused (403), as "
    "is an unknown patient unless you are a national user (404). Needs a reason; audited.",
)
def cohort_explanation(
    ctx: Ctx, request: Request, cohort_id: str, patient_id: str, reason: Reason,
    at: AtQuery = None, fmt: FormatQuery = None,
):  # fmt: skip
    chosen = _cohort(cohort_id)
    date = on(at)
    scope = ctx.scope(date)
    try:
        with ctx.engine() as engine:
            found = explain(engine, chosen, patient_id, date)
    except KeyError:
        if scope.everything:
            ctx.audit(reason=reason, outcome="not_found")
            raise not_found(f"no patient {patient_id!r} in the store") from None
        found = None
    if found is None or not scope.holds(found["practice_code"]):
        ctx.audit(reason=reason, outcome="denied")
        raise forbidden(f"patient {patient_id!r} is not registered in your scope on {date}")
    ctx.audit(reason=reason, outcome="read", patients=[patient_id])
    rows = [
        {"criterion": c["criterion"], "value": c["value"]} | record
        for c in found["criteria"]
        for record in (c["records"] or [{}])
    ]
    return document(request, found, fmt=fmt, rows=rows, name=f"{cohort_id}-{patient_id}")

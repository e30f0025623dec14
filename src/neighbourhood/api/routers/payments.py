"""The payment statement of a PCN: every line it and its practices are due for a year."""

from __future__ import annotations

import warnings
from typing import Annotated

from fastapi import APIRouter, Query, Request

from neighbourhood.api.context import Ctx
from neighbourhood.api.problems import forbidden, not_found
from neighbourhood.api.responses import FormatQuery, document
from neighbourhood.payments import IncompleteEntitlementWarning
from neighbourhood.payments.statement import statement

router = APIRouter(prefix="/v1/payments", tags=["payments"])


@router.get(
    "/statement",
    summary="A PCN's payment statement: per-head, Care Home Premium, ARRS, IIF lines",
    description="Each line with its basis, evidence and (when incomplete) why. The PCN must be "
    "in your scope (403 otherwise): the evidence holds small counts.",
)
def payment_statement(
    ctx: Ctx, request: Request,
    year: Annotated[str, Query(max_length=10, description="The financial year, e.g. 2024-25.")],
    pcn: Annotated[str, Query(max_length=10, description="The PCN's ODS code.")],
    fmt: FormatQuery = None,
):  # fmt: skip
    code = pcn.upper()
    if not ctx.scope().holds(code):
        raise forbidden(f"{code} is outside your scope ({ctx.principal.org_code})")

    def make():
        with ctx.engine() as engine, warnings.catch_warnings():
            warnings.simplefilter("ignore", IncompleteEntitlementWarning)  # lines say why
            return statement(engine, year, code)

    try:
        found = ctx.state.cache.get(("statement", year, code), make)
    except ValueError as error:
        raise not_found(str(error)) from None
    return document(request, found.to_dict(), fmt=fmt, rows=found.records(),
                    name=f"statement-{year}-{code}")  # fmt: skip

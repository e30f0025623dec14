"""The payment statement of a PCN: every line it and its practices are due for a year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from neighbourhood.api import scoped
from neighbourhood.api.context import Ctx
from neighbourhood.api.responses import FormatQuery, document

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
    found = scoped.payment_statement(ctx, year, code)
    return document(request, found.to_dict(), fmt=fmt, rows=found.records(),
                    name=f"statement-{year}-{code}")  # fmt: skip

"""Jinja templates: ours (templates/) over NHS.UK frontend's components (nhsuk-frontend-jinja),
with filters that format figures the way the NHS publishes them."""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    PackageLoader,
    Undefined,
    select_autoescape,
)

environment = Environment(
    loader=ChoiceLoader(
        [PackageLoader("neighbourhood.web", "templates"), PackageLoader("nhsuk_frontend_jinja")]
    ),
    autoescape=select_autoescape(("html", "jinja")),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=ChainableUndefined,  # NHS.UK frontend's templates read params.a.b unset
    extensions=["jinja2.ext.do"],
)


def _missing(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, Undefined)
        or (isinstance(value, float) and math.isnan(value))
    )


def count(value: Any) -> str:
    if _missing(value):
        return "–"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def percent(value: Any, digits: int = 1) -> str:
    return "–" if _missing(value) else f"{value:.{digits}f}%"


def pounds(value: Any) -> str:
    return "–" if _missing(value) else f"£{value:,.2f}"


def nav_items(sections, current: str, query: str) -> list[dict[str, Any]]:
    return [{"href": f"/dashboard{path}{query}", "text": text, "current": key == current}
            for key, text, path in sections]  # fmt: skip


environment.filters.update(count=count, percent=percent, pounds=pounds)
environment.globals.update(nav_items=nav_items)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    template = environment.get_template(name)
    page = template.render(request=request, **context)
    return HTMLResponse(page, status_code=status)

"""Parameters several routers share."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query

from neighbourhood.api.problems import Problem

EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)

AtQuery = Annotated[
    dt.date | None,
    Query(description="The date (YYYY-MM-DD, 1990-2100); today when not given."),
]
AsOfQuery = Annotated[
    dt.date | None,
    Query(alias="as_of", description="The date (YYYY-MM-DD, 1990-2100); today when not given."),
]


def on(date: dt.date | None) -> dt.date:
    """The date asked for, or today; a 422 problem outside 1990-2100."""
    date = date or dt.date.today()
    if not EARLIEST <= date <= LATEST:
        raise Problem(422, "invalid-parameters", f"the date {date} is outside 1990-2100")
    return date

"""The date a store's figures are read on by default: its latest activity, never after today."""

from __future__ import annotations

import datetime as dt

import duckdb

LATEST_ACTIVITY = """
SELECT max(d) FROM (
    SELECT max(event_date) AS d FROM clinical_events
    UNION ALL SELECT max(CAST(received_at AS DATE)) FROM community_referrals
    UNION ALL SELECT max(snapshot_date) FROM waiting_list_snapshots
)"""


def data_date(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> dt.date:
    """The latest date with a coded event, a community referral or a waiting-list snapshot,
    or today when the store holds none (or holds dates after today)."""
    today = today or dt.date.today()
    try:
        (latest,) = con.execute(LATEST_ACTIVITY).fetchone()
    except duckdb.CatalogException:
        return today
    return min(latest, today) if latest else today

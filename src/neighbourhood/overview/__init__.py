"""Compute: what the store holds, summarised for the demo and `neighbourhood status`."""

from neighbourhood.overview.dates import data_date
from neighbourhood.overview.summary import (
    headline_figures,
    pcn_summary,
    quarantined_rows,
    store_contents,
)

__all__ = ["data_date", "headline_figures", "pcn_summary", "quarantined_rows", "store_contents"]

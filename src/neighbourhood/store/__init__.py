"""The store: the canonical data model and the one place that knows which engine holds the data."""

from neighbourhood.store.connection import connect
from neighbourhood.store.model import Column, DataModel, RowCheck, Table, load_data_model

__all__ = ["Column", "DataModel", "RowCheck", "Table", "connect", "load_data_model"]

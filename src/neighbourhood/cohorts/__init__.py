"""Cohorts: a query language over the data model, compiled through Ibis to DuckDB, PostgreSQL
or Spark, and a library of versioned cohort definitions (see README.md)."""

from neighbourhood.cohorts.definition import (
    Cohort,
    DefinitionError,
    cohort,
    load_library,
    read_cohort,
    shipped_library,
)
from neighbourhood.cohorts.model import QueryError
from neighbourhood.cohorts.run import CohortRun, counts, explain, run_cohort, run_library, sql

__all__ = [
    "Cohort",
    "CohortRun",
    "DefinitionError",
    "QueryError",
    "cohort",
    "counts",
    "explain",
    "load_library",
    "read_cohort",
    "run_cohort",
    "run_library",
    "shipped_library",
    "sql",
]

"""FHIR R4 ingest: Bundles and Bulk Data NDJSON, JSON or XML, streamed, pseudonymised."""

from neighbourhood.records.fhir.load import FhirFileReport, FhirLoadReport, discover_fhir, load_fhir
from neighbourhood.records.fhir.read import is_fhir_file

__all__ = ["FhirFileReport", "FhirLoadReport", "discover_fhir", "is_fhir_file", "load_fhir"]

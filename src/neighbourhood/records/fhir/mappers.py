"""Each FHIR R4 resource type onto data-model rows, pseudonymised; one function per type.

A mapper returns `Mapped`: the rows (table, {column: text}) of one entry, or the reason the
entry is rejected (it goes to quarantine with the field), or the reason it is knowingly not
loaded. Names, addresses beyond the postcode district, telecoms, narrative and any other free
text are never read into a row. Codes keep their system: SNOMED CT goes to clinical_events,
dm+d to medications_issued, anything else (LOINC, RxNorm, CVX, ...) to other_coded_records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from neighbourhood.identifiers import nhs_number_problem
from neighbourhood.records.fhir.elements import (
    DMD_SYSTEMS,
    NHS_NUMBER_SYSTEM,
    ODS_ORGANISATION_SYSTEM,
    ODS_SITE_SYSTEM,
    SNOMED,
    UK_POSTCODE,
    codings,
    date_part,
    decimal,
    first_coding,
    first_present,
    identifier_of,
    identifier_values,
    many,
    postcode_district,
    text,
)
from neighbourhood.records.fhir.links import LinkIndex, Target
from neighbourhood.records.pseudonymise import Pseudonymiser

Row = dict[str, str | None]

# FHIR administrative gender -> NHS Data Dictionary Person Stated Gender (as the data model
# names it): "other" is the nearest to Indeterminate; a missing gender is Not Known.
SEX = {"male": "male", "female": "female", "other": "indeterminate", "unknown": "unknown"}
# ODS organisation role (https://digital.nhs.uk/services/organisation-data-service, ORD API
# role list): RO76 GP PRACTICE. Other roles are stored as "other" rather than guessed.
ORG_ROLES = {"RO76": "practice"}
NOT_A_RECORD = ("entered-in-error",)


@dataclass
class Mapped:
    table: str  # where the entry's rows go first (and where a rejection is filed)
    rows: list[tuple[str, Row]] = field(default_factory=list)
    problem: tuple[str | None, str] | None = None  # (field, reason)
    skip: str | None = None
    unresolved: list[str] = field(default_factory=list)  # optional references not resolved

    def reject(self, column: str | None, reason: str, row: Row | None = None) -> Mapped:
        self.problem = (column, reason)
        self.rows = [(self.table, row or {})]
        return self


@dataclass(frozen=True)
class Context:
    pseudonymiser: Pseudonymiser
    links: LinkIndex
    stored_organisations: frozenset[str]


def identity(resource: dict[str, Any], full_url: str | None) -> str | None:
    """What a resource is known by in its source: Type/id, else its fullUrl."""
    if text(resource.get("id")):
        return f"{resource['resourceType']}/{text(resource.get('id'))}"
    return full_url


def patient_target(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Target:
    """The patient's pseudonym: from the NHS number when there is one (so every source
    links up), else from the source's own id. None when the NHS number is invalid."""
    nhs_number = identifier_of(resource, NHS_NUMBER_SYSTEM)
    if nhs_number is not None:
        if nhs_number_problem(nhs_number):
            return Target("Patient", None)
        return Target("Patient", ctx.pseudonymiser.patient_from_nhs_number(nhs_number))
    known = identity(resource, full_url)
    return Target("Patient", ctx.pseudonymiser.token("Patient", known) if known else None)


def _pseudonym(kind: str, resource: dict[str, Any], full_url: str | None, ctx: Context) -> str:
    known = identity(resource, full_url) or ""
    return ctx.pseudonymiser.token(kind, known)


def _practitioner_id(resource: dict[str, Any], full_url: str | None, ctx: Context) -> str:
    identifiers = identifier_values(resource)
    if identifiers:
        system, value = identifiers[0]
        return ctx.pseudonymiser.token("Practitioner", f"{system}|{value}")
    return _pseudonym("Practitioner", resource, full_url, ctx)


def _medication_coding(resource: dict[str, Any]) -> str | None:
    found = codings(resource.get("code"))
    preferred = [c for c in found if c[0] in DMD_SYSTEMS] or found
    return f"{preferred[0][0]}|{preferred[0][1]}" if preferred else None


def target_of(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Target | None:
    """What references to this resource resolve to, for the types references are followed to."""
    kind = resource["resourceType"]
    if kind == "Patient":
        return patient_target(resource, full_url, ctx)
    if kind == "Organization":
        code = identifier_of(resource, ODS_ORGANISATION_SYSTEM)
        return Target(kind, code.upper() if code else None)
    if kind == "Location":
        return Target(kind, _pseudonym("Location", resource, full_url, ctx))
    if kind == "Practitioner":
        return Target(kind, _practitioner_id(resource, full_url, ctx))
    if kind == "Medication":
        return Target(kind, _medication_coding(resource))
    return None


def _subject(resource: dict[str, Any], mapped: Mapped, ctx: Context, *elements: str) -> str | None:
    """The patient pseudonym the resource is about; rejects the entry when there is none."""
    reference = next((resource[e] for e in elements if resource.get(e) is not None), None)
    if reference is None:
        mapped.reject("patient_id", f"no {elements[0]} (the patient the record is about)")
        return None
    _, target = ctx.links.resolve(reference, "Patient")
    if target is None:
        mapped.reject(
            "patient_id",
            f"{resource['resourceType']}.{elements[0]} refers to a Patient not found in this "
            "load or the store",
        )
        return None
    if target.value is None:
        mapped.reject("patient_id", "the Patient it refers to was rejected (see its own entry)")
        return None
    return target.value


def _organisation(reference: Any, mapped: Mapped, ctx: Context, element: str) -> str | None:
    if reference is None:
        return None
    _, target = ctx.links.resolve(reference, "Organization")
    if target is None or target.value is None:
        mapped.unresolved.append(f"{element}: not resolved to an ODS code")
        return None
    return target.value


def _rejected_as_r5(resource: dict[str, Any], mapped: Mapped) -> bool:
    """Elements that exist only in FHIR R5: this loader reads R4 and says so, never guesses."""
    kind = resource["resourceType"]
    signs = {
        "MedicationRequest": ("medication", "medicationCodeableConcept / medicationReference"),
        "MedicationStatement": ("medication", "medicationCodeableConcept / medicationReference"),
        "Encounter": ("actualPeriod", "period"),
    }
    sign = signs.get(kind)
    if sign and sign[0] in resource:
        mapped.reject(
            None, f"{kind}.{sign[0]} is FHIR R5; this loader reads FHIR R4 ({kind}.{sign[1]})"
        )
        return True
    if kind == "Encounter" and isinstance(resource.get("class"), list):
        mapped.reject(None, "Encounter.class as a list is FHIR R5; R4 has one Coding")
        return True
    code = resource.get("code")
    if kind == "ServiceRequest" and isinstance(code, dict) and "concept" in code:
        mapped.reject(None, "ServiceRequest.code as a CodeableReference is FHIR R5")
        return True
    return False


def _coded_rows(
    mapped: Mapped,
    kind: str,
    patient_id: str,
    on: str | None,
    found: list[tuple[str, str]],
    value: str | None = None,
    unit: str | None = None,
    *,
    medicine: bool = False,
    quantity: str | None = None,
) -> None:
    for system, code in found:
        if medicine and system in DMD_SYSTEMS:
            row = {"patient_id": patient_id, "issue_date": on, "dmd_code": code}
            mapped.rows.append(("medications_issued", {**row, "quantity": quantity}))
        elif not medicine and system == SNOMED:
            row = {"patient_id": patient_id, "event_date": on, "snomed_code": code}
            mapped.rows.append(("clinical_events", {**row, "numeric_value": value}))
        else:
            mapped.rows.append(
                (
                    "other_coded_records",
                    {
                        "patient_id": patient_id,
                        "record_date": on,
                        "resource_type": kind,
                        "code_system": system or None,
                        "code": code,
                        "numeric_value": value,
                        "unit": unit,
                    },
                )
            )


def _begin(
    resource: dict[str, Any], table: str, ctx: Context, *subject: str
) -> tuple[Mapped, str | None]:
    """The entry's Mapped and its patient, or None (with the entry rejected or skipped) when
    it is R5-shaped, not a record of care, or about no known patient."""
    mapped = Mapped(table)
    if _rejected_as_r5(resource, mapped) or _status_skip(resource, mapped):
        return mapped, None
    return mapped, _subject(resource, mapped, ctx, *subject)


def _status_skip(resource: dict[str, Any], mapped: Mapped) -> bool:
    status = text(resource.get("status"))
    verification = first_coding(resource.get("verificationStatus"))[1]
    if status in NOT_A_RECORD or verification in NOT_A_RECORD:
        mapped.skip = "entered in error (not a record of care)"
        return True
    return False


def _dated(
    resource: dict[str, Any], mapped: Mapped, column: str, *paths: str
) -> tuple[str | None, bool]:
    on, problem = date_part(first_present(resource, *paths))
    if problem or on is None:
        kind = resource["resourceType"]
        mapped.reject(column, problem or f"no date (none of {kind}.{' / '.join(paths)})")
        return None, False
    return on, True


CODED_EVENT = {
    # type: (code element, date elements, subject elements)
    "Condition": ("code", ("onsetDateTime", "onsetPeriod.start", "recordedDate"), ("subject",)),
    "Procedure": (
        "code",
        ("performedDateTime", "performedPeriod.start", "performedPeriod.end"),
        ("subject",),
    ),
    "Observation": (
        "code",
        ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
        ("subject",),
    ),
    "Immunization": ("vaccineCode", ("occurrenceDateTime", "recorded"), ("patient",)),
    "AllergyIntolerance": ("code", ("onsetDateTime", "recordedDate"), ("patient",)),
}


def map_coded_event(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    kind = resource["resourceType"]
    code_element, date_paths, subject = CODED_EVENT[kind]
    mapped = Mapped("clinical_events")
    if _status_skip(resource, mapped):
        return mapped
    if kind == "Procedure" and text(resource.get("status")) == "not-done":
        mapped.skip = "not done"
        return mapped
    patient_id = _subject(resource, mapped, ctx, *subject)
    if patient_id is None:
        return mapped
    on, ok = _dated(resource, mapped, "event_date", *date_paths)
    if not ok:
        return mapped
    found = codings(resource.get(code_element))
    quantity = (
        resource.get("valueQuantity") if isinstance(resource.get("valueQuantity"), dict) else {}
    )
    value = decimal(quantity.get("value")) if quantity else decimal(resource.get("valueInteger"))
    unit = text(quantity.get("code") or quantity.get("unit")) if quantity else None
    _coded_rows(mapped, kind, patient_id, on, found, value, unit)
    for component in many(resource.get("component")):
        if not isinstance(component, dict):
            continue
        part = (
            component.get("valueQuantity")
            if isinstance(component.get("valueQuantity"), dict)
            else {}
        )
        _coded_rows(
            mapped,
            kind,
            patient_id,
            on,
            codings(component.get("code")),
            decimal(part.get("value")),
            text(part.get("code") or part.get("unit")),
        )
    if not mapped.rows:
        return mapped.reject(code_element, f"{kind}.{code_element} has no coding")
    return mapped


def map_medication(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    kind = resource["resourceType"]
    mapped, patient_id = _begin(resource, "medications_issued", ctx, "subject")
    if patient_id is None:
        return mapped
    paths = (
        ("authoredOn",)
        if kind == "MedicationRequest"
        else ("effectiveDateTime", "effectivePeriod.start", "dateAsserted")
    )
    on, ok = _dated(resource, mapped, "issue_date", *paths)
    if not ok:
        return mapped
    found = codings(resource.get("medicationCodeableConcept"))
    if not found and resource.get("medicationReference") is not None:
        _, target = ctx.links.resolve(resource["medicationReference"], "Medication")
        if target is None or target.value is None:
            return mapped.reject(
                "dmd_code", f"{kind}.medicationReference: Medication not found or has no code"
            )
        system, _, code = target.value.rpartition("|")
        found = [(system, code)]
    dispense = (
        resource.get("dispenseRequest") if isinstance(resource.get("dispenseRequest"), dict) else {}
    )
    quantity = dispense.get("quantity") if isinstance(dispense.get("quantity"), dict) else {}
    _coded_rows(
        mapped, kind, patient_id, on, found, medicine=True, quantity=decimal(quantity.get("value"))
    )
    if not mapped.rows:
        return mapped.reject("dmd_code", f"{kind} names no medicine code")
    return mapped


def map_patient(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped = Mapped("patients")
    target = patient_target(resource, full_url, ctx)
    birth = text(resource.get("birthDate"))
    birth_month = f"{birth[:7]}-01" if birth and len(birth) >= 7 else None
    died, _ = date_part(resource.get("deceasedDateTime"))
    practice = None
    for reference in many(resource.get("generalPractitioner")):
        key, found = ctx.links.resolve(reference, "Organization")
        if found is not None and found.value:
            practice = found.value
            break
        if key is not None and key.startswith("Organization"):
            mapped.unresolved.append("Patient.generalPractitioner: not resolved to an ODS code")
    row: Row = {
        "patient_id": target.value,
        "birth_month": birth_month,
        "sex": SEX.get(text(resource.get("gender")) or "unknown"),
        "date_of_death": died,
        "postcode_district": postcode_district(resource.get("address")),
        "registered_practice_code": practice,
    }
    nhs_number = identifier_of(resource, NHS_NUMBER_SYSTEM)
    problem = nhs_number_problem(nhs_number) if nhs_number is not None else None
    if problem:
        return mapped.reject("patient_id", problem, row)
    if target.value is None:
        return mapped.reject("patient_id", "the Patient has no NHS number, id or fullUrl", row)
    if birth and len(birth) == 4:
        return mapped.reject("birth_month", f"birthDate {birth} gives the year only", row)
    mapped.rows.append(("patients", row))
    return mapped


def map_organisation(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped = Mapped("organisations")
    code = identifier_of(resource, ODS_ORGANISATION_SYSTEM)
    if not code:
        return mapped.reject(
            "org_code", f"no ODS organisation code (identifier system {ODS_ORGANISATION_SYSTEM})"
        )
    code = code.upper()
    if code in ctx.stored_organisations:
        return mapped  # no rows: linked to the organisation already in the store
    roles = [c for _, c in codings(resource.get("type"))]
    address = next((a for a in many(resource.get("address")) if isinstance(a, dict)), {})
    postcode = (text(address.get("postalCode")) or "").upper().strip() or None
    if postcode and not UK_POSTCODE.match(postcode):
        mapped.unresolved.append("Organization.address.postalCode: not a UK postcode")
        postcode = None
    row: Row = {
        "org_code": code,
        "org_type": next((ORG_ROLES[r] for r in roles if r in ORG_ROLES), "other"),
        "name": text(resource.get("name")),
        "postcode": postcode,
    }
    mapped.rows.append(("organisations", row))
    return mapped


def map_location(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped = Mapped("locations")
    type_system, type_code = first_coding(resource.get("type"))
    if type_code is None:
        type_system, type_code = first_coding(resource.get("physicalType"))
    row: Row = {
        "location_id": _pseudonym("Location", resource, full_url, ctx),
        "ods_site_code": identifier_of(resource, ODS_SITE_SYSTEM),
        "organisation_code": _organisation(
            resource.get("managingOrganization"), mapped, ctx, "Location.managingOrganization"
        ),
        "type_system": type_system,
        "type_code": type_code,
        "postcode_district": postcode_district(resource.get("address")),
        "status": text(resource.get("status")),
    }
    mapped.rows.append(("locations", row))
    return mapped


def map_practitioner(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped = Mapped("practitioners")
    identifiers = identifier_values(resource)
    row: Row = {
        "practitioner_id": _practitioner_id(resource, full_url, ctx),
        "identifier_system": identifiers[0][0] if identifiers else None,
        "active": text(resource.get("active")),
    }
    mapped.rows.append(("practitioners", row))
    return mapped


def map_encounter(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped, patient_id = _begin(resource, "encounters", ctx, "subject")
    if patient_id is None:
        return mapped
    period = resource.get("period") if isinstance(resource.get("period"), dict) else {}
    type_system, type_code = first_coding(resource.get("type"))
    row: Row = {
        "encounter_id": _pseudonym("Encounter", resource, full_url, ctx),
        "patient_id": patient_id,
        "encounter_class": first_coding(resource.get("class"))[1],
        "type_system": type_system,
        "type_code": type_code,
        "status": text(resource.get("status")),
        "start_at": text(period.get("start")),
        "end_at": text(period.get("end")),
        "organisation_code": _organisation(
            resource.get("serviceProvider"), mapped, ctx, "Encounter.serviceProvider"
        ),
    }
    mapped.rows.append(("encounters", row))
    return mapped


def map_appointment(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped = Mapped("appointments")
    if _status_skip(resource, mapped):
        return mapped
    actors = [
        p.get("actor")
        for p in many(resource.get("participant"))
        if isinstance(p, dict) and isinstance(p.get("actor"), dict)
    ]
    patient_actor = next(
        (a for a in actors if "Patient" in (text(a.get("reference")) or text(a.get("type")) or "")),
        None,
    )
    patient_id = _subject(
        {"resourceType": "Appointment", "participant": patient_actor}, mapped, ctx, "participant"
    )
    if patient_id is None:
        return mapped
    service = many(resource.get("serviceType"))
    if service and isinstance(service[0], dict) and "concept" in service[0]:
        return mapped.reject(None, "Appointment.serviceType as a CodeableReference is FHIR R5")
    type_system, type_code = first_coding(service)
    row: Row = {
        "appointment_id": _pseudonym("Appointment", resource, full_url, ctx),
        "patient_id": patient_id,
        "status": text(resource.get("status")),
        "service_type_system": type_system,
        "service_type_code": type_code,
        "start_at": text(resource.get("start")),
        "end_at": text(resource.get("end")),
    }
    mapped.rows.append(("appointments", row))
    return mapped


def map_service_request(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped, patient_id = _begin(resource, "service_requests", ctx, "subject")
    if patient_id is None:
        return mapped
    on, problem = date_part(resource.get("authoredOn"))
    if problem:
        return mapped.reject("authored_on", problem)
    code_system, code = first_coding(resource.get("code"))
    performer = next((p for p in many(resource.get("performer")) if "Organization" in str(p)), None)
    row: Row = {
        "request_id": _pseudonym("ServiceRequest", resource, full_url, ctx),
        "patient_id": patient_id,
        "code_system": code_system,
        "code": code,
        "status": text(resource.get("status")),
        "intent": text(resource.get("intent")),
        "priority": text(resource.get("priority")),
        "authored_on": on,
        "performer_organisation_code": _organisation(
            performer, mapped, ctx, "ServiceRequest.performer"
        ),
    }
    mapped.rows.append(("service_requests", row))
    return mapped


def map_episode_of_care(resource: dict[str, Any], full_url: str | None, ctx: Context) -> Mapped:
    mapped, patient_id = _begin(resource, "episodes_of_care", ctx, "patient")
    if patient_id is None:
        return mapped
    period = resource.get("period") if isinstance(resource.get("period"), dict) else {}
    start, start_problem = date_part(period.get("start"))
    end, end_problem = date_part(period.get("end"))
    if start_problem or end_problem:
        return mapped.reject(
            "start_date" if start_problem else "end_date", start_problem or end_problem
        )
    type_system, type_code = first_coding(resource.get("type"))
    row: Row = {
        "episode_id": _pseudonym("EpisodeOfCare", resource, full_url, ctx),
        "patient_id": patient_id,
        "type_system": type_system,
        "type_code": type_code,
        "status": text(resource.get("status")),
        "start_date": start,
        "end_date": end,
        "organisation_code": _organisation(
            resource.get("managingOrganization"), mapped, ctx, "EpisodeOfCare.managingOrganization"
        ),
    }
    mapped.rows.append(("episodes_of_care", row))
    return mapped


def map_medication_definition(
    resource: dict[str, Any], full_url: str | None, ctx: Context
) -> Mapped:
    """A Medication is kept only as what MedicationRequest.medicationReference resolves to."""
    mapped = Mapped("resource_links")
    if _medication_coding(resource) is None:
        return mapped.reject(None, "Medication.code has no coding")
    return mapped  # no rows of its own: kept as what its references resolve to


Mapper = Callable[[dict[str, Any], str | None, Context], Mapped]

MAPPERS: dict[str, Mapper] = {
    "Patient": map_patient,
    "Organization": map_organisation,
    "Location": map_location,
    "Practitioner": map_practitioner,
    "Condition": map_coded_event,
    "Observation": map_coded_event,
    "Procedure": map_coded_event,
    "Immunization": map_coded_event,
    "AllergyIntolerance": map_coded_event,
    "MedicationRequest": map_medication,
    "MedicationStatement": map_medication,
    "Medication": map_medication_definition,
    "Encounter": map_encounter,
    "Appointment": map_appointment,
    "ServiceRequest": map_service_request,
    "EpisodeOfCare": map_episode_of_care,
}

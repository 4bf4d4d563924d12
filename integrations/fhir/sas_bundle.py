"""The searchset Bundle the SAS platform aggregates (ANS IG `ans.fhir.fr.sas` 1.1.0, the
package the ANS test kit validates against, profiles *Agregateur*): each free Slot, the
Schedule of its practitioner and place, the Practitioner and the PractitionerRole of that
place with its Location contained; in the CPTS case also the HealthcareService and the CPTS
Organization. Each resource declares the one profile the kit selects it by (its checks match
`meta.profile` by equality). Instants are written as the kit expects them: milliseconds and a
numeric offset.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from coordination.directory.practitioners import Place, Practitioner
from integrations.fhir.sas_query import PS_OID, STRUCT_OID
from scheduling.models.slot import Modality, Slot, Visibility, visibility_set

SAS = "http://sas.fr/fhir/StructureDefinition/"
IG = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/"
# The PS launch's profiles, and the CPTS launch's where the package defines its own.
PROFILES_PS = {
    "Bundle": SAS + "BundleAgregateur",
    "Slot": SAS + "FrSlotAgregateur",
    "Schedule": SAS + "FrScheduleAgregateur",
    "Practitioner": SAS + "FrPractitionerAgregateur",
    "PractitionerRole": SAS + "FrPractitionerRoleExerciceAgregateur",
    "Location": SAS + "FrLocationAgregateur",
}
PROFILES_CPTS = PROFILES_PS | {
    "Bundle": IG + "sas-cpts-bundle-aggregator",
    "Slot": IG + "sas-cpts-slot-aggregator",
    "HealthcareService": IG + "sas-cpts-healthcareservice-aggregator",
    "Organization": IG + "sas-cpts-organization-aggregator",
}
TYPE_CRENEAU = "https://mos.esante.gouv.fr/NOS/TRE_R314-TypeCreneau/FHIR/TRE-R314-TypeCreneau"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V2_0276 = "http://terminology.hl7.org/CodeSystem/v2-0276"
FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
FR_LOCATION_ID_TYPE = "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type"
_SERVICE = {Modality.OFFICE: "AMB", Modality.HOME_VISIT: "HH", Modality.VIDEO: "VR"}
_SECURITY = {
    Visibility.PUBLIC: "PUBLIC",
    Visibility.PRO: "PRO",
    Visibility.SNP: "SNP",
    Visibility.CPTS: "CPTS",
}
TRE_R38 = (
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
)
# Coded where the nomenclature has it (TRE_R38, as the IG's 1.2 examples), text otherwise.
_SPECIALTY = {"general_practice": ("SM54", "Médecine générale (SM)", "Médecine générale")}
# CPTS variant: the slot points at the CPTS's HealthcareService through R5's serviceType
# reference, carried by HL7's cross-version extension (the package's slice `referencecpts`),
# coded TRE_R66 604 (CPTS) in the system of the IG's ValueSet.
SERVICE_TYPE_R5 = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot.serviceType"
CATEGORIE_ETABLISSEMENT = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
# Roles and Schedules are per practitioner and place; their ids are derived from the pair
# (36 characters, where the two UUIDs joined made 73: FHIR ids are at most 64).
_ROLE_IDS = uuid.UUID("0c0a3b4e-7d21-4f5e-8a9b-3e6f1d2c4b57")


@dataclass(frozen=True, slots=True)
class Cpts:
    id: uuid.UUID
    name: str
    national_id: str  # "1" + FINESS
    phone: str | None = None  # E.164


def instant(value: datetime) -> str:
    v = value.astimezone(UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}+00:00"


def _identifier(
    system: str, value: str, code: str, type_system: str = FR_V2_0203
) -> dict[str, Any]:
    return {
        "type": {"coding": [{"system": type_system, "code": code}]},
        "system": system,
        "value": value,
    }


def _slot(
    slot: Slot,
    practitioner: Practitioner,
    schedule_id: str,
    booking_url: str,
    cpts_list: list[Cpts] | None,
) -> dict[str, Any]:
    """`cpts_list`: in the CPTS variant, the CPTS the slot is offered under (the package's
    `referencecpts` slice, one serviceType each: the kit's single_slot_two_cpts)."""
    # TRE_R314 (JDV_J165) knows PUBLIC, PRO and SNP; the CPTS label only in the CPTS variant.
    labels = [v for v in visibility_set(slot.visibility) if cpts_list or v is not Visibility.CPTS]
    service_types: list[dict[str, Any]] = [
        {"coding": [{"system": ACT_CODE, "code": _SERVICE[slot.modality]}]}
    ]
    for cpts in cpts_list or ():
        service_types.append(
            {
                "coding": [{"system": CATEGORIE_ETABLISSEMENT, "code": "604"}],
                "extension": [
                    {
                        "url": SERVICE_TYPE_R5,
                        "valueReference": {"reference": f"HealthcareService/snp-{cpts.id}"},
                    }
                ],
            }
        )
    return {
        "resourceType": "Slot",
        "id": str(slot.id),
        "meta": {
            "profile": [(PROFILES_CPTS if cpts_list else PROFILES_PS)["Slot"]],
            "security": [{"system": TYPE_CRENEAU, "code": _SECURITY[v]} for v in labels],
        },
        "serviceType": service_types,
        "specialty": [_specialty(practitioner.specialty)],
        "appointmentType": {"coding": [{"system": V2_0276, "code": "ROUTINE"}]},
        "schedule": {"reference": f"Schedule/{schedule_id}"},
        "status": "free",
        "start": instant(slot.starts_at),
        "end": instant(slot.ends_at),
        "comment": booking_url,
    }


def _specialty(specialty: str | None) -> dict[str, Any]:
    coded = _SPECIALTY.get(specialty or "general_practice")
    if coded is None:
        return {"text": specialty}
    code, display, text = coded
    return {"coding": [{"system": TRE_R38, "code": code, "display": display}], "text": text}


def _role_id(practitioner_id: uuid.UUID, place: Place | None) -> str:
    """The PractitionerRole of a practitioner at a place, and its Schedule, share this id."""
    if place is None:
        return str(practitioner_id)
    return str(uuid.uuid5(_ROLE_IDS, f"{practitioner_id}/{place.id}"))


def _schedule(p: Practitioner, role_id: str) -> dict[str, Any]:
    """One Schedule per practitioner and place (the kit: two places, two Schedules)."""
    return {
        "resourceType": "Schedule",
        "id": role_id,
        "meta": {"profile": [PROFILES_PS["Schedule"]]},
        "active": True,
        "actor": [
            {"reference": f"Practitioner/{p.id}"},
            {"reference": f"PractitionerRole/{role_id}"},
        ],
    }


def _practitioner(p: Practitioner) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": str(p.id),
        "meta": {"profile": [PROFILES_PS["Practitioner"]]},
        "identifier": [_identifier(PS_OID, p.national_id, "IDNPS")],
        "name": [{"family": p.family_name, "given": [p.given_name]}],
    }


def _role(p: Practitioner, place: Place | None, cpts: Cpts, fhir_base: str) -> dict[str, Any]:
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": _role_id(p.id, place),
        "meta": {"profile": [PROFILES_PS["PractitionerRole"]]},
        "practitioner": {"reference": f"Practitioner/{p.id}"},
        # The place's structure when it has a national id, else the CPTS that publishes it.
        "organization": {
            "identifier": _identifier(
                STRUCT_OID,
                place.structure_national_id
                if place and place.structure_national_id
                else cpts.national_id,
                "IDNST",
            )
        },
    }
    phone = (place.phone if place else None) or p.phone
    if phone:  # the IG's `+33` form (E.164: +262 in La Réunion): the practice's, else theirs
        role["telecom"] = [{"system": "phone", "value": phone}]
    if place is not None:
        role["contained"] = [
            {
                "resourceType": "Location",
                "id": "lieu",
                "meta": {"profile": [PROFILES_PS["Location"]]},
                "identifier": [
                    _identifier(
                        f"{fhir_base}/sid/location", str(place.id), "INTRN", FR_LOCATION_ID_TYPE
                    )
                ],
                "name": place.label,
                "address": {
                    "line": [place.address],
                    "city": place.city,
                    "postalCode": place.postal_code,
                },
            }
        ]
        role["location"] = [{"reference": "#lieu"}]
    return role


def _cpts_resources(cpts: Cpts) -> list[dict[str, Any]]:
    organization: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(cpts.id),
        "meta": {"profile": [PROFILES_CPTS["Organization"]]},
        # 1.1.0's pattern; 1.2 moves the type to FR Core's fr-core-cs-v2-0203.
        "identifier": [_identifier(STRUCT_OID, cpts.national_id, "IDNST", FR_LOCATION_ID_TYPE)],
        "name": cpts.name,
    }
    if cpts.phone:
        organization["telecom"] = [{"system": "phone", "value": cpts.phone}]
    return [
        {
            "resourceType": "HealthcareService",
            "id": f"snp-{cpts.id}",
            "meta": {"profile": [PROFILES_CPTS["HealthcareService"]]},
            "active": True,
            "providedBy": {"reference": f"Organization/{cpts.id}"},
            "name": "Soins non programmés",
        },
        organization,
    ]


def bundle(
    slots: Iterable[Slot],
    practitioners: dict[uuid.UUID, Practitioner],
    places: dict[uuid.UUID, Place],
    main_places: dict[uuid.UUID, Place],
    cpts_of: Callable[[Slot], list[Cpts]],
    booking_url: Callable[[Slot], str],
    *,
    include_schedule: bool,
    include_actors: bool,
    include_services: bool,
    self_url: str,
    fhir_base: str = "",
) -> dict[str, Any]:
    """`cpts_of`: the CPTS a slot is offered under, the one that publishes it (its
    territory's) first: each CPTS found has its HealthcareService and Organization in the
    CPTS launch."""
    matches: list[dict[str, Any]] = []
    roles_of: dict[uuid.UUID, dict[str, Place | None]] = {}  # practitioner → {role id: place}
    publisher: dict[uuid.UUID, Cpts] = {}  # practitioner → their territory's CPTS
    services: dict[uuid.UUID, Cpts] = {}  # every CPTS a slot is offered under
    for slot in slots:
        p = practitioners.get(slot.professional_id)
        if p is None:  # no national id: the SAS cannot name them
            continue
        if not include_services and visibility_set(slot.visibility) == [Visibility.CPTS]:
            continue  # the CPTS's own slots are not offered to the national platform
        # The IG wants a Location on every PractitionerRole: a slot without a place of its own
        # (video, home visit) is given from the professional's main practice.
        place = places.get(slot.location_id) if slot.location_id else None
        place = place or main_places.get(p.id)
        role_id = _role_id(p.id, place)
        roles_of.setdefault(p.id, {})[role_id] = place
        offered = cpts_of(slot)
        publisher.setdefault(p.id, offered[0])
        services.update((c.id, c) for c in offered)
        matches.append(
            {
                "fullUrl": f"{fhir_base}/Slot/{slot.id}",
                "resource": _slot(
                    slot, p, role_id, booking_url(slot), offered if include_services else None
                ),
                "search": {"mode": "match"},
            }
        )
    included: list[dict[str, Any]] = []
    for pid, roles in roles_of.items():
        p = practitioners[pid]
        if include_schedule:
            included.extend(_schedule(p, role_id) for role_id in roles)
        if include_actors:
            included.append(_practitioner(p))
            included.extend(_role(p, place, publisher[pid], fhir_base) for place in roles.values())
    if include_services:
        for cpts in services.values():
            included.extend(_cpts_resources(cpts))
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [(PROFILES_CPTS if include_services else PROFILES_PS)["Bundle"]]},
        "type": "searchset",
        "total": len(matches),
        "link": [{"relation": "self", "url": self_url}],
        "entry": matches
        + [
            {
                "fullUrl": f"{fhir_base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "include"},
            }
            for r in included
        ],
    }


def operation_outcome(code: str, diagnostics: str, expression: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}

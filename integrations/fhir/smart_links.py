"""SMART Scheduling Links publication (standards.md §2): a `$bulk-publish` manifest and NDJSON
files of Location, Schedule and Slot, free and busy, each slot with its booking deep link.

Only public slots are published: the manifest is served openly, as the specification asks.
One Schedule per practitioner and place, its actor the Location; every Location with a
telecom, its department as `address.state` and its commune's coordinates where known.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from coordination.directory.practitioners import Place
from scheduling.models.slot import Slot, SlotStatus

DEEP_LINK = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link"
DEEP_LINK_HL7 = (
    "http://hl7.org/fhir/uv/smart-scheduling-links/StructureDefinition/booking-deep-link"
)
BOOKING_PHONE = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone"
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"
STRUCT_OID = "urn:oid:1.2.250.1.71.4.2.2"  # IdNat_Struct (FINESS or SIRET), the ANS's
TYPES = ("Location", "Schedule", "Slot")
# Schedule ids are derived from (professional, place): stable, and 36 characters where the
# two UUIDs joined made 73 (FHIR ids are at most 64).
_SCHEDULE_IDS = uuid.UUID("5b1d7c3e-2f4a-4d7e-9c61-0a8f3e2b9d10")
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class Publisher:
    """The territory that publishes: its departments (the manifest's `state`), its phone
    (the booking phone where a place has none) and the server's public URL."""

    slug: str
    departments: list[str]
    phone: str | None
    base_url: str


def timestamp(value: datetime) -> str:
    v = value.astimezone(UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"


def manifest(
    now: datetime, request_url: str, files: Iterable[tuple[str, str, Publisher]]
) -> dict[str, Any]:
    """`files`: (type, url, publisher) for each NDJSON file. The specification filters files
    by `extension.state`: a French territory's departments stand for it ("78", "974")."""
    return {
        "transactionTime": timestamp(now),
        "request": request_url,
        "output": [
            {"type": t, "url": url, "extension": {"state": p.departments, "territory": [p.slug]}}
            for t, url, p in files
        ],
        "error": [],
    }


def schedule_id(professional_id: uuid.UUID, place_id: uuid.UUID) -> str:
    return str(uuid.uuid5(_SCHEDULE_IDS, f"{professional_id}/{place_id}"))


def ndjson(resources: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(_encoder.encode(r) + b"\n" for r in resources)


def booking_phone(place: Place, publisher: Publisher) -> str | None:
    return place.phone or publisher.phone


def locations(places: Iterable[Place], publisher: Publisher) -> list[dict[str, Any]]:
    """Each place slots are given from. The specification's Location SHALL have a telecom:
    the place's phone, else the CPTS's, and the page where its slots are booked."""
    out = []
    for p in places:
        identifiers = [{"system": f"{publisher.base_url}/fhir/sid/location", "value": str(p.id)}]
        if p.structure_national_id:
            identifiers.append({"system": STRUCT_OID, "value": p.structure_national_id})
        telecom = [{"system": "url", "value": f"{publisher.base_url}/"}]
        phone = booking_phone(p, publisher)
        if phone:
            telecom.insert(0, {"system": "phone", "value": phone})
        address: dict[str, Any] = {
            "line": [p.address],
            "city": p.city,
            "postalCode": p.postal_code,
            "country": "FR",
        }
        if p.department:
            address["state"] = p.department
        location: dict[str, Any] = {
            "resourceType": "Location",
            "id": str(p.id),
            "identifier": identifiers,
            "name": p.label,
            "telecom": telecom,
            "address": address,
        }
        if p.latitude is not None and p.longitude is not None:
            location["position"] = {"latitude": p.latitude, "longitude": p.longitude}
        out.append(location)
    return out


def schedules(
    slots: Iterable[Slot], place_of: Callable[[Slot], Place | None]
) -> list[dict[str, Any]]:
    """One Schedule per practitioner and place, its actor that place's Location (a video or
    home-visit slot is given from the professional's main practice)."""
    seen: dict[str, dict[str, Any]] = {}
    for slot in slots:
        place = place_of(slot)
        if place is None:
            continue
        sid = schedule_id(slot.professional_id, place.id)
        if sid not in seen:
            seen[sid] = {
                "resourceType": "Schedule",
                "id": sid,
                "serviceType": [
                    {
                        "coding": [
                            {"system": SERVICE_TYPE, "code": "124", "display": "General Practice"}
                        ]
                    }
                ],
                "actor": [{"reference": f"Location/{place.id}"}],
            }
    return list(seen.values())


def slots_of(
    slots: Iterable[Slot],
    now: datetime,
    place_of: Callable[[Slot], Place | None],
    publisher: Publisher,
) -> list[dict[str, Any]]:
    """Free and busy slots (a client drops what was taken); a free one carries its booking
    deep link and the phone that books it."""
    out = []
    for slot in slots:
        place = place_of(slot)
        if place is None:  # no place to publish it from (the professional has none)
            continue
        free = slot.status is SlotStatus.FREE or (
            slot.status is SlotStatus.HELD
            and slot.held_until is not None
            and slot.held_until <= now
        )
        resource: dict[str, Any] = {
            "resourceType": "Slot",
            "id": str(slot.id),
            "schedule": {"reference": f"Schedule/{schedule_id(slot.professional_id, place.id)}"},
            "status": "free" if free else "busy",
            "start": timestamp(slot.starts_at),
            "end": timestamp(slot.ends_at),
        }
        if free:
            link = f"{publisher.base_url}/slots/{slot.id}"
            extensions = [
                {"url": DEEP_LINK, "valueUrl": link},
                {"url": DEEP_LINK_HL7, "valueUrl": link},
            ]
            phone = booking_phone(place, publisher)
            if phone:
                extensions.append({"url": BOOKING_PHONE, "valueString": phone})
            resource["extension"] = extensions
        out.append(resource)
    return out

"""SMART Scheduling Links publication (standards.md §2): a `$bulk-publish` manifest and NDJSON
files of Location, Schedule and Slot, free and busy, each slot with its booking deep link.

Only public slots are published: the manifest is served openly, as the specification asks.
One Schedule per practitioner and place, its actor the Location.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec

from coordination.directory.practitioners import Place
from scheduling.models.slot import Slot, SlotStatus

DEEP_LINK = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link"
DEEP_LINK_HL7 = (
    "http://hl7.org/fhir/uv/smart-scheduling-links/StructureDefinition/booking-deep-link"
)
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"
TYPES = ("Location", "Schedule", "Slot")
_encoder = msgspec.json.Encoder()


def timestamp(value: datetime) -> str:
    v = value.astimezone(UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"


def manifest(
    now: datetime, request_url: str, files: Iterable[tuple[str, str, str]]
) -> dict[str, Any]:
    """`files`: (type, url, territory slug) for each NDJSON file."""
    return {
        "transactionTime": timestamp(now),
        "request": request_url,
        "output": [
            {"type": t, "url": url, "extension": {"territory": [slug]}} for t, url, slug in files
        ],
        "error": [],
    }


def _schedule_id(slot: Slot) -> str:
    return (
        f"{slot.professional_id}-{slot.location_id}"
        if slot.location_id
        else str(slot.professional_id)
    )


def ndjson(resources: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(_encoder.encode(r) + b"\n" for r in resources)


def locations(places: dict[uuid.UUID, Place]) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "Location",
            "id": str(p.id),
            "name": p.label,
            "address": {
                "line": [p.address],
                "city": p.city,
                "postalCode": p.postal_code,
                "country": "FR",
            },
        }
        for p in places.values()
    ]


def schedules(slots: Iterable[Slot]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for slot in slots:
        sid = _schedule_id(slot)
        if sid not in seen:
            actor = (
                f"Location/{slot.location_id}"
                if slot.location_id
                else f"Practitioner/{slot.professional_id}"
            )
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
                "actor": [{"reference": actor}],
            }
    return list(seen.values())


def slots_of(
    slots: Iterable[Slot], now: datetime, deep_link: Callable[[Slot], str]
) -> list[dict[str, Any]]:
    out = []
    for slot in slots:
        free = slot.status is SlotStatus.FREE or (
            slot.status is SlotStatus.HELD
            and slot.held_until is not None
            and slot.held_until <= now
        )
        resource: dict[str, Any] = {
            "resourceType": "Slot",
            "id": str(slot.id),
            "schedule": {"reference": f"Schedule/{_schedule_id(slot)}"},
            "status": "free" if free else "busy",
            "start": timestamp(slot.starts_at),
            "end": timestamp(slot.ends_at),
        }
        if free:
            link = deep_link(slot)
            resource["extension"] = [
                {"url": DEEP_LINK, "valueUrl": link},
                {"url": DEEP_LINK_HL7, "valueUrl": link},
            ]
        out.append(resource)
    return out

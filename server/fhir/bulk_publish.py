"""`GET /fhir/$bulk-publish` and its NDJSON files: the territories' public slots for SMART
Scheduling Links clients, open (no credentials), cacheable for a few minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.params import FromPath

from coordination.directory import practitioners as directory
from coordination.directory.phones import international
from coordination.directory.practitioners import Place
from coordination.directory.territories import all_territories, find_territory
from coordination.directory.territories import departments as territory_departments
from coordination.directory.territory import Territory
from integrations.fhir import smart_links
from kernel.errors import NotFound
from scheduling.models.slot import Slot
from scheduling.slots import published_slots
from server.database import Session
from server.state import AppServices

AHEAD = timedelta(days=14)
MAX_AGE = 300
_encoder = msgspec.json.Encoder()


def _cache() -> dict[str, str]:
    return {"Cache-Control": f"public, max-age={MAX_AGE}"}


@get(
    "/fhir/$bulk-publish",
    opt={"public": True},
    summary="SMART Scheduling Links manifest",
    tags=["fhir"],
)
async def bulk_publish(request: Request[Any, Any, Any]) -> Response[bytes]:
    services = AppServices.of(request.app)
    base = services.settings.public_url
    async with services.db.read() as session:
        publishers = [await _publisher(session, t, base) for t in await all_territories(session)]
    files = [
        (kind, f"{base}/fhir/bulk/{p.slug}/{kind}.ndjson", p)
        for p in publishers
        for kind in smart_links.TYPES
    ]
    body = smart_links.manifest(services.clock.now(), f"{base}/fhir/$bulk-publish", files)
    return Response(_encoder.encode(body), media_type="application/json", headers=_cache())


async def _publisher(session: Session, territory: Territory, base: str) -> smart_links.Publisher:
    departments = await territory_departments(session, territory.id)
    phone = international(territory.phone, departments[0] if departments else None)
    return smart_links.Publisher(territory.slug, departments, phone, base)


@get(
    "/fhir/bulk/{slug:str}/{filename:str}",
    opt={"public": True},
    summary="SMART Scheduling Links file",
    tags=["fhir"],
)
async def bulk_file(
    request: Request[Any, Any, Any], slug: FromPath[str], filename: FromPath[str]
) -> Response[bytes]:
    kind = filename.removesuffix(".ndjson")
    if kind not in smart_links.TYPES or not filename.endswith(".ndjson"):
        raise NotFound("no such file", code="not_found")
    services = AppServices.of(request.app)
    now = services.clock.now()
    async with services.db.read() as session:
        territory = await find_territory(session, slug)
        if territory is None:
            raise NotFound("no such territory", code="territory_not_found")
        publisher = await _publisher(session, territory, services.settings.public_url)
        slots = await published_slots(session, territory.id, now, now + AHEAD)
        own = await directory.places(
            session, territory.id, {s.location_id for s in slots if s.location_id}
        )
        main = await directory.main_places(
            session, territory.id, {s.professional_id for s in slots if not s.location_id}
        )

    def place_of(slot: Slot) -> Place | None:
        if slot.location_id:
            return own.get(slot.location_id)
        return main.get(slot.professional_id)

    if kind == "Location":
        used = {p.id: p for p in map(place_of, slots) if p is not None}
        resources = smart_links.locations(used.values(), publisher)
    elif kind == "Schedule":
        resources = smart_links.schedules(slots, place_of)
    else:
        resources = smart_links.slots_of(slots, now, place_of, publisher)
    return Response(
        smart_links.ndjson(resources), media_type="application/fhir+ndjson", headers=_cache()
    )

"""The SAS slot search's one door: which territories it covers, and what it finds in each.

People search their own territory only, and so does a bearer token of a sas_platform account
(a territory's admin may make one). The SAS itself, authenticated by its certificate, answers
for every CPTS of the deployment (the ANS kit's group 4.8: a practitioner in several CPTS has
its slots found in each, one HealthcareService per CPTS); the CPTS launch names its CPTS by
IdNat_Struct, which picks that territory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory import practitioners as directory
from coordination.directory.phones import international
from coordination.directory.practitioners import Place, Practitioner
from coordination.directory.territories import all_territories, get_territory
from coordination.directory.territory import Territory
from integrations.fhir.sas_bundle import Cpts
from integrations.fhir.sas_query import SlotSearch
from kernel.actor import Actor, Role
from kernel.clock import Clock
from scheduling.models.slot import Slot
from scheduling.slots import open_slots


@dataclass(slots=True)
class Findings:
    slots: list[Slot] = field(default_factory=list)
    practitioners: dict[uuid.UUID, Practitioner] = field(default_factory=dict)
    places: dict[uuid.UUID, Place] = field(default_factory=dict)
    main_places: dict[uuid.UUID, Place] = field(default_factory=dict)
    cpts: dict[uuid.UUID, Cpts] = field(default_factory=dict)  # by territory

    def cpts_of(self, slot: Slot) -> Cpts:
        return self.cpts[slot.territory_id]


def cpts_of(territory: Territory) -> Cpts:
    return Cpts(
        territory.id, territory.name, territory.idnat_struct, international(territory.phone)
    )


async def _territories(
    session: AsyncSession, actor: Actor, every_territory: bool
) -> list[Territory]:
    if every_territory and actor.has_any(Role.SAS_PLATFORM):
        return await all_territories(session)
    return [await get_territory(session, actor)]


async def find(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    search: SlotSearch,
    limit: int,
    *,
    every_territory: bool = False,
) -> Findings:
    """Open slots matching the search in the territories the caller answers for (at most
    `limit` slots in all: the caller narrows the window beyond). `every_territory`: the
    caller is the SAS, by its certificate."""
    found = Findings()
    for territory in await _territories(session, actor, every_territory):
        cpts = cpts_of(territory)
        if search.organization_id not in (None, cpts.national_id):
            continue  # the CPTS launch names another CPTS
        if search.practitioner_ids:
            named = await directory.practitioners_by_national_id(
                session, territory.id, search.practitioner_ids
            )
            wanted = {p.id: p for p in named}
            if not wanted:
                continue
            slots = await open_slots(
                session, clock, territory.id, search.start, search.end, list(wanted)
            )
        elif search.organization_id is not None:  # the CPTS launch: its whole pool
            slots = await open_slots(session, clock, territory.id, search.start, search.end, None)
            wanted = await directory.practitioners(
                session, territory.id, {s.professional_id for s in slots}
            )
        else:
            continue
        found.cpts[territory.id] = cpts
        found.slots.extend(slots)
        found.practitioners.update(wanted)
        found.places.update(
            await directory.places(
                session, territory.id, {s.location_id for s in slots if s.location_id}
            )
        )
        found.main_places.update(
            await directory.main_places(
                session, territory.id, {s.professional_id for s in slots if not s.location_id}
            )
        )
        if len(found.slots) >= limit:
            break
    return found

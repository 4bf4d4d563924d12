"""The SAS slot search's one door: which territories it covers, and what it finds in each.

People search their own territory only, and so does a bearer token of a sas_platform account
(a territory's admin may make one). The SAS itself, authenticated by its certificate, answers
for every CPTS of the deployment (the ANS kit's group 4.8: a practitioner in several CPTS has
its slots found in each, one HealthcareService per CPTS); the CPTS launch names its CPTS by
IdNat_Struct, which picks that territory. A slot shared with other CPTS of the deployment
(scheduling/slot_shares.py, the kit's single_slot_two_cpts) is found once, under each of them
the SAS searches, while its professional practises there too.
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
from scheduling.slot_shares import open_slots_shared_with, shares_of
from scheduling.slots import open_slots


@dataclass(slots=True)
class Findings:
    slots: list[Slot] = field(default_factory=list)
    practitioners: dict[uuid.UUID, Practitioner] = field(default_factory=dict)
    places: dict[uuid.UUID, Place] = field(default_factory=dict)
    main_places: dict[uuid.UUID, Place] = field(default_factory=dict)
    cpts: dict[uuid.UUID, Cpts] = field(default_factory=dict)  # by territory
    shares: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # slot → others
    truncated: bool = False  # more slots matched than `limit`: the caller narrows the window

    def national_id_of(self, slot: Slot) -> str | None:
        """The IdNat_PS of the slot's professional (None: they have none, the SAS cannot
        name them)."""
        p = self.practitioners.get(slot.professional_id)
        return p.national_id if p else None

    def cpts_of(self, slot: Slot) -> list[Cpts]:
        """The CPTS a slot is offered under: its territory's, then those it is shared with."""
        return [self.cpts[slot.territory_id]] + [
            self.cpts[t] for t in self.shares.get(slot.id, ()) if t in self.cpts
        ]


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


async def _load(session: AsyncSession, found: Findings, slots: list[Slot]) -> None:
    """The practitioners and places of these slots, each read in the slot's own territory."""
    for territory_id in {s.territory_id for s in slots}:
        own = [s for s in slots if s.territory_id == territory_id]
        missing = {s.professional_id for s in own} - found.practitioners.keys()
        found.practitioners.update(await directory.practitioners(session, territory_id, missing))
        found.places.update(
            await directory.places(
                session,
                territory_id,
                {s.location_id for s in own if s.location_id} - found.places.keys(),
            )
        )
        found.main_places.update(
            await directory.main_places(
                session,
                territory_id,
                {s.professional_id for s in own if not s.location_id} - found.main_places.keys(),
            )
        )


async def _add(session: AsyncSession, found: Findings, slots: list[Slot]) -> None:
    known = {s.id for s in found.slots}
    fresh = [s for s in slots if s.id not in known]
    await _load(session, found, fresh)
    found.slots.extend(fresh)


async def _shared_with(
    session: AsyncSession,
    clock: Clock,
    found: Findings,
    territory: Territory,
    search: SlotSearch,
    limit: int,
) -> list[Slot]:
    """Slots of other territories shared with this one whose professional practises here
    too (and, in the PS launch, is one of those asked for)."""
    cap = limit - len(found.slots)
    shared = await open_slots_shared_with(
        session, clock, territory.id, search.start, search.end, limit=cap
    )
    if len(shared) >= cap:
        found.truncated = True  # filtered below, but never a silently shortened answer
    if not shared:
        return []
    await _load(session, found, shared)
    wanted = {nid for s in shared if (nid := found.national_id_of(s))}
    if search.practitioner_ids:
        wanted &= set(search.practitioner_ids)
    here = await directory.members_by_national_id(session, territory.id, wanted)
    return [s for s in shared if found.national_id_of(s) in here]


async def _keep_shares(session: AsyncSession, found: Findings) -> None:
    """Each found slot's shares with the CPTS searched, while its professional practises
    there too (a share stops showing once they leave that CPTS)."""
    shares = await shares_of(session, [s.id for s in found.slots])
    members: dict[uuid.UUID, set[str]] = {}
    for territory_id in {t for ts in shares.values() for t in ts if t in found.cpts}:
        ids = {
            nid
            for s in found.slots
            if territory_id in shares.get(s.id, ()) and (nid := found.national_id_of(s))
        }
        members[territory_id] = await directory.members_by_national_id(session, territory_id, ids)
    for slot in found.slots:
        nid = found.national_id_of(slot)
        kept = [t for t in shares.get(slot.id, ()) if nid in members.get(t, ())]
        if kept:
            found.shares[slot.id] = kept


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
    `limit` slots in all: the caller narrows the window beyond), each once, with the other
    CPTS it is shared with. `every_territory`: the caller is the SAS, by its certificate."""
    found = Findings()
    territories = await _territories(session, actor, every_territory)
    found.cpts = {t.id: cpts_of(t) for t in territories}
    searched: list[Territory] = []
    for territory in territories:
        if search.organization_id not in (None, found.cpts[territory.id].national_id):
            continue  # the CPTS launch names another CPTS
        if search.practitioner_ids:
            named = await directory.practitioners_by_national_id(
                session, territory.id, search.practitioner_ids
            )
            if not named:
                continue
            slots = await open_slots(
                session, clock, territory.id, search.start, search.end, [p.id for p in named]
            )
        elif search.organization_id is not None:  # the CPTS launch: its whole pool
            slots = await open_slots(session, clock, territory.id, search.start, search.end, None)
        else:
            continue
        searched.append(territory)
        await _add(session, found, slots)
        if len(found.slots) >= limit:
            break
    # The CPTS launch: what other CPTS share with the one it names. (The PS launch searches
    # every CPTS for the practitioners it names: their shared slots are found at home.)
    if every_territory and search.organization_id is not None and len(found.slots) < limit:
        for territory in searched:
            shared = await _shared_with(session, clock, found, territory, search, limit)
            await _add(session, found, shared)
    shown = {s.territory_id for s in found.slots} | {t.id for t in searched}
    found.cpts = {t: c for t, c in found.cpts.items() if t in shown}
    await _keep_shares(session, found)
    found.slots.sort(key=lambda s: (s.starts_at, s.id))
    return found

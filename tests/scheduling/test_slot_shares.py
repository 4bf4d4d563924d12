"""A slot offered to the SAS under another CPTS its professional belongs to as well: who may,
with which CPTS, one event per change, and two changes at once on both databases."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from coordination.directory.membership import Membership
from coordination.directory.professional import Professional
from coordination.directory.refs import PROFESSIONALS
from coordination.directory.service import CommuneDraft
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import Event
from scheduling import slot_shares, slots
from scheduling.models.slot import Modality, Slot, Visibility
from scheduling.refs import ProfessionalRef
from scheduling.slots import SlotDraft, create_slot
from server.database import Database
from tests.directory_world import luhn_number, territory_with_gp

NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
START = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Cpts:
    territory_id: uuid.UUID
    gp: Actor
    ref: ProfessionalRef
    staff: Actor


async def _cpts(database: Database, clock: FrozenClock, rpps: str) -> Cpts:
    async with database.write() as session:
        made = await territory_with_gp(
            session,
            clock,
            commune=CommuneDraft("78646", "Versailles", "78000"),
            address="1 rue de la Paroisse",
            rpps=rpps,
        )
    tid, ref = made.territory.id, made.professional
    return Cpts(
        tid,
        Actor(uuid.uuid4(), tid, "Europe/Paris", frozenset({Role.GP}), ref.id),
        ref,
        Actor(uuid.uuid4(), tid, "Europe/Paris", frozenset({Role.COORDINATOR})),
    )


async def _slot(database: Database, clock: FrozenClock, cpts: Cpts) -> Slot:
    async with database.write() as session:
        return await create_slot(
            session,
            clock,
            cpts.gp,
            cpts.ref,
            SlotDraft(
                START, START + timedelta(minutes=20), Modality.OFFICE, frozenset({Visibility.SNP})
            ),
        )


async def _gp_in_two_cpts(database: Database, clock: FrozenClock) -> tuple[Cpts, Cpts, Slot]:
    """One GP in two CPTS, now, with a slot at home."""
    clock.set(NOW)
    rpps = luhn_number("1", 11)
    home, other = await _cpts(database, clock, rpps), await _cpts(database, clock, rpps)
    return home, other, await _slot(database, clock, home)


async def _share(
    database: Database, clock: FrozenClock, actor: Actor, slot_id: uuid.UUID, *tids: uuid.UUID
) -> slot_shares.SlotSharing:
    async with database.write() as session:
        return await slot_shares.share_slot(session, clock, actor, PROFESSIONALS, slot_id, tids)


async def _events(database: Database, slot_id: uuid.UUID) -> list[dict[str, object]]:
    async with database.read() as session:
        found = await session.scalars(
            select(Event.payload)
            .where(Event.type == EventType.SLOT_SHARED.value, Event.subject_id == slot_id)
            .order_by(Event.id)
        )
        return list(found)


async def test_a_gp_offers_a_slot_under_another_cpts_of_theirs(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    rpps = luhn_number("1", 11)
    home, other = await _cpts(database, clock, rpps), await _cpts(database, clock, rpps)
    stranger = await _cpts(database, clock, luhn_number("1", 11))
    listed = await _cpts(database, clock, rpps)  # in that CPTS's directory, not a member
    async with database.write() as session:
        await session.execute(
            update(Professional)
            .where(Professional.territory_id == listed.territory_id)
            .values(membership=Membership.NONE)
        )
    slot = await _slot(database, clock, home)

    async with database.read() as session:
        before = await slot_shares.slot_sharing(session, clock, home.gp, PROFESSIONALS, slot.id)
    assert before.shared_with == {} and set(before.offered) == {other.territory_id}

    shared = await _share(database, clock, home.gp, slot.id, other.territory_id)
    assert set(shared.shared_with) == {other.territory_id}
    assert await _events(database, slot.id) == [
        {"slot_id": str(slot.id), "territory_ids": [str(other.territory_id)]}
    ]
    await _share(database, clock, home.staff, slot.id, other.territory_id)  # the same: no event
    assert len(await _events(database, slot.id)) == 1
    async with database.read() as session:
        assert await slot_shares.shares_of(session, [slot.id]) == {slot.id: [other.territory_id]}

    with pytest.raises(Invalid) as refused:
        await _share(database, clock, home.gp, slot.id, stranger.territory_id)
    assert refused.value.code == "slot_share_not_member" and refused.value.field == "territory_ids"
    with pytest.raises(Invalid):
        await _share(database, clock, home.gp, slot.id, listed.territory_id)
    with pytest.raises(Invalid) as many:
        await _share(database, clock, home.gp, slot.id, *(uuid.uuid4() for _ in range(11)))
    assert many.value.code == "slot_shares_too_many"
    async with database.read() as session:  # nothing half-written by the refusals
        assert await slot_shares.shares_of(session, [slot.id]) == {slot.id: [other.territory_id]}

    await _share(database, clock, home.gp, slot.id)  # back to its own CPTS only
    async with database.read() as session:
        assert await slot_shares.shares_of(session, [slot.id]) == {}
    assert [e["territory_ids"] for e in await _events(database, slot.id)] == [
        [str(other.territory_id)],
        [],
    ]


async def test_only_the_agenda_and_its_territory_share_a_slot(
    database: Database, clock: FrozenClock
) -> None:
    home, other, slot = await _gp_in_two_cpts(database, clock)
    with pytest.raises(NotFound):  # the same GP, signed in to their other CPTS
        await _share(database, clock, other.gp, slot.id, other.territory_id)
    colleague = Actor(
        uuid.uuid4(), home.territory_id, "Europe/Paris", frozenset({Role.GP}), uuid.uuid4()
    )
    with pytest.raises((NotAllowed, NotFound)):
        await _share(database, clock, colleague, slot.id, other.territory_id)


async def test_a_withdrawn_or_past_slot_is_not_shared(
    database: Database, clock: FrozenClock
) -> None:
    home, other, slot = await _gp_in_two_cpts(database, clock)
    async with database.write() as session:
        await slots.withdraw(session, clock, home.gp, PROFESSIONALS, slot.id)
    with pytest.raises(Conflict) as withdrawn:
        await _share(database, clock, home.gp, slot.id, other.territory_id)
    assert withdrawn.value.code == "slot_not_shareable"
    later = await _slot(database, clock, home)  # same times: the first was withdrawn
    clock.set(START + timedelta(hours=1))
    with pytest.raises(Conflict):
        await _share(database, clock, home.gp, later.id, other.territory_id)


async def test_two_changes_at_once_leave_one_of_them(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    rpps = luhn_number("1", 11)
    home = await _cpts(database, clock, rpps)
    b, c = await _cpts(database, clock, rpps), await _cpts(database, clock, rpps)
    slot = await _slot(database, clock, home)
    for _ in range(30):
        await asyncio.gather(
            _share(database, clock, home.gp, slot.id, b.territory_id),
            _share(database, clock, home.staff, slot.id, b.territory_id, c.territory_id),
        )
        async with database.read() as session:
            final = (await slot_shares.shares_of(session, [slot.id]))[slot.id]
        events = await _events(database, slot.id)
        assert events[-1]["territory_ids"] == sorted(str(t) for t in final), (
            "the last event tells the state that stayed"
        )
        assert set(final) in ({b.territory_id}, {b.territory_id, c.territory_id})

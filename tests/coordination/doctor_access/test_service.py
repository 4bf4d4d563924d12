"""The waiting list's use cases where they live: an entry from the public form with its
receipt (a duplicate marked for staff), a GP's capacity, staff proposing the server's
suggestion, the GP's answer, the declaration — and two GPs accepting one patient at once on
both databases: one wins, the other gets 409, the entry is accepted once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coordination.doctor_access import service
from coordination.doctor_access.matching import Fragility
from coordination.doctor_access.models import (
    EntryStatus,
    MtProposal,
    ProposalStatus,
    Source,
    WaitingEntry,
)
from coordination.doctor_access.service import EntryDraft
from kernel.actor import Actor
from kernel.clock import FrozenClock
from kernel.errors import Conflict, Invalid, InvalidTransition, NotAllowed
from kernel.event_types import EventType
from kernel.events import Event
from server.database import Database
from tests.coordination.doctor_access.world import (
    NOW,
    entry_draft,
    make_world,
    propose_one,
    register,
    state_capacity,
)


async def test_a_public_entry_gets_a_receipt_and_a_duplicate_is_marked(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    async with database.write() as session:
        first = await service.register(session, clock, None, world.territory, entry_draft())
        again = await service.register(
            session, clock, None, world.territory, entry_draft("GRONDIN")
        )
    assert first.entry.receipt.startswith("MT-") and len(first.entry.receipt) == 12
    assert not first.possible_duplicate and again.possible_duplicate
    assert again.entry.duplicate_of_id == first.entry.id
    with pytest.raises(Invalid) as refused:
        async with database.write() as session:
            await service.register(
                session,
                clock,
                None,
                world.territory,
                _no_contact(),
            )
    assert refused.value.code == "mt_contact_required"
    async with database.read() as session:
        events = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.type == "mt_entry.created", Event.territory_id == world.territory.id)
        )
        payload = await session.scalar(
            select(Event.payload).where(Event.subject_id == first.entry.id)
        )
    assert events == 2
    assert "Grondin" not in str(payload) and payload["fragilities"] == ["ald", "over_70"]


def _no_contact() -> EntryDraft:
    base = entry_draft()
    return EntryDraft(
        patient=base.patient,
        commune_insee=base.commune_insee,
        contact_phone=None,
        contact_email=None,
        fragilities=base.fragilities,
        needs_home_visits=False,
        reduced_mobility=False,
        source=Source.PUBLIC,
    )


async def test_staff_propose_the_suggestion_the_gp_accepts_and_declares(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    gp = world.gps[0]
    await state_capacity(database, clock, gp, 5)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, entry_draft())
    async with database.write() as session:
        (listed,) = [
            i
            for i in await service.waiting_list(session, clock, world.coordinator)
            if i.entry.id == registered.entry.id
        ]
    assert listed.suggested == (gp.professional_id,)
    async with database.write() as session:
        (proposal,) = await service.propose(
            session, clock, world.coordinator, registered.entry.id, None
        )
    with pytest.raises(NotAllowed):
        async with database.write() as session:
            await service.accept(session, clock, world.gps[1], registered.entry.id, proposal.id)
    async with database.write() as session:
        accepted = await service.accept(session, clock, gp, registered.entry.id, proposal.id)
    assert (
        accepted.status is EntryStatus.ACCEPTED
        and accepted.gp_professional_id == gp.professional_id
    )
    async with database.write() as session:
        declared = await service.declared(session, clock, gp, registered.entry.id, NOW.date())
    assert declared.status is EntryStatus.DECLARED and declared.declared_on == NOW.date()


async def test_a_declined_proposal_puts_the_entry_back_on_the_list(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    for gp in world.gps:
        await state_capacity(database, clock, gp, 3)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, entry_draft())
    async with database.write() as session:
        made = await service.propose(
            session,
            clock,
            world.coordinator,
            registered.entry.id,
            [world.gps[0].professional_id],  # type: ignore[list-item]
        )
    async with database.write() as session:
        entry = await service.decline(
            session, clock, world.gps[0], registered.entry.id, made[0].id, "Patientèle complète"
        )
    assert entry.status is EntryStatus.WAITING


async def test_two_gps_accepting_one_patient_at_once_one_wins(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock, gps=3)
    for gp in world.gps:
        await state_capacity(database, clock, gp, 2)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, entry_draft())
    async with database.write() as session:
        made = await service.propose(
            session,
            clock,
            world.coordinator,
            registered.entry.id,
            [gp.professional_id for gp in world.gps],  # type: ignore[misc]
        )
    by_gp = {p.professional_id: p for p in made}

    async def accept(gp: Actor) -> bool:
        try:
            async with database.write() as session:
                await service.accept(
                    session,
                    clock,
                    gp,
                    registered.entry.id,
                    by_gp[gp.professional_id].id,  # type: ignore[index]
                )
        except Conflict:
            return False
        return True

    outcomes = await asyncio.gather(*(accept(gp) for gp in world.gps))
    assert sum(outcomes) == 1
    async with database.read() as session:
        accepted = await session.scalar(
            select(func.count())
            .select_from(MtProposal)
            .where(
                MtProposal.entry_id == registered.entry.id,
                MtProposal.status == ProposalStatus.ACCEPTED,
            )
        )
        entry = await session.get(WaitingEntry, registered.entry.id)
    assert accepted == 1
    assert entry is not None and entry.status is EntryStatus.ACCEPTED
    winner = next(gp for gp, won in zip(world.gps, outcomes, strict=True) if won)
    assert entry.gp_professional_id == winner.professional_id


async def test_the_aci_indicators_count_the_waiting_list(
    database: Database, clock: FrozenClock
) -> None:
    from coordination.indicators.measures import measure
    from coordination.indicators.period import Period

    clock.set(NOW)
    world = await make_world(database, clock)
    gp = world.gps[0]
    await state_capacity(database, clock, gp, 4)
    async with database.write() as session:
        frail = await service.register(session, clock, None, world.territory, entry_draft())
        other = await service.register(
            session, clock, None, world.territory, entry_draft("Técher", frozenset({Fragility.C2S}))
        )
    clock.set(NOW + timedelta(days=40))  # taken after 40 days: within 60 and 90, not 30
    async with database.write() as session:
        (proposal,) = await service.propose(
            session,
            clock,
            world.coordinator,
            frail.entry.id,
            [gp.professional_id],  # type: ignore[list-item]
        )
    async with database.write() as session:
        await service.accept(session, clock, gp, frail.entry.id, proposal.id)
        await service.declared(session, clock, gp, frail.entry.id, clock.now().date())
    period = Period.of(date(2027, 1, 1), date(2027, 6, 30), "Europe/Paris")
    async with database.read() as session:
        found = await measure(session, world.territory.id, period)
    assert found["mt.entries_received"].value == 2
    assert found["mt.entries_received"].breakdown["by_source"] == {"public": 2}
    assert found["mt.answered_within_30_days"].value == 0
    assert found["mt.answered_within_60_days"].value == 1
    assert found["mt.answered_within_90_days_share"].value == 50.0
    assert found["mt.patients_declared"].value == 1
    assert found["mt.patients_declared_ald"].value == 1
    assert found["mt.patients_declared_over_70"].value == 1
    assert found["mt.patients_declared_c2s"].value == 0
    assert found["mt.volunteering_gps"].value == 1
    assert other.entry.status is EntryStatus.WAITING


async def test_retention_takes_the_callback_contact_with_the_identity(
    database: Database, clock: FrozenClock
) -> None:
    from coordination.privacy.retention import purge_patients

    clock.set(NOW)
    world = await make_world(database, clock)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, entry_draft())
    async with database.write() as session:
        purged = await purge_patients(
            session, clock, world.territory.id, [registered.entry.patient_id]
        )
    assert purged == 1
    async with database.read() as session:
        entry = await session.get(WaitingEntry, registered.entry.id)
    assert entry is not None and entry.contact_phone is None and entry.contact_email is None


async def test_staff_close_a_duplicate_and_its_proposals_are_withdrawn(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    await state_capacity(database, clock, world.gps[0], 3)
    async with database.write() as session:
        await service.register(session, clock, None, world.territory, entry_draft())
        twice = await service.register(session, clock, None, world.territory, entry_draft())
    async with database.write() as session:
        (proposal,) = await service.propose(
            session,
            clock,
            world.coordinator,
            twice.entry.id,
            [world.gps[0].professional_id],  # type: ignore[list-item]
        )
    with pytest.raises(NotAllowed):
        async with database.write() as session:
            await service.close(
                session, clock, world.gps[0], twice.entry.id, service.CloseReason.DUPLICATE
            )
    async with database.write() as session:
        closed = await service.close(
            session, clock, world.coordinator, twice.entry.id, service.CloseReason.DUPLICATE
        )
    assert closed.status is EntryStatus.CLOSED and closed.closed_reason == "duplicate"
    async with database.read() as session:
        withdrawn = await session.get(MtProposal, proposal.id)
    assert withdrawn is not None and withdrawn.status is ProposalStatus.WITHDRAWN
    with pytest.raises(InvalidTransition) as refused:  # closed: no second close
        async with database.write() as session:
            await service.close(
                session, clock, world.coordinator, twice.entry.id, service.CloseReason.WITHDRAWN
            )
    assert refused.value.code == "mt_not_closable"


async def test_an_accepted_entry_closes_and_gives_the_gp_their_place_back(
    database: Database, clock: FrozenClock
) -> None:
    # The patient found a GP elsewhere after one here accepted: the place counts again.
    clock.set(NOW)
    world = await make_world(database, clock)
    gp = world.gps[0]
    await state_capacity(database, clock, gp, 1)
    first, second = await register(database, clock, world, "Grondin", "Payet")
    proposal = await propose_one(database, clock, world, first, gp)
    async with database.write() as session:
        await service.accept(session, clock, gp, first.id, proposal.id)
    with pytest.raises(Conflict) as full:
        await propose_one(database, clock, world, second, gp)
    assert full.value.code == "mt_gp_full"
    async with database.write() as session:
        closed = await service.close(
            session, clock, world.coordinator, first.id, service.CloseReason.FOUND_ELSEWHERE
        )
    assert closed.status is EntryStatus.CLOSED
    async with database.read() as session:
        event = await session.scalar(
            select(Event).where(Event.subject_id == first.id, Event.type == EventType.MT_CLOSED)
        )
    assert event is not None and event.payload["professional_ids"] == [str(gp.professional_id)]
    assert (await propose_one(database, clock, world, second, gp)).entry_id == second.id


async def test_two_coordinators_proposing_one_gps_last_place_at_once_one_gets_it(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    gp = world.gps[0]
    await state_capacity(database, clock, gp, 1)
    entries = await register(database, clock, world, "Hoarau", "Fontaine", "Maillot")

    async def propose(entry: WaitingEntry) -> str:
        try:
            await propose_one(database, clock, world, entry, gp)
        except Conflict as exc:
            return exc.code
        return "proposed"

    outcomes = await asyncio.gather(*(propose(e) for e in entries))
    assert sorted(outcomes) == ["mt_gp_full", "mt_gp_full", "proposed"]
    async with database.read() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(MtProposal)
            .where(MtProposal.professional_id == gp.professional_id)
        )
    assert pending == 1


async def test_a_gp_who_lowered_their_capacity_accepts_no_more_than_it(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    gp = world.gps[0]
    await state_capacity(database, clock, gp, 2)
    entries = await register(database, clock, world, "Hoarau", "Fontaine")
    proposals = [await propose_one(database, clock, world, e, gp) for e in entries]
    await state_capacity(database, clock, gp, 1)
    async with database.write() as session:
        await service.accept(session, clock, gp, entries[0].id, proposals[0].id)
    with pytest.raises(Conflict) as reached:
        async with database.write() as session:
            await service.accept(session, clock, gp, entries[1].id, proposals[1].id)
    assert reached.value.code == "mt_capacity_reached"


async def test_the_declaration_is_dated_by_the_territorys_day(
    database: Database, clock: FrozenClock
) -> None:
    # 23:30 UTC on 10 February is already the 11th in Paris: the GP declares « today ».
    clock.set(datetime(2027, 2, 10, 23, 30, tzinfo=UTC))
    world = await make_world(database, clock)
    gp = world.gps[0]
    await state_capacity(database, clock, gp, 1)
    (entry,) = await register(database, clock, world, "Grondin")
    proposal = await propose_one(database, clock, world, entry, gp)
    async with database.write() as session:
        await service.accept(session, clock, gp, entry.id, proposal.id)
        declared = await service.declared(session, clock, gp, entry.id, date(2027, 2, 11))
    assert declared.declared_on == date(2027, 2, 11)


async def test_staff_see_the_room_left_and_date_a_request_received_earlier(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    first, second = world.gps
    await state_capacity(database, clock, first, 3)
    await state_capacity(database, clock, second, 1)
    async with database.write() as session:
        late = await service.register(
            session,
            clock,
            world.coordinator,
            world.territory,
            replace(entry_draft("Técher"), source=Source.CPAM, received_on=date(2027, 1, 5)),
        )
    assert late.entry.received_at == datetime(2027, 1, 4, 23, 0, tzinfo=UTC)  # Paris midnight
    await propose_one(database, clock, world, late.entry, first)
    async with database.write() as session:
        room = await service.territory_capacity(session, clock, world.coordinator)
    assert (room.capacity, room.remaining) == (4, 3)
    assert [(v.professional_id, v.remaining) for v in room.volunteers] == [
        (first.professional_id, 2),
        (second.professional_id, 1),
    ]
    for refused, code in (
        (date(2027, 2, 11), "mt_received_on_range"),  # tomorrow
        (date(2025, 12, 1), "mt_received_on_range"),  # over a year ago
    ):
        with pytest.raises(Invalid) as wrong:
            async with database.write() as session:
                await service.register(
                    session,
                    clock,
                    world.coordinator,
                    world.territory,
                    replace(entry_draft("Payet"), source=Source.CPAM, received_on=refused),
                )
        assert wrong.value.code == code
    with pytest.raises(Invalid) as public:
        async with database.write() as session:
            await service.register(
                session,
                clock,
                None,
                world.territory,
                replace(entry_draft("Payet"), received_on=date(2027, 2, 1)),
            )
    assert public.value.code == "mt_received_public"
    with pytest.raises(NotAllowed):
        async with database.write() as session:
            await service.territory_capacity(session, clock, first)


async def test_waiting_n_days_counts_local_days_as_the_list_shows_them(
    database: Database, clock: FrozenClock
) -> None:
    # Received at 23:30 in Paris thirty days ago, and at 00:30 twenty-nine days ago.
    world = await make_world(database, clock)
    received = {
        "Trente": datetime(2027, 1, 11, 22, 30, tzinfo=UTC),  # 11 Jan, 23:30 Paris
        "Vingtneuf": datetime(2027, 1, 11, 23, 30, tzinfo=UTC),  # 12 Jan, 00:30 Paris
    }
    for name, at in received.items():
        clock.set(at)
        await register(database, clock, world, name)
    clock.set(NOW)  # 10 February, 10:00 Paris
    async with database.write() as session:
        listed = await service.waiting_list(
            session, clock, world.coordinator, service.ListFilter(waiting_days=30)
        )
    assert [i.patient.family_name for i in listed] == ["Trente"]

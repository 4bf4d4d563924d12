"""The waiting list's use cases where they live: an entry from the public form with its
receipt (a duplicate marked for staff), a GP's capacity, staff proposing the server's
suggestion, the GP's answer, the declaration — and two GPs accepting one patient at once on
both databases: one wins, the other gets 409, the entry is accepted once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.professional import Profession
from coordination.directory.service import (
    CommuneDraft,
    LocationDraft,
    ProfessionalDraft,
    create_professional,
)
from coordination.directory.territory import Territory
from coordination.doctor_access import service
from coordination.doctor_access.matching import Fragility
from coordination.doctor_access.models import (
    EntryStatus,
    MtProposal,
    ProposalStatus,
    Source,
    WaitingEntry,
)
from coordination.doctor_access.service import CapacityDraft, EntryDraft
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from kernel.errors import Conflict, Invalid, InvalidTransition, NotAllowed
from kernel.event_types import EventType
from kernel.events import Event
from scheduling.patient import PatientDraft, Sex
from server.database import Database
from tests.directory_world import luhn_number, territory_with_gp

NOW = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
RAMBOUILLET = CommuneDraft("78517", "Rambouillet", "78120", 48.6437, 1.8296)


@dataclass
class World:
    territory: Territory
    coordinator: Actor
    gps: list[Actor]


async def _world(database: Database, clock: FrozenClock, gps: int = 2) -> World:
    async with database.write() as session:
        made = await territory_with_gp(
            session, clock, commune=RAMBOUILLET, address="1 rue de la Gare"
        )
        territory = made.territory
        coordinator = await create_account(
            session,
            clock,
            None,
            territory.id,
            AccountDraft(
                email=f"coord-{territory.slug}@test.invalid",
                display_name="Coordination",
                roles=frozenset({Role.COORDINATOR}),
            ),
        )
        actors = []
        for n in range(gps):
            pro = (
                await create_professional(
                    session,
                    clock,
                    None,
                    territory.id,
                    ProfessionalDraft(
                        family_name=f"Médecin{n}",
                        given_name="Anne",
                        profession=Profession.PHYSICIAN,
                        rpps=luhn_number("1", 11),
                        locations=[LocationDraft("Cabinet", f"{n} place", RAMBOUILLET.insee)],
                    ),
                )
            ).professional
            account = await create_account(
                session,
                clock,
                None,
                territory.id,
                AccountDraft(
                    email=f"gp{n}-{territory.slug}@test.invalid",
                    display_name=f"GP {n}",
                    roles=frozenset({Role.GP}),
                    professional_id=pro.id,
                ),
            )
            actors.append(
                Actor(account.id, territory.id, "Europe/Paris", frozenset({Role.GP}), pro.id)
            )
    staff = Actor(coordinator.id, territory.id, "Europe/Paris", frozenset({Role.COORDINATOR}))
    return World(territory, staff, actors)


def _entry(family: str = "Grondin", fragilities: frozenset[Fragility] = frozenset()) -> EntryDraft:
    return EntryDraft(
        patient=PatientDraft(family, "Lise", date(1950, 3, 1), Sex.FEMALE),
        commune_insee=RAMBOUILLET.insee,
        contact_phone="06 12 34 56 78",
        contact_email=None,
        fragilities=fragilities or frozenset({Fragility.OVER_70, Fragility.ALD}),
        needs_home_visits=False,
        reduced_mobility=False,
        source=Source.PUBLIC,
    )


async def _capacity(database: Database, clock: FrozenClock, gp: Actor, n: int) -> None:
    async with database.write() as session:
        await service.set_capacity(
            session,
            clock,
            gp,
            gp.professional_id,  # type: ignore[arg-type]
            CapacityDraft(n, None, None, False, None),
        )


async def test_a_public_entry_gets_a_receipt_and_a_duplicate_is_marked(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await _world(database, clock)
    async with database.write() as session:
        first = await service.register(session, clock, None, world.territory, _entry())
        again = await service.register(session, clock, None, world.territory, _entry("GRONDIN"))
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
    base = _entry()
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
    world = await _world(database, clock)
    gp = world.gps[0]
    await _capacity(database, clock, gp, 5)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, _entry())
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
    world = await _world(database, clock)
    for gp in world.gps:
        await _capacity(database, clock, gp, 3)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, _entry())
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
    world = await _world(database, clock, gps=3)
    for gp in world.gps:
        await _capacity(database, clock, gp, 2)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, _entry())
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
    world = await _world(database, clock)
    gp = world.gps[0]
    await _capacity(database, clock, gp, 4)
    async with database.write() as session:
        frail = await service.register(session, clock, None, world.territory, _entry())
        other = await service.register(
            session, clock, None, world.territory, _entry("Técher", frozenset({Fragility.C2S}))
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
    world = await _world(database, clock)
    async with database.write() as session:
        registered = await service.register(session, clock, None, world.territory, _entry())
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
    world = await _world(database, clock)
    await _capacity(database, clock, world.gps[0], 3)
    async with database.write() as session:
        await service.register(session, clock, None, world.territory, _entry())
        twice = await service.register(session, clock, None, world.territory, _entry())
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


async def _entries(
    database: Database, clock: FrozenClock, world: World, *names: str
) -> list[WaitingEntry]:
    async with database.write() as session:
        return [
            (await service.register(session, clock, None, world.territory, _entry(name))).entry
            for name in names
        ]


async def _propose(
    database: Database, clock: FrozenClock, world: World, entry: WaitingEntry, gp: Actor
) -> MtProposal:
    async with database.write() as session:
        (made,) = await service.propose(
            session,
            clock,
            world.coordinator,
            entry.id,
            [gp.professional_id],  # type: ignore[list-item]
        )
    return made


async def test_an_accepted_entry_closes_and_gives_the_gp_their_place_back(
    database: Database, clock: FrozenClock
) -> None:
    # The patient found a GP elsewhere after one here accepted: the place counts again.
    clock.set(NOW)
    world = await _world(database, clock)
    gp = world.gps[0]
    await _capacity(database, clock, gp, 1)
    first, second = await _entries(database, clock, world, "Grondin", "Payet")
    proposal = await _propose(database, clock, world, first, gp)
    async with database.write() as session:
        await service.accept(session, clock, gp, first.id, proposal.id)
    with pytest.raises(Conflict) as full:
        await _propose(database, clock, world, second, gp)
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
    assert (await _propose(database, clock, world, second, gp)).entry_id == second.id


async def test_two_coordinators_proposing_one_gps_last_place_at_once_one_gets_it(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await _world(database, clock)
    gp = world.gps[0]
    await _capacity(database, clock, gp, 1)
    entries = await _entries(database, clock, world, "Hoarau", "Fontaine", "Maillot")

    async def propose(entry: WaitingEntry) -> str:
        try:
            await _propose(database, clock, world, entry, gp)
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
    world = await _world(database, clock)
    gp = world.gps[0]
    await _capacity(database, clock, gp, 2)
    entries = await _entries(database, clock, world, "Hoarau", "Fontaine")
    proposals = [await _propose(database, clock, world, e, gp) for e in entries]
    await _capacity(database, clock, gp, 1)
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
    world = await _world(database, clock)
    gp = world.gps[0]
    await _capacity(database, clock, gp, 1)
    (entry,) = await _entries(database, clock, world, "Grondin")
    proposal = await _propose(database, clock, world, entry, gp)
    async with database.write() as session:
        await service.accept(session, clock, gp, entry.id, proposal.id)
        declared = await service.declared(session, clock, gp, entry.id, date(2027, 2, 11))
    assert declared.declared_on == date(2027, 2, 11)

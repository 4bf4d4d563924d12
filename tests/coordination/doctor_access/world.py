"""The waiting list's test world: a territory with a coordinator and GPs at Rambouillet,
entries from the public form, capacities and proposals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

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
from coordination.doctor_access.models import MtProposal, Source, WaitingEntry
from coordination.doctor_access.service import CapacityDraft, EntryDraft
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
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


async def make_world(database: Database, clock: FrozenClock, gps: int = 2) -> World:
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


def entry_draft(
    family: str = "Grondin", fragilities: frozenset[Fragility] = frozenset()
) -> EntryDraft:
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


async def state_capacity(database: Database, clock: FrozenClock, gp: Actor, n: int) -> None:
    async with database.write() as session:
        await service.set_capacity(
            session,
            clock,
            gp,
            gp.professional_id,  # type: ignore[arg-type]
            CapacityDraft(n, None, None, False, None),
        )


async def register(
    database: Database, clock: FrozenClock, world: World, *names: str
) -> list[WaitingEntry]:
    async with database.write() as session:
        return [
            (await service.register(session, clock, None, world.territory, entry_draft(name))).entry
            for name in names
        ]


async def propose_one(
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

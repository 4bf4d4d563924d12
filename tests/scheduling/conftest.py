"""Domain-level fixtures: a GP with a practice in a fresh territory of a chosen time zone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.service import CommuneDraft
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from scheduling.models.slot import Modality, Slot, Visibility
from scheduling.refs import ProfessionalRef
from scheduling.slots import SlotDraft, create_slot
from server.database import Database
from tests.directory_world import territory_with_gp


@dataclass(frozen=True)
class GpWorld:
    gp: Actor
    regulator: Actor
    professional: ProfessionalRef


@pytest.fixture
def make_world(database: Database, clock: FrozenClock) -> Callable[[str], Awaitable[GpWorld]]:
    async def make(timezone: str) -> GpWorld:
        async with database.write() as session:
            made = await territory_with_gp(
                session,
                clock,
                commune=CommuneDraft("97416", "Saint-Pierre", "97410"),
                address="1 rue des Bons Enfants",
                timezone=timezone,
            )
            territory, ref = made.territory, made.professional
            gp_account = await create_account(
                session,
                clock,
                None,
                territory.id,
                AccountDraft(
                    email=f"gp-{territory.slug}@test.invalid",
                    display_name="GP",
                    roles=frozenset({Role.GP}),
                    professional_id=ref.id,
                ),
            )
            reg_account = await create_account(
                session,
                clock,
                None,
                territory.id,
                AccountDraft(
                    email=f"reg-{territory.slug}@test.invalid",
                    display_name="Reg",
                    roles=frozenset({Role.REGULATOR}),
                ),
            )
        gp = Actor(gp_account.id, territory.id, timezone, frozenset({Role.GP}), ref.id)
        regulator = Actor(reg_account.id, territory.id, timezone, frozenset({Role.REGULATOR}))
        return GpWorld(gp, regulator, ref)

    return make


async def quarter_hour_slots(
    database: Database,
    clock: FrozenClock,
    world: GpWorld,
    start: datetime,
    n: int,
    modality: Modality = Modality.OFFICE,
    visibility: Visibility = Visibility.SNP,
) -> list[Slot]:
    """`n` back-to-back 15-minute slots of the world's GP from `start`."""
    async with database.write() as session:
        return [
            await create_slot(
                session,
                clock,
                world.gp,
                world.professional,
                SlotDraft(
                    start + timedelta(minutes=15 * k),
                    start + timedelta(minutes=15 * (k + 1)),
                    modality,
                    frozenset({visibility}),
                ),
            )
            for k in range(n)
        ]

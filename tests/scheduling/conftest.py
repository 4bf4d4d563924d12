"""Domain-level fixtures: a GP with a practice in a fresh territory of a chosen time zone."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from stdnum import luhn

from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.professional import Profession
from coordination.directory.service import (
    CommuneDraft,
    LocationDraft,
    ProfessionalDraft,
    add_communes,
    create_professional,
)
from coordination.directory.territories import TerritoryDraft, create_territory
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from scheduling.models.slot import Modality, Slot, Visibility
from scheduling.refs import ProfessionalRef
from scheduling.slots import SlotDraft, create_slot
from server.database import Database


@dataclass(frozen=True)
class GpWorld:
    gp: Actor
    regulator: Actor
    professional: ProfessionalRef


def _digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


@pytest.fixture
def make_world(database: Database, clock: FrozenClock) -> Callable[[str], Awaitable[GpWorld]]:
    async def make(timezone: str) -> GpWorld:
        async with database.write() as session:
            finess_body = "97" + _digits(6)
            territory = await create_territory(
                session,
                clock,
                TerritoryDraft(
                    slug=f"t-{uuid.uuid4().hex[:10]}",
                    name="CPTS test",
                    finess=finess_body + luhn.calc_check_digit(finess_body),
                    population=100_000,
                    timezone=timezone,
                ),
            )
            await add_communes(
                session, clock, None, territory.id, [CommuneDraft("97416", "Saint-Pierre", "97410")]
            )
            rpps_body = "1" + _digits(9)
            saved = await create_professional(
                session,
                clock,
                None,
                territory.id,
                ProfessionalDraft(
                    family_name="Payet",
                    given_name="Jean",
                    profession=Profession.PHYSICIAN,
                    rpps=rpps_body + luhn.calc_check_digit(rpps_body),
                    locations=[LocationDraft("Cabinet", "1 rue des Bons Enfants", "97416")],
                ),
            )
            pro = saved.professional
            gp_account = await create_account(
                session,
                clock,
                None,
                territory.id,
                AccountDraft(
                    email=f"gp-{territory.slug}@test.invalid",
                    display_name="GP",
                    roles=frozenset({Role.GP}),
                    professional_id=pro.id,
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
            ref = ProfessionalRef(
                id=pro.id,
                territory_id=territory.id,
                profession=pro.profession.value,
                location_ids=frozenset(loc.id for loc in pro.locations),
            )
        gp = Actor(gp_account.id, territory.id, timezone, frozenset({Role.GP}), pro.id)
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

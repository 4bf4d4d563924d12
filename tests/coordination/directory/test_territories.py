"""The operator's territories: made of the national communes, with their first admin."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from sqlalchemy import select

from coordination.accounts.account import Account
from coordination.directory.commune import Commune
from coordination.directory.communes_reference import refresh_reference
from coordination.directory.territories import (
    FirstAdmin,
    TerritoryDraft,
    TerritoryPatch,
    onboard_territory,
    update_territory,
)
from coordination.referrals.network_settings import policy_of
from kernel.actor import PLATFORM, Actor, Role
from kernel.clock import FrozenClock
from kernel.errors import Conflict, Invalid, NotAllowed
from kernel.event_types import EventType
from kernel.events import Event
from server.database import Database
from tests.conftest import _random_finess
from tests.onboarding_world import fresh_reference

OPERATOR = Actor(uuid.uuid4(), PLATFORM, "UTC", frozenset({Role.OPERATOR}))


def _draft(**overrides: object) -> TerritoryDraft:
    values: dict[str, object] = {
        "slug": f"cpts-{uuid.uuid4().hex[:10]}",
        "name": "CPTS du Sud de La Réunion",
        "finess": _random_finess(),
        "population": 120_000,
        "timezone": "Indian/Reunion",
        "holiday_subdivision": "974",
    }
    values.update(overrides)
    return TerritoryDraft(**values)  # type: ignore[arg-type]


async def test_a_territory_of_national_communes_and_its_first_admin(
    database: Database, clock: FrozenClock
) -> None:
    async with database.write() as session:
        reference = await fresh_reference(session, clock, 3)
        change = await onboard_territory(
            session,
            clock,
            OPERATOR,
            _draft(
                communes=[c.insee for c in reference],
                aci_size=2,
                first_admin=FirstAdmin("Coordination@Sud-Reunion.test", "Mme Payet"),
            ),
        )
    t = change.territory
    assert (t.timezone, t.aci_size, t.holiday_subdivision) == ("Indian/Reunion", 2, "974")
    assert change.communes_added == [c.insee for c in reference]
    link = change.invitation
    assert link is not None and link.email == "coordination@sud-reunion.test"
    async with database.read() as session:
        communes = list(await session.scalars(select(Commune).where(Commune.territory_id == t.id)))
        admin = await session.scalar(select(Account).where(Account.territory_id == t.id))
        kinds = [
            e.type
            for e in await session.scalars(
                select(Event).where(Event.territory_id == t.id).order_by(Event.id)
            )
        ]
        policy = await policy_of(session, t.id)
    assert {(c.insee, c.latitude) for c in communes} == {(c.insee, c.latitude) for c in reference}
    assert admin is not None and admin.roles == {Role.ADMIN, Role.COORDINATOR}
    assert admin.password_hash is None
    assert kinds == [
        EventType.TERRITORY_CREATED,
        EventType.DIRECTORY_COMMUNES_ADDED,
        EventType.ACCOUNT_CREATED,
        EventType.ACCOUNT_INVITED,
    ]
    assert policy.holiday_subdivision == "974"  # the network's working days follow


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"slug": "Sud Réunion"}, "slug"),
        ({"slug": "-sud"}, "slug"),
        ({"timezone": "+04:00"}, "timezone"),
        ({"aci_size": 5}, "aci_size"),
        ({"holiday_subdivision": "75"}, "holiday_subdivision"),
        ({"communes": ["97411", "ABCDE"]}, "communes"),
        ({"communes": ["99999"]}, "communes"),  # not in the national reference
        ({"name": "  "}, "name"),
        ({"name": "CPTS\r\nBcc: tous@exemple.test"}, "name"),  # it goes in e-mail subjects
    ],
)
async def test_refused_drafts_write_nothing(
    database: Database, clock: FrozenClock, overrides: dict[str, object], field: str
) -> None:
    draft = _draft(**overrides)
    with pytest.raises(Invalid) as refused:
        async with database.write() as session:
            await onboard_territory(session, clock, OPERATOR, draft)
    assert refused.value.field == field
    async with database.read() as session:
        assert not await session.scalar(
            select(Event.id).where(
                Event.type == EventType.TERRITORY_CREATED,
                Event.payload["slug"].as_string() == draft.slug,
            )
        )


async def test_only_the_operator_makes_territories(database: Database, clock: FrozenClock) -> None:
    admin = Actor(uuid.uuid4(), uuid.uuid4(), "Europe/Paris", frozenset({Role.ADMIN}))
    async with database.write() as session:
        with pytest.raises(NotAllowed):
            await onboard_territory(session, clock, admin, _draft())
        with pytest.raises(NotAllowed):
            await update_territory(session, clock, admin, "sud-yvelines", TerritoryPatch(name="x"))


async def test_update_and_its_limits(database: Database, clock: FrozenClock) -> None:
    async with database.write() as session:
        first, second = await fresh_reference(session, clock, 2)
        made = await onboard_territory(session, clock, OPERATOR, _draft(communes=[first.insee]))
        with pytest.raises(Conflict):
            await onboard_territory(session, clock, OPERATOR, _draft(finess=made.territory.finess))
    slug = made.territory.slug
    async with database.write() as session:
        change = await update_territory(
            session,
            clock,
            OPERATOR,
            slug,
            TerritoryPatch(
                population=30_000,
                aci_size=0,
                timezone="Europe/Paris",
                holiday_subdivision="",
                add_communes=[first.insee, second.insee],
            ),
        )
    assert change.communes_added == [second.insee]  # the first was there already
    async with database.write() as session:  # the first admin's e-mail went astray: again
        admin = FirstAdmin("admin-lost@cpts.test", "Mme Perdue")
        first_link = (
            await update_territory(
                session, clock, OPERATOR, slug, TerritoryPatch(first_admin=admin)
            )
        ).invitation
        second_link = (
            await update_territory(
                session, clock, OPERATOR, slug, TerritoryPatch(first_admin=admin)
            )
        ).invitation
    assert first_link and second_link and first_link.account_id == second_link.account_id
    assert (change.territory.aci_size, change.territory.holiday_subdivision) == (1, None)
    async with database.write() as session:
        with pytest.raises(Conflict) as refused:
            await update_territory(
                session, clock, OPERATOR, "sud-yvelines", TerritoryPatch(timezone="Europe/Brussels")
            )
    assert refused.value.field == "timezone"  # its agendas are published in local time


async def test_the_reference_refresh_is_idempotent_and_fills_territory_points(
    database: Database, clock: FrozenClock
) -> None:
    async with database.write() as session:
        reference = await fresh_reference(session, clock, 2)
        made = await onboard_territory(
            session, clock, OPERATOR, _draft(communes=[c.insee for c in reference])
        )
        moved = [replace(reference[0], name=reference[0].name + " (nouvelle)"), reference[1]]
    async with database.write() as session:
        for commune in await session.scalars(
            select(Commune).where(Commune.territory_id == made.territory.id)
        ):
            commune.latitude = commune.longitude = None
    async with database.write() as session:
        counts = await refresh_reference(session, clock, moved)
    assert (counts.added, counts.changed, counts.unchanged) == (0, 1, 1)
    assert counts.territory_points_filled >= 2
    async with database.read() as session:
        points = {
            c.insee: c.latitude
            for c in await session.scalars(
                select(Commune).where(Commune.territory_id == made.territory.id)
            )
        }
    assert points == {c.insee: c.latitude for c in reference}

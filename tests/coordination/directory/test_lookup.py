"""Directory lookups in the domain: a distance search is bounded where it is done."""

from __future__ import annotations

import uuid

import pytest

from coordination.directory.lookup import MAX_RADIUS_KM, communes_within
from coordination.directory.service import CommuneDraft, add_communes
from coordination.directory.territory import Territory
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from kernel.errors import Invalid
from server.database import Database


async def test_a_radius_beyond_the_bound_is_refused_naming_the_field(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    async with database.write() as session:
        await add_communes(
            session, clock, None, territory.id, [CommuneDraft("78646", "Versailles", "78000")]
        )
    actor = Actor(uuid.uuid4(), territory.id, territory.timezone, frozenset({Role.REGULATOR}))
    async with database.read() as session:
        assert len(await communes_within(session, actor, "78646", None)) == 1
        for wrong in (MAX_RADIUS_KM + 1, -5.0):
            with pytest.raises(Invalid) as refused:
                await communes_within(session, actor, "78646", wrong)
            assert refused.value.field == "within_km"

"""The one "slot is open" rule (scheduling/models/slot.py): open until it starts, free or under a
lapsed hold (or the taker's own); the same answer from the loaded slot, the SQL expression
and the batched statement's SQL text, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update

from kernel.clock import FrozenClock
from scheduling.models.slot import Modality, Slot, SlotStatus, open_to_take, open_to_take_sql
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def test_open_until_its_start_by_every_form_of_the_rule(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(START - timedelta(days=1))
    world = await make_world("Europe/Paris")
    free, lapsed, held, booked = await quarter_hour_slots(
        database, clock, world, START, 4, Modality.VIDEO
    )
    own_hold = uuid.uuid4()
    async with database.write() as session:
        for slot, status, until, hold in (
            (lapsed, SlotStatus.HELD, START - timedelta(hours=2), uuid.uuid4()),
            (held, SlotStatus.HELD, START + timedelta(days=1), own_hold),
            (booked, SlotStatus.BOOKED, None, None),
        ):
            await session.execute(
                update(Slot)
                .where(Slot.id == slot.id)
                .values(status=status, held_until=until, hold_id=hold)
            )
    ids = [free.id, lapsed.id, held.id, booked.id]

    async def answers(now: datetime) -> dict[str, set[uuid.UUID]]:
        async with database.read() as session:
            loaded = (await session.scalars(select(Slot).where(Slot.id.in_(ids)))).all()
            by_expression = set(
                await session.scalars(
                    select(Slot.id).where(Slot.id.in_(ids), open_to_take(Slot, now))
                )
            )
            by_own_hold = set(
                await session.scalars(
                    select(Slot.id).where(
                        Slot.id.in_(ids), open_to_take(Slot, now, own_hold=own_hold)
                    )
                )
            )
            by_text: set[uuid.UUID] = set()
            if database.backend == "postgresql":  # the batched statement runs there only
                rule = open_to_take_sql("s", "CAST(:now AS timestamptz)")
                query = "SELECT s.id FROM slots AS s WHERE s.id = ANY(:ids) AND " + rule  # noqa: S608
                rows = await session.execute(text(query), {"ids": ids, "now": now})
                by_text = {row[0] for row in rows}
        return {
            "loaded": {s.id for s in loaded if s.is_open(now)},
            "expression": by_expression,
            "own_hold": by_own_hold,
            "text": by_text,
        }

    # Before the first slot starts: the free one and the one whose hold lapsed; the taker
    # whose hold it is may take the held one as well.
    before = await answers(START - timedelta(microseconds=1))
    assert before["loaded"] == before["expression"] == {free.id, lapsed.id}
    assert before["own_hold"] == {free.id, lapsed.id, held.id}
    if database.backend == "postgresql":
        assert before["text"] == before["expression"]
    # At its start instant the first is no longer open: the edge is the start.
    at_start = await answers(START)
    assert at_start["loaded"] == at_start["expression"] == {lapsed.id}
    if database.backend == "postgresql":
        assert at_start["text"] == at_start["expression"]

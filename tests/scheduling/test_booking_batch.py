"""Plain bookings coalesced into one statement: each still wins or loses on its own."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import func, select

from kernel.clock import FrozenClock
from kernel.events import Event
from scheduling.booking_batch import BookingBatcher
from scheduling.bookings import (
    SAS_WEEKLY_CAP,
    Booked,
    BookingDraft,
    book_direct,
    booking_event_payload,
)
from scheduling.holds import SlotTaken
from scheduling.models.booking import Booking
from scheduling.models.slot import Slot, SlotStatus
from scheduling.models.snp_request import Origin
from scheduling.patient import PatientDraft, Sex
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

PATIENT = PatientDraft("Payet", "Jean", datetime(1948, 3, 2).date(), Sex.MALE)


@pytest.fixture
def pg(database: Database) -> Database:
    if not database.has_direct:
        pytest.skip("plain bookings are batched on PostgreSQL only; SQLite books in a session")
    return database


class _Counted:
    """`Database.direct`, counting the connections taken: one per statement sent."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.taken = 0

    def __call__(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        self.taken += 1
        return self.database.direct()


async def _slots(database: Database, clock: FrozenClock, world: GpWorld, n: int) -> list[Slot]:
    start = datetime(2027, 6, 8, 6, 0, tzinfo=UTC)  # Tuesday; Reunion's local week 7–13 June
    return await quarter_hour_slots(database, clock, world, start, n)


def _draft(slot: Slot, channel: Origin = Origin.SAS_REGULATOR) -> BookingDraft:
    return BookingDraft(channel=channel, slot_id=slot.id, patient=PATIENT)


async def _live_bookings(database: Database, slot: Slot) -> int:
    async with database.read() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Booking)
                .where(Booking.slot_id == slot.id, Booking.status != "cancelled")
            )
            or 0
        )


@pytest.fixture
async def world(
    pg: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> GpWorld:
    clock.set(datetime(2027, 6, 4, 6, 0, tzinfo=UTC))
    return await make_world("Indian/Reunion")


async def test_concurrent_bookings_share_one_statement_and_one_slot_goes_once(
    pg: Database, clock: FrozenClock, world: GpWorld
) -> None:
    slots = await _slots(pg, clock, world, 6)
    acquire = _Counted(pg)
    batcher = BookingBatcher(acquire, max_in_flight=1)
    # Five distinct slots, and the sixth asked four times within the same batch.
    drafts = [_draft(s) for s in slots[:5]] + [_draft(slots[5])] * 4
    results = await asyncio.gather(
        *(book_direct(batcher, clock, world.regulator, d) for d in drafts), return_exceptions=True
    )
    assert acquire.taken == 1 + 3  # one statement for all nine, a look-up per loser (why)
    booked = [r for r in results if isinstance(r, Booked)]
    assert Counter(type(r).__name__ for r in results) == {"Booked": 6, "SlotTaken": 3}
    assert {b.booking.slot_id for b in booked} == {s.id for s in slots}
    for slot in slots:
        assert await _live_bookings(pg, slot) == 1
    async with pg.read() as session:
        events = {
            e.subject_id: e.payload
            for e in await session.scalars(
                select(Event).where(
                    Event.type == "booking.created",
                    Event.subject_id.in_([b.booking.id for b in booked]),
                )
            )
        }
        statuses = set(
            await session.scalars(select(Slot.status).where(Slot.id.in_([s.id for s in slots])))
        )
    assert statuses == {SlotStatus.BOOKED}
    assert {k: events[k] for k in events} == {
        b.booking.id: booking_event_payload(b.booking) for b in booked
    }


async def test_two_workers_racing_for_the_same_slots_in_opposite_orders(
    pg: Database, clock: FrozenClock, world: GpWorld
) -> None:
    """Two batchers (two workers) want the same twelve slots, one in reverse order: each slot
    is booked once, every loser hears 409, and neither batch waits on the other in a cycle."""
    slots = await _slots(pg, clock, world, 12)
    first = BookingBatcher(_Counted(pg), max_in_flight=1)
    second = BookingBatcher(_Counted(pg), max_in_flight=1)
    results = await asyncio.gather(
        *(book_direct(first, clock, world.regulator, _draft(s)) for s in slots),
        *(book_direct(second, clock, world.regulator, _draft(s)) for s in reversed(slots)),
        return_exceptions=True,
    )
    winners = Counter(r.booking.slot_id for r in results if isinstance(r, Booked))
    assert winners == Counter({s.id: 1 for s in slots})
    assert all(isinstance(r, (Booked, SlotTaken)) for r in results), results
    for slot in slots:
        assert await _live_bookings(pg, slot) == 1


async def test_the_sas_count_includes_earlier_bookings_of_the_same_batch(
    pg: Database, clock: FrozenClock, world: GpWorld
) -> None:
    """The statement's snapshot does not see its own inserts: the batch counts them itself,
    so the 21st and 22nd SAS consultation of the GP's week are flagged, batched or not."""
    slots = await _slots(pg, clock, world, SAS_WEEKLY_CAP + 3)
    batcher = BookingBatcher(pg.direct, max_in_flight=1)
    for slot in slots[: SAS_WEEKLY_CAP - 1]:
        assert not (await book_direct(batcher, clock, world.regulator, _draft(slot))).warnings
    acquire = _Counted(pg)
    batcher = BookingBatcher(acquire, max_in_flight=1)
    last = slots[SAS_WEEKLY_CAP - 1 :]
    results = await asyncio.gather(
        *(book_direct(batcher, clock, world.regulator, _draft(s)) for s in last[:3]),
        book_direct(batcher, clock, world.regulator, _draft(last[3], Origin.PHARMACIST)),
    )
    assert acquire.taken == 1
    flagged = [r for r in results[:3] if any(w.startswith("sas_weekly_cap") for w in r.warnings)]
    assert len(flagged) == 2  # the 20th is within the cap, the 21st and 22nd are not
    assert not results[3].warnings  # not SAS-regulated


async def test_a_constraint_failure_fails_only_its_own_booking(
    pg: Database, clock: FrozenClock, world: GpWorld
) -> None:
    """The batch is retried one by one: the others book, the culprit's slot stays free."""
    slots = await _slots(pg, clock, world, 3)
    ghost = replace(world.regulator, account_id=uuid.uuid4())  # no such account: FK violation
    acquire = _Counted(pg)
    batcher = BookingBatcher(acquire, max_in_flight=1)
    results = await asyncio.gather(
        book_direct(batcher, clock, world.regulator, _draft(slots[0])),
        book_direct(batcher, clock, ghost, _draft(slots[1])),
        book_direct(batcher, clock, world.regulator, _draft(slots[2])),
        return_exceptions=True,
    )
    assert isinstance(results[0], Booked) and isinstance(results[2], Booked)
    assert isinstance(results[1], SlotTaken)
    assert acquire.taken == 4  # the batch, then each alone
    assert await _live_bookings(pg, slots[1]) == 0
    async with pg.read() as session:
        assert await session.scalar(select(Slot.status).where(Slot.id == slots[1].id)) == (
            SlotStatus.FREE
        )


async def test_a_lost_connection_fails_every_booking_of_the_batch(
    pg: Database, clock: FrozenClock, world: GpWorld
) -> None:
    slots = await _slots(pg, clock, world, 2)

    def broken() -> AbstractAsyncContextManager[asyncpg.Connection]:
        raise ConnectionResetError("server closed the connection")

    batcher = BookingBatcher(broken, max_in_flight=1)
    results = await asyncio.gather(
        *(book_direct(batcher, clock, world.regulator, _draft(s)) for s in slots),
        return_exceptions=True,
    )
    assert all(isinstance(r, ConnectionResetError) for r in results)
    # The batcher recovers: the next bookings go through a working connection.
    batcher.acquire = pg.direct
    booked = await book_direct(batcher, clock, world.regulator, _draft(slots[0]))
    assert booked.created


async def test_a_booking_whose_caller_gave_up_does_not_disturb_the_others(
    pg: Database, clock: FrozenClock, world: GpWorld
) -> None:
    slots = await _slots(pg, clock, world, 3)
    batcher = BookingBatcher(pg.direct, max_in_flight=1)
    tasks = [
        asyncio.create_task(book_direct(batcher, clock, world.regulator, _draft(s))) for s in slots
    ]
    await asyncio.sleep(0)  # all three queued, the batch not yet answered
    tasks[1].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError)
    assert isinstance(done[0], Booked) and isinstance(done[2], Booked)
    assert await _live_bookings(pg, slots[1]) == 0  # it gave up before its batch left

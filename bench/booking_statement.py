"""What PostgreSQL alone spends on a booking: the booking statement without HTTP or SQLAlchemy.

    python -m bench.booking_statement [--bookings 12000] [--connections 32] [--batch B]
        [--without-territory-fks] [--plan-cache-mode auto|force_generic_plan]

Creates a throwaway database, loads the demo territory and N free slots (as bench/booking.py
does), then books each slot once by sending the all-in-one booking statement of
scheduling/booking_store.py, compiled once, over C bare asyncpg connections. Prints throughput,
latency and PostgreSQL's CPU per booking: the database's share of the HTTP benchmark's cost.
`--without-territory-fks` drops the foreign keys of bookings, patients and events to
`territories` first, to measure what their key-share locks on one hot row cost (migration 0003
dropped the events' one). `--plan-cache-mode` sets PostgreSQL's, to compare re-planning each
execution (auto: custom plans) with the generic plan the server's direct pool uses.
`--batch B` sends instead the statement that books plain bookings B at a time
(scheduling/booking_batch.py, as the server's batcher does under load): run it with 1, 4 and 8
over fewer connections (`--batch 8 --connections 4`) to see what sharing a statement saves.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from bench.booking import _create_db, _drop_db, _dsn, _pct, cpu_seconds, machine, prepare
from scheduling.booking_batch import PlainBooking, persist_batch
from scheduling.booking_store import _PG_WITH_PATIENT

_TERRITORY_FKS = [
    ("bookings", "fk_bookings_territory_id_territories"),
    ("patients", "fk_patients_territory_id_territories"),
]


def _arguments(names: list[str], defaults: dict[str, Any], values: dict[str, Any]) -> list[Any]:
    merged = defaults | values
    return [getattr(merged[n], "value", merged[n]) for n in names]


async def _book_batches(
    conn: asyncpg.Connection,
    queue: Iterator[str],
    size: int,
    territory: uuid.UUID,
    account: uuid.UUID,
    latencies: list[float],
) -> None:
    """Book `size` slots per statement until the queue is empty; latencies per statement."""
    while chunk := list(itertools.islice(queue, size)):
        now = datetime.now(UTC)
        items = []
        for sid in chunk:
            booking_id = uuid.uuid4()
            patient = {
                "id": uuid.uuid4(),
                "family_name": "Martin",
                "given_name": "Paul",
                "birth_date": date(1950, 2, 3),
                "sex": "male",
                "phone": None,
                "nir": None,
            }
            booking = {
                "id": booking_id,
                "slot_id": uuid.UUID(sid),
                "territory_id": territory,
                "channel": "sas_regulator",
                "booked_by": account,
            }
            payload = {"booking_id": str(booking_id), "slot_id": sid}
            items.append(PlainBooking(now, None, "Europe/Paris", patient, booking, payload))
        started = time.perf_counter()
        taken = await persist_batch(conn, items)
        latencies.append(time.perf_counter() - started)
        assert all(taken), "a free slot was not taken"


async def run(args: argparse.Namespace) -> None:
    name = f"cpts_stmt_{secrets.token_hex(3)}"
    url = await _create_db(name)
    try:
        slot_ids, _ = await prepare(url, args.bookings)
        dsn = _dsn(url)
        setup = await asyncpg.connect(dsn)
        territory = await setup.fetchval("SELECT id FROM territories WHERE slug = 'sud-yvelines'")
        account = await setup.fetchval(
            "SELECT id FROM accounts WHERE email = 'regulator@sud-yvelines.test'"
        )
        if args.without_territory_fks:
            for table, constraint in _TERRITORY_FKS:
                await setup.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        await setup.close()
        compiled = _PG_WITH_PATIENT.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
        sql, names = str(compiled), list(compiled.positiontup or [])
        defaults = dict(compiled.params)
        queue = iter(slot_ids)
        latencies: list[float] = []

        async def client() -> asyncpg.Connection:
            conn = await asyncpg.connect(
                dsn, server_settings={"plan_cache_mode": args.plan_cache_mode}
            )
            await conn.set_type_codec(
                "jsonb", encoder=lambda s: s, decoder=lambda s: s, schema="pg_catalog"
            )
            if args.batch:
                await _book_batches(conn, queue, args.batch, territory, account, latencies)
                return conn
            statement = await conn.prepare(sql)
            for sid in queue:
                now = datetime.now(UTC)
                patient_id, booking_id = uuid.uuid4(), uuid.uuid4()
                values = {
                    "take_now": now,
                    "take_slot_id": uuid.UUID(sid),
                    "take_territory_id": territory,
                    "take_hold_id": None,
                    "actor_professional_id": None,
                    "tz": "Europe/Paris",
                    "p_id": patient_id,
                    "p_territory_id": territory,
                    "p_family_name": "Martin",
                    "p_given_name": "Paul",
                    "p_birth_date": date(1950, 2, 3),
                    "p_sex": "male",
                    "p_phone": None,
                    "p_nir": None,
                    "p_created_at": now,
                    "b_id": booking_id,
                    "b_territory_id": territory,
                    "b_slot_id": uuid.UUID(sid),
                    "b_patient_id": patient_id,
                    "b_request_id": None,
                    "b_channel": "sas_regulator",
                    "b_booked_by": account,
                    "b_idempotency_key": None,
                    "b_status": "booked",
                    "b_status_changed_at": now,
                    "b_status_changed_by": account,
                    "b_cancel_reason": None,
                    "b_created_at": now,
                    "e_territory_id": territory,
                    "e_type": "booking.created",
                    "e_occurred_at": now,
                    "e_actor_account_id": account,
                    "e_subject_id": booking_id,
                    "e_payload": f'{{"booking_id": "{booking_id}", "slot_id": "{sid}"}}',
                }
                started = time.perf_counter()
                row = await statement.fetchrow(*_arguments(names, defaults, values))
                latencies.append(time.perf_counter() - started)
                assert row is not None, "a free slot was not taken"
            return conn

        before = cpu_seconds(-1)
        started = time.perf_counter()
        connections = await asyncio.gather(*(client() for _ in range(args.connections)))
        elapsed = time.perf_counter() - started
        after = cpu_seconds(-1)
        for conn in connections:
            await conn.close()
    finally:
        await _drop_db(name)

    n = args.bookings
    statement = (
        f"plain-booking statement of scheduling/booking_batch.py, {args.batch} bookings each"
        " (latency per statement)"
        if args.batch
        else "booking statement of scheduling/booking_store.py"
    )
    print(f"\nmachine: {machine()}")
    print(
        f"{statement}, {args.connections} asyncpg connections"
        + (", territory foreign keys dropped" if args.without_territory_fks else "")
        + f", plan_cache_mode={args.plan_cache_mode}"
    )
    print(
        f"{'bookings':>9}{'book/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'PostgreSQL CPU ms/booking':>27}{'client CPU ms/booking':>23}"
    )
    print(
        f"{n:>9}{n / elapsed:>9,.0f}{_pct(latencies, 0.5):>8.1f}{_pct(latencies, 0.99):>8.1f}"
        f"{(after['postgres'] - before['postgres']) * 1000 / n:>27.2f}"
        f"{(after['client'] - before['client']) * 1000 / n:>23.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=12000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--batch", type=int, default=0, help="bookings per plain-booking statement")
    parser.add_argument("--without-territory-fks", action="store_true")
    parser.add_argument(
        "--plan-cache-mode", choices=["auto", "force_generic_plan"], default="force_generic_plan"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

"""The PostgreSQL ceiling of `bench.booking --journeys`: the regulator's journey as a bare
asyncpg loop, with no HTTP, framework, ORM or use case around it.

It writes what the server writes per journey, in the same three transactions (traced from the
server's asyncpg connection on 2026-12-08): recording the request (patient, request, event), the
hold (the account's lock, the cap and live holds, the slot's compare-and-swap, the hold, the
event), the booking with its request and key (the key, the hold and the request read, the
slot taken with its booking and event in one statement with the SAS week counted, the hold
consumed, the request closed, the patient read audited and read). It leaves out what the
server does besides: the sequencer numbering the events, the relay reading them, the token
check of each call. One connection per client (32), each statement prepared once by asyncpg.
This client shares the machine's cores with PostgreSQL, as the server does: what it reaches
is this loop's ceiling, not the machine's; the machine's is told by PostgreSQL's own CPU per
journey, which bench.booking prints beside it (2.2-3.0 ms on 2026-12-08, where 0.30 x
pgbench -N leaves about 1.3 ms of CPU per journey for everything on two cores).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg

_PATIENT = (
    "INSERT INTO patients (id, territory_id, family_name, given_name, birth_date, sex, phone,"
    " nir, family_folded, given_folded, created_at, purged_at) VALUES ($1, $2, 'Martin', 'Paul',"
    " '1950-02-03', 'male', '+33 6 00 00 00 00', NULL, 'martin', 'paul', $3, NULL)"
)
_REQUEST = (
    "INSERT INTO snp_requests (id, territory_id, origin, received_at, reason, urgency,"
    " patient_id, recorded_by, outcome, outcome_at, outcome_note, booking_id, consultation_at,"
    " created_at) VALUES ($1, $2, 'sas_regulator', $3, 'fièvre, toux', 'within_48h', $4, $5,"
    " NULL, NULL, NULL, NULL, NULL, $3)"
)
_EVENT = (
    "INSERT INTO events (territory_id, seq, type, occurred_at, actor_account_id, subject_id,"
    " payload) VALUES ($1, NULL, $2, $3, $4, $5, $6::jsonb) RETURNING id"
)
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
_CAP = (
    "SELECT (SELECT max_live_holds FROM territories WHERE id = $1), (SELECT count(*) FROM holds"
    " WHERE account_id = $2 AND consumed_at IS NULL AND released_at IS NULL AND expires_at > $3)"
)
_HOLD_SLOT = (
    "UPDATE slots SET status = 'held', hold_id = $1, held_until = $2, version = version + 1,"
    " updated_at = $3 WHERE id = $4 AND territory_id = $5 AND starts_at > $3"
    " AND (status = 'free' OR status = 'held' AND held_until <= $3)"
    " RETURNING id, professional_id, starts_at, ends_at, modality, visibility, assisted, status"
)
_HOLD = (
    "INSERT INTO holds (id, territory_id, slot_id, account_id, created_at, expires_at)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)
_BY_KEY = "SELECT * FROM bookings WHERE booked_by = $1 AND idempotency_key = $2"
_FIND_HOLD = (
    "SELECT slot_id, consumed_at, released_at FROM holds"
    " WHERE id = $1 AND territory_id = $2 AND account_id = $3"
)
_FIND_REQUEST = (
    "SELECT id, patient_id, recorded_by, outcome FROM snp_requests"
    " WHERE id = $1 AND territory_id = $2"
)
_BOOK = (
    "WITH taken AS (UPDATE slots SET status = 'booked', hold_id = NULL, held_until = NULL,"
    " version = version + 1, updated_at = $1 WHERE id = $2 AND territory_id = $3"
    " AND starts_at > $1 AND (status = 'free' OR status = 'held' AND (held_until <= $1"
    " OR hold_id = $4)) RETURNING id, professional_id, starts_at, ends_at),"
    " new_booking AS (INSERT INTO bookings (id, territory_id, slot_id, professional_id,"
    " starts_at, ends_at, patient_id, request_id, channel, booked_by, idempotency_key,"
    " own_patient, status, status_changed_at, status_changed_by, cancel_reason, created_at)"
    " SELECT $5, $3, $2, professional_id, starts_at, ends_at, $6, $7, 'sas_regulator', $8, $9,"
    " false, 'booked', $1, $8, NULL, $1 FROM taken),"
    " new_event AS (INSERT INTO events (territory_id, type, occurred_at, actor_account_id,"
    " subject_id, payload) SELECT $3, 'booking.created', $1, $8, $5,"
    " jsonb_build_object('booking_id', $5::text, 'professional_id', professional_id::text)"
    " FROM taken)"
    " SELECT professional_id, starts_at, ends_at, (SELECT count(*) FROM bookings"
    " WHERE bookings.professional_id = taken.professional_id AND channel = 'sas_regulator'"
    " AND own_patient IS false AND status != 'cancelled'"
    " AND bookings.starts_at >= date_trunc('week', taken.starts_at)"
    " AND bookings.starts_at < date_trunc('week', taken.starts_at) + interval '7 days')"
    " FROM taken"
)
_CONSUME = "UPDATE holds SET consumed_at = $1 WHERE id = $2"
_CLOSE_REQUEST = (
    "UPDATE snp_requests SET outcome = 'booked', outcome_at = $1, booking_id = $2,"
    " consultation_at = $3 WHERE id = $4 AND outcome IS NULL"
)
_AUDIT = (
    "INSERT INTO audit_patient_reads (id, territory_id, account_id, patient_id, subject_type,"
    " subject_id, purpose, read_at) VALUES ($1, $2, $3, $4, 'booking', $5,"
    " 'booking of a request', $6)"
)
_READ_PATIENT = (
    "SELECT family_name, given_name, birth_date, sex, phone, nir FROM patients WHERE id = $1"
)


async def _journey(
    conn: asyncpg.Connection, territory: uuid.UUID, account: uuid.UUID, slot: uuid.UUID
) -> bool:
    patient, request, hold, booking = (uuid.uuid4() for _ in range(4))

    async def event(kind: str, subject: uuid.UUID) -> None:
        payload = json.dumps({"subject": str(subject)})
        await conn.fetchval(_EVENT, territory, kind, datetime.now(UTC), account, subject, payload)

    now = datetime.now(UTC)
    async with conn.transaction():
        await conn.execute(_PATIENT, patient, territory, now)
        await conn.execute(_REQUEST, request, territory, now, patient, account)
        await event("request.created", request)
    now = datetime.now(UTC)
    async with conn.transaction():
        await conn.execute(_LOCK, f"holds:{account}")
        await conn.fetchrow(_CAP, territory, account, now)
        until = now + timedelta(minutes=5)
        if await conn.fetchrow(_HOLD_SLOT, hold, until, now, slot, territory) is None:
            return False
        await conn.execute(_HOLD, hold, territory, slot, account, now, until)
        await event("slot.held", slot)
    now = datetime.now(UTC)
    key = f"bench-{slot}"
    async with conn.transaction():
        await conn.fetchrow(_BY_KEY, account, key)
        await conn.fetchrow(_FIND_HOLD, hold, territory, account)
        await conn.fetchrow(_FIND_REQUEST, request, territory)
        taken = await conn.fetchrow(
            _BOOK, now, slot, territory, hold, booking, patient, request, account, key
        )
        if taken is None:
            return False
        await conn.execute(_CONSUME, now, hold)
        await conn.execute(_CLOSE_REQUEST, now, booking, taken["starts_at"], request)
        await conn.execute(_AUDIT, uuid.uuid4(), territory, account, patient, booking, now)
        await conn.fetchrow(_READ_PATIENT, patient)
    return True


async def journeys(
    dsn: str, slot_ids: list[str], clients: int, cpu: Callable[[], float]
) -> tuple[float, int, float]:
    """One journey per slot from `clients` connections; returns (seconds, journeys done,
    PostgreSQL's CPU seconds by `cpu`, read before the connections close)."""
    conns = [await asyncpg.connect(dsn) for _ in range(clients)]
    try:
        territory = await conns[0].fetchval(
            "SELECT id FROM territories WHERE slug = 'sud-yvelines'"
        )
        accounts = [
            r["id"]
            for r in await conns[0].fetch(
                "SELECT id FROM accounts WHERE territory_id = $1 LIMIT $2", territory, clients
            )
        ]
        queue = [uuid.UUID(s) for s in reversed(slot_ids)]
        done = 0

        async def client(n: int) -> None:
            nonlocal done
            while queue:
                slot = queue.pop()
                if await _journey(conns[n], territory, accounts[n % len(accounts)], slot):
                    done += 1

        before, started = cpu(), time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        return time.perf_counter() - started, done, cpu() - before
    finally:
        for conn in conns:
            await conn.close()

"""The SQLite baseline of `bench.booking --database sqlite`: the regulator's journey as a bare
aiosqlite loop, with no HTTP, framework, ORM or use case around it.

It sends the statements the server sends per journey, in the same transactions (traced with
sqlite3's trace callback on 2026-12-04: recording the request 4 statements, the hold 5, the
booking with its request and key 13, each transaction BEGIN IMMEDIATE ... COMMIT), with the same
pragmas, from C concurrent tasks sharing one connection that take turns by transaction: what
the embedded default could do at most on this machine, the denominator of its target.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from server.database import SQLITE_BUSY_TIMEOUT_MS

_PATIENT = (
    "INSERT INTO patients (id, territory_id, family_name, given_name, birth_date, sex, phone,"
    " nir, family_folded, given_folded, created_at, purged_at) VALUES (?, ?, 'Martin', 'Paul',"
    " '1950-02-03', 'male', '+33 6 00 00 00 00', NULL, 'martin', 'paul', ?, NULL)"
)
_REQUEST = (
    "INSERT INTO snp_requests (id, territory_id, origin, received_at, reason, urgency,"
    " patient_id, recorded_by, outcome, outcome_at, outcome_note, booking_id, consultation_at,"
    " created_at) VALUES (?, ?, 'sas_regulator', ?, 'fièvre, toux', 'within_48h', ?, ?, NULL,"
    " NULL, NULL, NULL, NULL, ?)"
)
_SEQ = (
    "UPDATE event_counters SET last_seq=(event_counters.last_seq + 1)"
    " WHERE event_counters.territory_id = ? RETURNING last_seq"
)
_EVENT = (
    "INSERT INTO events (territory_id, seq, type, occurred_at, actor_account_id, subject_id,"
    " payload) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
_CAP = (
    "SELECT (SELECT territories.max_live_holds FROM territories WHERE territories.id = ?),"
    " (SELECT count(*) FROM holds WHERE holds.account_id = ? AND holds.consumed_at IS NULL"
    " AND holds.released_at IS NULL AND holds.expires_at > ?)"
)
_HOLD_SLOT = (
    "UPDATE slots SET status='held', hold_id=?, held_until=?, version=(slots.version + 1),"
    " updated_at=? WHERE slots.id = ? AND slots.territory_id = ? AND slots.starts_at > ?"
    " AND (slots.status = 'free' OR slots.status = 'held' AND slots.held_until <= ?)"
    " RETURNING id, professional_id, starts_at, ends_at, modality, visibility, assisted, status"
)
_HOLD = (
    "INSERT INTO holds (id, territory_id, slot_id, account_id, created_at, expires_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_BY_KEY = "SELECT * FROM bookings WHERE booked_by = ? AND idempotency_key = ?"
_FIND_HOLD = (
    "SELECT slot_id, consumed_at, released_at FROM holds"
    " WHERE id = ? AND territory_id = ? AND account_id = ?"
)
_FIND_REQUEST = (
    "SELECT id, patient_id, recorded_by, outcome FROM snp_requests"
    " WHERE id = ? AND territory_id = ?"
)
_BOOK_SLOT = (
    "UPDATE slots SET status='booked', hold_id=NULL, held_until=NULL,"
    " version=(slots.version + 1), updated_at=? WHERE slots.id = ? AND slots.territory_id = ?"
    " AND slots.starts_at > ? AND (slots.status = 'free' OR slots.status = 'held'"
    " AND (slots.held_until <= ? OR slots.hold_id = ?))"
    " RETURNING id, professional_id, starts_at, ends_at"
)
_WEEK_COUNT = (
    "SELECT (SELECT count(*) FROM bookings WHERE bookings.professional_id = ?"
    " AND bookings.channel = 'sas_regulator' AND bookings.own_patient IS 0"
    " AND bookings.status != 'cancelled' AND bookings.starts_at >= ? AND bookings.starts_at < ?)"
)
_BOOKING = (
    "INSERT INTO bookings (id, territory_id, slot_id, professional_id, starts_at, ends_at,"
    " patient_id, request_id, channel, booked_by, idempotency_key, own_patient, status,"
    " status_changed_at, status_changed_by, cancel_reason, created_at) VALUES (?, ?, ?, ?, ?,"
    " ?, ?, ?, 'sas_regulator', ?, ?, 0, 'booked', ?, ?, NULL, ?)"
)
_CONSUME = "UPDATE holds SET consumed_at=? WHERE holds.id = ?"
_CLOSE_REQUEST = (
    "UPDATE snp_requests SET outcome='booked', outcome_at=?, booking_id=?, consultation_at=?"
    " WHERE snp_requests.id = ? AND snp_requests.outcome IS NULL"
)
_AUDIT = (
    "INSERT INTO audit_patient_reads (id, territory_id, account_id, patient_id, subject_type,"
    " subject_id, purpose, read_at) VALUES (?, ?, ?, ?, 'booking', ?, 'booking of a request', ?)"
)
_READ_PATIENT = "SELECT * FROM patients WHERE patients.id = ?"


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Loop:
    def __init__(self, conn: aiosqlite.Connection, territory: str, accounts: list[str]) -> None:
        self.conn, self.territory, self.accounts = conn, territory, accounts
        self.turn = asyncio.Lock()  # one transaction at a time on the one connection

    async def _event(self, kind: str, actor: str, subject: str, payload: dict[str, Any]) -> None:
        ((seq,),) = await self._rows(_SEQ, (self.territory,))
        now = _at(datetime.now(UTC))
        row = (self.territory, seq, kind, now, actor, subject, json.dumps(payload))
        await self._rows(_EVENT, row)

    async def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """One statement, in one hop to aiosqlite's thread (the server's way too)."""
        return list(await self.conn.execute_fetchall(sql, args))

    async def _transaction(self, work: Any) -> Any:
        async with self.turn:
            await self._rows("BEGIN IMMEDIATE")
            try:
                result = await work()
            except BaseException:
                await self._rows("ROLLBACK")
                raise
            await self._rows("COMMIT")
            return result

    async def journey(self, slot_id: str, account: str) -> bool:
        t, patient, request, hold, booking = (
            self.territory,
            *(uuid.uuid4().hex for _ in range(4)),
        )

        async def record() -> None:
            now = _at(datetime.now(UTC))
            await self._rows(_PATIENT, (patient, t, now))
            await self._rows(_REQUEST, (request, t, now, patient, account, now))
            await self._event("request.created", account, request, {"request_id": request})

        async def take() -> bool:
            moment = datetime.now(UTC)
            now, until = _at(moment), _at(moment + timedelta(minutes=5))
            await self._rows(_CAP, (t, account, now))
            if not await self._rows(_HOLD_SLOT, (hold, until, now, slot_id, t, now, now)):
                return False
            await self._rows(_HOLD, (hold, t, slot_id, account, now, until))
            await self._event("slot.held", account, slot_id, {"slot_id": slot_id})
            return True

        async def book() -> bool:
            now = _at(datetime.now(UTC))
            key = f"bench-{slot_id}"
            for sql, args in (
                (_BY_KEY, (account, key)),
                (_FIND_HOLD, (hold, t, account)),
                (_FIND_REQUEST, (request, t)),
            ):
                await self._rows(sql, args)
            taken = await self._rows(_BOOK_SLOT, (now, slot_id, t, now, now, hold))
            if not taken:
                return False
            _, professional, starts, ends = taken[0]
            await self._rows(_WEEK_COUNT, (professional, starts, ends))
            row = (booking, t, slot_id, professional, starts, ends, patient, request, account)
            await self._rows(_BOOKING, (*row, key, now, account, now))
            await self._event("booking.created", account, booking, {"booking_id": booking})
            await self._rows(_CONSUME, (now, hold))
            await self._rows(_CLOSE_REQUEST, (now, booking, starts, request))
            await self._rows(_AUDIT, (uuid.uuid4().hex, t, account, patient, booking, now))
            await self._rows(_READ_PATIENT, (patient,))
            return True

        await self._transaction(record)
        if not await self._transaction(take):
            return False
        return bool(await self._transaction(book))


async def journeys(path: str, slot_ids: list[str], clients: int) -> tuple[float, int]:
    """Run one journey per slot from `clients` tasks; returns (seconds, journeys done)."""
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "synchronous=NORMAL",
        ):
            await conn.execute(f"PRAGMA {pragma}")
        async with conn.execute("SELECT id FROM territories WHERE slug = 'sud-yvelines'") as c:
            (territory,) = await c.fetchone() or ("",)
        async with conn.execute(
            "SELECT id FROM accounts WHERE territory_id = ? LIMIT ?", (territory, clients)
        ) as c:
            accounts = [row[0] for row in await c.fetchall()]
        loop = _Loop(conn, territory, accounts)
        queue = list(reversed([uuid.UUID(s).hex for s in slot_ids]))
        done = 0

        async def client(n: int) -> None:
            nonlocal done
            while queue:
                if await loop.journey(queue.pop(), accounts[n % len(accounts)]):
                    done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        return time.perf_counter() - started, done
    finally:
        await conn.close()

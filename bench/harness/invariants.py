"""The invariants, checked once the load has stopped: from the database itself (asyncpg on
the harness's own cluster), against what the HTTP clients were told and what the websocket
clients received, and over every HTTP answer against the fault windows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import asyncpg

from bench.harness.client import NO_CONNECTION, TIMEOUT, Sample
from bench.harness.faults import Fault
from bench.harness.load import Told
from bench.harness.sockets import SocketClient

EXPECTED_4XX = {409}  # taken slots, overlapping slots, lapsed holds: the load's contention


@dataclass
class Check:
    name: str
    checked: int  # how many things were looked at
    violations: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, example: str) -> None:
        self.violations += 1
        if len(self.examples) < 5:
            self.examples.append(example)


async def database_checks(conn: asyncpg.Connection, told: list[Told]) -> list[Check]:
    checks = []
    live = await conn.fetchval("SELECT count(*) FROM bookings WHERE status <> 'cancelled'")
    double = Check("no slot with two live bookings", live)
    for row in await conn.fetch(
        "SELECT slot_id, count(*) AS n FROM bookings WHERE status <> 'cancelled' "
        "GROUP BY slot_id HAVING count(*) > 1"
    ):
        double.add(f"slot {row['slot_id']}: {row['n']} live bookings")
    checks.append(double)

    slots = await conn.fetchval("SELECT count(*) FROM slots WHERE status <> 'cancelled'")
    overlap = Check("no overlapping live slots of one professional", slots)
    for row in await conn.fetch(
        "SELECT a.id AS a, b.id AS b, a.professional_id AS p FROM slots a JOIN slots b "
        "ON a.professional_id = b.professional_id AND a.id < b.id "
        "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at "
        "WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"
    ):
        overlap.add(f"professional {row['p']}: slots {row['a']} and {row['b']}")
    checks.append(overlap)

    exactly_once = Check("every booking a client was told of exists once, as told", len(told))
    rows = await conn.fetch(
        "SELECT id::text, slot_id::text, status, idempotency_key FROM bookings "
        "WHERE id = ANY($1::uuid[])",
        [t.booking_id for t in told],
    )
    by_id = {r["id"]: r for r in rows}
    keys = Counter(
        r["idempotency_key"]
        for r in await conn.fetch(
            "SELECT idempotency_key FROM bookings WHERE idempotency_key = ANY($1::text[])",
            [t.key for t in told if t.key],
        )
    )
    for t in told:
        row = by_id.get(t.booking_id)
        if row is None:
            exactly_once.add(f"booking {t.booking_id} answered {t.key and 'with key'} is missing")
            continue
        if t.key and keys[t.key] != 1:
            exactly_once.add(f"key {t.key}: {keys[t.key]} bookings")
        if row["slot_id"] != t.slot_id:
            exactly_once.add(f"booking {t.booking_id}: slot {row['slot_id']}, told {t.slot_id}")
        if t.cancelled is True and row["status"] != "cancelled":
            exactly_once.add(f"booking {t.booking_id} cancelled (200) but {row['status']}")
        if t.cancelled is False and row["status"] == "cancelled":
            exactly_once.add(f"booking {t.booking_id} never cancelled but cancelled")
    checks.append(exactly_once)

    booked = await conn.fetchval("SELECT count(*) FROM slots WHERE status = 'booked'")
    half = Check("no half-written booking (booking ⇔ slot booked)", live + booked)
    for row in await conn.fetch(
        "SELECT b.id, s.status FROM bookings b JOIN slots s ON s.id = b.slot_id "
        "WHERE b.status <> 'cancelled' AND s.status <> 'booked'"
    ):
        half.add(f"live booking {row['id']} on a {row['status']} slot")
    for row in await conn.fetch(
        "SELECT s.id FROM slots s WHERE s.status = 'booked' AND NOT EXISTS "
        "(SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status <> 'cancelled')"
    ):
        half.add(f"booked slot {row['id']} without a live booking")
    checks.append(half)

    events = await conn.fetchval("SELECT count(*) FROM events")
    outbox = Check("outbox: every event sequenced, gapless per territory", events)
    pending = await conn.fetchval("SELECT count(*) FROM events WHERE seq IS NULL")
    if pending:
        outbox.add(f"{pending} events still unsequenced")
    for row in await conn.fetch(
        "SELECT territory_id, count(seq) AS n, max(seq) AS top, count(DISTINCT seq) AS d "
        "FROM events WHERE seq IS NOT NULL GROUP BY territory_id"
    ):
        if not row["n"] == row["top"] == row["d"]:
            outbox.add(f"territory {row['territory_id']}: {row['n']} events, max seq {row['top']}")
    checks.append(outbox)
    return checks


def socket_checks(sockets: list[SocketClient], outbox: list[int]) -> list[Check]:
    """`outbox`: the territory's sequenced seqs. Coordinators on `territory` see every event,
    so they must have received every seq after their first `ready`; everyone must receive
    seqs in increasing order, each once (a resume with `since` replays only what is after)."""
    ordered = Check("websocket: seqs strictly increasing, no duplicate", len(sockets))
    complete = Check(
        "websocket: coordinators got every outbox event (no gap)",
        sum(1 for s in sockets if s.complete),
    )
    refused = Check("websocket: no client refused", len(sockets))
    for s in sockets:
        dupes = len(s.seqs) - len(set(s.seqs))
        backwards = sum(1 for a, b in zip(s.seqs, s.seqs[1:], strict=False) if b <= a)
        if dupes or backwards:
            ordered.add(f"{s.name}: {dupes} duplicates, {backwards} steps back")
        if s.errors:
            refused.add(f"{s.name}: {s.errors[0]}")
        if s.complete:
            if s.first_ready is None:
                complete.add(f"{s.name}: never ready")
                continue
            missing = sorted(set(q for q in outbox if q > s.first_ready) - set(s.seqs))
            if missing:
                complete.add(f"{s.name}: {len(missing)} missing, first {missing[:5]}")
    return [ordered, complete, refused]


def http_checks(samples: list[Sample], faults: list[Fault]) -> tuple[list[Check], Counter[str]]:
    """Every request answered; no 5xx but 503 problem+json in a PostgreSQL window and 502 in a
    killed worker's; no 4xx past the load's own conflicts. Returns the checks and, per fault
    kind, how many of the answers in its window were the expected failures."""
    answered = Check("HTTP: every request answered (no timeout, no reset)", len(samples))
    unhandled = Check("HTTP: no 500 (an unhandled server error), fault or not", len(samples))
    server_errors = Check("HTTP: no other 5xx outside the fault that explains it", len(samples))
    client_errors = Check("HTTP: no 4xx but the load's conflicts (409)", len(samples))
    expected: Counter[str] = Counter()
    pg = [f for f in faults if f.kind == "postgres"]
    killed = [f for f in faults if f.kind == "worker"]
    for s in samples:
        where = f"{s.kind} at {s.at:.1f} s"
        if s.status in (TIMEOUT, NO_CONNECTION):
            answered.add(f"{where}: {'timeout' if s.status == TIMEOUT else 'connection failed'}")
        elif s.status == 503 and s.problem_json and any(f.covers(s) for f in pg):
            expected["postgres 503"] += 1
        elif s.status == 502 and any(f.covers(s) for f in killed):
            expected["worker 502"] += 1
        elif s.status >= 500:
            kind = "problem+json" if s.problem_json else "not problem+json"
            (unhandled if s.status == 500 else server_errors).add(f"{where}: {s.status} ({kind})")
        elif s.status >= 400 and s.status not in EXPECTED_4XX:
            client_errors.add(f"{where}: {s.status}")
    return [answered, unhandled, server_errors, client_errors], expected


def fault_checks(faults: list[Fault], no_live_upstreams: int) -> list[Check]:
    recovery = Check("faults: every worker recovered without a restart", len(faults))
    for f in faults:
        for failure in f.failures:
            recovery.add(f"{f.kind}: {failure}")
    # nginx marks a worker failed after max_fails answers listed in proxy_next_upstream; when
    # it has marked them all, it answers 502 itself until fail_timeout has passed.
    upstreams = Check("nginx: always a live upstream (no 502 'no live upstreams')", len(faults))
    if no_live_upstreams:
        upstreams.add(f"{no_live_upstreams} requests answered 'no live upstreams' (error log)")
    return [recovery, upstreams]

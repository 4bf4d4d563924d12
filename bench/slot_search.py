"""Slot search on a year of a size-4 CPTS's agenda, against PostgreSQL.

    python -m bench.slot_search [--slots 300000] [--professionals 250] [--repeat 50]

Loads N slots (a year, 15-minute slots, a mix of statuses, modalities and visibilities) for P
professionals of a fresh territory, then times the searches regulators run (scheduling.slots.
search_slots, the code behind GET /api/v1/slots) with the schema's indexes, and the same
queries with index scans disabled as the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.booking import _create_db, _drop_db, machine
from coordination.directory.service import get_professional  # noqa: F401 - models registry
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from scheduling.models.slot import Modality, SlotStatus, Visibility
from scheduling.slots import SlotQuery, search_slots
from server.database import Database
from server.migrations import upgrade
from server.models import metadata  # noqa: F401 - every table mapped

STATUSES = [SlotStatus.FREE] * 6 + [SlotStatus.BOOKED] * 3 + [SlotStatus.CANCELLED]
MODALITIES = [Modality.OFFICE, Modality.OFFICE, Modality.VIDEO, Modality.HOME_VISIT]


async def load(
    url: str, n_slots: int, n_pros: int
) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID], datetime]:
    import asyncpg

    rnd = random.Random(4)
    conn = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    territory = uuid.uuid4()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        await conn.execute(
            "INSERT INTO territories (id, slug, name, finess, population, timezone, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            territory,
            "bench-" + secrets.token_hex(3),
            "CPTS bench",
            "780000001",
            250_000,
            "Europe/Paris",
            now,
        )
        await conn.execute(
            "INSERT INTO event_counters (territory_id, last_seq) VALUES ($1, 0)", territory
        )
        await conn.execute(
            "INSERT INTO communes (id, territory_id, insee, name, postal_code) VALUES ($1,$2,'78517','Rambouillet','78120')",
            commune := uuid.uuid4(),
            territory,
        )
        pros, locations = [], []
        for i in range(n_pros):
            pid, lid = uuid.uuid4(), uuid.uuid4()
            pros.append(pid)
            locations.append(lid)
            await conn.execute(
                "INSERT INTO professionals (id, territory_id, family_name, given_name, sort_key, profession, rpps, membership, created_at, updated_at) VALUES ($1,$2,$3,'X',$3,'physician',$4,'member',$5,$5)",
                pid,
                territory,
                f"pro{i:04d}",
                f"{10000000000 + i}",
                now,
            )
            await conn.execute(
                "INSERT INTO practice_locations (id, territory_id, professional_id, label, address, commune_id) VALUES ($1,$2,$3,'Cabinet','1 rue',$4)",
                lid,
                territory,
                pid,
                commune,
            )
        per_pro = n_slots // n_pros
        records = []
        for i, pid in enumerate(pros):
            start = now - timedelta(days=30)
            for _ in range(per_pro):
                start += timedelta(minutes=15 * rnd.choice([1, 1, 1, 2, 8, 40]))
                status = rnd.choice(STATUSES)
                records.append(
                    (
                        uuid.uuid4(),
                        territory,
                        pid,
                        locations[i],
                        start,
                        start + timedelta(minutes=15),
                        rnd.choice(MODALITIES).value,
                        rnd.choice([1 << 2, 1 << 2 | 1 << 3, 1 << 0 | 1 << 2, 1 << 1]),
                        status.value,
                        1,
                        now,
                        now,
                    )
                )
        await conn.copy_records_to_table(
            "slots",
            records=records,
            columns=[
                "id",
                "territory_id",
                "professional_id",
                "location_id",
                "starts_at",
                "ends_at",
                "modality",
                "visibility",
                "status",
                "version",
                "created_at",
                "updated_at",
            ],
        )
        await conn.execute("ANALYZE slots")
    finally:
        await conn.close()
    return territory, pros, locations, now


async def timed(
    db: Database, actor: Actor, clock: FrozenClock, query: SlotQuery, repeat: int, baseline: bool
) -> tuple[float, float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        async with db.read() as session:
            if baseline:
                await session.execute(text("SET LOCAL enable_indexscan = off"))
                await session.execute(text("SET LOCAL enable_bitmapscan = off"))
            t0 = time.perf_counter()
            page = await search_slots(session, clock, actor, query)
            times.append(time.perf_counter() - t0)
            rows = len(page.items)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.99 * (len(times) - 1))] * 1000, rows


async def run(args: argparse.Namespace) -> None:
    name = f"cpts_search_{secrets.token_hex(3)}"
    url = await _create_db(name)
    try:
        await upgrade(url)
        t0 = time.perf_counter()
        territory, pros, locations, now = await load(url, args.slots, args.professionals)
        load_s = time.perf_counter() - t0
        db = Database(url)
        clock = FrozenClock(now)
        actor = Actor(uuid.uuid4(), territory, "Europe/Paris", frozenset({Role.REGULATOR}))
        queries = {
            "free, next 48 h, first page": SlotQuery(
                start=now, end=now + timedelta(hours=48), limit=100
            ),
            "free video, next 7 days": SlotQuery(
                start=now, end=now + timedelta(days=7), modality=Modality.VIDEO, limit=100
            ),
            "free snp-visible, next 48 h": SlotQuery(
                start=now, end=now + timedelta(hours=48), visibility=Visibility.SNP, limit=100
            ),
            "one professional, next 30 days": SlotQuery(
                start=now, end=now + timedelta(days=30), professional_ids={pros[7]}, limit=100
            ),
            "10 practices (a commune), 7 days": SlotQuery(
                start=now, end=now + timedelta(days=7), location_ids=set(locations[:10]), limit=100
            ),
            "booked, next 92 days": SlotQuery(
                start=now, end=now + timedelta(days=92), status=SlotStatus.BOOKED, limit=500
            ),
        }
        results = []
        async with db.read() as session:
            total = await session.scalar(
                text("SELECT count(*) FROM slots WHERE territory_id = :t"), {"t": territory}
            )
        for label, query in queries.items():
            await timed(db, actor, clock, query, 3, False)
            with_idx = await timed(db, actor, clock, query, args.repeat, False)
            without = await timed(db, actor, clock, query, max(3, args.repeat // 10), True)
            results.append((label, with_idx, without))
        await db.dispose()
    finally:
        await _drop_db(name)
    print(f"\nmachine: {machine()}")
    print(
        f"data: {total:,} slots, {args.professionals} professionals, one year (loaded in {load_s:.1f} s); {args.repeat} runs per query"
    )
    print("baseline: the same query with index and bitmap scans disabled (sequential scan)\n")
    header = f"{'query':<36}{'rows':>6}{'p50 ms':>9}{'p99 ms':>9}{'base p50':>10}{'speed-up':>10}"
    print(header)
    print("-" * len(header))
    for label, (p50, p99, rows), (b50, _, _) in results:
        print(f"{label:<36}{rows:>6}{p50:>9.2f}{p99:>9.2f}{b50:>10.1f}{b50 / p50:>9.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slots", type=int, default=300_000)
    parser.add_argument("--professionals", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

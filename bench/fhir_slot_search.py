"""The SAS platform's slot search over a year of a size-4 CPTS, through HTTP, on PostgreSQL.

    python -m bench.fhir_slot_search [--slots 300000] [--professionals 250] [--repeat 100]

Loads N slots over a year for P practitioners (bench/slot_search.py's data set), gives the
territory a `sas_platform` account, starts the real server (`cpts serve`, one worker) and
times `GET /fhir/Slot` as the ANS test kit sends it: a 72-hour window for one, two and 25
practitioners with `_include=Slot:schedule&_include:iterate=Schedule:actor`, and the CPTS
variant over the whole pool. Baseline, in the same run: the search's slot query alone,
in-process. Target (the interoperability issue): p99 < 50 ms; the kit fails above 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text

from bench._http import Connection
from bench.booking import (
    _create_db,
    _drop_db,
    _free_port,
    _pct,
    machine,
    start_server,
    stop_server,
    wait_ready,
)
from bench.slot_search import load
from coordination.accounts.service import create_token_for
from kernel.clock import FrozenClock, SystemClock
from scheduling.slots import open_slots
from server.database import Database
from server.migrations import upgrade

PS = "urn:oid:1.2.250.1.71.4.2.1"


async def platform_token(db: Database, territory: uuid.UUID) -> str:
    now = datetime.now(UTC)
    account = uuid.uuid4()
    async with db.write() as session:
        await session.execute(
            text(
                "INSERT INTO accounts (id, territory_id, email, display_name, created_at) VALUES (:i, :t, 'sas@bench.test', 'SAS', :n)"
            ),
            {"i": account, "t": territory, "n": now},
        )
        await session.execute(
            text("INSERT INTO account_roles (account_id, role) VALUES (:i, 'sas_platform')"),
            {"i": account},
        )
        issued = await create_token_for(session, SystemClock(), "sas@bench.test", "bench")
    return issued.secret


def _kit(value: datetime) -> str:
    return quote(value.strftime("%Y-%m-%dT%H:%M:%S.000+00:00"), safe=":")


async def run(args: argparse.Namespace) -> None:
    name = f"cpts_fhir_{secrets.token_hex(3)}"
    url = await _create_db(name)
    try:
        await upgrade(url)
        t0 = time.perf_counter()
        territory, _pros, _locations, now = await load(url, args.slots, args.professionals)
        load_s = time.perf_counter() - t0
        db = Database(url)
        try:
            token = await platform_token(db, territory)
            async with db.read() as session:
                rpps = (
                    await session.execute(
                        text(
                            "SELECT id, rpps FROM professionals WHERE territory_id = :t ORDER BY rpps"
                        ),
                        {"t": territory},
                    )
                ).all()
                finess = await session.scalar(
                    text("SELECT finess FROM territories WHERE id = :t"), {"t": territory}
                )
                total = await session.scalar(
                    text("SELECT count(*) FROM slots WHERE territory_id = :t"), {"t": territory}
                )
            start, end = now + timedelta(hours=1), now + timedelta(hours=72)
            ids = [f"{PS}|8{r}" for _, r in rpps]
            window = f"start=ge{_kit(start)}&start=le{_kit(end)}"
            day = f"start=ge{_kit(start)}&start=le{_kit(start + timedelta(hours=24))}"
            inc = "_include=Slot:schedule&_include:iterate=Schedule:actor"
            queries = {
                "1 practitioner, 72 h": f"{inc}&{window}&schedule.actor:Practitioner.identifier={ids[7]}&status=free",
                "2 practitioners, 72 h": f"{inc}&{window}&schedule.actor:Practitioner.identifier={ids[7]},{ids[8]}&status=free",
                "25 practitioners, 72 h": f"{inc}&{window}&schedule.actor:Practitioner.identifier={','.join(ids[:25])}&status=free",
                "CPTS variant, whole pool, 24 h": (
                    f"{inc}&_include=Slot:service-type-reference&_include:iterate=HealthcareService:organization&{day}"
                    f"&schedule.actor:HealthcareService.organization.identifier=urn:oid:1.2.250.1.71.4.2.2|1{finess}&status=free"
                ),
            }
            baseline = []
            clock = FrozenClock(now)
            for _ in range(args.repeat):
                async with db.read() as session:
                    t1 = time.perf_counter()
                    await open_slots(session, clock, territory, start, end, [rpps[7][0]])
                    baseline.append(time.perf_counter() - t1)
        finally:
            await db.dispose()
        port = _free_port()
        log = Path(tempfile.mkstemp(prefix="cpts-bench-fhir-", suffix=".log")[1])
        proc = start_server(url, port, 1, "cpts", log)
        results = {}
        try:
            await wait_ready(port)
            conn = Connection("127.0.0.1", port)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json+fhir"}
            for label, query in queries.items():
                status, body = await conn.request("GET", f"/fhir/Slot?{query}", headers=headers)
                assert status == 200, (status, body[:300])
                times, size, count = [], len(body), body.count(b'"resourceType":"Slot"')
                for _ in range(args.repeat):
                    t1 = time.perf_counter()
                    status, body = await conn.request("GET", f"/fhir/Slot?{query}", headers=headers)
                    times.append(time.perf_counter() - t1)
                results[label] = (times, count, size)
            await conn.close()
        finally:
            stop_server(proc, log)
            log.unlink(missing_ok=True)  # noqa: ASYNC240 - after the measurements
    finally:
        await _drop_db(name)
    print(f"\nmachine: {machine()}")
    print(
        f"data: {total:,} slots over a year, {args.professionals} practitioners (loaded in {load_s:.0f} s); {args.repeat} runs each"
    )
    print("target: p99 < 50 ms (HTTP on loopback, one worker, PostgreSQL)\n")
    header = f"{'query':<34}{'slots':>7}{'kB':>8}{'p50 ms':>9}{'p99 ms':>9}"
    print(header)
    print("-" * len(header))
    for label, (times, count, size) in results.items():
        print(
            f"{label:<34}{count:>7}{size / 1000:>8.0f}{_pct(times, 0.5):>9.2f}{_pct(times, 0.99):>9.2f}"
        )
    print(
        f"{'baseline: slot query alone':<34}{'':>7}{'':>8}{statistics.median(baseline) * 1000:>9.2f}{_pct(baseline, 0.99):>9.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slots", type=int, default=300_000)
    parser.add_argument("--professionals", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=100)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

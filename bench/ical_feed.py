"""Calendar feed of a GP with a year of bookings: generated cold, served warm (304).

    python -m bench.ical_feed [--bookings 5200] [--repeat 30]

Creates a throwaway PostgreSQL database, loads the demo territory, gives one GP a year of
15-minute SNP slots (past year and the horizon ahead) with N bookings among them (honoured,
no-show and cancelled in the past, booked ahead) plus free slots, then starts the real server
(`cpts serve`, one worker) and times over HTTP on loopback:

- cold: a feed URL fetched for the first time (each run uses a new feed of the same GP, so the
  worker's cache cannot help): URL lookup, the feed's queries, rendering, gzip;
- warm 304: the same URL again with the ETag the client got (If-None-Match);
- warm 200: the same URL without validator, from the worker's cache (gzip body).

Baselines measured in the same run, in this process: the feed's database queries alone, and
rendering the same events with the `icalendar` library instead of our writer. Targets (the
calendar issue): cold < 100 ms, warm 304 < 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import icalendar
from sqlalchemy import select

from bench._http import Connection
from bench.booking import (
    _create_db,
    _drop_db,
    _dsn,
    _free_port,
    _pct,
    machine,
    start_server,
    stop_server,
    wait_ready,
)
from coordination.accounts.account import Account
from coordination.calendar.entries import feed_items
from coordination.calendar.feeds import FeedDraft, create_feed, revoke_feed
from coordination.directory.territory import Territory
from integrations.ical.agenda import feed_events
from integrations.ical.feed_writer import FeedEvent, FeedHeader, render
from kernel.actor import Actor, Role
from kernel.clock import SystemClock
from kernel.events import Event
from server.database import Database
from server.demo.loader import load_demo
from server.migrations import upgrade

STATUS_PAST = ["honoured"] * 8 + ["no_show", "cancelled"]


async def prepare(url: str, n_bookings: int) -> tuple[Actor, int]:
    """The demo, then a year of gp1's agenda inserted with COPY; returns gp1 as an actor."""
    await upgrade(url)
    db = Database(url)
    try:
        await load_demo(db, SystemClock())
        async with db.read() as session:
            territory = await session.scalar(
                select(Territory).where(Territory.slug == "sud-yvelines")
            )
            gp = await session.scalar(
                select(Account).where(Account.email == "gp1@sud-yvelines.test")
            )
            regulator = await session.scalar(
                select(Account).where(Account.email == "regulator@sud-yvelines.test")
            )
            assert territory and gp and regulator and gp.professional_id
            actor = Actor(
                gp.id, territory.id, territory.timezone, frozenset({Role.GP}), gp.professional_id
            )
    finally:
        await db.dispose()
    rnd = random.Random(7)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # Four hours a day: 16 slots, 7 days a week, from a year ago to 56 days ahead, in the
    # small hours (UTC) where the demo agendas have nothing.
    day0 = (now - timedelta(days=365)).replace(hour=0, minute=0)
    slots, bookings, patients = [], [], []
    n_slots = 0
    for day in range(365 + 56):
        for k in range(16):
            start = day0 + timedelta(days=day, minutes=15 * k)
            n_slots += 1
            slot_id = uuid.uuid4()
            book = len(bookings) < n_bookings and rnd.random() < 0.98
            past = start < now
            status = "booked" if book else ("free" if not past else "cancelled")
            slots.append(
                (
                    slot_id,
                    territory.id,
                    gp.professional_id,
                    start,
                    start + timedelta(minutes=15),
                    "office",
                    4,
                    status,
                    1,
                    start,
                    start,
                )
            )
            if book:
                pid = uuid.uuid4()
                patients.append(
                    (
                        pid,
                        territory.id,
                        f"Patient{len(patients)}",
                        "Bench",
                        datetime(1950, 1, 1).date(),
                        "female",
                        start,
                    )
                )
                b_status = rnd.choice(STATUS_PAST) if past else "booked"
                changed = start - timedelta(days=1) if b_status == "cancelled" else start
                bookings.append(
                    (
                        uuid.uuid4(),
                        territory.id,
                        slot_id,
                        gp.professional_id,
                        start,
                        start + timedelta(minutes=15),
                        pid,
                        "sas_regulator",
                        regulator.id,
                        False,
                        b_status,
                        changed,
                        regulator.id,
                        start - timedelta(days=1),
                        0 if b_status == "booked" else 1,
                    )
                )
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.copy_records_to_table(
            "slots",
            records=slots,
            columns=[
                "id",
                "territory_id",
                "professional_id",
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
        await conn.copy_records_to_table(
            "patients",
            records=patients,
            columns=[
                "id",
                "territory_id",
                "family_name",
                "given_name",
                "birth_date",
                "sex",
                "created_at",
            ],
        )
        await conn.copy_records_to_table(
            "bookings",
            records=bookings,
            columns=[
                "id",
                "territory_id",
                "slot_id",
                "professional_id",
                "starts_at",
                "ends_at",
                "patient_id",
                "channel",
                "booked_by",
                "own_patient",
                "status",
                "status_changed_at",
                "status_changed_by",
                "created_at",
                "revision",
            ],
        )
        for table in ("slots", "patients", "bookings"):
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()
    return actor, len(bookings)


def _stats(values: list[float]) -> tuple[float, float]:
    return _pct(values, 0.5), _pct(values, 0.99)


async def in_process(url: str, actor: Actor, repeat: int) -> dict[str, object]:
    db = Database(url)
    clock = SystemClock()
    try:
        async with db.write() as session:
            feed = (await create_feed(session, clock, actor, FeedDraft(name="bench"))).feed
        query, ours, library = [], [], []
        header = FeedHeader(name="bench", description="bench", timezone="Europe/Paris")
        for i in range(repeat):
            async with db.read() as session:
                t0 = time.perf_counter()
                items = await feed_items(session, feed, clock.now())
                query.append(time.perf_counter() - t0)
            events = list(feed_events(items, "https://cpts.example"))
            t0 = time.perf_counter()
            body = render(header, events)
            ours.append(time.perf_counter() - t0)
            if i < max(3, repeat // 10):
                t0 = time.perf_counter()
                _icalendar_render(events)
                library.append(time.perf_counter() - t0)
        return {
            "events": len(items),
            "bytes": len(body),
            "query": query,
            "ours": ours,
            "library": library,
        }
    finally:
        await db.dispose()


def _icalendar_render(events: list[FeedEvent]) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench//FR")
    cal.add("version", "2.0")
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", e.stamp)
        ev.add("dtstart", e.start)
        ev.add("dtend", e.end)
        ev.add("sequence", e.sequence)
        ev.add("status", e.status.value)
        ev.add("summary", e.summary)
        ev.add("transp", "TRANSPARENT" if e.transparent else "OPAQUE")
        if e.description:
            ev.add("description", e.description)
        if e.url:
            ev.add("url", e.url)
        cal.add_component(ev)
    return cal.to_ical()


async def over_http(url: str, actor: Actor, repeat: int) -> dict[str, object]:
    db = Database(url)
    clock = SystemClock()
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="cpts-bench-ical-", suffix=".log")[1])
    proc = start_server(url, port, 1, "cpts", log)
    gzip_header = {"Accept-Encoding": "gzip"}
    try:
        await wait_ready(port)
        conn = Connection("127.0.0.1", port)
        cold: list[float] = []
        warm304: list[float] = []
        warm200: list[float] = []
        size = 0
        for run in range(repeat + 1):  # the first run warms the worker up, unmeasured
            async with db.write() as session:  # a new URL: nothing of it is cached
                issued = await create_feed(session, clock, actor, FeedDraft(name="bench"))
            path = f"/ical/{issued.secret}.ics"
            await _sequenced(db)  # as on a live server, where feeds are read long after
            t0 = time.perf_counter()
            status, body = await conn.request("GET", path, headers=gzip_header)
            elapsed = time.perf_counter() - t0
            assert status == 200, status
            size = len(body)
            etag = conn.last_headers[b"etag"].decode()
            times304 = []
            for _ in range(5):
                t0 = time.perf_counter()
                status, _ = await conn.request(
                    "GET", path, headers=gzip_header | {"If-None-Match": etag}
                )
                times304.append(time.perf_counter() - t0)
                assert status == 304, status
            t0 = time.perf_counter()
            status, _ = await conn.request("GET", path, headers=gzip_header)
            elapsed200 = time.perf_counter() - t0
            if run:
                cold.append(elapsed)
                warm304 += times304
                warm200.append(elapsed200)
            async with db.write() as session:
                await revoke_feed(session, clock, actor, issued.feed.id)
        await conn.close()
        return {"cold": cold, "warm304": warm304, "warm200": warm200, "gzip_bytes": size}
    finally:
        stop_server(proc, log)
        await db.dispose()
        _remove(log)


async def _sequenced(db: Database) -> None:
    """Wait for the server's relay to sequence what this process wrote (it polls each second)."""
    for _ in range(100):
        async with db.read() as session:
            if not await session.scalar(select(Event.id).where(Event.seq.is_(None)).limit(1)):
                return
        await asyncio.sleep(0.05)
    raise RuntimeError("the server's relay did not sequence the events")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def run(args: argparse.Namespace) -> None:
    name = f"cpts_ical_{secrets.token_hex(3)}"
    url = await _create_db(name)
    try:
        t0 = time.perf_counter()
        actor, n_bookings = await prepare(url, args.bookings)
        load_s = time.perf_counter() - t0
        local = await in_process(url, actor, args.repeat)
        http = await over_http(url, actor, args.repeat)
    finally:
        await _drop_db(name)
    print(f"\nmachine: {machine()}")
    print(
        f"data: one GP, {n_bookings:,} bookings over a year and {local['events']:,} feed events "
        f"({int(local['bytes']) / 1e6:.1f} MB of iCalendar, {int(http['gzip_bytes']) / 1e3:.0f} kB "
        f"gzipped); loaded in {load_s:.1f} s; {args.repeat} cold runs"
    )
    print("targets: cold < 100 ms, warm 304 < 5 ms (HTTP on loopback, one worker)\n")
    rows = [
        ("HTTP cold (new feed URL each time)", http["cold"]),
        ("HTTP warm, 304 on If-None-Match", http["warm304"]),
        ("HTTP warm, 200 from the cache (gzip)", http["warm200"]),
        ("in process: the feed's queries", local["query"]),
        ("in process: render, our writer", local["ours"]),
        ("baseline: render with icalendar", local["library"]),
    ]
    header = f"{'measure':<40}{'runs':>6}{'p50 ms':>10}{'p99 ms':>10}"
    print(header)
    print("-" * len(header))
    for label, values in rows:
        assert isinstance(values, list)
        p50, p99 = _stats(values)
        print(f"{label:<40}{len(values):>6}{p50:>10.2f}{p99:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=30)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

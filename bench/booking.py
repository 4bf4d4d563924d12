"""Booking throughput and latency through the full HTTP API, on PostgreSQL or SQLite.

    python -m bench.booking [--slots 6000] [--clients 32] [--workers 1] [--server cpts|granian]
        [--journeys N] [--database postgresql|sqlite] [--profile FILE]

Creates a throwaway database, loads the demo territory, publishes N free slots, starts the
real server (`cpts serve`, or granian for comparison) and books every slot once with C
concurrent keep-alive clients (each POST /api/v1/bookings: auth, decode, compare-and-swap,
booking insert, patient insert, outbox event, commit). Prints throughput and p50/p99 latency
next to pgbench's own `-N` (simple-update) throughput on the same server, measured in the same
run: the issue's target is >= 0.30 x pgbench -N with p99 < 50 ms at 32 clients. The last
columns split the CPU the measured bookings cost between the server's processes, PostgreSQL's
and this load generator (from /proc), since all three share the machine's cores.

`--journeys N` adds the regulator's real journey (record the request, hold, book with the
request and an Idempotency-Key) and, on PostgreSQL, its ceiling: the same statements from a
bare asyncpg loop (bench/_pg_loop.py) with PostgreSQL's CPU per journey. `--database sqlite` runs the server on the embedded default
(one worker; SQLite's CPU is the server's) and adds the journey's baseline there: the same
statements from a bare aiosqlite loop (bench/_sqlite_loop.py); pgbench -N still runs beside.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from bench import _pg_loop, _profile, _sqlite_loop
from bench._http import Connection
from coordination.accounts.service import create_token_for
from coordination.directory.professional import Profession, Professional
from coordination.directory.territory import Territory
from kernel.clock import SystemClock
from scheduling.models.slot import Modality, Slot, SlotStatus, Visibility, visibility_mask
from server.database import Database
from server.demo.loader import load_demo
from server.migrations import upgrade

ADMIN_URL = os.environ.get(
    "CPTS_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
ROOT = Path(__file__).resolve().parent.parent
BOOKERS = [
    "regulator",
    "coordinator",
    "pharmacist1",
    "pharmacist2",
    *[f"nurse{i}" for i in range(1, 11)],
]
PATIENT = {
    "family_name": "Martin",
    "given_name": "Paul",
    "birth_date": "1950-02-03",
    "sex": "male",
    "phone": "+33 6 00 00 00 00",
}


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _create_db(name: str) -> str:
    conn = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def _drop_db(name: str) -> None:
    conn = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


GPS = 120  # a size-4 CPTS federates well over a hundred GPs; the demo territory lists 8
SLOTS_PER_GP_DAY = 8  # two hours of SNP slots a day each, 7 days a week


async def prepare(url: str, n_slots: int) -> tuple[list[str], list[str]]:
    """Migrate, load the demo, add GPs up to `GPS`, insert N free slots among them and mint
    one token per booker.

    The spread matters: each booking counts its GP's SAS bookings of the week (the 20/week
    warning), so piling thousands of slots on the demo's 8 GPs would measure weeks no GP has.
    """
    await upgrade(url)
    db = Database(url)
    clock = SystemClock()
    try:
        await load_demo(db, clock)
        async with db.write() as session:
            territory = await session.scalar(
                select(Territory).where(Territory.slug == "sud-yvelines")
            )
            assert territory is not None
            gps = list(
                await session.scalars(
                    select(Professional.id).where(
                        Professional.territory_id == territory.id,
                        Professional.specialty == "general_practice",
                    )
                )
            )
            now = datetime.now(UTC)
            extra_ids = [uuid.uuid4() for _ in range(len(gps), GPS)]
            extra = [
                {
                    "id": gp_id,
                    "territory_id": territory.id,
                    "family_name": f"Médecin {n:03d}",
                    "given_name": "Bench",
                    "sort_key": f"medecin {n:03d} bench",
                    "profession": Profession.PHYSICIAN,
                    "specialty": "general_practice",
                    "rpps": f"{19_000_000_000 + n}",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, gp_id in enumerate(extra_ids, start=len(gps))
            ]
            if extra:
                await session.execute(insert(Professional), extra)
                gps += extra_ids
            # Past the demo agendas (their rules publish 28 to 56 days ahead).
            day0 = (now + timedelta(days=90)).replace(hour=6, minute=0, second=0, microsecond=0)
            rows, slot_ids = [], []
            per_day = SLOTS_PER_GP_DAY  # from 06:00 UTC, 15 minutes each
            for i in range(n_slots):
                gp = gps[i % len(gps)]
                k = i // len(gps)
                start = day0 + timedelta(days=k // per_day, minutes=15 * (k % per_day))
                sid = uuid.uuid4()
                slot_ids.append(str(sid))
                rows.append(
                    {
                        "id": sid,
                        "territory_id": territory.id,
                        "professional_id": gp,
                        "starts_at": start,
                        "ends_at": start + timedelta(minutes=15),
                        "modality": Modality.VIDEO,
                        "visibility": visibility_mask({Visibility.SNP}),
                        "status": SlotStatus.FREE,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for chunk in range(0, len(rows), 1000):
                await session.execute(insert(Slot), rows[chunk : chunk + 1000])
        await db.analyze("slots")  # as autovacuum would soon have done on a live server
        tokens = []
        for who in BOOKERS:
            async with db.write() as session:
                issued = await create_token_for(session, clock, f"{who}@sud-yvelines.test", "bench")
                tokens.append(issued.secret)
        return slot_ids, tokens
    finally:
        await db.dispose()


def _sqlite_path(name: str) -> Path:
    return Path(tempfile.gettempdir()) / "cpts-bench" / f"{name}.sqlite3"


async def _create_app_db(database: str, name: str) -> str:
    if database == "postgresql":
        return await _create_db(name)
    return f"sqlite+aiosqlite:///{_sqlite_path(name)}"


async def _drop_app_db(database: str, name: str) -> None:
    if database == "postgresql":
        await _drop_db(name)
        return
    for suffix in ("", "-wal", "-shm"):
        await asyncio.to_thread(Path(f"{_sqlite_path(name)}{suffix}").unlink, missing_ok=True)


async def _bare_sqlite_baseline(tag: str, args: argparse.Namespace) -> tuple[float, int]:
    """The bare aiosqlite loop of the journey, on a database prepared as the server's is."""
    name = f"cpts_bare_{tag}"
    url = await _create_app_db("sqlite", name)
    try:
        slot_ids, _ = await prepare(url, args.warmup + args.journeys)
        path = str(_sqlite_path(name))
        await _sqlite_loop.journeys(path, slot_ids[: args.warmup], args.clients)
        return await _sqlite_loop.journeys(path, slot_ids[args.warmup :], args.clients)
    finally:
        await _drop_app_db("sqlite", name)


async def _bare_pg_baseline(tag: str, args: argparse.Namespace) -> tuple[float, int, float]:
    """The bare asyncpg loop of the journey, on a database prepared as the server's is:
    (seconds, journeys, PostgreSQL's CPU seconds)."""
    name = f"cpts_bare_{tag}"
    url = await _create_app_db("postgresql", name)
    try:
        slot_ids, _ = await prepare(url, args.warmup + args.journeys)
        dsn = url.replace("+asyncpg", "")

        def postgres() -> float:
            return cpu_seconds(os.getpid())["postgres"]

        await _pg_loop.journeys(dsn, slot_ids[: args.warmup], args.clients, postgres)
        return await _pg_loop.journeys(dsn, slot_ids[args.warmup :], args.clients, postgres)
    finally:
        await _drop_app_db("postgresql", name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, port: int, workers: int, server: str, log: Path
) -> subprocess.Popen[bytes]:
    env = os.environ | {"CPTS_DATABASE_URL": url, "CPTS_RUN_JOBS": "false", "CPTS_PORT": str(port)}
    env.pop("CPTS_REDIS_URL", None)
    if server == "cpts":
        cmd = [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    else:  # granian, which `cpts serve` ran until 2026-12-02, for comparison
        cmd = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "server.asgi:app",
        ]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def stop_server(proc: subprocess.Popen[bytes], log: Path, within: float = 20) -> None:
    """SIGTERM, then SIGKILL with the server's log on stderr if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        tail = log.read_text(errors="replace").splitlines()[-30:]
        print(
            f"server did not exit within {within:.0f} s of SIGTERM; killed. Its log ends:",
            *tail,
            sep="\n",
            file=sys.stderr,
        )


async def wait_ready(port: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            conn = Connection("127.0.0.1", port)
            status, _ = await conn.request("GET", "/health")
            await conn.close()
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("server did not become ready")


async def connect(port: int, clients: int) -> list[Connection]:
    """The clients' keep-alive connections, opened before any clock starts: connecting is
    not booking, and pgbench's baseline tps is also "without initial connection time"."""
    connections = [Connection("127.0.0.1", port) for _ in range(clients)]
    await asyncio.gather(*(c.open() for c in connections))
    return connections


async def load(
    connections: list[Connection], slot_ids: list[str], tokens: list[str]
) -> tuple[float, list[float], dict[int, int], dict[int, str]]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for sid in slot_ids:
        queue.put_nowait(sid)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures: dict[int, str] = {}

    async def client(n: int) -> None:
        conn = connections[n]
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        while True:
            try:
                sid = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            body = json.dumps(
                {"slot_id": sid, "channel": "sas_regulator", "patient": PATIENT}
            ).encode()
            t0 = time.perf_counter()
            status, answer = await conn.request("POST", "/api/v1/bookings", body, headers)
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
            if status != 201 and status not in failures:
                failures[status] = answer[:300].decode(errors="replace")

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(len(connections))))
    return time.perf_counter() - started, latencies, statuses, failures


JOURNEY_CALLS = ("request", "hold", "book")


async def journey_load(
    connections: list[Connection], slot_ids: list[str], tokens: list[str]
) -> tuple[float, list[float], dict[str, list[float]], int, dict[str, str]]:
    """The regulator's real journey, once per slot: record the SNP request, hold the slot,
    book it with the request and an Idempotency-Key. Returns the elapsed time, each journey's
    latency, each call's latencies, the journeys completed and the first failure per call."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for sid in slot_ids:
        queue.put_nowait(sid)
    journeys: list[float] = []
    calls: dict[str, list[float]] = {name: [] for name in JOURNEY_CALLS}
    failures: dict[str, str] = {}
    done = 0

    async def step(
        conn: Connection, name: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any] | None:
        t0 = time.perf_counter()
        status, answer = await conn.request("POST", path, json.dumps(body).encode(), headers)
        calls[name].append(time.perf_counter() - t0)
        if status not in (200, 201):
            failures.setdefault(name, f"HTTP {status}: {answer[:300].decode(errors='replace')}")
            return None
        found: dict[str, Any] = json.loads(answer)
        return found

    async def client(n: int) -> None:
        nonlocal done
        conn = connections[n]
        auth = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        while True:
            try:
                sid = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            t0 = time.perf_counter()
            recorded = await step(
                conn,
                "request",
                "/api/v1/requests",
                {"origin": "sas_regulator", "reason": "fièvre, toux", "patient": PATIENT},
                auth,
            )
            if recorded is None:
                continue
            held = await step(conn, "hold", "/api/v1/holds", {"slot_id": sid}, auth)
            if held is None:
                continue
            booked = await step(
                conn,
                "book",
                "/api/v1/bookings",
                {"hold_id": held["id"], "channel": "sas_regulator", "request_id": recorded["id"]},
                auth | {"Idempotency-Key": f"bench-{sid}"},
            )
            if booked is not None:
                journeys.append(time.perf_counter() - t0)
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(len(connections))))
    return time.perf_counter() - started, journeys, calls, done, failures


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server (its process tree), PostgreSQL and this client,
    from /proc: where a booking's cost lands, not only how long it takes."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry)
        parents[pid], names[pid] = int(fields[1]), name
        used[pid] = (int(fields[11]) + int(fields[12])) / tick

    def in_server(pid: int) -> bool:
        while pid > 1:
            if pid == server_pid:
                return True
            pid = parents.get(pid, 0)
        return False

    totals = {"server": 0.0, "postgres": 0.0, "client": used.get(os.getpid(), 0.0)}
    for pid, seconds in used.items():
        if in_server(pid):
            totals["server"] += seconds
            if parents[pid] == server_pid:  # a worker process (uvicorn's children)
                totals[f"worker {pid}"] = seconds
        elif names[pid].startswith("postgres"):
            totals["postgres"] += seconds
    return totals


def worker_split(before: dict[str, float], after: dict[str, float]) -> str:
    """Each worker's share of the server's CPU over a run: uvicorn hands the clients'
    keep-alive connections to whichever worker accepts first, often all to one, so a
    two-worker figure may be a one-worker figure; this says which it was."""
    used = {k: after[k] - before.get(k, 0.0) for k in after if k.startswith("worker ")}
    used = {k: v for k, v in used.items() if v > 0.01}  # uvicorn's supervisor, not a worker
    total = sum(used.values())
    if total <= 0:
        return ""
    return " / ".join(f"{100 * v / total:.0f} %" for v in sorted(used.values(), reverse=True))


def pgbench(url: str, clients: int, seconds: int) -> float:
    u = make_url(url)
    base = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    subprocess.run(
        ["pgbench", *base, "-i", "-s", "10", "-q", u.database or ""],
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [
            "pgbench",
            *base,
            "-N",
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            u.database or "",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if not match:
        raise RuntimeError(f"cannot read pgbench output:\n{out}")
    return float(match.group(1))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


async def run(args: argparse.Namespace) -> None:
    tag = secrets.token_hex(3)
    pgb_db = f"cpts_pgbench_{tag}"
    pgb_url = await _create_db(pgb_db)
    try:
        baseline = pgbench(pgb_url, args.clients, args.pgbench_seconds)
    finally:
        await _drop_db(pgb_db)
    rows = []
    journey_rows: list[Any] = []
    bare: tuple[float, int] | None = None
    bare_pg: tuple[float, int, float] | None = None
    if args.database == "sqlite" and args.journeys:
        bare = await _bare_sqlite_baseline(tag, args)
    elif args.journeys:
        bare_pg = await _bare_pg_baseline(tag, args)
    for n, server in enumerate(args.server):
        app_db = f"cpts_bench_{tag}_{n}"  # a fresh database for every server measured
        app_url = await _create_app_db(args.database, app_db)
        try:
            slot_ids, tokens = await prepare(app_url, args.slots + args.warmup + args.journeys)
            journey_slots = slot_ids[args.slots + args.warmup :]
            slot_ids = slot_ids[: args.slots + args.warmup]
            port = _free_port()
            log = Path(tempfile.gettempdir()) / f"{app_db}.log"
            proc = start_server(app_url, port, args.workers, server, log)
            try:
                await wait_ready(port)
                connections = await connect(port, args.clients)
                await load(connections, slot_ids[: args.warmup], tokens)
                before = cpu_seconds(proc.pid)
                elapsed, lat, statuses, failures = await load(
                    connections, slot_ids[args.warmup :], tokens
                )
                after = cpu_seconds(proc.pid)
                if journey_slots:
                    spy = _profile.record(proc.pid, args.profile) if args.profile else None
                    j_before = cpu_seconds(proc.pid)
                    j_elapsed, j_lat, j_calls, j_done, j_failures = await journey_load(
                        connections, journey_slots, tokens
                    )
                    j_after = cpu_seconds(proc.pid)
                    if spy is not None:
                        _profile.stop(spy)
                    j_split = worker_split(j_before, j_after) if args.workers > 1 else ""
                    if j_split:
                        print(f"{server}: the workers' shares of the journeys' CPU: {j_split}")
                    for name, body in j_failures.items():
                        print(f"{server} journey, {name}: first failure {body}", file=sys.stderr)
                    journey_rows.append(
                        (
                            server,
                            j_done,
                            j_done / j_elapsed,
                            j_lat,
                            j_calls,
                            {
                                k: (j_after[k] - j_before.get(k, 0.0)) * 1000 / max(j_done, 1)
                                for k in j_after
                            },
                        )
                    )
                for conn in connections:
                    await conn.close()
            finally:
                stop_server(proc, log)
        finally:
            await _drop_app_db(args.database, app_db)
        ok = statuses.get(201, 0)
        for status, body in failures.items():
            print(f"{server}: {statuses[status]} x HTTP {status}, first: {body}", file=sys.stderr)
        split = worker_split(before, after) if args.workers > 1 else ""
        if split:
            print(f"{server}: the workers' shares of the plain bookings' CPU: {split}")
        rows.append(
            (
                server,
                args.workers,
                args.clients,
                len(lat),
                ok,
                ok / elapsed,
                _pct(lat, 0.5),
                _pct(lat, 0.99),
                statistics.fmean(lat) * 1000,
                {k: (after[k] - before.get(k, 0.0)) * 1000 / max(ok, 1) for k in after},
            )
        )

    print(f"\nmachine: {machine()}")
    if args.database == "sqlite":
        print("server database: SQLite (WAL) in the server's process, 1 worker")
    print(
        f"PostgreSQL: {ADMIN_URL.split('@')[-1]}; baseline pgbench -N -c {args.clients} -j 2 -T {args.pgbench_seconds}: {baseline:,.0f} tps"
    )
    print(f"target: >= {0.30 * baseline:,.0f} bookings/s (0.30 x pgbench -N) with p99 < 50 ms\n")
    header = f"{'server':<9}{'workers':>8}{'clients':>8}{'requests':>10}{'201':>7}{'book/s':>9}{'x pgb':>7}{'p50 ms':>8}{'p99 ms':>8}{'mean ms':>9}{'CPU ms/booking: server':>24}{'PostgreSQL':>12}{'client':>8}"
    print(header)
    print("-" * len(header))
    for server, workers, clients, n, ok, tput, p50, p99, mean, cpu in rows:
        print(
            f"{server:<9}{workers:>8}{clients:>8}{n:>10}{ok:>7}{tput:>9,.0f}{tput / baseline:>7.2f}{p50:>8.1f}{p99:>8.1f}{mean:>9.1f}"
            f"{cpu['server']:>24.2f}{cpu['postgres']:>12.2f}{cpu['client']:>8.2f}"
        )
    if journey_rows:
        _print_journeys(journey_rows, baseline)
    if bare is not None:
        seconds, done = bare
        rate = done / seconds
        print(
            f"\nbaseline, the journey's statements from a bare aiosqlite loop ({args.clients} tasks,"
            f" one connection): {rate:,.0f} journeys/s ({done} in {seconds:.1f} s)"
        )
        for server, _done, j_rate, *_ in journey_rows:
            print(f"{server}: journeys at {j_rate / rate:.2f} x the bare loop (target >= 0.5)")
    if bare_pg is not None:
        seconds, done, pg_cpu = bare_pg
        rate = done / seconds
        print(
            f"\nceiling, the journey's statements from a bare asyncpg loop ({args.clients}"
            f" connections): {rate:,.0f} journeys/s = {rate / baseline:.3f} x pgbench -N"
            f" ({done} in {seconds:.1f} s), PostgreSQL CPU {pg_cpu * 1000 / max(done, 1):.2f} ms"
            " per journey"
        )
        for server, _done, j_rate, *_ in journey_rows:
            print(f"{server}: journeys at {j_rate / rate:.2f} x the bare loop")
    if args.profile:
        print(f"\nthe server during the journeys ({args.profile}):")
        print(_profile.summary(args.profile))


def _print_journeys(journey_rows: list[Any], baseline: float) -> None:
    print("\njourney: record the request, hold the slot, book with request_id + Idempotency-Key")
    header = (
        f"{'server':<9}{'journeys':>9}{'per s':>8}{'x pgb':>7}{'p50 ms':>8}{'p99 ms':>8}"
        + "".join(f"{name + ' p50/p99':>18}" for name in JOURNEY_CALLS)
        + f"{'CPU ms/booking: server':>24}{'PostgreSQL':>12}"
    )
    print(header)
    print("-" * len(header))
    for server, done, rate, lat, calls, cpu in journey_rows:
        per_call = "".join(
            f"{f'{_pct(calls[name], 0.5):.1f}/{_pct(calls[name], 0.99):.1f}':>18}"
            if calls[name]
            else f"{'-':>18}"
            for name in JOURNEY_CALLS
        )
        p50 = _pct(lat, 0.5) if lat else float("nan")
        p99 = _pct(lat, 0.99) if lat else float("nan")
        print(
            f"{server:<9}{done:>9}{rate:>8,.0f}{rate / baseline:>7.3f}{p50:>8.1f}{p99:>8.1f}"
            f"{per_call}{cpu['server']:>24.2f}{cpu['postgres']:>12.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slots", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--server", action="append", choices=["cpts", "granian"])
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument(
        "--journeys",
        type=int,
        default=0,
        help="also run this many regulator journeys (request, hold, book with request and key)",
    )
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="sample the server with py-spy during the journeys; collapsed stacks to this file",
    )
    args = parser.parse_args()
    if args.profile and not _profile.available():
        parser.error("--profile needs py-spy (pip install py-spy)")
    args.server = args.server or ["cpts"]
    if args.database == "sqlite" and args.workers != 1:
        parser.error("--database sqlite runs one worker (SQLite has one writer)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

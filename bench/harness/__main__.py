"""`python -m bench.harness`: bring the topology up, load it, inject the faults, check the
invariants, print the table; exit 1 on any violation (2 when the topology cannot start)."""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx

from bench.harness import faults as fault_kinds
from bench.harness.client import Http, Recorder
from bench.harness.faults import inject, schedule
from bench.harness.invariants import (
    Check,
    database_checks,
    fault_checks,
    http_checks,
    socket_checks,
)
from bench.harness.load import LoadState, first_day, gp, logins, regulator
from bench.harness.report import render
from bench.harness.server_logs import unhandled_errors
from bench.harness.sockets import SocketClient, clients
from bench.harness.topology import Topology, running

DOMAIN = "sud-yvelines.test"
GPS = [f"gp{i}" for i in range(1, 13)]
BOOKERS = ["regulator", "pharmacist1", "pharmacist2", *[f"nurse{i}" for i in range(1, 11)]]
ACCOUNTS = ["coordinator", "admin", *BOOKERS, *GPS]
CATCH_UP_SECONDS = 30.0


async def _tokens(base: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=30, trust_env=False) as client:

        async def one(name: str) -> tuple[str, str]:
            answer = await client.post(
                "/api/v1/auth/login", json={"email": f"{name}@{DOMAIN}", "password": "demo"}
            )
            answer.raise_for_status()
            return name, str(answer.json()["token"])

        return dict(await asyncio.gather(*(one(n) for n in ACCOUNTS)))


async def _until(condition: Callable[[], Awaitable[bool]], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.25)
    return False


async def _catch_up(
    conn: asyncpg.Connection, territory: object, sockets: list[SocketClient]
) -> list[int]:
    """Wait until the outbox is sequenced and the coordinators have heard its last event;
    returns the territory's sequenced seqs."""

    async def settled() -> bool:
        pending = await conn.fetchval("SELECT count(*) FROM events WHERE seq IS NULL")
        top = await conn.fetchval(
            "SELECT coalesce(max(seq), 0) FROM events WHERE territory_id = $1", territory
        )
        return pending == 0 and all((s.last or 0) >= top for s in sockets if s.complete)

    await _until(settled, CATCH_UP_SECONDS)
    await asyncio.sleep(1.0)  # the others' last events, filtered or not
    rows = await conn.fetch(
        "SELECT seq FROM events WHERE territory_id = $1 AND seq IS NOT NULL ORDER BY seq",
        territory,
    )
    return [int(r["seq"]) for r in rows]


async def load_and_check(topology: Topology, args: argparse.Namespace) -> tuple[str, int]:
    tokens = await _tokens(topology.base)
    nginx = urlsplit(topology.base)
    ws_url = topology.base.replace("http://", "ws://") + "/ws"
    ws_stop = asyncio.Event()
    sockets = clients(tokens, args.sockets)
    ws_tasks = [asyncio.create_task(s.run(ws_url, ws_stop)) for s in sockets]

    async def all_ready() -> bool:
        return all(s.first_ready is not None for s in sockets)

    await _until(all_ready, 30)
    rec = Recorder()
    state = LoadState(first_day())
    rng = random.Random(args.seed)
    host, port = nginx.hostname or "127.0.0.1", nginx.port or 80

    def http() -> Http:
        return Http(host, port, rec)

    actors = [
        gp(http(), state, [tokens[g] for g in GPS[i :: args.gps]], random.Random(rng.random()))
        for i in range(args.gps)
    ]
    actors += [
        regulator(http(), state, tokens[BOOKERS[i % len(BOOKERS)]], random.Random(rng.random()))
        for i in range(args.regulators)
    ]
    actors.append(logins(http(), state, [f"{n}@{DOMAIN}" for n in ACCOUNTS], rng))
    running_actors = [asyncio.create_task(a) for a in actors]
    plan = schedule(args.faults, args.seconds)
    injecting = asyncio.create_task(inject(topology, plan, rec, tokens["coordinator"]))
    await asyncio.sleep(args.seconds)
    state.stop.set()
    await asyncio.gather(*running_actors)
    held = rec.now()
    injected = await injecting

    conn = await asyncpg.connect(topology.postgres.dsn)
    try:
        territory = await conn.fetchval("SELECT id FROM territories WHERE slug = 'sud-yvelines'")
        outbox = await _catch_up(conn, territory, sockets)
        ws_stop.set()
        for t in ws_tasks:
            t.cancel()
        await asyncio.gather(*ws_tasks, return_exceptions=True)
        checks: list[Check] = await database_checks(conn, state.told)
    finally:
        await conn.close()
    checks += socket_checks(sockets, outbox)
    http_found, expected = http_checks(rec.samples, injected)
    checks += http_found + fault_checks(injected, topology.nginx.no_live_upstreams())
    dead = [w for w in topology.workers if not w.alive]
    if dead:
        checks.append(Check("workers alive at the end", len(topology.workers)))
        for w in dead:
            checks[-1].add(f"worker {w.index} is not running")
    table = render(
        topology=(
            f"{len(topology.workers)} workers (cpts serve, CPTS_WORKERS=1) behind nginx, "
            f"PostgreSQL {topology.postgres.bin.parent.name} and redis-server of the harness's own; "
            f"{args.gps} GP, {args.regulators} regulator and 1 login actors, {len(sockets)} websockets"
        ),
        seconds=held,
        samples=rec.samples,
        outcomes=state.outcomes,
        sockets=sockets,
        faults=injected,
        expected=expected,
        checks=checks,
    )
    findings = unhandled_errors([w.log for w in topology.workers])
    if findings:
        table = "\n".join(["unhandled errors (500) in the workers' logs:", *findings, "", table])
    return table, sum(c.violations for c in checks)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.harness",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # At least two: the worker fault needs a survivor for nginx to route around the victim.
    parser.add_argument("--workers", type=int, default=3, choices=range(2, 9))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--faults",
        default=",".join(fault_kinds.KINDS),
        help="comma-separated, injected in this order: redis, postgres, worker ('' for none)",
    )
    parser.add_argument("--sockets", type=int, default=30)
    parser.add_argument("--gps", type=int, default=4)
    parser.add_argument("--regulators", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the logs' directory")
    args = parser.parse_args()
    args.faults = [f for f in args.faults.split(",") if f]
    unknown = set(args.faults) - set(fault_kinds.KINDS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    root = Path(tempfile.mkdtemp(prefix="cpts-harness-"))
    violations = 0
    try:
        try:
            with running(root, args.workers) as topology:
                table, violations = asyncio.run(load_and_check(topology, args))
        except RuntimeError as exc:
            print(f"harness: the topology did not start: {exc}", file=sys.stderr)
            args.keep = True
            sys.exit(2)
        except BaseException:
            args.keep = True  # a crash or ^C: the logs say what the services were doing
            raise
        print(table)
    finally:
        if args.keep or violations:
            print(f"logs kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()

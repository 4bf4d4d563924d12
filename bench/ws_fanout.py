"""Fan-out latency from commit to 1,000 connected websocket clients, against PostgreSQL.

    python -m bench.ws_fanout [--clients 1000] [--events 30] [--workers 1]

Two measurements in the same run, each with the same C clients in this process:

- baseline: a bare `websockets` server (a child process) broadcasting a timestamped message to
  every client with `websockets.broadcast`, E times;
- cpts: the real server (`cpts serve` on a throwaway PostgreSQL database) with C sockets on the
  `slots` topic; E slots are published over HTTP, and each client's latency is its receive time
  minus the event's `at` (taken in the transaction, just before commit).

Both use wall-clock time (the processes share this machine's clock). Prints p50/p99/max per
delivery and the ratio of the p99s: the issue's target is cpts p99 <= 2.5 x baseline p99.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import websockets
from sqlalchemy import select

from bench.booking import (
    _create_db,
    _drop_db,
    _free_port,
    _pct,
    machine,
    prepare,
    start_server,
    stop_server,
    wait_ready,
)

_BASELINE_SERVER = """
import asyncio, json, sys, time
import websockets

clients = set()
ready = asyncio.Event()

async def handler(ws):
    clients.add(ws)
    if len(clients) >= int(sys.argv[2]):
        ready.set()
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)

async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1])):
        print("listening", flush=True)
        await ready.wait()
        await asyncio.sleep(1)
        for _ in range(int(sys.argv[3])):
            websockets.broadcast(clients, json.dumps({"t": time.time()}))
            await asyncio.sleep(float(sys.argv[4]))
        await asyncio.sleep(2)

asyncio.run(main())
"""


async def _connect_all(url: str, n: int, hellos: list[str] | None) -> list[Any]:
    sockets: list[Any] = []
    for i in range(0, n, 100):  # in waves: the listen backlog is finite
        wave = await asyncio.gather(
            *(websockets.connect(url, max_queue=None) for _ in range(min(100, n - i)))
        )
        if hellos is not None:
            first = len(sockets)
            await asyncio.gather(*(ws.send(hellos[first + k]) for k, ws in enumerate(wave)))
        sockets += wave
    return sockets


async def _viewer_tokens(url: str, n: int) -> list[str]:
    """One regulator account per socket, as a thousand people would connect (one account is
    held to a few sockets per worker: server/live/socket.py, MAX_SOCKETS_PER_ACCOUNT)."""
    from coordination.accounts.service import AccountDraft, create_account, create_token_for
    from coordination.directory.territory import Territory
    from kernel.actor import Role
    from kernel.clock import SystemClock
    from server.database import Database

    db, clock = Database(url), SystemClock()
    try:
        async with db.write() as session:
            territory = await session.scalar(
                select(Territory.id).where(Territory.slug == "sud-yvelines")
            )
            assert territory is not None
            for k in range(n):
                await create_account(
                    session,
                    clock,
                    None,
                    territory,
                    AccountDraft(
                        email=f"viewer{k}@bench.test",
                        display_name=f"Viewer {k}",
                        roles=frozenset({Role.REGULATOR}),
                    ),
                )
            return [
                (await create_token_for(session, clock, f"viewer{k}@bench.test", "bench")).secret
                for k in range(n)
            ]
    finally:
        await db.dispose()


@contextlib.contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """The load generator's own garbage collector must not pose as server latency: a full
    collection over 1,000 client connections stalls this process for ~150 ms (seen as one
    event arriving late at most sockets). Applied to both measurements alike."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def _receive(ws: Any, latencies: list[float], expect: int, stamp: Any) -> None:
    got = 0
    while got < expect:
        message = json.loads(await ws.recv())
        sent = stamp(message)
        if sent is not None:
            latencies.append(time.time() - sent)
            got += 1


async def baseline(clients: int, events: int, gap: float) -> list[float]:
    port = _free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(_BASELINE_SERVER)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        script.name,
        str(port),
        str(clients),
        str(events),
        str(gap),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        await proc.stdout.readline()  # "listening"
        sockets = await _connect_all(f"ws://127.0.0.1:{port}", clients, None)
        latencies: list[float] = []
        with _no_collector_pauses():
            await asyncio.wait_for(
                asyncio.gather(
                    *(_receive(ws, latencies, events, lambda m: m.get("t")) for ws in sockets)
                ),
                timeout=60 + events * gap,
            )
        await asyncio.gather(*(ws.close() for ws in sockets))
        return latencies
    finally:
        proc.kill()
        await proc.wait()
        await asyncio.to_thread(Path(script.name).unlink, missing_ok=True)


def _event_time(message: dict[str, Any]) -> float | None:
    if message.get("type") != "slot.created":
        return None
    return datetime.fromisoformat(message["at"]).timestamp()


async def cpts(clients: int, events: int, gap: float, workers: int) -> list[float]:
    name = f"cpts_fanout_{secrets.token_hex(3)}"
    url = await _create_db(name)
    log = Path(tempfile.gettempdir()) / f"{name}.log"
    try:
        await prepare(url, 0)
        tokens = await _viewer_tokens(url, clients)
        port = _free_port()
        proc = start_server(url, port, workers, "cpts", log)
        try:
            await wait_ready(port)
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as http:
                login = await http.post(
                    "/api/v1/auth/login",
                    json={"email": "gp1@sud-yvelines.test", "password": "demo"},
                )
                gp = {"Authorization": f"Bearer {login.json()['token']}"}
                me = (await http.get("/api/v1/me", headers=gp)).json()
                location = me["professional"]["locations"][0]["id"]
                hellos = [json.dumps({"token": t, "topics": ["slots"]}) for t in tokens]
                sockets = await _connect_all(f"ws://127.0.0.1:{port}/ws", clients, hellos)
                await asyncio.gather(*(_ready(ws) for ws in sockets))
                latencies: list[float] = []
                pauses = _no_collector_pauses()
                pauses.__enter__()
                receivers = asyncio.gather(
                    *(_receive(ws, latencies, events, _event_time) for ws in sockets)
                )
                start = (datetime.now(UTC) + timedelta(days=120)).replace(
                    minute=0, second=0, microsecond=0
                )
                for i in range(events):
                    at = start + timedelta(minutes=15 * i)
                    response = await http.post(
                        "/api/v1/slots",
                        json={
                            "start": at.isoformat(),
                            "end": (at + timedelta(minutes=15)).isoformat(),
                            "modality": "office",
                            "visibility": ["snp"],
                            "location_id": location,
                        },
                        headers=gp,
                    )
                    assert response.status_code == 201, response.text
                    await asyncio.sleep(gap)
                try:
                    await asyncio.wait_for(receivers, timeout=60)
                finally:
                    pauses.__exit__(None, None, None)
                await asyncio.gather(*(ws.close() for ws in sockets))
                return latencies
        finally:
            stop_server(proc, log)
    finally:
        await _drop_db(name)


async def _ready(ws: Any) -> None:
    while json.loads(await ws.recv()).get("type") != "ready":
        pass


def _row(name: str, values: list[float]) -> str:
    return (
        f"{name:<10}{len(values):>12,}{_pct(values, 0.5):>9.1f}{_pct(values, 0.99):>9.1f}"
        f"{max(values) * 1000:>9.1f}{statistics.fmean(values) * 1000:>9.1f}"
    )


async def run(args: argparse.Namespace) -> None:
    raw = await baseline(args.clients, args.events, args.gap)
    ours = await cpts(args.clients, args.events, args.gap, args.workers)
    print(f"\nmachine: {machine()}")
    print(
        f"{args.clients} clients, {args.events} events {args.gap:.2f} s apart; "
        f"cpts: {args.workers} worker(s), PostgreSQL, topic `slots`"
    )
    header = f"{'':<10}{'deliveries':>12}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}"
    print(header)
    print("-" * len(header))
    print(_row("baseline", raw))
    print(_row("cpts", ours))
    ratio = _pct(ours, 0.99) / _pct(raw, 0.99)
    print(f"\np99 ratio cpts / baseline: {ratio:.2f} (target <= 2.5)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between events")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

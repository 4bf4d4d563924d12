"""Live updates over `/ws`, served by a real uvicorn in the test's event loop, on both databases."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from litestar import Litestar

from kernel.clock import FrozenClock
from server.live.hub import Hub
from tests.conftest import login
from tests.server.scheduling_helpers import (
    PATIENT,
    assisted_slot,
    fresh_start,
    gp_session,
    publish_slot,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def ws_url(app: Litestar) -> AsyncIterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started
    try:
        yield f"ws://127.0.0.1:{port}/ws"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def _open(url: str, headers: dict[str, str], **hello: Any) -> Any:
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"token": _token(headers)} | hello))
    return ws


async def _until_ready(ws: Any) -> tuple[list[dict[str, Any]], int]:
    events = []
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("type") == "ready":
            return events, int(message["seq"])
        if "seq" in message:
            events.append(message)


async def _collect(ws: Any, until: Any, within: float = 5.0) -> list[dict[str, Any]]:
    """Event envelopes until `until(events)` holds (control messages skipped)."""
    events: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not until(events):
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            break
        if "seq" in message:
            events.append(message)
    return events


async def test_unauthenticated_and_forbidden_topics_are_closed(
    ws_url: str, client: httpx.AsyncClient
) -> None:
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"token": "cpts_not-a-token"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    nurse = await login(client, "nurse1@sud-yvelines.test")
    ws = await _open(ws_url, nurse, topics=["territory"])
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_booking_reaches_the_gp_live(
    ws_url: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _me = await gp_session(client, 1)
    slot = await publish_slot(client, gp, fresh_start(clock))
    ws = await _open(ws_url, gp)
    try:
        await _until_ready(ws)
        regulator = await login(client, "regulator@sud-yvelines.test")
        body = {"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT}
        booked = await client.post("/api/v1/bookings", json=body, headers=regulator)
        assert booked.status_code == 201
        events = await _collect(
            ws, lambda es: any(e["type"] == "booking.created" for e in es), within=3
        )
        created = next(e for e in events if e["type"] == "booking.created")
        assert created["data"]["slot_id"] == slot["id"]
        assert created["data"]["booked_by"]  # the consulted GP sees the whole (patient-free) event
        assert PATIENT["family_name"] not in json.dumps(events)
    finally:
        await ws.close()


async def test_reconnect_gets_exactly_what_was_missed(
    ws_url: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 2)
    ws = await _open(ws_url, gp, topics=["slots"])
    _, seen = await _until_ready(ws)
    await ws.close()
    made = [
        (await publish_slot(client, gp, fresh_start(clock), minutes=10))["id"] for _ in range(20)
    ]
    ws = await _open(ws_url, gp, topics=["slots"], since=seen)
    try:
        replayed, _ = await _until_ready(ws)
        events = replayed + await _collect(ws, lambda es: len(replayed) + len(es) >= 20)
        events += await _collect(ws, lambda es: False, within=0.5)  # and nothing more
        assert [e["data"]["slot_id"] for e in events] == made
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(set(seqs)) and seqs[0] > seen
        assert {e["type"] for e in events} == {"slot.created"}
    finally:
        await ws.close()


async def test_a_nurse_never_sees_another_nurses_visit(
    ws_url: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 3)
    slot = await assisted_slot(client, gp, fresh_start(clock))
    nurse_a = await login(client, "nurse1@sud-yvelines.test")
    nurse_b = await login(client, "nurse2@sud-yvelines.test")
    staff = await login(client, "coordinator@sud-yvelines.test")
    watchers = {
        name: await _open(ws_url, h)
        for name, h in (("a", nurse_a), ("b", nurse_b), ("staff", staff))
    }
    try:
        for ws in watchers.values():
            await _until_ready(ws)
        body = {
            "slot_id": slot["id"],
            "setting": "home",
            "consent": {"given": True, "collected_at": clock.now().isoformat()},
            "reason": "Essoufflement",
            "patient": PATIENT | {"family_name": "Confidentielle"},
        }
        response = await client.post("/api/v1/teleconsultations", json=body, headers=nurse_b)
        assert response.status_code == 201
        tc = response.json()

        def has_visit(es: list[dict[str, Any]]) -> bool:
            return any(e["type"] == "teleconsultation.booked" for e in es)

        seen_b = await _collect(watchers["b"], has_visit)
        seen_staff = await _collect(watchers["staff"], has_visit)
        seen_a = await _collect(
            watchers["a"], lambda es: any(e["type"] == "booking.created" for e in es)
        )
        assert has_visit(seen_b) and has_visit(seen_staff)
        assert not has_visit(seen_a)
        board = next(e for e in seen_a if e["type"] == "booking.created")
        assert set(board["data"]) == {
            "slot_id",
            "professional_id",
            "starts_at",
            "ends_at",
            "status",
        }
        everything = json.dumps(seen_a + seen_b + seen_staff)
        assert "Confidentielle" not in everything and tc["video_url"] not in everything
        assert tc["id"] not in json.dumps(seen_a)
    finally:
        for ws in watchers.values():
            await ws.close()


async def test_a_slow_socket_is_told_to_resync(
    app: Litestar, ws_url: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    hub: Hub = app.state["hub"]
    hub.queue_size = 3
    gp, _ = await gp_session(client, 4)
    ws = await _open(ws_url, gp, topics=["slots"])
    _, start = await _until_ready(ws)
    async with hub._lock:  # hold dispatch so that the ten events reach the socket at once
        for _ in range(10):
            await publish_slot(client, gp, fresh_start(clock), minutes=10)
    got: list[dict[str, Any]] = []
    resync = None
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message.get("type") == "resync":
                resync = message
            elif "seq" in message:
                got.append(message)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4409
    assert resync is not None and len(got) < 10
    hub.queue_size = 1000
    ws = await _open(ws_url, gp, topics=["slots"], since=resync["since"])
    try:
        rest, _ = await _until_ready(ws)
        # On PostgreSQL the last events may be sequenced after the replay: they come live.
        rest += await _collect(ws, lambda es: len(got) + len(rest) + len(es) >= 10)
        rest += await _collect(ws, lambda es: False, within=0.5)
        assert len(got) + len(rest) == 10  # nothing lost, nothing twice
        assert [e["seq"] for e in got + rest] == sorted({e["seq"] for e in got + rest})
        assert (got + rest)[0]["seq"] > start
    finally:
        await ws.close()


async def test_watch_tails_and_resumes(
    ws_url: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    from server.live.watch import watch

    gp, _ = await gp_session(client, 5)
    printed: list[dict[str, Any]] = []
    tail = asyncio.create_task(
        watch(ws_url, _token(gp), topics=["slots"], emit=printed.append, limit=3)
    )
    for _ in range(100):
        if any(m.get("type") == "ready" for m in printed):
            break
        await asyncio.sleep(0.02)
    made = [(await publish_slot(client, gp, fresh_start(clock)))["id"] for _ in range(3)]
    last = await asyncio.wait_for(tail, 10)
    assert [m["data"]["slot_id"] for m in printed if "data" in m] == made
    assert last == printed[-1]["seq"]
    with pytest.raises(SystemExit, match="refused"):
        await watch(ws_url, "cpts_wrong", emit=printed.append)


async def test_sockets_close_with_1001_when_the_server_goes_away(
    app: Litestar, ws_url: str, client: httpx.AsyncClient
) -> None:
    hub: Hub = app.state["hub"]
    gp, _ = await gp_session(client, 6)
    ws = await _open(ws_url, gp)
    await _until_ready(ws)
    hub.shut()
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    late = await _open(ws_url, gp)  # and a socket opened while going away is closed too
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(late.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001

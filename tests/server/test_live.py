"""Live updates over `/ws`, served by a real uvicorn in the test's event loop, on both databases."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from litestar import Litestar
from websockets.typing import Origin

from coordination.directory.territory import Territory
from integrations.pubsub import Subscription
from kernel.clock import FrozenClock
from server.app import create_app
from server.auth.middleware import SESSION_COOKIE
from server.database import Database
from server.live import socket as live_socket
from server.live.hub import Envelope, Hub, fetch_after
from server.settings import Settings
from server.state import AppServices
from tests.conftest import login, make_app
from tests.mailbox import free_port
from tests.server.referral_helpers import URL, network, refer
from tests.server.scheduling_helpers import (
    PATIENT,
    assisted_slot,
    fresh_start,
    gp_session,
    publish_slot,
)


@pytest.fixture
def app(database: Database, clock: FrozenClock, tmp_path: Path) -> Litestar:
    """An app of its own: these tests serve it, lifespan (hub, relay) and all."""
    return make_app(database, clock, tmp_path / "storage")


@contextlib.asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[str]:
    """Serve `app` with uvicorn (lifespan on) in this event loop; yields its /ws URL."""
    port = free_port()
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


@pytest.fixture
async def ws_url(app: Litestar) -> AsyncIterator[str]:
    async with serving(app) as url:
        # Earlier tests on this worker's database left events unsequenced (their apps ran no
        # relay): sequence them now, so a socket opened by this test streams only its own.
        await AppServices.of(app).sequencer.drain()
        yield url


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

        def ours(e: dict[str, Any]) -> bool:
            return e["type"] == "booking.created" and e["data"]["slot_id"] == slot["id"]

        events = await _collect(ws, lambda es: any(ours(e) for e in es), within=3)
        created = next(e for e in events if ours(e))
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


async def _closed_with(ws: Any, within: float = 5.0) -> tuple[int, list[dict[str, Any]]]:
    """Read until the server closes (within `within` seconds in all); its close code and what
    it sent before."""
    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            left = deadline - loop.time()
            assert left > 0, f"still open after {within} s: {got[-3:]}"
            got.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
    assert closed.value.rcvd is not None, "the client closed, not the server"
    return closed.value.rcvd.code, got


async def _session_cookie(client: httpx.AsyncClient, email: str) -> tuple[str, str]:
    """Log in as the web pages do; the session cookie and the token it carries."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "demo", "session": True}
    )
    assert response.status_code == 200, response.text
    cookie = response.cookies[SESSION_COOKIE]
    client.cookies.clear()  # the shared client goes on with bearer tokens
    return f"{SESSION_COOKIE}={cookie}", cookie


ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")


def _is_iso_instant(value: str) -> bool:
    at = datetime.fromisoformat(value)
    return bool(ISO_WITH_OFFSET.fullmatch(value)) and at.utcoffset() is not None


async def test_the_session_cookie_alone_authenticates(
    ws_url: str, client: httpx.AsyncClient, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_socket, "HELLO_WITH_COOKIE", 0.2)  # the optional hello's wait
    gp, me = await gp_session(client, 7)
    cookie, secret = await _session_cookie(client, "gp7@sud-yvelines.test")
    slot = await publish_slot(client, gp, fresh_start(clock))
    # No first message at all: the cookie is the credential.
    silent = await websockets.connect(ws_url, additional_headers={"Cookie": cookie})
    # A hello without a token (to pick topics and resume) still rides on the cookie.
    picky = await websockets.connect(ws_url, additional_headers={"Cookie": cookie})
    await picky.send(json.dumps({"topics": ["slots"]}))
    try:
        _, seen = await _until_ready(silent)
        await _until_ready(picky)
        regulator = await login(client, "regulator@sud-yvelines.test")
        body = {"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT}
        booked = await client.post("/api/v1/bookings", json=body, headers=regulator)
        assert booked.status_code == 201

        def ours(e: dict[str, Any]) -> bool:
            return e["type"] == "booking.created" and e["data"]["slot_id"] == slot["id"]

        def created(es: list[dict[str, Any]]) -> bool:
            return any(ours(e) for e in es)

        full = next(e for e in await _collect(silent, created) if ours(e))
        # The socket knows whose it is: the consulted GP gets the whole booking event...
        assert full["data"]["booked_by"] and full["data"]["slot_id"] == slot["id"]
        assert full["data"]["professional_id"] == me["professional"]["id"]
        # ... and the `slots` topic chosen in the hello, the board's reduced view only.
        board = next(e for e in await _collect(picky, created) if ours(e))
        assert "booked_by" not in board["data"] and board["data"]["status"] == "booked"
    finally:
        await silent.close()
        await picky.close()

    resumed = await websockets.connect(ws_url, additional_headers={"Cookie": cookie})
    try:
        await resumed.send(json.dumps({"since": seen}))
        replayed, _ = await _until_ready(resumed)
        assert "booking.created" in {e["type"] for e in replayed}
        assert all(e["seq"] > seen for e in replayed)
    finally:
        await resumed.close()

    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await client.post("/api/v1/auth/logout", headers=bearer)).status_code == 204
    revoked = await websockets.connect(ws_url, additional_headers={"Cookie": cookie})
    code, _ = await _closed_with(revoked)
    assert code == 4401


async def test_heartbeats_and_a_silent_client_is_closed_4408(
    ws_url: str, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_socket, "PING_SECONDS", 0.1)
    monkeypatch.setattr(live_socket, "IDLE_SECONDS", 0.5)
    gp, _ = await gp_session(client, 8)
    answering = await _open(ws_url, gp)
    silent = await _open(ws_url, gp)
    await _until_ready(answering)
    await _until_ready(silent)
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def answer_pings() -> int:
        pings = 0
        while loop.time() - started < 1.5:  # three idle periods
            message = json.loads(await asyncio.wait_for(answering.recv(), 2))
            if message == {"type": "ping"}:
                pings += 1
                await answering.send(json.dumps({"type": "pong"}))
        return pings

    async def stay_silent() -> tuple[int, list[dict[str, Any]], float]:
        code, heard = await _closed_with(silent, 2)
        return code, heard, loop.time() - started

    try:
        pings, (code, heard, after) = await asyncio.gather(answer_pings(), stay_silent())
        assert code == 4408
        assert {"type": "ping"} in heard  # it was asked, and never answered
        assert 0.4 <= after < 1.2  # closed once silent for the idle delay, not before
        assert pings >= 5
        # The one that answers is still there, well past the idle delay.
        await answering.send(json.dumps({"type": "pong"}))
        assert json.loads(await asyncio.wait_for(answering.recv(), 2)) == {"type": "ping"}
    finally:
        await answering.close()


class BrokenPubSub:
    """A broker that is down: every publish and subscribe raises."""

    backend = "broken"

    def __init__(self) -> None:
        self.publishes = 0
        self.subscribes = 0

    async def publish(self, channel: str, message: bytes) -> None:
        self.publishes += 1
        raise ConnectionRefusedError("broker down")

    async def subscribe(self, channel: str) -> Subscription:
        self.subscribes += 1
        raise ConnectionRefusedError("broker down")

    async def ping(self) -> bool:
        return False

    async def close(self) -> None:
        return None


async def test_the_hub_polls_when_the_broker_is_down(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    """Events sequenced elsewhere (nothing wakes this hub, its broker is broken) still reach
    its mailboxes through the poll: all of them, once each, in seq order."""
    broker = BrokenPubSub()
    hub = Hub(database, broker, poll_seconds=0.1)
    runner = asyncio.create_task(hub.run())
    gp, me = await gp_session(client, 9)
    territory = uuid.UUID(me["territory"]["id"])
    listener, live_from = await hub.attach(territory)
    try:
        await hub.announce()  # a failed publish is logged, never raised to the committer
        assert broker.publishes == 1
        made = [(await publish_slot(client, gp, fresh_start(clock)))["id"] for _ in range(5)]
        await AppServices.of(app).sequencer.drain()  # another worker's relay sequences them
        got: list[Envelope] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while len([e for e in got if e.type == "slot.created"]) < 5 and loop.time() < deadline:
            item = await asyncio.wait_for(listener.queue.get(), deadline - loop.time())
            assert isinstance(item, Envelope), item
            got.append(item)
        assert [e.data["slot_id"] for e in got if e.type == "slot.created"] == made
        expected = await fetch_after(database, territory, live_from)
        assert [e.seq for e in got] == [e.seq for e in expected][: len(got)]
        assert broker.subscribes >= 2  # it keeps trying the broker meanwhile
    finally:
        hub.detach(listener)
        # On Python 3.11 a cancel landing with a wake-up is swallowed by asyncio.wait_for in
        # Hub.run (the hub goes on): insist rather than hang the suite.
        while not runner.done():
            runner.cancel()
            await asyncio.wait({runner}, timeout=1)


async def test_a_worker_without_redis_still_streams_every_event(
    app: Litestar,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    database: Database,
    tmp_path: Path,
) -> None:
    """Worker A's Redis is a closed port and it runs no relay; the changes are made through
    worker B (this test's client). A's socket gets them all, by the poll."""
    settings = Settings(
        database_url=database.url,
        token_cache_seconds=0,
        run_jobs=False,
        run_relay=False,
        redis_url="redis://127.0.0.1:1/0",
        storage_dir=str(tmp_path / "a"),
    )
    worker_a = create_app(settings, clock=clock, database=database)
    gp, _ = await gp_session(client, 10)
    async with serving(worker_a) as url_a:
        ws = await _open(url_a, gp, topics=["slots"])
        try:
            _, seen = await _until_ready(ws)
            assert await AppServices.of(worker_a).pubsub.ping() is False
            made = [
                (await publish_slot(client, gp, fresh_start(clock), minutes=10))["id"]
                for _ in range(5)
            ]
            await AppServices.of(app).sequencer.drain()
            events = await _collect(ws, lambda es: len(es) >= 5, within=5)
            events += await _collect(ws, lambda es: False, within=0.3)
            assert [e["data"]["slot_id"] for e in events] == made
            seqs = [e["seq"] for e in events]
            assert seqs == sorted(set(seqs)) and seqs[0] > seen
        finally:
            await ws.close()


async def test_envelopes_are_stamped_with_an_offset(
    ws_url: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 11)
    ws = await _open(ws_url, gp, topics=["slots"])
    _, seen = await _until_ready(ws)
    try:
        slot = await publish_slot(client, gp, fresh_start(clock))
        live = await _collect(ws, lambda es: any(e["type"] == "slot.created" for e in es))
    finally:
        await ws.close()
    again = await _open(ws_url, gp, topics=["slots"], since=seen)
    try:
        replayed, _ = await _until_ready(again)
    finally:
        await again.close()
    for events in (live, replayed):  # streamed, and replayed from the outbox
        created = next(e for e in events if e["data"].get("slot_id") == slot["id"])
        assert set(created) == {"seq", "type", "at", "data"}
        assert _is_iso_instant(created["at"]), created["at"]
        assert datetime.fromisoformat(created["at"]) == clock.now()


async def test_a_nurse_never_receives_another_nurses_referrals(
    ws_url: str,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    database: Database,
    territory: Territory,
) -> None:
    net = await network(database, clock, territory)
    expert = await net.register(client, clock, "derm1", "dermatology", 10)
    nurse_a = await net.login(client, "nurse1")
    nurse_b = await net.login(client, "nurse2")
    derm = await net.login(client, "derm1")
    staff = await net.login(client, "coordinator")
    watchers = {
        name: await _open(ws_url, h)
        for name, h in (("a", nurse_a), ("b", nurse_b), ("derm", derm), ("staff", staff))
    }
    try:
        for ws in watchers.values():
            await _until_ready(ws)
        theirs = await refer(client, nurse_b, clock, expertise="dermatology")
        assert theirs["assigned_expert_id"] == expert["id"]
        path = f"{URL}/{theirs['id']}"
        assert (await client.post(f"{path}/accept", headers=derm)).status_code == 200
        note = {"body": "Photo de la plaie de Mme Plaie, svp"}
        assert (await client.post(f"{path}/messages", json=note, headers=derm)).status_code == 201
        # Nurse A's own referral comes after: once her socket has it, it has been offered
        # everything before it.
        mine = await refer(client, nurse_a, clock, expertise="dermatology")
        b_types = ["referral.requested", "referral.accepted", "referral.message_posted"]

        def of(referral: dict[str, Any], es: list[dict[str, Any]]) -> list[str]:
            return [e["type"] for e in es if e["data"].get("referral_id") == referral["id"]]

        seen = {
            "a": await _collect(watchers["a"], lambda es: bool(of(mine, es))),
            "b": await _collect(watchers["b"], lambda es: len(of(theirs, es)) >= 3),
            "derm": await _collect(watchers["derm"], lambda es: bool(of(mine, es))),
            "staff": await _collect(watchers["staff"], lambda es: bool(of(mine, es))),
        }
        assert of(mine, seen["a"]) == ["referral.requested"]
        assert of(theirs, seen["a"]) == []
        assert theirs["id"] not in json.dumps(seen["a"])
        assert of(theirs, seen["b"]) == b_types
        assert of(theirs, seen["derm"]) == b_types and of(mine, seen["derm"])
        assert of(theirs, seen["staff"]) == b_types and of(mine, seen["staff"])
        seen["b"] += await _collect(watchers["b"], lambda es: False, within=0.3)
        assert of(mine, seen["b"]) == []  # and the other way round
        everything = json.dumps([e for es in seen.values() for e in es], ensure_ascii=False)
        for secret in (theirs["patient"]["family_name"], mine["patient"]["family_name"]):
            assert secret not in everything
        assert "Mme Plaie" not in everything and theirs["question"] not in everything
    finally:
        for ws in watchers.values():
            await ws.close()


async def test_a_cookie_socket_from_another_origin_is_refused(
    ws_url: str, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_socket, "HELLO_WITH_COOKIE", 0.2)
    cookie, _ = await _session_cookie(client, "gp12@sud-yvelines.test")
    port = ws_url.split(":")[2].split("/")[0]
    loop = asyncio.get_running_loop()
    for foreign in (
        "https://evil.example",
        "http://127.0.0.1:1",
        "https://127.0.0.1:" + port,
        "null",
    ):
        began = loop.time()
        ws = await websockets.connect(
            ws_url, origin=Origin(foreign), additional_headers={"Cookie": cookie}
        )
        # Refused at once, before any hello is read, let alone the cookie used.
        code, sent = await _closed_with(ws)
        assert code == 4403, foreign
        assert [m.get("type") for m in sent] == ["error"]
        assert loop.time() - began < 1.0

    # The page served by this very server (as reached, or as published) is at home.
    for own in (
        f"http://127.0.0.1:{port}",
        f"HTTP://127.0.0.1:{port}",
        "http://127.0.0.1:8000",
    ):
        ws = await websockets.connect(
            ws_url, origin=Origin(own), additional_headers={"Cookie": cookie}
        )
        try:
            await _until_ready(ws)
        finally:
            await ws.close()
    # No Origin (not a browser) with the cookie: as before.
    ws = await websockets.connect(ws_url, additional_headers={"Cookie": cookie})
    try:
        await _until_ready(ws)
    finally:
        await ws.close()

    # A token in the first message does not depend on the page's origin.
    nurse = await login(client, "nurse3@sud-yvelines.test")
    ws = await websockets.connect(ws_url, origin=Origin("https://evil.example"))
    await ws.send(json.dumps({"token": _token(nurse)}))
    try:
        await _until_ready(ws)
    finally:
        await ws.close()
    ws = await websockets.connect(ws_url, origin=Origin("https://evil.example"))
    await ws.send(json.dumps({"token": "cpts_not-a-token"}))
    code, _ = await _closed_with(ws)
    assert code == 4401


async def test_logout_disable_and_a_lost_role_end_open_sockets(
    ws_url: str, client: httpx.AsyncClient
) -> None:
    # They once kept streaming: a staff socket on `territory` kept receiving everything.
    admin = await login(client, "admin@sud-yvelines.test")
    made = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": f"live-{uuid.uuid4().hex[:8]}@sud-yvelines.test",
            "display_name": "Coordination",
            "roles": ["coordinator"],
            "password": "correct horse battery",
        },
    )
    assert made.status_code == 201, made.text
    email, account_id = made.json()["email"], made.json()["id"]
    # Logout: the token is revoked, the socket ends 4401.
    first = await login(client, email, "correct horse battery")
    ws = await _open(ws_url, first, topics=["territory"])
    await _until_ready(ws)
    assert (await client.post("/api/v1/auth/logout", headers=first)).status_code == 204
    assert (await _closed_with(ws, 8))[0] == 4401
    # A lost role: the socket ends 4403, to reconnect with the rights now held.
    second = await login(client, email, "correct horse battery")
    ws = await _open(ws_url, second)
    await _until_ready(ws)
    changed = await client.patch(
        f"/api/v1/accounts/{account_id}", headers=admin, json={"roles": ["regulator"]}
    )
    assert changed.status_code == 200
    assert (await _closed_with(ws, 8))[0] == 4403
    # Disabled: 4401.
    third = await login(client, email, "correct horse battery")
    ws = await _open(ws_url, third)
    await _until_ready(ws)
    disabled = await client.patch(
        f"/api/v1/accounts/{account_id}",
        headers=admin,
        json={"roles": ["regulator"], "disabled": True},
    )
    assert disabled.status_code == 200
    assert (await _closed_with(ws, 8))[0] == 4401


async def test_a_since_beyond_the_last_event_resumes_from_it(
    ws_url: str, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 3)
    ws = await _open(ws_url, gp, topics=["slots"])
    _, last = await _until_ready(ws)
    await ws.close()
    ws = await _open(ws_url, gp, topics=["slots"], since=last + 1000)
    try:
        _, ready = await _until_ready(ws)
        assert ready == last  # not the number it was given
        slot = await publish_slot(client, gp, fresh_start(clock), minutes=10)
        events = await _collect(ws, lambda es: bool(es))
        assert [e["data"]["slot_id"] for e in events] == [slot["id"]]
    finally:
        await ws.close()


async def test_sockets_per_account_are_capped(
    ws_url: str, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_socket, "MAX_SOCKETS_PER_ACCOUNT", 2)
    gp, _ = await gp_session(client, 4)
    opened = [await _open(ws_url, gp, topics=["slots"]) for _ in range(2)]
    try:
        for ws in opened:
            await _until_ready(ws)
        extra = await _open(ws_url, gp, topics=["slots"])
        assert (await _closed_with(extra))[0] == 4429
        await opened.pop().close()
        await asyncio.sleep(0.2)
        again = await _open(ws_url, gp, topics=["slots"])
        await _until_ready(again)  # a place was given back
        opened.append(again)
    finally:
        for ws in opened:
            await ws.close()

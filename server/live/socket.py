"""The `/ws` endpoint: authenticate, resume from the client's last seq, then stream.

Protocol (README): the client may first send `{"token", "since", "topics"}`; the server answers
with event envelopes `{"seq", "type", "at", "data"}` and control messages without `seq`:
`ready` (replay done, live from here), `ping` (answer `{"type": "pong"}`), `resync` (you fell
behind: reconnect with `since`), `error`. Close codes: 4401 unauthenticated, 4403 a topic
past your rights or a cross-origin handshake carrying the session cookie, 4400 a malformed
hello, 4408 no pong, 4409 resync, 4429 too many sockets of one account, 1001 server going
away. A socket ends (4401, or 4403 when its rights changed) within the token cache's delay of
a logout, a revoked token, a disabled account or a changed role.

Browsers attach cookies to a websocket handshake whatever page opens it, and websockets have
no CORS: a socket that comes with the session cookie is refused unless its `Origin` (when a
browser sent one) is this server itself (its Host header) or `CPTS_PUBLIC_URL`. Clients that
send their token in the first message are not concerned: a foreign page cannot know it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from coordination.accounts import service as accounts
from coordination.accounts.token import digest
from coordination.referrals.referrals import expert_of
from kernel.actor import Actor, Role
from kernel.errors import NotAuthenticated
from server.auth.middleware import SESSION_COOKIE
from server.live.hub import BATCH, RESYNC, Hub, Listener, fetch_after
from server.live.visibility import TOPICS, Viewer, allowed_topics, view_of
from server.state import AppServices

log = logging.getLogger("cpts.live")
HELLO_WITH_COOKIE = 2.0  # seconds a cookie client has to send its optional hello
HELLO_WITHOUT_COOKIE = 10.0
PING_SECONDS = 20.0
IDLE_SECONDS = 60.0  # no pong nor message for this long: the client is gone
WS_MAX_FRAME = 65_536  # bytes of one client message (hellos and pongs are tiny)
MAX_SOCKETS_PER_ACCOUNT = 20  # per worker: a person's tabs and devices, not a flood
MIN_RECHECK_SECONDS = 2.0


class Hello(msgspec.Struct, forbid_unknown_fields=True):
    token: str | None = None
    since: int | None = None
    topics: list[str] | None = None


_DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


def _origin(url: str) -> Origin | None:
    """Scheme, host and port of an origin or base URL; None when it is none (e.g. "null")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _same_origin(socket: WebSocket[Any, Any, Any], origin: str, public_url: str) -> bool:
    """Whether a handshake's Origin is this server: as reached (Host header) or as published."""
    claimed = _origin(origin)
    if claimed is None:
        return False
    ours = {_origin(public_url)}
    host = socket.headers.get("host")
    if host:
        scheme = "https" if socket.scope.get("scheme") == "wss" else "http"
        ours.add(_origin(f"{scheme}://{host}"))
    return claimed in ours


async def _authenticate(services: AppServices, secret: str) -> Actor:
    key = digest(secret)
    actor = services.token_cache.get(key)
    if actor is None:
        async with services.db.read() as session:
            actor = await accounts.resolve(session, services.clock, secret)
        services.token_cache.put(key, actor)
    return actor


async def _hello(socket: WebSocket[Any, Any, Any], has_cookie: bool) -> Hello | None:
    """The optional first message; None when a cookie client sent nothing in time."""
    wait = HELLO_WITH_COOKIE if has_cookie else HELLO_WITHOUT_COOKIE
    try:
        raw = await asyncio.wait_for(socket.receive_data(mode="text"), timeout=wait)
    except TimeoutError:
        return None
    return msgspec.json.decode(raw, type=Hello)


@websocket("/ws", opt={"exclude_from_auth": True})
async def live(socket: WebSocket[Any, Any, Any]) -> None:
    services = AppServices.of(socket.app)
    hub: Hub = socket.app.state["hub"]
    await socket.accept()
    cookie = socket.cookies.get(SESSION_COOKIE)
    origin = socket.headers.get("origin")
    if (
        cookie is not None
        and origin is not None
        and not _same_origin(socket, origin, services.settings.public_url)
    ):
        # Refused before anything is read or the cookie is looked at.
        await socket.send_json({"type": "error", "detail": "cross-origin socket refused"})
        await socket.close(code=4403, reason="cross-origin")
        return
    try:
        hello = await _hello(socket, cookie is not None) or Hello()
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        await socket.send_json({"type": "error", "detail": f"bad hello: {exc}"})
        await socket.close(code=4400, reason="bad hello")
        return
    except WebSocketDisconnect:
        return
    secret = hello.token or cookie
    try:
        if not secret:
            raise NotAuthenticated(
                "send a token or connect with the session cookie", code="authentication_required"
            )
        actor = await _authenticate(services, secret)
    except NotAuthenticated as exc:
        await socket.send_json({"type": "error", "detail": exc.detail})
        await socket.close(code=4401, reason="unauthenticated")
        return
    if Role.SAS_PLATFORM in actor.roles or actor.in_no_territory:
        # The SAS platform's account searches /fhir only; the operator sees no territory.
        await socket.send_json({"type": "error", "detail": "not for this account"})
        await socket.close(code=4403, reason="forbidden")
        return
    allowed = allowed_topics(actor)
    wanted = frozenset(hello.topics) if hello.topics is not None else allowed
    if not wanted <= allowed:
        past = sorted(wanted - allowed)
        known = [t for t in past if t in TOPICS]
        detail = f"not allowed: {', '.join(known)}" if known else f"unknown topics: {past}"
        await socket.send_json({"type": "error", "detail": detail})
        await socket.close(code=4403, reason="topic not allowed")
        return
    if hello.since is not None and hello.since < 0:
        await socket.close(code=4400, reason="since must be >= 0")
        return
    if hub.sockets_of[actor.account_id] >= MAX_SOCKETS_PER_ACCOUNT:
        await socket.send_json({"type": "error", "detail": "too many live connections"})
        await socket.close(code=4429, reason="too many sockets")
        return
    async with services.db.read() as session:
        expert = await expert_of(session, actor)
    active = expert if expert is not None and expert.active else None
    viewer = Viewer(
        actor,
        active.id if active else None,
        wanted,
        active.expertise.value if active else None,
    )
    hub.sockets_of[actor.account_id] += 1
    try:
        await _serve(socket, services, hub, viewer, hello.since, secret)
    finally:
        hub.sockets_of[actor.account_id] -= 1
        if not hub.sockets_of[actor.account_id]:
            del hub.sockets_of[actor.account_id]


async def _serve(
    socket: WebSocket[Any, Any, Any],
    services: AppServices,
    hub: Hub,
    viewer: Viewer,
    since: int | None,
    secret: str,
) -> None:
    territory = viewer.actor.territory_id
    listener, live_from = await hub.attach(territory)  # before the replay: no gap
    try:
        # A `since` beyond the last event is the client's mistake (another server, a reset
        # database): it resumes from the last event, as `ready` tells it, instead of having
        # every live event up to its number silently skipped.
        last = live_from if since is None else min(since, live_from)
        if since is not None:
            while True:  # replay what the client missed, from the outbox
                batch = await fetch_after(services.db, territory, last)
                for e in batch:
                    view = view_of(e.type, e.data, e.actor_account_id, viewer)
                    if view is not None:
                        await socket.send_data(e.wire(view), mode="text")
                    last = e.seq
                if len(batch) < BATCH:
                    break
        await socket.send_json({"type": "ready", "seq": last})
        await _stream(socket, services, hub, listener, viewer, last, secret)
    except WebSocketDisconnect:
        pass
    finally:
        hub.detach(listener)


async def _stream(
    socket: WebSocket[Any, Any, Any],
    services: AppServices,
    hub: Hub,
    listener: Listener,
    viewer: Viewer,
    last: int,
    secret: str,
) -> None:
    loop = asyncio.get_running_loop()
    heard = loop.time()

    async def recheck() -> None:
        """The socket lives as long as its credentials and rights: logout, revocation,
        disabling or a changed role end it within the token cache's delay."""
        every = max(services.settings.token_cache_seconds, MIN_RECHECK_SECONDS)
        while True:
            await asyncio.sleep(every)
            try:
                now = await _authenticate(services, secret)
            except NotAuthenticated:
                raise _Ended("unauthenticated") from None
            if now.roles != viewer.actor.roles or now.territory_id != viewer.actor.territory_id:
                raise _Ended("rights changed")

    async def receive() -> None:
        nonlocal heard
        while True:
            await socket.receive_data(mode="text")  # pongs and anything else: signs of life
            heard = loop.time()

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(PING_SECONDS)
            if loop.time() - heard > IDLE_SECONDS:
                raise _Idle
            await socket.send_json({"type": "ping"})

    async def send() -> None:
        nonlocal last
        if hub.closing.is_set():
            raise _GoingAway
        while True:
            e = await listener.queue.get()
            if isinstance(e, str):  # a marker
                if e == RESYNC:
                    raise _Behind(last)
                raise _GoingAway
            if e.seq <= last:
                continue  # already sent by the replay
            view = view_of(e.type, e.data, e.actor_account_id, viewer)
            if view is not None:
                await socket.send_data(e.wire(view), mode="text")
            last = e.seq

    tasks = [asyncio.create_task(t()) for t in (receive, heartbeat, send, recheck)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            exc = task.exception()
            if isinstance(exc, _Behind):
                await socket.send_json({"type": "resync", "since": exc.since})
                await socket.close(code=4409, reason="resync")
            elif isinstance(exc, _GoingAway):
                await socket.close(code=1001, reason="server shutting down")
            elif isinstance(exc, _Idle):
                await socket.close(code=4408, reason="no pong")
            elif isinstance(exc, _Ended):
                code = 4401 if exc.reason == "unauthenticated" else 4403
                await socket.send_json({"type": "error", "detail": f"session ended: {exc.reason}"})
                await socket.close(code=code, reason=exc.reason)
            elif exc is not None and not isinstance(exc, WebSocketDisconnect):
                raise exc
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


class _Behind(Exception):
    def __init__(self, since: int) -> None:
        super().__init__(since)
        self.since = since


class _GoingAway(Exception):
    pass


class _Idle(Exception):
    pass


class _Ended(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

"""Websocket clients that behave like the real ones (server/live/watch.py, the web pages):
answer pings, and on any close reconnect through nginx with `since` = the last seq seen.

Each records every event seq it receives, the seq its first `ready` named (events after it
must all arrive, for a client that may see everything), its connections, resyncs and close
codes, for the invariants.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import websockets

RECONNECT_SECONDS = 0.5


@dataclass
class SocketClient:
    name: str
    token: str
    topics: list[str] | None  # None: all the holder may have
    complete: bool  # sees every event of the territory (a coordinator on topic territory)
    seqs: list[int] = field(default_factory=list)
    first_ready: int | None = None
    last: int | None = None
    connections: int = 0
    resyncs: int = 0
    closes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def hello(self) -> str:
        message: dict[str, Any] = {"token": self.token}
        if self.last is not None:
            message["since"] = self.last
        if self.topics is not None:
            message["topics"] = self.topics
        return json.dumps(message)

    async def run(self, url: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with websockets.connect(
                    url, open_timeout=10, ping_interval=None, proxy=None, max_size=2**22
                ) as ws:
                    self.connections += 1
                    await ws.send(self.hello())
                    async for raw in ws:
                        self._receive(json.loads(raw))
                        if self._wants_pong:
                            self._wants_pong = False
                            await ws.send('{"type": "pong"}')
            except websockets.ConnectionClosed as closed:
                self.closes[str(closed.rcvd.code) if closed.rcvd else "no close frame"] += 1
                if closed.rcvd is not None and closed.rcvd.code in (4400, 4401, 4403):
                    self.errors.append(f"refused: {closed.rcvd.code} {closed.rcvd.reason}")
            except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
                self.closes[type(exc).__name__] += 1
            await asyncio.sleep(RECONNECT_SECONDS * (0.5 + random.random()))

    _wants_pong: bool = False

    def _receive(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if "seq" in message and "data" in message:  # an event envelope
            seq = int(message["seq"])
            self.seqs.append(seq)
            self.last = seq
        elif kind == "ready":
            if self.first_ready is None:
                self.first_ready = int(message["seq"])
            if self.last is None:
                self.last = int(message["seq"])
        elif kind == "ping":
            self._wants_pong = True
        elif kind == "resync":
            self.resyncs += 1
        elif kind == "error":
            self.errors.append(str(message.get("detail")))


def clients(tokens: dict[str, str], n: int) -> list[SocketClient]:
    """A third coordinators and admins on `territory` (checked for completeness), a third
    regulators and a third GPs on their default topics (checked for order and duplicates)."""
    kinds = [
        ("territory", ["coordinator", "admin"], ["territory"], True),
        ("regulator", ["regulator"], None, False),
        ("gp", [f"gp{i}" for i in range(1, 13)], None, False),
    ]
    made = []
    for i in range(n):
        label, accounts, topics, complete = kinds[i % len(kinds)]
        account = accounts[(i // len(kinds)) % len(accounts)]
        made.append(SocketClient(f"{label}-{i}:{account}", tokens[account], topics, complete))
    return made

"""`cpts watch`: tail a server's event stream from a terminal, resuming after each drop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import websockets

RETRY_SECONDS = 1.0


async def watch(
    url: str,
    token: str,
    *,
    since: int | None = None,
    topics: list[str] | None = None,
    emit: Callable[[dict[str, Any]], None],
    limit: int | None = None,
) -> int | None:
    """Print (through `emit`) every envelope, reconnecting from the last seq after a drop or a
    resync; returns the last seq once `limit` events are seen. Gives up on 44xx closes (bad
    token, topic refused), which retrying cannot fix."""
    last = since
    seen = 0
    while True:
        hello: dict[str, Any] = {"token": token}
        if last is not None:
            hello["since"] = last
        if topics:
            hello["topics"] = topics
        try:
            async with websockets.connect(url) as ws:
                await ws.send(json.dumps(hello))
                async for raw in ws:
                    message = json.loads(raw)
                    if message.get("type") == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                        continue
                    if "data" in message:  # an event envelope (control messages have none)
                        last = int(message["seq"])
                        seen += 1
                    elif message.get("type") == "ready" and last is None:
                        last = int(message["seq"])
                    emit(message)
                    if limit is not None and seen >= limit:
                        return last
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            if closed.rcvd is not None and code in (4400, 4401, 4403):
                raise SystemExit(f"server refused: {closed.rcvd.reason}") from None
        except OSError:
            pass
        await asyncio.sleep(RETRY_SECONDS)

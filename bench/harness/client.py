"""The load's HTTP client: one keep-alive connection to nginx per actor, every exchange
recorded (time, kind, status, latency) so that each answer can later be judged against the
fault windows it fell in.

Written on asyncio streams (bench/_http.py) rather than httpx: the load shares the machine's
cores with the workers, PostgreSQL and nginx. Every request has a deadline: a request that
gets no answer in time is a violation, not a wait.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from bench._http import Connection

TIMEOUT = 0  # status recorded when no answer came within the deadline
NO_CONNECTION = -1  # status recorded when the connection failed or closed mid-exchange
DEADLINE_SECONDS = 20.0


@dataclass(slots=True)
class Sample:
    at: float  # seconds since the load began
    kind: str
    status: int
    latency: float
    problem_json: bool


@dataclass
class Recorder:
    t0: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.t0


class Http:
    def __init__(self, host: str, port: int, recorder: Recorder) -> None:
        self.host, self.port, self.rec = host, port, recorder
        self._conn: Connection | None = None

    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        raw = json.dumps(body).encode() if body is not None else b""
        began = self.rec.now()
        status, answer, problem_json = NO_CONNECTION, None, False
        conn = self._conn or Connection(self.host, self.port)
        self._conn = conn
        try:
            async with asyncio.timeout(DEADLINE_SECONDS):
                status, data = await conn.request(method, path, raw, headers)
            content_type = conn.last_headers.get(b"content-type", b"")
            problem_json = content_type.startswith(b"application/problem+json")
            if data:
                try:
                    answer = json.loads(data)
                except ValueError:
                    answer = data[:200].decode(errors="replace")
            if conn.last_headers.get(b"connection", b"").lower() == b"close":
                await self.reset()
        except TimeoutError:
            status = TIMEOUT
            await self.reset()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = NO_CONNECTION
            await self.reset()
        self.rec.samples.append(Sample(began, kind, status, self.rec.now() - began, problem_json))
        return status, answer

    async def reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                async with asyncio.timeout(2):
                    await conn.close()
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                pass

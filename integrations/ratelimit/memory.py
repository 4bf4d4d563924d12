"""One process's counts: enough for the embedded default, where one process serves everything."""

from __future__ import annotations

import time
from collections.abc import Callable

from integrations.ratelimit.base import Decision

_SWEEP_EVERY = 1024  # hits between sweeps of expired windows, so idle keys do not pile up


class InProcessLimiter:
    backend = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key → (window end, hits)
        self._hits = 0

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = self._clock()
        self._hits += 1
        if self._hits % _SWEEP_EVERY == 0:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_seconds, 0
        count += 1
        self._windows[key] = (ends, count)
        if count > limit:
            return Decision(False, 0, max(1, int(ends - now + 0.999)))
        return Decision(True, limit - count, 0)

    async def peek(self, key: str, limit: int) -> Decision:
        now = self._clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now or count < limit:
            return Decision(True, limit - (count if ends > now else 0), 0)
        return Decision(False, 0, max(1, int(ends - now + 0.999)))

    async def close(self) -> None:
        self._windows.clear()

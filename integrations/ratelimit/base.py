"""What a rate limiter answers: allowed or not, and when to come back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int  # seconds until the window resets (0 when allowed)


class RateLimiter(Protocol):
    backend: str

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        """Count one hit of `key` in the current window and say whether it is within `limit`."""
        ...

    async def peek(self, key: str, limit: int) -> Decision:
        """Whether `key` is already past `limit` in its current window, without counting."""
        ...

    async def close(self) -> None: ...

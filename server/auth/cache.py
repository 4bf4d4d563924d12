"""A short-lived, bounded cache of resolved tokens.

Resolving a token costs a database round trip on every request; caching it for a few seconds
removes that from hot paths. Revocation clears the local entry at once; other workers notice
within the TTL (`CPTS_TOKEN_CACHE_SECONDS`, 0 disables the cache).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from kernel.actor import Actor


class TokenCache:
    def __init__(self, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: OrderedDict[bytes, tuple[float, Actor]] = OrderedDict()

    def get(self, key: bytes) -> Actor | None:
        if self._ttl <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, actor = entry
        if expires < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return actor

    def put(self, key: bytes, actor: Actor) -> None:
        if self._ttl <= 0:
            return
        self._entries[key] = (time.monotonic() + self._ttl, actor)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def forget_token(self, token_id: object) -> None:
        for key, (_, actor) in list(self._entries.items()):
            if actor.token_id == token_id:
                del self._entries[key]

    def forget_account(self, account_id: object) -> None:
        for key, (_, actor) in list(self._entries.items()):
            if actor.account_id == account_id:
                del self._entries[key]

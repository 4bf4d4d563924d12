"""Rooms on a Jitsi-compatible server: the room name is the only secret, so it is long and random.

Jitsi (and its self-hosted or certified derivatives) opens a room to whoever knows its URL, so
the name carries 192 bits from the OS's CSPRNG and nothing guessable (no id, no date, no name).
A deployment with a certified platform plugs another `VideoRooms` in its place.
"""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

ROOM_PREFIX = "cpts-tlc-"


class JitsiRooms:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError(f"video base URL must be https://host[/path], got {base_url!r}")
        self._base = base_url.rstrip("/")

    def room_url(self, teleconsultation_id: uuid.UUID) -> str:
        return f"{self._base}/{ROOM_PREFIX}{secrets.token_urlsafe(24)}"

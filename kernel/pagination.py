"""Opaque keyset cursors: stable under inserts, cheap on large tables (no OFFSET scans)."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class BadCursor(ValueError):
    pass


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("cursor is not valid") from exc
    if (
        not isinstance(values, list)
        or len(values) != arity
        or not all(isinstance(v, str) for v in values)
    ):
        raise BadCursor("cursor is not valid")
    return values


class Page(Generic[T]):
    """One page of a collection and the cursor of the next one (None at the end)."""

    __slots__ = ("items", "next")

    def __init__(self, items: list[T], next: str | None) -> None:
        self.items = items
        self.next = next

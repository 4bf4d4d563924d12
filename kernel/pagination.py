"""Opaque keyset cursors: stable under inserts, cheap on large tables (no OFFSET scans)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.sql.elements import SQLCoreOperations

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


def keyset(
    stmt: Select[Any],
    key: SQLCoreOperations[Any],
    row_id: SQLCoreOperations[Any],
    cursor: str | None,
    *,
    limit: int,
    descending: bool = False,
    parse: Callable[[str], Any] = str,
) -> Select[Any]:
    """Order `stmt` by (key, id), resume after `cursor`, and fetch one row more than a page.

    Raises BadCursor when the cursor is not one this ordering produced.
    """
    if cursor:
        raw_key, raw_id = decode_cursor(cursor, 2)
        try:
            after_key, after_id = parse(raw_key), uuid.UUID(raw_id)
        except ValueError as exc:
            raise BadCursor("cursor is not valid") from exc
        if descending:
            stmt = stmt.where(or_(key < after_key, and_(key == after_key, row_id < after_id)))
        else:
            stmt = stmt.where(or_(key > after_key, and_(key == after_key, row_id > after_id)))
    order = (key.desc(), row_id.desc()) if descending else (key, row_id)
    return stmt.order_by(*order).limit(limit + 1)


def page(rows: list[T], limit: int, key_of: Callable[[T], tuple[Any, Any]]) -> Page[T]:
    """Cut the extra row fetched by `keyset` and make the cursor of the next page."""
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    key, row_id = key_of(rows[-1])
    return Page(rows, encode_cursor(key.isoformat() if hasattr(key, "isoformat") else key, row_id))

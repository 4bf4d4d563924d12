"""A page's query string read leniently: a value that does not parse counts as absent, and the
page shows its default instead of an error (a link or a form left empty sends `&x=`)."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import TypeVar

_E = TypeVar("_E", bound=enum.Enum)


def uuid_or_none(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def member_or_none(kind: type[_E], text: str | None) -> _E | None:
    """The member of `kind` whose value is `text`."""
    try:
        return kind(text) if text else None
    except ValueError:
        return None

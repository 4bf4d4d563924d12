"""Wire shapes of the authentication API."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from kernel.actor import Role
from server.directory.wire import ProfessionalOut, TerritoryOut
from server.wire_time import Instant


class LoginIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    session: bool = False  # also set the session cookie for the web pages
    # The territory's slug, when the e-mail and password open accounts in several (409 otherwise).
    territory: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


class PasswordResetIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]


class PasswordIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A link's secret (from its URL's fragment) and the new password."""

    token: Annotated[str, msgspec.Meta(min_length=20, max_length=100)]
    # The policy's bounds are checked by the domain (coordination/accounts/password_policy.py),
    # which names the rule broken; this one only bounds the body.
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class PasswordSetOut(msgspec.Struct, kw_only=True):
    """Whose password it was: the login form is filled in with it."""

    email: str
    territory: str | None


class LoginOut(msgspec.Struct, kw_only=True):
    token: str
    token_type: str
    expires_at: Instant | None


class TokenIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class TokenOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    kind: str
    created_at: Instant
    expires_at: Instant | None
    revoked_at: Instant | None


class NewTokenOut(TokenOut, kw_only=True):
    token: str  # shown once


class TokenList(msgspec.Struct, kw_only=True):
    items: list[TokenOut]
    next: str | None = None


class MeOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    display_name: str
    roles: list[Role]
    territory: TerritoryOut
    professional_id: uuid.UUID | None
    professional: ProfessionalOut | None

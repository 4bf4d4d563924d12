"""The cookies of a browser session, the same whichever way the person logged in."""

from __future__ import annotations

import secrets

from litestar.datastructures import Cookie

from coordination.accounts.service import IssuedToken
from kernel.clock import Clock
from server.auth.middleware import CSRF_COOKIE, SESSION_COOKIE


def session_cookies(issued: IssuedToken, clock: Clock, secure: bool) -> list[Cookie]:
    """The HttpOnly session cookie and the readable CSRF cookie its writes must echo."""
    expires = issued.token.expires_at
    max_age = int((expires - clock.now()).total_seconds()) if expires else None
    return [
        Cookie(
            key=SESSION_COOKIE,
            value=issued.secret,
            httponly=True,
            secure=secure,
            samesite="lax",
            max_age=max_age,
            path="/",
        ),
        Cookie(
            key=CSRF_COOKIE,
            value=secrets.token_urlsafe(24),
            httponly=False,
            secure=secure,
            samesite="strict",
            max_age=max_age,
            path="/",
        ),
    ]

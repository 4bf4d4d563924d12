"""Signing in as the pages are used: by the session cookie (and its CSRF echo on writes)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from litestar import Litestar
from sqlalchemy import select

from coordination.accounts.account import Account
from kernel.audit import PatientDataRead
from server.database import Database

# `async with person(email) as c`: see the `person` fixture (conftest.py).
Person = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


async def _session_login(client: httpx.AsyncClient, email: str) -> httpx.Response:
    response = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "demo", "session": True}
    )
    assert response.status_code == 200, response.text
    return response


async def cookie_login(client: httpx.AsyncClient, email: str) -> None:
    """Sign `client` in as `email` with the session cookie, as the pages are used (a new person
    on this browser: bearer logins on it must come before this)."""
    client.cookies.clear()
    await _session_login(client, email)


@asynccontextmanager
async def browser_of(app: Litestar, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own holding `email`'s session cookie and sending the CSRF token on
    writes (cookies are per client, so two people never share one)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        response = await _session_login(c, email)
        c.headers["X-CSRF-Token"] = response.cookies["cpts_csrf"]
        yield c


async def account_id(client: httpx.AsyncClient) -> uuid.UUID:
    """The id of the account `client` is signed in as."""
    return uuid.UUID((await client.get("/api/v1/me")).json()["id"])


async def patient_reads(
    database: Database,
    subject_ids: list[str],
    *,
    email: str | None = None,
    account: str | uuid.UUID | None = None,
    subject_type: str | None = None,
    purpose: str | None = None,
) -> list[PatientDataRead]:
    """The audit trail's reads of these subjects, by the account of `email` (or id `account`),
    of this type and for this purpose when given."""
    query = select(PatientDataRead).where(
        PatientDataRead.subject_id.in_([uuid.UUID(s) for s in subject_ids])
    )
    if email is not None:
        query = query.join(Account, Account.id == PatientDataRead.account_id).where(
            Account.email == email
        )
    if account is not None:
        query = query.where(PatientDataRead.account_id == uuid.UUID(str(account)))
    if subject_type is not None:
        query = query.where(PatientDataRead.subject_type == subject_type)
    if purpose is not None:
        query = query.where(PatientDataRead.purpose == purpose)
    async with database.read() as session:
        return list(await session.scalars(query))

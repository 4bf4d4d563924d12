"""A platform operator for the tests: an account of no territory, logged in."""

from __future__ import annotations

import uuid

import httpx

from coordination.accounts.service import AccountDraft, create_account
from kernel.actor import Role
from kernel.clock import Clock
from server.database import Database
from tests.conftest import login

OPERATOR_PASSWORD = "l'opérateur de la plateforme"


async def new_operator(
    database: Database, clock: Clock, client: httpx.AsyncClient
) -> tuple[dict[str, str], str]:
    """A fresh operator: its bearer headers and e-mail."""
    email = f"operator-{uuid.uuid4().hex[:10]}@platform.test"
    async with database.write() as session:
        await create_account(
            session,
            clock,
            None,
            None,
            AccountDraft(
                email=email,
                display_name="Opérateur",
                roles=frozenset({Role.OPERATOR}),
                password=OPERATOR_PASSWORD,
            ),
        )
    return await login(client, email, OPERATOR_PASSWORD), email

"""Operator-side token minting for the CLI."""

from __future__ import annotations

from coordination.accounts import service as accounts
from kernel.clock import SystemClock
from kernel.errors import Invalid, NotFound
from server.database import Database


async def mint_token(url: str, email: str, name: str, territory: str | None = None) -> str:
    db = Database(url)
    try:
        async with db.write() as session:
            issued = await accounts.create_token_for(session, SystemClock(), email, name, territory)
        return issued.secret
    except (NotFound, Invalid) as exc:
        raise LookupError(exc.detail) from exc
    finally:
        await db.dispose()

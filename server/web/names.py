"""The names the pages show for the accounts and professionals of the actor's territory."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts.account import Account
from coordination.directory.lookup import contacts_of
from kernel.actor import Actor


async def account_names(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Account id → its display name, for the accounts of the actor's territory among `ids`."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Account.id, Account.display_name).where(
            Account.id.in_(wanted), Account.territory_id == actor.territory_id
        )
    )
    return {account_id: name for account_id, name in rows.all()}


async def professional_names(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Professional id → « given family » for each of `ids`, « — » for one not in the
    actor's territory."""
    wanted = list(ids)
    contacts = await contacts_of(session, actor.territory_id, wanted)
    return {i: contacts[i].name if i in contacts else "—" for i in wanted}

"""Account administration for the territory's administrators."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody

from coordination.accounts import service as accounts
from coordination.accounts.account import Account
from kernel.actor import Role
from server.auth.guards import roles
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep


class AccountOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    display_name: str
    roles: list[Role]
    professional_id: uuid.UUID | None
    disabled: bool


class AccountList(msgspec.Struct, kw_only=True):
    items: list[AccountOut]
    next: str | None = None


class AccountIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=7)]
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=1024)] | None = None
    professional_id: uuid.UUID | None = None


class AccountPatchIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=7)]
    disabled: bool | None = None


def _out(a: Account) -> AccountOut:
    return AccountOut(
        id=a.id,
        email=a.email,
        display_name=a.display_name,
        roles=sorted(a.roles),
        professional_id=a.professional_id,
        disabled=a.disabled_at is not None,
    )


class AccountsController(Controller):
    path = "/api/v1/accounts"
    tags = ["accounts"]
    guards = [roles(Role.ADMIN)]

    @get("/", summary="Accounts of the territory")
    async def list_accounts(self, session: DbSession, actor: ActorDep) -> AccountList:
        return AccountList(items=[_out(a) for a in await accounts.list_accounts(session, actor)])

    @post("/", summary="Create an account")
    async def create(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[AccountIn]
    ) -> AccountOut:
        account = await accounts.create_account(
            session,
            clock,
            actor,
            actor.territory_id,
            accounts.AccountDraft(
                email=data.email,
                display_name=data.display_name,
                roles=frozenset(data.roles),
                password=data.password,
                professional_id=data.professional_id,
            ),
        )
        return _out(account)

    @patch("/{account_id:uuid}", summary="Change roles or disable an account")
    async def update(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        account_id: FromPath[uuid.UUID],
        data: JSONBody[AccountPatchIn],
    ) -> AccountOut:
        account = await accounts.set_roles(
            session, clock, actor, account_id, frozenset(data.roles), data.disabled
        )
        services.token_cache.forget_account(account.id)
        return _out(account)

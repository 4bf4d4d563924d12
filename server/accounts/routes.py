"""Account administration for the territory's administrators."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from coordination.accounts import onboarding
from coordination.accounts import service as accounts
from coordination.accounts.account import Account
from coordination.accounts.onboarding import IssuedLink
from kernel.actor import Role
from server.accounts.mail import send_links
from server.auth.guards import roles
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.state import AppServices
from server.wire_types import Email


class AccountOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    display_name: str
    roles: list[Role]
    professional_id: uuid.UUID | None
    disabled: bool
    has_password: bool
    # When an invitation just went out (its link by e-mail only): until when it works.
    invitation_expires_at: datetime | None = None


class AccountList(msgspec.Struct, kw_only=True):
    items: list[AccountOut]
    next: str | None = None


class AccountIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=7)]
    # None: the account is invited by e-mail to choose its own (the usual way). The policy
    # (length, breached lists) is the domain's: coordination/accounts/password_policy.py.
    password: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
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
        has_password=a.password_hash is not None,
    )


def _invited(
    services: AppServices, account: Account, link: IssuedLink | None, status: int
) -> Response[AccountOut]:
    """The account, and its invitation e-mailed once the transaction has committed."""
    out = _out(account)
    if link is None:
        return Response(out, status_code=status)
    out.invitation_expires_at = link.expires_at
    return Response(
        out, status_code=status, background=BackgroundTask(send_links, services, [link])
    )


class AccountsController(Controller):
    path = "/api/v1/accounts"
    tags = ["accounts"]
    guards = [roles(Role.ADMIN)]

    @get("/", summary="Accounts of the territory")
    async def list_accounts(self, session: DbSession, actor: ActorDep) -> AccountList:
        return AccountList(items=[_out(a) for a in await accounts.list_accounts(session, actor)])

    @post("/", summary="Create an account (invited by e-mail unless a password is given)")
    async def create(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        data: JSONBody[AccountIn],
    ) -> Response[AccountOut]:
        account, link = await onboarding.add_account(
            session,
            clock,
            actor,
            accounts.AccountDraft(
                email=data.email,
                display_name=data.display_name,
                roles=frozenset(data.roles),
                password=data.password,
                professional_id=data.professional_id,
            ),
        )
        return _invited(services, account, link, HTTP_201_CREATED)

    @post(
        "/{account_id:uuid}/invitation",
        summary="Send the account a new invitation (the older links stop working)",
    )
    async def invite(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        account_id: FromPath[uuid.UUID],
    ) -> Response[AccountOut]:
        link = await onboarding.invite(session, clock, actor, account_id)
        account = await accounts.get_account(session, actor, account_id)
        return _invited(services, account, link, HTTP_201_CREATED)

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

"""Login, logout, the caller's own account and their API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from coordination.accounts import onboarding
from coordination.accounts import service as accounts
from coordination.accounts.account import normalise_email
from coordination.accounts.token import ApiToken, TokenKind
from coordination.directory.service import get_professional
from coordination.directory.territories import get_territory
from kernel.errors import NotAuthenticated
from server.accounts.mail import reset_in_background
from server.auth.cookies import session_cookies
from server.auth.middleware import CSRF_COOKIE, SESSION_COOKIE, check_same_origin
from server.auth.wire import (
    LoginIn,
    LoginOut,
    MeOut,
    NewTokenOut,
    PasswordIn,
    PasswordResetIn,
    PasswordSetOut,
    TokenIn,
    TokenList,
    TokenOut,
)
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.directory.wire import professional_out, territory_out
from server.rate_limits import Limit

RESETS_PER_EMAIL = 3  # reset links one e-mail may be sent per window
RESET_WINDOW_SECONDS = 900


def _token_out(t: ApiToken) -> TokenOut:
    return TokenOut(
        id=t.id,
        name=t.name,
        kind=t.kind.value,
        created_at=t.created_at,
        expires_at=t.expires_at,
        revoked_at=t.revoked_at,
    )


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    # Not authenticated at all: whatever session cookie the browser still holds (expired,
    # revoked, another account's) must not stand between a person and the login form.
    @post(
        "/auth/login",
        opt={"public": True, "exclude_from_auth": True},
        status_code=HTTP_200_OK,
        summary="Log in",
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        clock: ClockDep,
        services: ServicesDep,
        data: JSONBody[LoginIn],
    ) -> Response[LoginOut]:
        check_same_origin(request, services.settings.public_url)
        kind = TokenKind.SESSION if data.session else TokenKind.API
        # Failed logins are limited per account too, not only per address: guesses spread over
        # many addresses stop at the account. Unknown e-mails are counted alike.
        limit = Limit.parse(services.settings.rate_login_failures)
        key = f"login-failed:{normalise_email(data.email)}"
        barred = await services.rate_limiter.peek(key, limit.count)
        if not barred.allowed:
            raise TooManyRequestsException(
                detail=f"too many failed logins for this account: retry in {barred.retry_after} s",
                headers={"Retry-After": str(barred.retry_after)},
            )
        try:
            issued = await accounts.login(
                services.db, clock, data.email, data.password, kind, data.territory
            )
        except NotAuthenticated:
            await services.rate_limiter.hit(key, limit.count, limit.seconds)
            raise
        body = LoginOut(
            token=issued.secret,
            token_type="bearer",  # noqa: S106
            expires_at=issued.token.expires_at,
        )
        cookies = []
        if data.session:
            cookies = session_cookies(issued, clock, services.settings.cookie_secure)
        return Response(body, cookies=cookies)

    @post(
        "/auth/password-reset",
        opt={"public": True, "exclude_from_auth": True},
        status_code=HTTP_202_ACCEPTED,
        media_type=MediaType.TEXT,  # an empty answer, documented as such
        summary="Forgotten password: e-mail a reset link, if the address has an account",
    )
    async def forgot_password(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        data: JSONBody[PasswordResetIn],
    ) -> Response[bytes]:
        """Always 202, at once: the links are made and sent after the answer has gone, so
        neither the answer nor its timing tells whether the e-mail has an account. A few
        links per e-mail and quarter-hour at most (more are dropped, silently too)."""
        check_same_origin(request, services.settings.public_url)
        email = normalise_email(data.email)
        decision = await services.rate_limiter.hit(
            f"password-reset:{email}", RESETS_PER_EMAIL, RESET_WINDOW_SECONDS
        )
        background = BackgroundTask(reset_in_background, services, email)
        return Response(
            b"",
            status_code=HTTP_202_ACCEPTED,
            media_type="text/plain",
            background=background if decision.allowed else None,
        )

    @post(
        "/auth/password",
        opt={"public": True, "exclude_from_auth": True},
        status_code=HTTP_200_OK,
        summary="Set a password with an invitation or reset link",
    )
    async def set_password(
        self,
        request: Request[Any, Any, Any],
        clock: ClockDep,
        services: ServicesDep,
        data: JSONBody[PasswordIn],
    ) -> PasswordSetOut:
        check_same_origin(request, services.settings.public_url)
        done = await onboarding.set_password(services.db, clock, data.token, data.password)
        services.token_cache.forget_account(done.account_id)
        return PasswordSetOut(email=done.email, territory=done.territory_slug)

    @post(
        "/auth/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke the token in use",
        opt={"operator": True},
    )
    async def logout(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, services: ServicesDep
    ) -> Response[None]:
        if actor.token_id is not None:
            await accounts.revoke_token(session, clock, actor, actor.token_id)
            services.token_cache.forget_token(actor.token_id)
        return Response(
            None,
            status_code=HTTP_204_NO_CONTENT,
            cookies=[
                Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/"),
                Cookie(key=CSRF_COOKIE, value="", max_age=0, path="/"),
            ],
        )

    @get("/me", summary="The caller's account, roles, territory and directory record")
    async def me(self, session: DbSession, actor: ActorDep) -> MeOut:
        account = await accounts.get_account(session, actor, actor.account_id)
        territory = await get_territory(session, actor)
        professional = (
            professional_out(await get_professional(session, actor, account.professional_id))
            if account.professional_id
            else None
        )
        return MeOut(
            id=account.id,
            email=account.email,
            display_name=account.display_name,
            roles=sorted(account.roles),
            territory=territory_out(territory),
            professional_id=account.professional_id,
            professional=professional,
        )

    @get("/me/tokens", summary="The caller's tokens (secrets are never shown again)")
    async def tokens(self, session: DbSession, actor: ActorDep) -> TokenList:
        return TokenList(items=[_token_out(t) for t in await accounts.list_tokens(session, actor)])

    @post("/me/tokens", summary="Create an API token for an integration or a device")
    async def create_token(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[TokenIn]
    ) -> NewTokenOut:
        issued = await accounts.create_token(session, clock, actor, data.name)
        t = issued.token
        return NewTokenOut(
            id=t.id,
            name=t.name,
            kind=t.kind.value,
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            token=issued.secret,
        )

    @delete("/me/tokens/{token_id:uuid}", summary="Revoke one of the caller's tokens")
    async def revoke(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        token_id: FromPath[uuid.UUID],
    ) -> None:
        await accounts.revoke_token(session, clock, actor, token_id)
        services.token_cache.forget_token(token_id)

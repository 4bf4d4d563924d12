"""Route guards: every API route needs an authenticated actor, and most a role among a few."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler

from kernel.actor import Actor, Role
from kernel.errors import NotAllowed, NotAuthenticated

# Guards are coroutines: Litestar runs synchronous guards in a worker thread, a needless hop
# on every request.
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Actor) else None


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Default guard of the API router; a handler opts out with `opt={"public": True}`."""
    if handler.opt.get("public"):
        return
    actor = current_actor(connection)
    if actor is None:
        raise NotAuthenticated(
            "authentication required: send 'Authorization: Bearer <token>'",
            code="authentication_required",
        )
    if Role.SAS_PLATFORM in actor.roles and not handler.opt.get("sas_platform"):
        raise NotAllowed(
            "the SAS platform's account searches slots through /fhir only",
            code="sas_account_fhir_only",
        )
    if actor.in_no_territory and not handler.opt.get("operator"):
        raise NotAllowed(
            "the platform's operator works through /api/v1/platform only",
            code="operator_platform_only",
        )
    if handler.opt.get("operator") == "only" and not actor.is_operator:
        raise NotAllowed("this is the platform operator's", code="operator_only")


def roles(*allowed: Role) -> Guard:
    """Allow the route to actors holding at least one of `allowed`."""
    names = ", ".join(sorted(r.value for r in allowed))

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        actor = current_actor(connection)
        if actor is None:
            raise NotAuthenticated("authentication required", code="authentication_required")
        if not actor.has_any(*allowed):
            raise NotAllowed(f"this action needs one of the roles: {names}", code="roles_required")

    guard.__name__ = f"roles({names})"
    return guard


class _GuardedInPlace(HTTPRouteHandler):
    """A route handler whose guards are handed the handler itself instead of a copy.

    Litestar copies the handler (some sixty attributes) for every guard call so that a guard
    cannot alter it; ours only read `opt`. On the booking route the copy was about 5% of the
    server's CPU per booking (bench/booking.py, py-spy), hence `post_guarded_in_place` there.
    """

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[misc]  # resolve_guards made them async


def post_guarded_in_place(path: str, **kwargs: Any) -> _GuardedInPlace:
    """`@post(path, ...)` for a hot route whose guards need not be shielded from it."""
    return _GuardedInPlace(path, http_method=HttpMethod.POST, **kwargs)

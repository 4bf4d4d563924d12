"""Dependency providers: one transaction per request, the clock, the calling actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import NotAuthenticated
from server.auth.guards import current_actor
from server.state import AppServices

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def provide_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits after the handler (rolls back if it raised).

    Safe methods get a reader; writes, and reads that leave an audit row (handler option
    `audited`), get a writer (BEGIN IMMEDIATE on SQLite).
    """
    services = AppServices.of(request.app)
    db = services.db
    reads_only = request.method in _SAFE_METHODS and not request.route_handler.opt.get("audited")
    factory = db.reader if reads_only else db.writer
    async with factory() as session, session.begin():
        yield session


def provide_clock(request: Request[Any, Any, Any]) -> Clock:
    return AppServices.of(request.app).clock


def provide_services(request: Request[Any, Any, Any]) -> AppServices:
    return AppServices.of(request.app)


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor = current_actor(request)
    if actor is None:
        raise NotAuthenticated("authentication required", code="authentication_required")
    return actor


DEPENDENCIES = {
    "session": Provide(provide_session),
    "clock": Provide(provide_clock, sync_to_thread=False),
    "services": Provide(provide_services, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=False),
}

# Parameter annotations for handlers: name-based injection, explicit (Litestar 3 style).
DbSession = NamedDependency[AsyncSession]
ClockDep = NamedDependency[Clock]
ActorDep = NamedDependency[Actor]
ServicesDep = NamedDependency[AppServices]

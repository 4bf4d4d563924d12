"""Liveness and readiness.

`/health/live`: the worker answers (restart it if not). `/health`: it is ready for traffic,
the database reachable and migrated, pub/sub carrying (take it out of the pool if not).
"""

from __future__ import annotations

import msgspec
from litestar import Response, get

from server.dependencies import ServicesDep
from server.migrations import database_revision


class Component(msgspec.Struct, kw_only=True):
    ok: bool
    backend: str
    detail: str | None = None


class Health(msgspec.Struct, kw_only=True):
    status: str
    database: Component
    pubsub: Component


@get("/health", opt={"public": True}, tags=["health"], summary="Database and pub/sub state")
async def health(services: ServicesDep) -> Response[Health]:
    db = services.db
    try:
        revision = await database_revision(db)
        database = Component(
            ok=revision is not None, backend=db.backend, detail=f"revision {revision}"
        )
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by type only
        database = Component(ok=False, backend=db.backend, detail=type(exc).__name__)
    pubsub = Component(ok=await services.pubsub.ping(), backend=services.pubsub.backend)
    ok = database.ok and pubsub.ok
    return Response(
        Health(status="ok" if ok else "degraded", database=database, pubsub=pubsub),
        status_code=200 if ok else 503,
    )


class Alive(msgspec.Struct, kw_only=True):
    status: str


@get("/health/live", opt={"public": True}, tags=["health"], summary="The worker answers")
async def alive() -> Alive:
    return Alive(status="ok")

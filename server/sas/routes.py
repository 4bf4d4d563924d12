"""`GET /api/v1/sas/deliveries`: what was told to the SAS platform, for the admins."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter

from kernel.actor import Role
from scheduling.sas_delivery import SasDelivery, SasStatus, list_deliveries
from server.auth.guards import roles
from server.dependencies import ActorDep, DbSession
from server.wire_time import Instant


class DeliveryOut(msgspec.Struct, kw_only=True):
    booking_id: uuid.UUID
    status: SasStatus
    delivered_status: SasStatus | None
    state: str
    attempts: int
    next_attempt_at: Instant | None
    last_error: str | None
    last_http_status: int | None
    delivered_at: Instant | None
    updated_at: Instant


class DeliveryList(msgspec.Struct, kw_only=True):
    items: list[DeliveryOut]
    next: str | None = None


def _out(d: SasDelivery) -> DeliveryOut:
    return DeliveryOut(
        booking_id=d.booking_id,
        status=d.status,
        delivered_status=d.delivered_status,
        state=d.state,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_error=d.last_error,
        last_http_status=d.last_http_status,
        delivered_at=d.delivered_at,
        updated_at=d.updated_at,
    )


class SasController(Controller):
    path = "/api/v1/sas"
    tags = ["sas"]
    guards = [roles(Role.ADMIN)]

    @get("/deliveries", summary="Appointment news sent (or to send) to the SAS platform")
    async def deliveries(
        self,
        session: DbSession,
        actor: ActorDep,
        wanted: Annotated[
            str | None,
            QueryParameter(name="state", pattern="^(pending|failing|delivered|rejected)$"),
        ] = None,
    ) -> DeliveryList:
        rows = await list_deliveries(session, actor.territory_id, wanted)
        return DeliveryList(items=[_out(d) for d in rows])

"""« Récapitulatif du rendez-vous »: the booking slip to print and hand to (or read to) the
patient — when, with whom, where, the practice's phone, how to change it; nothing else.
The same use case as the slip by e-mail (coordination/appointments/slip.py), the same words
(server/scheduling/slip_text.py)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Template

from coordination.appointments.slip import read_slip
from kernel.actor import Role
from kernel.errors import InvalidTransition, NotFound
from server.dependencies import ActorDep, ClockDep, DbSession
from server.scheduling.slip_text import slip_lines
from server.web.access import Refusal, missing

_ROLES = (
    Role.REGULATOR,
    Role.PHARMACIST,
    Role.NURSE,
    Role.GP,
    Role.EXPERT,
    Role.COORDINATOR,
    Role.ADMIN,
)


@get(
    "/rendez-vous/{booking_id:uuid}/recapitulatif",
    opt={"public": True, "audited": True, "page_roles": _ROLES},
    include_in_schema=False,
)
async def booking_slip(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    booking_id: FromPath[uuid.UUID],
) -> Template | Refusal:
    try:
        slip = await read_slip(session, clock, actor, booking_id, "booking slip (print)")
    except (NotFound, InvalidTransition):
        return await missing(
            request,
            session,
            actor,
            "Récapitulatif introuvable",
            "Ce rendez-vous n'existe pas, n'est pas visible depuis votre compte ou a été annulé.",
            ("/demandes", "Retour aux demandes"),
        )
    title, *lines = slip_lines(slip)
    return Template(
        template_name="slip.html",
        context={"slip": slip, "title": title, "lines": lines},
    )


PAGES: list[HTTPRouteHandler] = [booking_slip]

"""The médecin-traitant pages: the public request form (no account), the coordinator's
waiting list (fragility first, ages, duplicates, the server's suggestions to confirm), and
the GP's page (the quarter's capacity, the proposals to answer, the declarations to record).

Every page calls coordination/doctor_access/service.py; writes go through the JSON API."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromQuery
from litestar.response import Template

from coordination.directory.lookup import professional_names
from coordination.directory.service import list_communes
from coordination.doctor_access import service
from coordination.doctor_access.matching import Fragility
from coordination.doctor_access.models import EntryStatus, quarter_of
from kernel.actor import Role
from kernel.errors import Invalid, NotFound
from server.dependencies import ActorDep, ClockDep, DbSession
from server.web import labels
from server.web.access import Refusal, page
from server.web.dates import local_day, years_between

_PUBLIC = {"public": True, "exclude_from_auth": True}


@get("/trouver-un-medecin", opt=_PUBLIC, include_in_schema=False)
async def public_form(
    session: DbSession, clock: ClockDep, cpts: FromQuery[str | None] = None
) -> Template:
    """Ask the CPTS for a médecin traitant: no account, a receipt at the end."""
    try:
        territory = await service.public_territory(session, (cpts or "")[:64] or None)
    except (Invalid, NotFound):
        return Template(
            template_name="missing.html",
            context={
                "title": "CPTS introuvable",
                "message": "Indiquez la CPTS de votre commune (le lien qu'elle vous a donné).",
                "back_href": "/",
                "back_label": "Accueil",
                "signed_in": False,
            },
            status_code=404,
        )
    communes = await service.communes_of(session, territory.id)
    return Template(
        template_name="doctor_access_public.html",
        context={
            "signed_in": False,
            "territory": territory,
            "communes": communes,
            "fragilities": labels.FRAGILITIES,
            "today": local_day(clock.now(), territory.timezone).isoformat(),
        },
    )


@get(
    "/coordination/medecin-traitant",
    opt={"public": True, "audited": True, "page_roles": (Role.COORDINATOR, Role.ADMIN)},
    include_in_schema=False,
)
async def waiting_list_page(
    request: Request[Any, Any, Any], actor: ActorDep, session: DbSession, clock: ClockDep
) -> Template | Refusal:
    listed = await service.waiting_list(session, clock, actor)
    gps = {pid for item in listed for pid in item.suggested}
    gps |= {p.professional_id for item in listed for p in item.proposals}
    gps |= {item.entry.gp_professional_id for item in listed if item.entry.gp_professional_id}
    today = local_day(clock.now(), actor.timezone)
    return await page(
        request,
        session,
        actor,
        "doctor_access_list.html",
        listed=listed,
        names=await professional_names(session, actor, gps),
        today=today,
        ages={
            i.entry.id: (today - local_day(i.entry.received_at, actor.timezone)).days
            for i in listed
        },
        years={i.entry.id: years_between(i.patient.birth_date, today) for i in listed},
        statuses=labels.ENTRY_STATUSES,
        fragilities=labels.FRAGILITIES_SHORT,
        sources=labels.SOURCES,
        Fragility=Fragility,
        waiting=EntryStatus.WAITING,
        proposed=EntryStatus.PROPOSED,
        accepted=EntryStatus.ACCEPTED,
    )


@get(
    "/medecin-traitant",
    opt={"public": True, "audited": True, "page_roles": (Role.GP,)},
    include_in_schema=False,
)
async def gp_page(
    request: Request[Any, Any, Any], actor: ActorDep, session: DbSession, clock: ClockDep
) -> Template | Refusal:
    proposals = await service.my_proposals(session, clock, actor)
    capacity = await service.my_capacity(session, clock, actor)
    accepted = await service.my_accepted(session, clock, actor)
    today = local_day(clock.now(), actor.timezone)
    return await page(
        request,
        session,
        actor,
        "doctor_access_gp.html",
        proposals=proposals,
        capacity=capacity,
        accepted=accepted,
        quarter=quarter_of(today),
        today=today,
        communes=await list_communes(session, actor),
        fragilities=labels.FRAGILITIES_SHORT,
        years=lambda born: years_between(born, today),
    )


PAGES: list[HTTPRouteHandler] = [public_form, waiting_list_page, gp_page]

"""The médecin-traitant pages: the public request form (no account), the coordinator's
waiting list (fragility first, ages, duplicates, the server's suggestions to confirm), and
the staff's form for a request received by phone, the GP's page (the quarter's capacity, the proposals to answer, the declarations to record).

Every page calls coordination/doctor_access/service.py; writes go through the JSON API."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromQuery
from litestar.response import Template

from coordination.directory.lookup import professional_names
from coordination.directory.service import list_communes, territory_communes
from coordination.doctor_access import service
from coordination.doctor_access.matching import Fragility
from coordination.doctor_access.models import EntryStatus, Source, quarter_of
from coordination.patients.file import identity_for_form
from kernel.actor import Role
from kernel.errors import Invalid, NotFound
from server.dependencies import ActorDep, ClockDep, DbSession
from server.doctor_access.wire import list_filter
from server.web import labels
from server.web.access import Refusal, page
from server.web.dates import local_day, years_between
from server.web.query import member_or_none, uuid_or_none

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
    communes = await territory_communes(session, territory.id)
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


_STAFF_PAGE = {"public": True, "audited": True, "page_roles": (Role.COORDINATOR, Role.ADMIN)}
WAITING_DAYS = (30, 60, 90)  # the list's « waiting for more than » choices: the ACI's steps


@get("/coordination/medecin-traitant", opt=_STAFF_PAGE, include_in_schema=False)
async def waiting_list_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    statut: FromQuery[str | None] = None,
    situation: FromQuery[str | None] = None,
    commune: FromQuery[str | None] = None,
    origine: FromQuery[str | None] = None,
    doublons: FromQuery[str | None] = None,
    attente: FromQuery[str | None] = None,
) -> Template | Refusal:
    status = member_or_none(EntryStatus, statut)
    days = next((d for d in WAITING_DAYS if attente == str(d)), None)
    narrow = list_filter(
        [status] if status else None,
        member_or_none(Fragility, situation),
        (commune or "")[:5] or None,
        member_or_none(Source, origine),
        doublons == "1",
        days,
    )
    listed, room = await service.waiting_board(session, clock, actor, narrow)
    gps = {v.professional_id for v in room.volunteers}
    gps |= {pid for item in listed for pid in item.suggested}
    gps |= {p.professional_id for item in listed for p in item.proposals}
    gps |= {item.entry.gp_professional_id for item in listed if item.entry.gp_professional_id}
    today = local_day(clock.now(), actor.timezone)
    return await page(
        request,
        session,
        actor,
        "doctor_access_list.html",
        listed=listed,
        room=room,
        narrow=narrow,
        filtered=narrow != list_filter(None, None, None, None, False, None),
        communes=await list_communes(session, actor),
        waiting_days=WAITING_DAYS,
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
        close_reasons=labels.CLOSE_REASONS,
        Fragility=Fragility,
        waiting=EntryStatus.WAITING,
        proposed=EntryStatus.PROPOSED,
        accepted=EntryStatus.ACCEPTED,
    )


@get("/coordination/medecin-traitant/inscrire", opt=_STAFF_PAGE, include_in_schema=False)
async def record_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    patient: FromQuery[str | None] = None,
) -> Template | Refusal:
    """Staff record a request received by phone (a carer, a professional, the CPAM, a DAC),
    from a patient's file when they come from it."""
    today = local_day(clock.now(), actor.timezone)
    return await page(
        request,
        session,
        actor,
        "doctor_access_record.html",
        patient=await identity_for_form(session, clock, actor, uuid_or_none(patient)),
        communes=await list_communes(session, actor),
        fragilities=labels.FRAGILITIES,
        sources=labels.SOURCES,
        today=today.isoformat(),
        earliest=(today - service.MAX_BACKDATE).isoformat(),
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


PAGES: list[HTTPRouteHandler] = [public_form, waiting_list_page, record_page, gp_page]

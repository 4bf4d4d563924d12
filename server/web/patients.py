"""« Patients »: find a patient by family name and birth date, and their file — the SNP
requests, bookings, assisted teleconsultations and wound referrals the reader may see, with
the ways on (a new request, teleconsultation or referral starting from this identity).

Both pages call coordination/patients/file.py, which decides what the reader may see and
audits every identity it shows."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from coordination.directory.lookup import professional_names
from coordination.patients.file import patient_file, search_patients
from kernel.actor import Role
from kernel.errors import Invalid, NotFound
from server.dependencies import ActorDep, ClockDep, DbSession
from server.problems import in_words
from server.web import labels
from server.web.access import Refusal, missing, page
from server.web.dates import local_day, years_between
from server.web.query import date_or_none

ROLES = (Role.REGULATOR, Role.NURSE, Role.GP, Role.EXPERT, Role.COORDINATOR, Role.ADMIN)
_OPT = {"public": True, "audited": True, "page_roles": ROLES}


@get("/patients", opt=_OPT, include_in_schema=False)
async def patient_search(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    nom: FromQuery[str | None] = None,
    naissance: FromQuery[str | None] = None,
) -> Template | Refusal:
    found = None
    error = None
    born = date_or_none(naissance)
    if nom or naissance:
        if born is None:
            error = "Indiquez la date de naissance."
        else:
            try:
                found = await search_patients(session, clock, actor, (nom or "")[:100], born)
            except Invalid as exc:
                error = in_words(exc)
    return await page(
        request,
        session,
        actor,
        "patients.html",
        nom=(nom or "")[:100],
        naissance=born.isoformat() if born else "",
        found=found,
        error=error,
        today=local_day(clock.now(), actor.timezone),
    )


@get("/patients/{patient_id:uuid}", opt=_OPT, include_in_schema=False)
async def patient_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    patient_id: FromPath[uuid.UUID],
) -> Template | Refusal:
    try:
        file = await patient_file(session, clock, actor, patient_id)
    except NotFound:
        return await missing(
            request,
            session,
            actor,
            "Patient introuvable",
            "Ce patient n'existe pas ou rien de son dossier n'est visible depuis votre compte.",
            ("/patients", "Rechercher un patient"),
        )
    professionals = {
        *(b.professional_id for b in file.bookings),
        *(t.gp_professional_id for t in file.teleconsultations),
    }
    today = local_day(clock.now(), actor.timezone)
    return await page(
        request,
        session,
        actor,
        "patient.html",
        file=file,
        patient=file.identity,
        years=years_between(file.identity.birth_date, today),
        names=await professional_names(session, actor, professionals),
        outcomes=labels.OUTCOMES_SHORT,
        booking_statuses=labels.BOOKING_STATUSES_SHORT,
        teleconsultation_statuses=labels.TELECONSULTATION_STATUSES,
        referral_statuses=labels.REFERRAL_STATUSES,
        expertises=labels.EXPERTISES,
        may_request=actor.has_any(
            Role.REGULATOR, Role.PHARMACIST, Role.NURSE, Role.GP, Role.COORDINATOR, Role.ADMIN
        ),
        may_teleconsult=actor.has_any(Role.NURSE),
        may_refer=actor.has_any(Role.NURSE),
        may_list=actor.is_staff,  # the médecin-traitant waiting list is the staff's
    )


PAGES: list[HTTPRouteHandler] = [patient_search, patient_page]

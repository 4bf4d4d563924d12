"""Assisted teleconsultation pages: the home nurse (IDEL) books a GP's assisted video slot for
a home-bound patient and assists the visit at the bedside; the GP runs it from his practice.

- `/teleconsultations`: the caller's upcoming and recent ones (as nurse or as GP);
- `/teleconsultations/nouvelle`: the nurse finds a free assisted video slot and books it;
- `/teleconsultations/{id}`: the visit itself (room link, handover, actions), for its GP and
  its nurse only (anyone else: a French "not found" page, as the API answers 404).

Reads go through the domain functions the API calls; every patient shown is audited; every
write goes through `/api/v1/teleconsultations` from the page (forms.js).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from coordination.directory.lookup import contacts_of, professional_names
from coordination.directory.professional import Profession
from coordination.directory.service import ProfessionalQuery, search_professionals
from coordination.patients.file import identity_for_form
from coordination.referrals import workflow
from coordination.referrals.models.referral import Referral
from kernel.actor import Actor, Role
from kernel.clock import Clock
from kernel.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from scheduling import teleconsultations
from scheduling.models.slot import Slot
from scheduling.models.teleconsultation import (
    Teleconsultation,
    TeleconsultationStatus,
    act_code_for,
)
from scheduling.patient import Patient
from server.database import Session
from server.dependencies import ActorDep, ClockDep, DbSession
from server.problems import in_words
from server.web import labels
from server.web.access import Refusal, forbidden, missing, page
from server.web.dates import day_and_time, local_day, local_midnight
from server.web.query import date_or_none, uuid_or_none

SETTINGS = [
    {"value": s.value, "label": label, "act_code": act_code_for(s).value}
    for s, label in labels.SETTINGS.items()
]
# The handover's vital signs: (field, French label, unit, data-type, min, max, step), the
# ranges of server/teleconsultations/wire.py's VitalSigns, so the browser warns first.
VITALS = (
    ("systolic_mmhg", "Pression systolique", "mmHg", "int", 40, 300, "1"),
    ("diastolic_mmhg", "Pression diastolique", "mmHg", "int", 20, 200, "1"),
    ("heart_rate_bpm", "Fréquence cardiaque", "/min", "int", 20, 250, "1"),
    ("respiratory_rate", "Fréquence respiratoire", "/min", "int", 4, 80, "1"),
    ("spo2_percent", "SpO₂", "%", "int", 50, 100, "1"),
    ("temperature_c", "Température", "°C", "number", 30, 45, "0.1"),
    ("capillary_glucose_g_l", "Glycémie capillaire", "g/L", "number", 0.2, 6, "0.01"),
    ("pain_0_10", "Douleur (0 à 10)", "", "int", 0, 10, "1"),
    ("weight_kg", "Poids", "kg", "number", 0.5, 400, "0.1"),
)
OPEN = (TeleconsultationStatus.BOOKED, TeleconsultationStatus.STARTED)
RECENT_DAYS = 30
SEARCH_DAYS = 14  # the default search window
MAX_SEARCH_DAYS = 31  # the domain's limit


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of the list: a teleconsultation as seen by one of its two professionals."""

    tc: Teleconsultation
    as_role: str  # "nurse" or "gp": the caller's part in it
    other: str  # the other professional's name
    patient: Patient | None


def _roles_of(actor: Actor) -> list[str]:
    return [r for r, role in (("nurse", Role.NURSE), ("gp", Role.GP)) if actor.has_any(role)]


async def _my_lists(
    session: Session, clock: Clock, actor: Actor
) -> tuple[list[Teleconsultation], list[Teleconsultation], dict[uuid.UUID, str]]:
    """(upcoming, recent, the caller's part by id): upcoming are booked or started and not
    over; recent are the others of the last 30 days (and cancelled ones still to come)."""
    now = clock.now()
    upcoming: dict[uuid.UUID, Teleconsultation] = {}
    window: dict[uuid.UUID, Teleconsultation] = {}
    part: dict[uuid.UUID, str] = {}
    for role in _roles_of(actor):
        for t in (await teleconsultations.list_for(session, clock, actor, role=role)).items:
            upcoming[t.id] = t
            part[t.id] = role
        found = await teleconsultations.list_for(
            session,
            clock,
            actor,
            role=role,
            start=now - timedelta(days=RECENT_DAYS),
            end=now + timedelta(days=MAX_SEARCH_DAYS),
            limit=200,
        )
        for t in found.items:
            window[t.id] = t
            part.setdefault(t.id, role)
    recent = [t for i, t in window.items() if i not in upcoming]
    recent.sort(key=lambda t: t.starts_at, reverse=True)
    return sorted(upcoming.values(), key=lambda t: t.starts_at), recent, part


async def _rows(
    session: Session,
    actor: Actor,
    tcs: list[Teleconsultation],
    part: dict[uuid.UUID, str],
    patients: dict[uuid.UUID, Patient],
) -> list[_Row]:
    others = [
        t.gp_professional_id if part[t.id] == "nurse" else t.nurse_professional_id for t in tcs
    ]
    names = await professional_names(session, actor, others)
    return [
        _Row(t, part[t.id], names[o], patients.get(t.patient_id))
        for t, o in zip(tcs, others, strict=True)
    ]


@get(
    "/teleconsultations",
    opt={
        "public": True,
        "audited": True,
        "page_roles": (
            Role.NURSE,
            Role.GP,
        ),
    },
    include_in_schema=False,
)
async def teleconsultation_list(
    request: Request[Any, Any, Any], actor: ActorDep, session: DbSession, clock: ClockDep
) -> Template | Refusal:
    try:
        upcoming, recent, part = await _my_lists(session, clock, actor)
    except NotAllowed:  # a nurse or GP account not linked to a professional
        return forbidden(actor, request, "Votre compte n'est lié à aucun professionnel.")
    shown = upcoming + recent
    patients = await teleconsultations.read_patients(
        session, clock, actor, shown, "teleconsultation list page"
    )
    return await page(
        request,
        session,
        actor,
        "teleconsultations.html",
        upcoming=await _rows(session, actor, upcoming, part, patients),
        recent=await _rows(session, actor, recent, part, patients),
        is_nurse=actor.has_any(Role.NURSE),
        status_labels=labels.TELECONSULTATION_STATUSES,
    )


def _search_window(du: date | None, au: date | None, today: date) -> tuple[date, date, str | None]:
    """The days searched (inclusive), defaulting to two weeks from today, kept within the
    domain's 31 days; a French note when the request had to be corrected."""
    if (du and abs(du.year - today.year) > 5) or (au and abs(au.year - today.year) > 5):
        return (
            today,
            today + timedelta(days=SEARCH_DAYS - 1),
            "Ces dates sont trop loin : recherche sur les deux semaines à venir.",
        )
    first = du or today
    last = au or first + timedelta(days=SEARCH_DAYS - 1)
    if last < first:
        return (
            first,
            first + timedelta(days=SEARCH_DAYS - 1),
            "La date de fin précédait le début : recherche sur deux semaines.",
        )
    if (last - first).days + 1 > MAX_SEARCH_DAYS:
        return (
            first,
            first + timedelta(days=MAX_SEARCH_DAYS - 1),
            "La recherche porte sur 31 jours au plus.",
        )
    return first, last, None


def _by_day(slots: list[Slot], zone: str) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by local day, in the order found (earliest first; own GP first)."""
    days: dict[date, list[Slot]] = {}
    for s in slots:
        days.setdefault(local_day(s.starts_at, zone), []).append(s)
    return sorted(days.items())


@dataclass(frozen=True, slots=True)
class _FollowUp:
    referral: Referral
    patient: Patient


async def _follow_up(
    session: Session, clock: Clock, actor: Actor, referral_id: uuid.UUID | None
) -> _FollowUp | None:
    """The wound referral whose answer asks for this teleconsultation, for its requester."""
    if referral_id is None:
        return None
    try:
        referral, patient = await workflow.follow_up_booking_of(session, clock, actor, referral_id)
    except (NotFound, InvalidTransition):
        return None
    return _FollowUp(referral, patient)


@get(
    "/teleconsultations/nouvelle",
    opt={"public": True, "audited": True, "page_roles": (Role.NURSE,)},
    include_in_schema=False,
)
async def new_teleconsultation(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    du: Annotated[str | None, QueryParameter(max_length=40)] = None,
    au: Annotated[str | None, QueryParameter(max_length=40)] = None,
    medecin_: Annotated[str | None, QueryParameter(name="medecin", max_length=40)] = None,
    traitant_: Annotated[str | None, QueryParameter(name="traitant", max_length=40)] = None,
    patient_: Annotated[str | None, QueryParameter(name="patient", max_length=40)] = None,
    avis_: Annotated[str | None, QueryParameter(name="avis", max_length=40)] = None,
) -> Template | Refusal:
    # The search form sends its empty fields too ("&traitant="): read them leniently.
    medecin, traitant = uuid_or_none(medecin_), uuid_or_none(traitant_)
    zone = actor.timezone
    now = clock.now()
    today = local_day(now, zone)
    first, last, note = _search_window(date_or_none(du), date_or_none(au), today)
    try:
        slots = await teleconsultations.assisted_slots(
            session,
            clock,
            actor,
            start=local_midnight(first, zone),
            end=local_midnight(last + timedelta(days=1), zone),
            own_gp_id=traitant,
            professional_id=medecin,
        )
    except Invalid as exc:  # a window the domain refuses despite the correction above
        slots, note = [], f"Recherche impossible : {in_words(exc)}"
    physicians = await search_professionals(
        session, actor, ProfessionalQuery(profession=Profession.PHYSICIAN, limit=200)
    )
    gp_ids = [s.professional_id for s in slots]
    names = {p.id: f"{p.given_name} {p.family_name}" for p in physicians.items}
    names |= {
        i: c.name for i, c in (await contacts_of(session, actor.territory_id, gp_ids)).items()
    }
    consent_day, consent_time = day_and_time(now, zone)
    return await page(
        request,
        session,
        actor,
        "teleconsultations_new.html",
        patient=await identity_for_form(session, clock, actor, uuid_or_none(patient_)),
        follow_up=await _follow_up(session, clock, actor, uuid_or_none(avis_)),
        first=first,
        last=last,
        note=note,
        medecin=medecin,
        traitant=traitant,
        physicians=sorted(physicians.items, key=lambda p: p.sort_key),
        days=_by_day(slots, zone),
        count=len(slots),
        names=names,
        settings=SETTINGS,
        today=today,
        consent_day=consent_day,
        consent_time=consent_time,
    )


def _handover_view(handover: dict[str, Any] | None) -> dict[str, Any]:
    h = handover or {}
    vitals = h.get("vital_signs") or {}
    return {
        "vitals": [
            {"name": n, "label": label, "unit": unit, "value": vitals.get(n)}
            for n, label, unit, *_ in VITALS
        ],
        "measured_at": datetime.fromisoformat(h["measured_at"]) if h.get("measured_at") else None,
        "current_treatments": h.get("current_treatments"),
        "question": h.get("question"),
        "empty": not any((vitals, h.get("current_treatments"), h.get("question"))),
    }


@get(
    "/teleconsultations/{tc_id:uuid}",
    opt={
        "public": True,
        "audited": True,
        "page_roles": (
            Role.NURSE,
            Role.GP,
        ),
    },
    include_in_schema=False,
)
async def teleconsultation_detail(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    tc_id: FromPath[uuid.UUID],
) -> Template | Refusal:
    try:
        tc, patient = await teleconsultations.read_as_participant(session, clock, actor, tc_id)
    except NotFound:
        return await missing(
            request,
            session,
            actor,
            "Téléconsultation introuvable",
            "Cette téléconsultation n'existe pas ou ne vous concerne pas : seuls le médecin "
            "et l'infirmier(ère) qui l'assiste l'ouvrent.",
            ("/teleconsultations", "Revenir à mes téléconsultations"),
        )
    names = await professional_names(
        session, actor, [tc.gp_professional_id, tc.nurse_professional_id]
    )
    now = clock.now()
    handover = _handover_view(tc.handover)
    measured_day, measured_time = day_and_time(handover["measured_at"] or now, actor.timezone)
    return await page(
        request,
        session,
        actor,
        "teleconsultations_detail.html",
        tc=tc,
        patient=patient,
        gp_name=names[tc.gp_professional_id],
        nurse_name=names[tc.nurse_professional_id],
        is_nurse=actor.professional_id == tc.nurse_professional_id,
        is_gp=actor.professional_id == tc.gp_professional_id,
        is_open=tc.status in OPEN,
        may_start=tc.status is TeleconsultationStatus.BOOKED,
        early=now < tc.starts_at - teleconsultations.EARLY_START,
        opens_at=tc.starts_at - teleconsultations.EARLY_START,
        begun=now >= tc.starts_at,
        status_label=labels.TELECONSULTATION_STATUSES[tc.status],
        setting_label=labels.SETTINGS[tc.setting],
        outcome_labels=labels.TELECONSULTATION_OUTCOMES,
        handover=handover,
        vitals=VITALS,
        measured_day=measured_day,
        measured_time=measured_time,
    )


PAGES: list[HTTPRouteHandler] = [
    teleconsultation_list,
    new_teleconsultation,
    teleconsultation_detail,
]

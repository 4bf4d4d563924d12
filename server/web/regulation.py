"""The SNP request pages of regulators, pharmacists, nurses, GPs and the CPTS staff.

- `/demandes`: the open requests the caller may see (all of the territory's for regulators and
  staff, their own for others, as `GET /api/v1/requests` answers), newest first, and the form
  that records a new one.
- `/demandes/{id}`: one request with its patient, a finder of free slots (earliest first, by
  commune and distance, modality, GP and dates) whose hold → confirm flow runs in
  regulation.js through the JSON API, and the form that closes it without an appointment.
  It listens to the `slots` topic so slots taken by others leave the list by themselves.
- `/slots/{id}`: the booking link the SAS slot search publishes (FHIR `Slot.comment`): the
  slot, and a request form that records the request, then holds and books this very slot.

Every patient shown is recorded in the audit trail as the API's GET routes do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from coordination.appointments.slip import practice_of
from coordination.directory import service as directory
from coordination.directory.commune import Commune
from coordination.directory.lookup import MAX_RADIUS_KM, communes_within, location_ids_in
from coordination.directory.practitioners import Place, main_places, places
from coordination.directory.professional import Profession
from coordination.directory.service import ProfessionalQuery, list_communes, search_professionals
from coordination.patients.file import identity_for_form
from kernel.actor import Actor, Role
from kernel.clock import Clock
from kernel.errors import Invalid, NotFound
from scheduling import bookings, holds, requests, slots
from scheduling.holds import LiveHold
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Modality, Slot, SlotStatus, Visibility
from scheduling.models.snp_request import Origin, SnpRequest
from scheduling.patient import Patient
from scheduling.slots import MAX_SEARCH_WINDOW, SlotQuery
from server.database import Session
from server.dependencies import ActorDep, ClockDep, DbSession
from server.scheduling.slip_text import practice_lines
from server.web import labels
from server.web.access import Refusal, missing, page
from server.web.dates import local_day, local_midnight, years_between
from server.web.query import uuid_or_none

ROLES = (Role.REGULATOR, Role.PHARMACIST, Role.NURSE, Role.GP, Role.COORDINATOR, Role.ADMIN)
SLOTS_SHOWN = 50
DEFAULT_DAYS = 7
MAX_DAYS = MAX_SEARCH_WINDOW.days  # the domain's search window
_BACK = ("/demandes", "Revenir aux demandes SNP")


def default_origin(actor: Actor) -> Origin:
    """Where a request recorded by this person usually comes from."""
    if actor.has_any(Role.REGULATOR):
        return Origin.SAS_REGULATOR
    if actor.has_any(Role.PHARMACIST):
        return Origin.PHARMACIST
    if actor.has_any(Role.NURSE):
        return Origin.NURSE
    if actor.is_staff:
        return Origin.CPTS_LINE
    return Origin.OTHER_PROFESSIONAL


def age_of(then: datetime, now: datetime) -> str:
    """« il y a 2 h »: how long a request has been waiting, as read between two calls."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "à l'instant"
    if seconds < 3600:
        return f"il y a {seconds // 60} min"
    if seconds < 48 * 3600:
        return f"il y a {seconds // 3600} h"
    return f"il y a {seconds // 86400} j"


# --- the list of requests -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestRow:
    request: SnpRequest
    patient: Patient | None
    age: str


async def _visible_requests(
    session: Session, clock: Clock, actor: Actor, open_only: bool
) -> tuple[list[RequestRow], bool]:
    """What `GET /api/v1/requests` answers this actor, with its patients read and audited."""
    read = await requests.read_requests(session, clock, actor, open_only=open_only, limit=100)
    found, patients = read.page, read.patients
    now = clock.now()
    rows = [
        RequestRow(r, patients.get(r.patient_id), age_of(r.received_at, now)) for r in found.items
    ]
    return rows, found.next is not None


@get(
    "/demandes",
    opt={"public": True, "audited": True, "page_roles": (*ROLES,)},
    include_in_schema=False,
)
async def request_list(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    statut: FromQuery[str | None] = None,
    patient: FromQuery[str | None] = None,
) -> Template | Refusal:
    open_only = statut != "toutes"
    rows, more = await _visible_requests(session, clock, actor, open_only)
    return await page(
        request,
        session,
        actor,
        "regulation.html",
        patient=await identity_for_form(session, clock, actor, uuid_or_none(patient)),
        rows=rows,
        more=more,
        open_only=open_only,
        sees_all=requests.sees_all_requests(actor),
        origins=labels.ORIGINS,
        default_origin=default_origin(actor).value,
        urgencies=labels.URGENCIES,
        outcomes=labels.OUTCOMES,
        today=local_day(clock.now(), actor.timezone),
    )


# --- slots as people read them ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotView:
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    professional: str
    commune: str
    modality: str
    modality_key: str


async def _slot_views(session: Session, actor: Actor, found: Iterable[Slot]) -> list[SlotView]:
    """Each slot with its professional's name, the commune of its practice (the main one for
    a home visit or a video slot, which have no place of their own) and its modality."""
    found = list(found)
    people = await directory.professionals_by_id(session, actor, {s.professional_id for s in found})
    at: dict[uuid.UUID, Place] = await places(
        session, actor.territory_id, {s.location_id for s in found if s.location_id}
    )
    main = await main_places(
        session, actor.territory_id, {s.professional_id for s in found if not s.location_id}
    )
    views = []
    for s in found:
        place = at.get(s.location_id) if s.location_id else main.get(s.professional_id)
        person = people.get(s.professional_id)
        views.append(
            SlotView(
                id=s.id,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                professional=person.display_name if person else "—",
                commune=place.city if place else "—",
                modality=labels.MODALITIES[s.modality],
                modality_key=s.modality.value,
            )
        )
    return views


# --- the slot finder -------------------------------------------------------------------------


@dataclass(slots=True)
class Filters:
    """The finder's query string, read leniently: a bad value becomes a French message."""

    commune: str | None = None
    within_km: float | None = None
    modality: Modality | None = None
    professional_id: uuid.UUID | None = None
    first_day: date = date.min
    last_day: date = date.min
    errors: list[str] = field(default_factory=list)

    @property
    def query(self) -> dict[str, str]:
        """The filters as the finder's form shows them back."""
        return {
            "commune": self.commune or "",
            "rayon": f"{self.within_km:g}" if self.within_km else "",
            "modalite": self.modality.value if self.modality else "",
            "medecin": str(self.professional_id) if self.professional_id else "",
            "du": self.first_day.isoformat(),
            "au": self.last_day.isoformat(),
        }


def _day(text: str | None, default: date, label: str, errors: list[str]) -> date:
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors.append(f"La date « {label} » n'est pas lisible.")
        return default
    if abs(day.year - default.year) > 5:
        errors.append(f"La date « {label} » est trop loin.")
        return default
    return day


def read_filters(
    today: date,
    commune: str | None,
    rayon: str | None,
    modalite: str | None,
    medecin: str | None,
    du: str | None,
    au: str | None,
) -> Filters:
    f = Filters()
    f.commune = commune or None
    if rayon:
        try:
            f.within_km = float(rayon.replace(",", "."))
        except ValueError:
            f.errors.append("Le rayon doit être un nombre de kilomètres.")
        else:
            if not 0 < f.within_km <= MAX_RADIUS_KM:
                f.errors.append(f"Le rayon va de 1 à {MAX_RADIUS_KM:g} km.")
                f.within_km = None
        if f.within_km and not f.commune:
            f.errors.append("Choisissez une commune pour chercher dans un rayon.")
            f.within_km = None
    if modalite:
        try:
            f.modality = Modality(modalite)
        except ValueError:
            f.errors.append("Cette modalité n'existe pas.")
    if medecin:
        try:
            f.professional_id = uuid.UUID(medecin)
        except ValueError:
            f.errors.append("Ce médecin n'est pas dans l'annuaire.")
    f.first_day = max(today, _day(du, today, "du", f.errors))
    f.last_day = _day(au, f.first_day + timedelta(days=DEFAULT_DAYS - 1), "au", f.errors)
    if f.last_day < f.first_day:
        f.errors.append("La date de fin précède la date de début.")
        f.last_day = f.first_day + timedelta(days=DEFAULT_DAYS - 1)
    if (f.last_day - f.first_day).days >= MAX_DAYS:
        f.errors.append(f"La recherche porte sur {MAX_DAYS} jours au plus.")
        f.last_day = f.first_day + timedelta(days=MAX_DAYS - 1)
    return f


def _channel_of(actor: Actor) -> Visibility:
    """Which of a slot's audiences the person booking belongs to: the GP chose them."""
    if actor.has_any(Role.REGULATOR):
        return Visibility.SNP
    if actor.is_staff:
        return Visibility.CPTS
    return Visibility.PRO


async def find_slots(
    session: Session, clock: Clock, actor: Actor, f: Filters
) -> tuple[list[SlotView], bool]:
    """Free slots from now on, earliest first: `SlotController.search`'s filters, and whether
    more than the page shown exist."""
    location_ids: set[uuid.UUID] | None = None
    if f.commune:
        try:
            location_ids = await location_ids_in(
                session, actor, await communes_within(session, actor, f.commune, f.within_km)
            )
        except Invalid as exc:
            f.errors.append(
                "Cette commune n'a pas de coordonnées pour chercher dans un rayon."
                if exc.field == "within_km"
                else "Cette commune n'est pas sur le territoire."
            )
            return [], False
    now = clock.now()
    start = max(now, local_midnight(f.first_day, actor.timezone))
    end = local_midnight(f.last_day + timedelta(days=1), actor.timezone)
    if end <= start:
        return [], False
    found = await slots.search_slots(
        session,
        clock,
        actor,
        SlotQuery(
            start=start,
            end=end,
            status=SlotStatus.FREE,
            modality=f.modality,
            visibility=_channel_of(actor),
            professional_ids={f.professional_id} if f.professional_id else None,
            location_ids=location_ids,
            limit=SLOTS_SHOWN,
        ),
    )
    return await _slot_views(session, actor, found.items), found.next is not None


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


async def _gp_choices(
    session: Session, actor: Actor, communes: dict[uuid.UUID, Commune]
) -> list[Choice]:
    """The territory's GPs from the directory, by name, each with the commune they practise in."""
    choices: list[Choice] = []
    cursor: str | None = None
    for _ in range(10):  # 2,000 physicians at most: any CPTS
        found = await search_professionals(
            session,
            actor,
            ProfessionalQuery(profession=Profession.PHYSICIAN, cursor=cursor, limit=200),
        )
        for p in found.items:
            if p.specialty not in (None, "general_practice"):
                continue
            towns = sorted(
                {communes[loc.commune_id].name for loc in p.locations if loc.commune_id in communes}
            )
            label = p.display_name + (f" — {', '.join(towns)}" if towns else "")
            choices.append(Choice(str(p.id), label))
        cursor = found.next
        if cursor is None:
            break
    return choices


# --- one request -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookedView:
    booking: Booking
    slot: SlotView
    status: str
    practice: list[str]  # the address and phone the patient is told
    movable: bool  # booked and still to come: the booker or the staff may move it


def _may_move(actor: Actor, booking: Booking, now: datetime) -> bool:
    return (
        booking.status is BookingStatus.BOOKED
        and booking.starts_at > now
        and (booking.booked_by == actor.account_id or actor.is_staff)
    )


async def _booked_view(
    session: Session, actor: Actor, booking_id: uuid.UUID | None, now: datetime
) -> BookedView | None:
    if booking_id is None:
        return None
    try:
        booking = await bookings.get_visible_booking(session, actor, booking_id)
        slot = await slots.get_slot(session, actor, booking.slot_id)
    except NotFound:
        return None
    (view,) = await _slot_views(session, actor, [slot])
    return BookedView(
        booking,
        view,
        labels.BOOKING_STATUSES[booking.status],
        practice_lines(await practice_of(session, booking)),
        _may_move(actor, booking, now),
    )


async def _my_holds(
    session: Session, clock: Clock, actor: Actor
) -> list[tuple[LiveHold, SlotView]]:
    """The caller's holds still running (a page left without releasing them): to book or let go."""
    held = await holds.my_live_holds(session, clock, actor)
    if not held:
        return []
    found = {s.id: s for s in await slots.slots_by_id(session, actor, [h.slot_id for h in held])}
    views = {v.id: v for v in await _slot_views(session, actor, list(found.values()))}
    return [(h, views[h.slot_id]) for h in held if h.slot_id in views]


@get(
    "/demandes/{request_id:uuid}",
    opt={"public": True, "audited": True, "page_roles": (*ROLES,)},
    include_in_schema=False,
)
async def request_detail(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    request_id: FromPath[uuid.UUID],
    commune: FromQuery[str | None] = None,
    rayon: FromQuery[str | None] = None,
    modalite: FromQuery[str | None] = None,
    medecin: FromQuery[str | None] = None,
    du: FromQuery[str | None] = None,
    au: FromQuery[str | None] = None,
    creneau: FromQuery[str | None] = None,
    deplacer: FromQuery[str | None] = None,
) -> Template | Refusal:
    try:
        snp, patient = await requests.read_request(session, clock, actor, request_id)
    except NotFound:
        return await missing(
            request,
            session,
            actor,
            "Demande introuvable",
            "Cette demande n'existe pas ou n'est pas visible depuis votre compte.",
            _BACK,
        )
    now = clock.now()
    today = local_day(now, actor.timezone)
    booked = await _booked_view(session, actor, snp.booking_id, now)
    moving = bool(deplacer) and booked is not None and booked.movable
    context: dict[str, Any] = {}
    if snp.outcome is None or moving:
        communes = await list_communes(session, actor)
        filters = read_filters(today, commune, rayon, modalite, medecin, du, au)
        found, more = await find_slots(session, clock, actor, filters)
        if moving and booked is not None:
            found = [s for s in found if s.id != booked.booking.slot_id]
        context = {
            "filters": filters,
            "found": found,
            "more": more,
            "communes": communes,
            "gps": await _gp_choices(session, actor, {c.id: c for c in communes}),
            "modalities": labels.MODALITIES,
            "closing": labels.CLOSING_OUTCOMES,
        }
    return await page(
        request,
        session,
        actor,
        "regulation_request.html",
        snp=snp,
        patient=patient,
        years=years_between(patient.birth_date, today) if patient else None,
        age=age_of(snp.received_at, now),
        booked=booked,
        moving=moving,
        my_holds=await _my_holds(session, clock, actor),
        slot_was_taken=creneau == "pris",
        today=today,
        origins=labels.ORIGINS,
        urgencies=labels.URGENCIES,
        outcomes=labels.OUTCOMES,
        **context,
    )


# --- the SAS booking link --------------------------------------------------------------------


@get(
    "/slots/{slot_id:uuid}", opt={"public": True, "page_roles": (*ROLES,)}, include_in_schema=False
)
async def slot_landing(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    slot_id: FromPath[uuid.UUID],
    origin: FromQuery[str | None] = None,
) -> Template | Refusal:
    """Where the SAS platform's booking link lands (`{public_url}/slots/{id}`, with `origin`,
    `source` or `booking-referral` added by the platform): record the request, book this slot."""
    try:
        slot = await slots.get_slot(session, actor, slot_id)
    except NotFound:
        return await missing(
            request,
            session,
            actor,
            "Créneau introuvable",
            "Ce créneau n'existe pas sur le territoire de votre CPTS.",
            _BACK,
        )
    now = clock.now()
    (view,) = await _slot_views(session, actor, [slot])
    chosen = origin if origin in {o.value for o in Origin} else Origin.SAS_REGULATOR.value
    return await page(
        request,
        session,
        actor,
        "regulation_slot.html",
        slot=view,
        free=slot.is_open(now),
        origins=labels.ORIGINS,
        default_origin=chosen,
        urgencies=labels.URGENCIES,
        referral=request.query_params.get("booking-referral"),
        source=request.query_params.get("source"),
        today=local_day(now, actor.timezone),
    )


PAGES: list[HTTPRouteHandler] = [request_list, request_detail, slot_landing]

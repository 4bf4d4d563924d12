"""« Mes créneaux »: a GP's (or expert's) week of published slots, who booked them and for
whom, and the forms to publish one-off slots and recurring availabilities.

Reads go through the scheduling services the API calls (slot search, visible bookings, rules);
writes go through the JSON API from the page (forms.js). The patients of the bookings are
shown to the professional consulted (and the CPTS staff), as GET /api/v1/bookings shows them,
and every such read is audited.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from coordination.accounts import service as accounts
from coordination.directory.practitioners import other_cpts
from coordination.directory.professional import Professional
from coordination.directory.service import (
    ProfessionalQuery,
    get_professional,
    search_professionals,
)
from kernel.actor import Actor, Role
from kernel.clock import Clock
from kernel.errors import NotFound
from scheduling import bookings, rules
from scheduling.agenda import agenda_window
from scheduling.models.availability_rule import AvailabilityRule
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Slot, SlotStatus, visibility_set
from scheduling.models.snp_request import SnpRequest
from scheduling.patient import Patient
from scheduling.slot_shares import is_shareable
from scheduling.slots import get_slot
from server.database import Session
from server.dependencies import ActorDep, ClockDep, DbSession
from server.scheduling.wire import rule_out
from server.web import labels
from server.web.access import Refusal, page
from server.web.dates import local_day, local_midnight, monday_of, years_between
from server.web.query import date_or_none, uuid_or_none
from server.web.templating import MONTHS, WEEKDAYS, born

DAYS = (
    ("MO", "lundi"),
    ("TU", "mardi"),
    ("WE", "mercredi"),
    ("TH", "jeudi"),
    ("FR", "vendredi"),
    ("SA", "samedi"),
    ("SU", "dimanche"),
)
_DAY_NAMES = dict(DAYS)


@dataclass(frozen=True, slots=True)
class _BookingView:
    id: uuid.UUID
    status: str
    status_label: str
    channel_label: str
    booker: str
    own_patient: bool
    patient_name: str
    born: str
    reason: str | None
    teleconsultation: bool
    can_mark: bool  # started: honoured / no-show may be stated
    can_honour: bool
    can_no_show: bool
    can_cancel: bool


@dataclass(frozen=True, slots=True)
class _SlotView:
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: str  # free, held, booked, blocked, cancelled: the CSS class
    status_label: str
    modality: str
    visibility: list[str]
    location: str | None
    assisted: bool
    past: bool
    held_until: datetime | None
    can_withdraw: bool
    booking: _BookingView | None
    shared_with: list[str]  # the other CPTS the SAS shows it under
    share_options: list[tuple[str, str, bool]]  # (territory id, CPTS, shared): the form's


@dataclass(slots=True)
class _Day:
    day: date
    label: str
    today: bool
    slots: list[_SlotView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _RuleView:
    id: uuid.UUID
    days: str
    window: str
    slot_minutes: int
    modality: str
    visibility: list[str]
    location: str | None
    start_date: date
    until: date | None
    exdates: list[str]
    ended: bool
    wire: str  # the rule as the API says it (GET /api/v1/availability-rules): the edit form's start


@dataclass(frozen=True, slots=True)
class _SasWeek:
    count: int
    cap: int

    @property
    def reached(self) -> bool:
        return self.count >= self.cap

    @property
    def over(self) -> bool:
        return self.count > self.cap


def _day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def _week_label(monday: date) -> str:
    sunday = monday + timedelta(days=6)
    first = f"{monday.day} {MONTHS[monday.month - 1]}"
    if monday.year != sunday.year:
        first += f" {monday.year}"
    elif monday.month == sunday.month:
        first = str(monday.day)
    return f"Semaine du lundi {first} au dimanche {sunday.day} {MONTHS[sunday.month - 1]} {sunday.year}"


def _monday_of(semaine: str | None, today: date) -> date:
    """The Monday of the week holding `semaine` (any day of it, YYYY-MM-DD), else this week."""
    day = date_or_none(semaine[:10] if semaine else None)
    if day is None or not 2000 <= day.year <= 2200:
        day = today
    return monday_of(day)


def _rule_days(rrule: str) -> str:
    parts = dict(p.split("=", 1) for p in rrule.upper().split(";") if "=" in p)
    if parts.get("FREQ") == "DAILY" and "BYDAY" not in parts:
        return "tous les jours"
    if parts.get("FREQ") == "WEEKLY" and "BYDAY" in parts:
        codes = [re.sub(r"^[+-]?\d+", "", c) for c in parts["BYDAY"].split(",")]
        names = [_DAY_NAMES[c] for c, _ in DAYS if c in codes]
        every = (
            "chaque "
            if parts.get("INTERVAL", "1") == "1"
            else f"toutes les {parts['INTERVAL']} semaines, "
        )
        return every + ", ".join(names) if names else rrule
    return rrule


def _born(patient: Patient, today: date) -> str:
    b = patient.birth_date
    age = years_between(b, today)
    word = born(patient.sex)
    return f"{word} le {b.day:02d}/{b.month:02d}/{b.year} ({age} ans)"


def _booking_view(
    actor: Actor,
    booking: Booking,
    patient: Patient,
    request: SnpRequest | None,
    booker: str | None,
    teleconsultation: bool,
    now: datetime,
    today: date,
) -> _BookingView:
    started = booking.starts_at <= now
    markable = started and not teleconsultation
    return _BookingView(
        id=booking.id,
        status=booking.status.value,
        status_label=labels.BOOKING_STATUSES_SHORT[booking.status],
        channel_label=labels.CHANNELS[booking.channel],
        booker="vous" if booking.booked_by == actor.account_id else (booker or "compte inconnu"),
        own_patient=booking.own_patient,
        patient_name=f"{patient.family_name} {patient.given_name}",
        born=_born(patient, today),
        reason=request.reason if request else None,
        teleconsultation=teleconsultation,
        can_mark=markable,
        can_honour=markable and booking.status in (BookingStatus.BOOKED, BookingStatus.NO_SHOW),
        can_no_show=markable and booking.status in (BookingStatus.BOOKED, BookingStatus.HONOURED),
        can_cancel=not started and not teleconsultation and booking.status is BookingStatus.BOOKED,
    )


def _status_of(slot: Slot, now: datetime) -> tuple[str, str]:
    if slot.is_untaken(now):
        return "free", "libre"
    return {
        SlotStatus.HELD: ("held", "réservé en attente"),
        SlotStatus.BOOKED: ("booked", "réservé"),
        SlotStatus.BLOCKED: ("blocked", "bloqué (occupé dans votre agenda)"),
        SlotStatus.CANCELLED: ("cancelled", "annulé (fermé)"),
    }.get(slot.status, (slot.status.value, slot.status.value))


@dataclass(frozen=True, slots=True)
class _Week:
    days: list[_Day]
    sas: _SasWeek
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class _Known:
    """What the week's booked slots show besides the booking: read once for the week."""

    patients: dict[uuid.UUID, Patient]
    requests: dict[uuid.UUID, SnpRequest]
    bookers: dict[uuid.UUID, str]
    remote: set[uuid.UUID]  # bookings that are assisted teleconsultations
    locations: dict[uuid.UUID, str]
    shares: dict[uuid.UUID, list[uuid.UUID]]  # slot → the other CPTS it is offered under
    other_cpts: dict[uuid.UUID, str]  # the other CPTS the professional belongs to


def _slot_view(
    actor: Actor, s: Slot, booking: Booking | None, known: _Known, now: datetime, today: date
) -> _SlotView:
    status, label = _status_of(s, now)
    shared = set(known.shares.get(s.id, ()))
    shareable = is_shareable(s, now)
    return _SlotView(
        id=s.id,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        status=status,
        status_label=label,
        modality=labels.MODALITIES_SHORT[s.modality],
        visibility=[labels.VISIBILITIES_SHORT[v] for v in visibility_set(s.visibility)],
        location=known.locations.get(s.location_id) if s.location_id else None,
        assisted=s.assisted,
        past=s.ends_at <= now,
        held_until=s.held_until if status == "held" else None,
        can_withdraw=status in ("free", "blocked") and s.ends_at > now,
        booking=_booking_view(
            actor,
            booking,
            known.patients[booking.patient_id],
            known.requests.get(booking.request_id) if booking.request_id else None,
            known.bookers.get(booking.booked_by),
            booking.id in known.remote,
            now,
            today,
        )
        if booking is not None
        else None,
        # What the SAS shows: a withdrawn or past slot is offered under no CPTS any more.
        shared_with=[n for t, n in known.other_cpts.items() if t in shared] if shareable else [],
        share_options=[(str(t), n, t in shared) for t, n in known.other_cpts.items()]
        if shareable
        else [],
    )


async def _slot_views(
    session: Session,
    clock: Clock,
    actor: Actor,
    professional: Professional,
    start: datetime,
    end: datetime,
) -> tuple[list[_SlotView], int]:
    """The professional's slots between two instants as the pages show them (bookings, their
    patients — a read that agenda_window audits — and who booked), and the SAS count."""
    now = clock.now()
    today = local_day(now, actor.timezone)
    agenda = await agenda_window(session, clock, actor, professional.id, start, end)
    shown = agenda.shown
    known = _Known(
        patients=agenda.patients,
        requests=agenda.requests,
        bookers=await accounts.account_names(session, actor, (b.booked_by for b in shown.values())),
        remote=agenda.teleconsultations,
        locations={loc.id: loc.label for loc in professional.locations},
        shares=agenda.shares,
        other_cpts=await other_cpts(session, professional.id),
    )
    views = [_slot_view(actor, s, shown.get(s.id), known, now, today) for s in agenda.slots]
    return views, agenda.sas_count


async def _week(
    session: Session,
    clock: Clock,
    actor: Actor,
    professional: Professional,
    monday: date,
) -> _Week:
    zone = actor.timezone
    today = local_day(clock.now(), zone)
    start = local_midnight(monday, zone)
    end = local_midnight(monday + timedelta(days=7), zone)
    views, sas_count = await _slot_views(session, clock, actor, professional, start, end)
    days = [
        _Day(day, _day_label(day), day == today)
        for day in (monday + timedelta(days=i) for i in range(7))
    ]
    counts: dict[str, int] = {}
    for view in views:
        counts[view.status] = counts.get(view.status, 0) + 1
        days[(local_day(view.starts_at, zone) - monday).days].slots.append(view)
    return _Week(days, _SasWeek(sas_count, bookings.SAS_WEEKLY_CAP), counts)


def _rule_view(rule: AvailabilityRule, locations: dict[uuid.UUID, str]) -> _RuleView:
    return _RuleView(
        id=rule.id,
        days=_rule_days(rule.rrule),
        window=f"{rule.start_time:%H:%M}–{rule.end_time:%H:%M}",
        slot_minutes=rule.slot_minutes,
        modality=labels.MODALITIES_SHORT[rule.modality],
        visibility=[labels.VISIBILITIES[v] for v in visibility_set(rule.visibility)],
        location=locations.get(rule.location_id) if rule.location_id else None,
        start_date=rule.start_date,
        until=rule.until,
        exdates=list(rule.exdates),
        ended=rule.ended_at is not None,
        wire=msgspec.json.encode(rule_out(rule)).decode(),
    )


async def _chooser(
    request: Request[Any, Any, Any], session: Session, actor: Actor, message: str | None
) -> Template:
    """Staff without a professional to look at: pick one."""
    found = await search_professionals(session, actor, ProfessionalQuery(limit=500))
    return await page(
        request,
        session,
        actor,
        "gp_slots_choose.html",
        professionals=found.items,
        message=message,
    )


@get(
    "/creneaux",
    opt={
        "public": True,
        "audited": True,
        "page_roles": (
            Role.GP,
            Role.EXPERT,
            Role.COORDINATOR,
            Role.ADMIN,
        ),
    },
    include_in_schema=False,
)
async def my_slots(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    semaine: FromQuery[str | None] = None,
    professional_id: FromQuery[str | None] = None,
) -> Template | Refusal:
    asked = uuid_or_none(professional_id) if actor.is_staff else None
    if actor.is_staff and professional_id and asked is None:
        return await _chooser(request, session, actor, "Ce professionnel est introuvable.")
    pid = asked or actor.professional_id
    if pid is None:
        if actor.is_staff:
            return await _chooser(request, session, actor, None)
        return await page(request, session, actor, "gp_slots_unlinked.html")
    try:
        professional = await get_professional(session, actor, pid)
    except NotFound:
        if actor.is_staff:
            return await _chooser(request, session, actor, "Ce professionnel est introuvable.")
        raise
    today = local_day(clock.now(), actor.timezone)
    monday = _monday_of(semaine, today)
    week = await _week(session, clock, actor, professional, monday)
    locations = {loc.id: loc.label for loc in professional.locations}
    own_rules = await rules.list_rules(session, actor, professional.id)
    extra = {"professional_id": str(professional.id)} if asked else {}

    def week_href(day: date) -> str:
        return "/creneaux?" + urlencode({"semaine": day.isoformat(), **extra})

    return await page(
        request,
        session,
        actor,
        "gp_slots.html",
        professional=professional,
        staff_pid=str(professional.id) if asked else None,
        monday=monday,
        week_label=_week_label(monday),
        days=week.days,
        counts=week.counts,
        sas=week.sas,
        previous_href=week_href(monday - timedelta(days=7)),
        next_href=week_href(monday + timedelta(days=7)),
        this_href=week_href(today),
        is_this_week=monday == monday_of(today),
        today=today,
        now_wall=_wall(clock.now(), actor.timezone),
        next_monday=today + timedelta(days=7 - today.weekday()),
        locations=professional.locations,
        rules=[_rule_view(r, locations) for r in reversed(own_rules)],
        modalities=labels.MODALITIES_SHORT,
        visibilities=labels.VISIBILITIES,
        weekdays=DAYS,
    )


# --- the agenda (static/agenda.js, FullCalendar): its events and one slot's card ------------

_AGENDA_MAX_DAYS = 45  # a month view and its overflow weeks


def _wall(instant: datetime, zone: str) -> str:
    """The territory's wall-clock time of an instant, without offset: the agenda runs in the
    territory's time whatever the browser's zone (FullCalendar's `timeZone: "UTC"`)."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S")


def _agenda_day(text: str | None, fallback: date) -> date:
    day = date_or_none(text[:10] if text else None)
    return day if day is not None and 2000 <= day.year <= 2200 else fallback


_EVENT_TITLES = {
    "free": "Libre",
    "held": "En attente",
    "booked": "Réservé",
    "blocked": "Bloqué",
    "cancelled": "Fermé",
}


def _event(view: _SlotView, zone: str) -> dict[str, Any]:
    title = _EVENT_TITLES.get(view.status, view.status_label)
    if view.booking is not None:
        title = f"{view.booking.patient_name} · {view.booking.status_label}"
    movable = view.status == "free" and not view.past
    return {
        "id": str(view.id),
        "start": _wall(view.starts_at, zone),
        "end": _wall(view.ends_at, zone),
        "title": title,
        "classNames": [f"ev-{view.status}"]
        + ([f"ev-b-{view.booking.status}"] if view.booking else [])
        + (["ev-past"] if view.past else []),
        "editable": movable,
        "extendedProps": {
            "status": view.status,
            "label": f"{view.status_label}, {view.modality}"
            + (f", {view.location}" if view.location else ""),
        },
    }


async def _professional_of(
    session: Session, actor: Actor, professional_id: str | None
) -> Professional | None:
    asked = uuid_or_none(professional_id) if actor.is_staff else None
    pid = asked or actor.professional_id
    if pid is None:
        return None
    try:
        return await get_professional(session, actor, pid)
    except NotFound:
        return None


_AGENDA_OPT = {
    "public": True,
    "audited": True,
    "page_roles": (Role.GP, Role.EXPERT, Role.COORDINATOR, Role.ADMIN),
}


@get("/creneaux/agenda", opt=_AGENDA_OPT, include_in_schema=False)
async def agenda_events(
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    start: FromQuery[str | None] = None,
    end: FromQuery[str | None] = None,
    professional_id: FromQuery[str | None] = None,
) -> list[dict[str, Any]]:
    """The agenda's events between two days (FullCalendar's `start` and `end`)."""
    professional = await _professional_of(session, actor, professional_id)
    if professional is None:
        return []
    zone = actor.timezone
    today = local_day(clock.now(), zone)
    first = _agenda_day(start, monday_of(today))
    last = _agenda_day(end, first + timedelta(days=7))
    last = min(max(last, first + timedelta(days=1)), first + timedelta(days=_AGENDA_MAX_DAYS))
    views, _ = await _slot_views(
        session, clock, actor, professional, local_midnight(first, zone), local_midnight(last, zone)
    )
    return [_event(v, zone) for v in views]


@get("/creneaux/creneau/{slot_id:uuid}", opt=_AGENDA_OPT, include_in_schema=False)
async def agenda_slot(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    slot_id: FromPath[uuid.UUID],
    professional_id: FromQuery[str | None] = None,
) -> Template:
    """One slot's card, as the week's list shows it, for the agenda's dialog."""
    professional = await _professional_of(session, actor, professional_id)
    slot = await get_slot(session, actor, slot_id)
    if professional is None or slot.professional_id != professional.id:
        raise NotFound("slot not found", code="slot_not_found")
    views, _ = await _slot_views(session, clock, actor, professional, slot.starts_at, slot.ends_at)
    view = next((v for v in views if v.id == slot_id), None)
    if view is None:
        raise NotFound("slot not found", code="slot_not_found")
    zone = actor.timezone
    return Template(
        template_name="gp_slot_dialog.html",
        context={
            "s": view,
            "day_label": _day_label(local_day(view.starts_at, zone)),
            "timezone": zone,
        },
    )


PAGES: list[HTTPRouteHandler] = [my_slots, agenda_events, agenda_slot]

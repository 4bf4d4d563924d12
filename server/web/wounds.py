"""The wound-care network's pages: nurses refer a wound (structured assessment, photos) to the
network's experts and follow the answer; experts work their queue; the CPTS staff oversee and
reassign. Reads go through the referral services with the API's visibility rules, and every
patient read is audited as the API does; writes go through /api/v1/referrals (forms.js and
wounds.js)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from coordination.accounts import service as accounts
from coordination.directory import lookup
from coordination.patients.file import identity_for_form
from coordination.referrals import experts, messages, photos, referrals, workflow
from coordination.referrals.assessment import (
    BRADEN_SUBSCALES,
    Exudate,
    InfectionSign,
    WoundAssessment,
    WoundType,
)
from coordination.referrals.models.expert import Expertise
from coordination.referrals.models.referral import (
    OPEN_STATUSES,
    FollowUp,
    Referral,
    ReferralStatus,
)
from kernel.actor import Role
from kernel.errors import NotFound
from scheduling.patient import Patient
from server.dependencies import ActorDep, ClockDep, DbSession
from server.web import labels
from server.web.access import Refusal, missing, page
from server.web.dates import day_and_time, local_day, span
from server.web.query import uuid_or_none
from server.web.templating import local

ROLES = (Role.NURSE, Role.EXPERT, Role.COORDINATOR, Role.ADMIN)

STATUS_PARAMS = {
    "demandees": ReferralStatus.REQUESTED,
    "prises-en-charge": ReferralStatus.ACCEPTED,
    "en-cours": ReferralStatus.IN_PROGRESS,
    "repondues": ReferralStatus.COMPLETED,
    "declinees": ReferralStatus.REJECTED,
    "annulees": ReferralStatus.CANCELLED,
}
PHOTO_TYPES = "image/jpeg,image/png,image/heic,image/heif,.heic,.heif"
_LIST_LIMIT = 200

LABELS: dict[str, Any] = {
    "status": labels.REFERRAL_STATUSES,
    "priority": labels.PRIORITIES,
    "expertise": labels.EXPERTISES,
    "wound": labels.WOUND_TYPES,
    "exudate": labels.EXUDATES,
    "sign": labels.INFECTION_SIGNS,
    "bed": labels.WOUND_BEDS,
    "braden": labels.BRADEN_ITEMS,
    "braden_top": BRADEN_SUBSCALES,
    "braden_risk": labels.BRADEN_RISKS,
    "follow_up": labels.FOLLOW_UPS,
}


# --- view shaping -------------------------------------------------------------------------


def _remaining(due: datetime, now: datetime) -> str:
    """« dans 1 j 4 h », « dans 35 min » or « depuis 2 h » (past the deadline)."""
    text = span(abs(due - now))
    return f"depuis {text}" if due < now else f"dans {text}"


def _is_late(r: Referral, now: datetime) -> bool:
    return r.status in OPEN_STATUSES and (r.overdue_at is not None or r.due_at <= now)


def _status_label(r: Referral) -> str:
    if r.status is ReferralStatus.REQUESTED and r.assigned_expert_id is None:
        return "En attente d'un expert"
    return labels.REFERRAL_STATUSES[r.status]


@dataclass(frozen=True, slots=True)
class _Row:
    """One referral of a list, as the page shows it."""

    referral: Referral
    patient: Patient | None
    last: WoundAssessment | None
    expert_name: str | None
    status: str
    late: bool
    remaining: str
    mine_to_answer: bool


def _queue_order(rows: list[_Row]) -> list[_Row]:
    """Overdue first, then by deadline (urgent ones have the nearer deadlines)."""
    return sorted(rows, key=lambda x: (not x.late, x.referral.due_at))


@dataclass(frozen=True, slots=True)
class _Point:
    x: float
    y: float
    area: float
    day: str


def _trajectory(assessments: list[WoundAssessment], zone: str) -> dict[str, Any]:
    """The healing trajectory as SVG geometry: wound area (length × width) over the assessment
    dates, one point per assessment, drawn by the template without any script."""
    width, height = 640.0, 220.0
    left, right, top, bottom = 48.0, 16.0, 14.0, 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    if not assessments:
        return {"points": [], "width": width, "height": height}
    times = [a.assessed_at.timestamp() for a in assessments]
    first, last = min(times), max(times)
    span = last - first
    top_area = max(a.area_cm2 for a in assessments)
    scale = _nice_ceiling(top_area)
    tz = ZoneInfo(zone)
    # Assessments days apart are told by their date; within two days, by their time too.
    day_format = "%d/%m" if span >= 2 * 86400 else "%d/%m %H:%M"
    points = []
    for i, a in enumerate(assessments):
        if span > 0:
            x = left + plot_w * (times[i] - first) / span
        else:  # one assessment, or all at one instant: spread evenly
            x = left + (plot_w * i / (len(assessments) - 1) if len(assessments) > 1 else plot_w / 2)
        y = top + plot_h * (1 - a.area_cm2 / scale)
        points.append(
            _Point(
                round(x, 1),
                round(y, 1),
                a.area_cm2,
                a.assessed_at.astimezone(tz).strftime(day_format),
            )
        )
    baseline = top + plot_h
    line = " ".join(f"{p.x},{p.y}" for p in points)
    area = f"M{points[0].x},{baseline} " + " ".join(f"L{p.x},{p.y}" for p in points)
    area += f" L{points[-1].x},{baseline} Z"
    ticks = [
        {"y": round(top + plot_h * (1 - f), 1), "label": f"{scale * f:g}".replace(".", ",")}
        for f in (0.0, 0.5, 1.0)
    ]
    change = None
    if len(assessments) > 1 and assessments[0].area_cm2 > 0:
        change = round(100 * (assessments[-1].area_cm2 / assessments[0].area_cm2 - 1))
    return {
        "points": points,
        "line": line,
        "area": area,
        "ticks": ticks,
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": baseline,
        "change": change,
    }


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `value`: a readable top of the axis."""
    magnitude = 1.0
    while magnitude * 10 < value:
        magnitude *= 10
    while magnitude > value and magnitude > 0.01:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


# --- pages --------------------------------------------------------------------------------


@get(
    "/avis", opt={"public": True, "audited": True, "page_roles": (*ROLES,)}, include_in_schema=False
)
async def referral_list(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    statut: Annotated[str | None, QueryParameter(max_length=32)] = None,
) -> Template | Refusal:
    status = STATUS_PARAMS.get(statut or "")
    read = await referrals.read_referrals(session, clock, actor, status=status, limit=_LIST_LIMIT)
    found, patients = read.page, read.patients
    expert = await referrals.expert_of(session, actor)
    named_ids = {r.id for r in found.items if referrals.may_see_identity(actor, r, expert)}
    now = clock.now()
    latest = await workflow.latest_assessments(session, [r.id for r in found.items])
    names = await experts.expert_names(session, actor)
    rows = [
        _Row(
            referral=r,
            patient=patients.get(r.patient_id) if r.id in named_ids else None,
            last=latest.get(r.id),
            expert_name=names.get(r.assigned_expert_id) if r.assigned_expert_id else None,
            status=_status_label(r),
            late=_is_late(r, now),
            remaining=_remaining(r.due_at, now),
            mine_to_answer=expert is not None and r.assigned_expert_id == expert.id,
        )
        for r in found.items
    ]
    asked = [x for x in rows if x.referral.requester_account_id == actor.account_id]
    active_expert = expert is not None and expert.active
    others = [x for x in rows if x.referral.requester_account_id != actor.account_id]
    queue = _queue_order([x for x in others if x.referral.status in OPEN_STATUSES])
    closed = [x for x in others if x.referral.status not in OPEN_STATUSES]
    return await page(
        request,
        session,
        actor,
        "wounds_list.html",
        asked=asked,
        queue=queue if active_expert else [],
        closed=closed if active_expert else [],
        territory_rows=others if actor.is_staff and not active_expert else [],
        is_expert=active_expert,
        is_nurse=actor.has_any(Role.NURSE),
        is_staff=actor.is_staff,
        expert=expert,
        statut=statut if status else None,
        status_params=STATUS_PARAMS,
        truncated=found.next is not None,
        labels=LABELS,
        live_topics="mine,territory" if actor.is_staff else "mine",
    )


@get(
    "/avis/nouveau",
    opt={"public": True, "audited": True, "page_roles": (Role.NURSE,)},
    include_in_schema=False,
)
async def new_referral(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    patient: FromQuery[str | None] = None,
) -> Template | Refusal:
    day, at = day_and_time(clock.now(), actor.timezone)
    return await page(
        request,
        session,
        actor,
        "wounds_new.html",
        patient=await identity_for_form(session, clock, actor, uuid_or_none(patient)),
        labels=LABELS,
        now={"day": day, "time": at},
        today=day,
        photo_types=PHOTO_TYPES,
        wound_types=list(WoundType),
        exudates=list(Exudate),
        signs=list(InfectionSign),
        expertises=list(Expertise),
    )


@get(
    "/avis/{referral_id:uuid}",
    opt={"public": True, "audited": True, "page_roles": (*ROLES,)},
    include_in_schema=False,
)
async def referral_detail(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    referral_id: FromPath[uuid.UUID],
) -> Template | Refusal:
    try:
        read = await referrals.read_referral(session, clock, actor, referral_id)
    except NotFound:
        return await missing(
            request,
            session,
            actor,
            "Demande d'avis introuvable",
            "Cette demande n'existe pas ou ne vous est pas ouverte : seuls l'infirmier(e) qui "
            "l'a envoyée, l'expert qui la traite et la coordination de la CPTS y ont accès.",
            ("/avis", "Revenir aux avis plaies"),
        )
    r, expert, patient = read.referral, read.expert, read.patient
    now = clock.now()
    assessments = await referrals.assessments_of(session, r.id)
    pictures = await photos.photos_of(session, r.id)
    requester = actor.account_id == r.requester_account_id
    assigned = expert is not None and expert.active and r.assigned_expert_id == expert.id
    member = actor.is_staff or assigned or requester
    thread = (await messages.thread(session, actor, r.id))[1] if member else []
    authors = await accounts.account_names(session, actor, {m.author_account_id for m in thread})
    names = await experts.expert_names(session, actor)
    requester_name = (
        await lookup.professional_names(session, actor, [r.requester_professional_id])
    )[r.requester_professional_id]
    candidates: list[dict[str, Any]] = []
    if actor.is_staff and r.status in (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED):
        today = local_day(now, actor.timezone)
        for load in await experts.roster(session, actor, today):
            e = load.expert
            if e.active and e.expertise is r.expertise and e.id != r.assigned_expert_id:
                candidates.append(
                    {"id": e.id, "name": names.get(e.id, "—"), "load": load.open_referrals}
                )
    queue_expert = (
        expert is not None
        and expert.active
        and r.assigned_expert_id is None
        and r.status is ReferralStatus.REQUESTED
        and not requester
    )
    is_open = r.status in OPEN_STATUSES
    return await page(
        request,
        session,
        actor,
        "wounds_detail.html",
        r=r,
        patient=patient,
        assessments=assessments,
        last=assessments[-1] if assessments else None,
        chart=_trajectory(assessments, actor.timezone),
        photos=pictures,
        thread=thread,
        authors=authors,
        expert_name=names.get(r.assigned_expert_id) if r.assigned_expert_id else None,
        requester_name=requester_name,
        status=_status_label(r),
        late=_is_late(r, now),
        remaining=_remaining(r.due_at, now),
        is_open=is_open,
        requester=requester,
        may_book_follow_up=requester and actor.has_any(Role.NURSE),
        assigned=assigned,
        member=member,
        may_accept=(assigned or queue_expert) and r.status is ReferralStatus.REQUESTED,
        may_reject=assigned and r.status is ReferralStatus.REQUESTED,
        may_start=assigned and r.status is ReferralStatus.ACCEPTED,
        may_answer=assigned and r.status in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS),
        may_cancel=requester and is_open,
        may_assess=requester
        and r.status not in (ReferralStatus.CANCELLED, ReferralStatus.REJECTED),
        candidates=candidates,
        may_reassign=actor.is_staff
        and r.status in (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED),
        labels=LABELS,
        follow_ups=list(FollowUp),
        wound_types=list(WoundType),
        exudates=list(Exudate),
        signs=list(InfectionSign),
        photo_types=PHOTO_TYPES,
        answered_at=local(r.answered_at, actor.timezone) if r.answered_at else None,
        live_topics="mine,territory" if actor.is_staff else "mine",
    )


PAGES: list[HTTPRouteHandler] = [referral_list, new_referral, referral_detail]

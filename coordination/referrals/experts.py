"""Running the network's roster: the coordinator registers experts, sets capacities and
absences, and chooses how referrals are routed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.lookup import contacts_of
from coordination.directory.professional import Profession
from coordination.directory.service import get_professional
from coordination.referrals.models.expert import Expert, ExpertAbsence, Expertise
from coordination.referrals.models.referral import OPEN_STATUSES, Referral, ReferralStatus
from coordination.referrals.network_settings import NetworkSettings, Policy, Routing
from coordination.referrals.referrals import append_referral_event
from coordination.referrals.working_days import SUBDIVISIONS
from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event

# Which professions can hold which expertise: physicians (angiology, dermatology) and nurses.
_PROFESSION_OF = {
    Expertise.VASCULAR: Profession.PHYSICIAN,
    Expertise.DERMATOLOGY: Profession.PHYSICIAN,
    Expertise.WOUND_NURSE: Profession.NURSE,
}


def _staff_only(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed(
            "the CPTS coordinators run the network's roster", code="expert_roster_staff_only"
        )


class ExpertPayload(TypedDict):
    """The payload of every expert event (registered, updated, absences)."""

    expert_id: str
    professional_id: str
    expertise: str
    weekly_capacity: int
    active: bool


class NetworkSettingsPayload(TypedDict):
    routing: str
    routine_days: int
    urgent_days: int
    holiday_subdivision: str | None


async def _event(
    session: AsyncSession, clock: Clock, actor: Actor, expert: Expert, type: EventType
) -> None:
    await append_event(
        session,
        clock,
        territory_id=expert.territory_id,
        type=type,
        actor=actor,
        subject_id=expert.id,
        payload=ExpertPayload(
            expert_id=str(expert.id),
            professional_id=str(expert.professional_id),
            expertise=expert.expertise.value,
            weekly_capacity=expert.weekly_capacity,
            active=expert.active,
        ),
    )


async def register_expert(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional_id: uuid.UUID,
    expertise: Expertise,
    weekly_capacity: int,
) -> Expert:
    _staff_only(actor)
    professional = await get_professional(session, actor, professional_id)
    if professional.profession is not _PROFESSION_OF[expertise]:
        raise Invalid(
            f"{expertise.value} expertise is held by a {_PROFESSION_OF[expertise].value}",
            code="expert_profession_mismatch",
            params={
                "expertise": expertise.value,
                "profession": _PROFESSION_OF[expertise].value,
            },
            field="expertise",
        )
    if weekly_capacity < 1:
        raise Invalid(
            "weekly capacity is at least 1", code="expert_capacity_min", field="weekly_capacity"
        )
    now = clock.now()
    expert = Expert(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        professional_id=professional.id,
        expertise=expertise,
        weekly_capacity=weekly_capacity,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(expert)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "this professional is already an expert", code="expert_exists", field="professional_id"
        ) from exc
    await _event(session, clock, actor, expert, EventType.EXPERT_REGISTERED)
    return expert


async def get_expert(session: AsyncSession, actor: Actor, expert_id: uuid.UUID) -> Expert:
    expert = await session.scalar(
        select(Expert).where(Expert.id == expert_id, Expert.territory_id == actor.territory_id)
    )
    if expert is None:
        raise NotFound("expert not found", code="expert_not_found")
    return expert


async def update_expert(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    expert_id: uuid.UUID,
    *,
    weekly_capacity: int | None = None,
    active: bool | None = None,
) -> Expert:
    _staff_only(actor)
    expert = await get_expert(session, actor, expert_id)
    if weekly_capacity is not None:
        if weekly_capacity < 1:
            raise Invalid(
                "weekly capacity is at least 1", code="expert_capacity_min", field="weekly_capacity"
            )
        expert.weekly_capacity = weekly_capacity
    if active is not None:
        expert.active = active
    expert.updated_at = clock.now()
    await session.flush()
    await _event(session, clock, actor, expert, EventType.EXPERT_UPDATED)
    if active is False:
        await _release_open_referrals(session, clock, actor, expert)
    return expert


async def _release_open_referrals(
    session: AsyncSession, clock: Clock, actor: Actor, expert: Expert
) -> None:
    """An expert taken off the rota hands back what they had not answered: it returns to
    `requested` without an expert, on the coordinator's board, to be reassigned."""
    released = list(
        await session.scalars(
            update(Referral)
            .where(Referral.assigned_expert_id == expert.id, Referral.status.in_(OPEN_STATUSES))
            .values(
                status=ReferralStatus.REQUESTED,
                assigned_expert_id=None,
                accepted_at=None,
                status_changed_at=clock.now(),
                status_changed_by=actor.account_id,
            )
            .returning(Referral)
            .execution_options(synchronize_session=False)
        )
    )
    for referral in released:
        await append_referral_event(session, clock, actor, referral, EventType.REFERRAL_RELEASED)


async def add_absence(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    expert_id: uuid.UUID,
    first_day: date,
    last_day: date,
    reason: str | None,
) -> ExpertAbsence:
    """The coordinator, or the expert themself, records days without new referrals."""
    expert = await get_expert(session, actor, expert_id)
    if not actor.is_staff and actor.professional_id != expert.professional_id:
        raise NotAllowed(
            "the expert or the CPTS staff record absences", code="expert_absence_not_allowed"
        )
    if last_day < first_day:
        raise Invalid("last_day is before first_day", code="end_before_start", field="last_day")
    absence = ExpertAbsence(
        id=uuid.uuid4(),
        expert_id=expert.id,
        first_day=first_day,
        last_day=last_day,
        reason=(reason or "").strip() or None,
    )
    session.add(absence)
    await session.flush()
    await _event(session, clock, actor, expert, EventType.EXPERT_ABSENCE_ADDED)
    return absence


async def remove_absence(
    session: AsyncSession, clock: Clock, actor: Actor, expert_id: uuid.UUID, absence_id: uuid.UUID
) -> None:
    expert = await get_expert(session, actor, expert_id)
    if not actor.is_staff and actor.professional_id != expert.professional_id:
        raise NotAllowed(
            "the expert or the CPTS staff remove absences", code="expert_absence_not_allowed"
        )
    result = await session.execute(
        delete(ExpertAbsence).where(
            ExpertAbsence.id == absence_id, ExpertAbsence.expert_id == expert.id
        )
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("absence not found", code="expert_absence_not_found")
    await _event(session, clock, actor, expert, EventType.EXPERT_ABSENCE_REMOVED)


@dataclass(frozen=True, slots=True)
class ExpertLoad:
    expert: Expert
    open_referrals: int
    absences: list[ExpertAbsence]


async def roster(session: AsyncSession, actor: Actor, today: date) -> list[ExpertLoad]:
    """Every expert of the territory with their open load and current or future absences."""
    experts = list(
        await session.scalars(
            select(Expert)
            .where(Expert.territory_id == actor.territory_id)
            .order_by(Expert.expertise, Expert.created_at)
        )
    )
    loads = dict(
        (
            await session.execute(
                select(Referral.assigned_expert_id, func.count())
                .where(
                    Referral.territory_id == actor.territory_id,
                    Referral.status.in_(OPEN_STATUSES),
                    Referral.assigned_expert_id.is_not(None),
                )
                .group_by(Referral.assigned_expert_id)
            )
        ).all()
    )
    absences: dict[uuid.UUID, list[ExpertAbsence]] = {}
    for absence in await session.scalars(
        select(ExpertAbsence)
        .join(Expert, Expert.id == ExpertAbsence.expert_id)
        .where(Expert.territory_id == actor.territory_id, ExpertAbsence.last_day >= today)
        .order_by(ExpertAbsence.first_day)
    ):
        absences.setdefault(absence.expert_id, []).append(absence)
    return [ExpertLoad(e, int(loads.get(e.id, 0)), absences.get(e.id, [])) for e in experts]


async def set_policy(session: AsyncSession, clock: Clock, actor: Actor, policy: Policy) -> Policy:
    _staff_only(actor)
    if not 1 <= policy.routine_days <= 30:
        raise Invalid(
            "routine_days is 1 to 30 working days",
            code="referral_routine_days_range",
            field="routine_days",
        )
    if not 0 <= policy.urgent_days <= policy.routine_days:
        raise Invalid(
            "urgent_days is 0 to routine_days",
            code="referral_urgent_days_range",
            field="urgent_days",
        )
    if policy.holiday_subdivision not in (None, *SUBDIVISIONS):
        raise Invalid(
            "holiday_subdivision is one of " + ", ".join(SUBDIVISIONS),
            code="referral_holiday_calendar_unknown",
            params={"subdivisions": list(SUBDIVISIONS)},
            field="holiday_subdivision",
        )
    row = await session.get(NetworkSettings, actor.territory_id)
    if row is None:
        row = NetworkSettings(territory_id=actor.territory_id)
        session.add(row)
    row.routing = Routing(policy.routing)
    row.routine_days = policy.routine_days
    row.urgent_days = policy.urgent_days
    row.holiday_subdivision = policy.holiday_subdivision
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.NETWORK_SETTINGS_CHANGED,
        actor=actor,
        subject_id=None,
        payload=NetworkSettingsPayload(
            routing=row.routing.value,
            routine_days=row.routine_days,
            urgent_days=row.urgent_days,
            holiday_subdivision=row.holiday_subdivision,
        ),
    )
    return policy


async def expert_names(session: AsyncSession, actor: Actor) -> dict[uuid.UUID, str]:
    """Expert id → the professional's name, for the territory's network."""
    rows = list(
        await session.scalars(select(Expert).where(Expert.territory_id == actor.territory_id))
    )
    contacts = await contacts_of(session, actor.territory_id, (e.professional_id for e in rows))
    return {e.id: contacts[e.professional_id].name for e in rows if e.professional_id in contacts}

"""Availability rules: create, edit, end, and materialise them as slots on a rolling horizon.

Materialisation is idempotent and safe to run from several workers at once: each rule's
`materialised_until` advances by compare-and-swap, so only one worker inserts a given stretch.
Editing or ending a rule withdraws its future *open* (free or blocked) slots only; booked and
held slots stay as they are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Required, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from scheduling.busy_calendar import busy_between, lock_agenda
from scheduling.models.availability_rule import AvailabilityRule
from scheduling.models.slot import (
    LIVE_STATUSES,
    Modality,
    Slot,
    SlotStatus,
    Visibility,
    untaken,
    visibility_mask,
)
from scheduling.recurrence import DailyWindow, RecurrenceError, expand, parse_rrule
from scheduling.refs import ProfessionalRef, Professionals
from scheduling.slots import SlotDraft, check_draft, default_location, require_agenda_rights

MAX_RULE_SPAN_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class RuleDraft:
    rrule: str
    start_date: date
    start_time: time
    end_time: time
    slot_minutes: int
    modality: Modality
    visibility: frozenset[Visibility]
    until: date | None = None
    exdates: frozenset[date] = frozenset()
    location_id: uuid.UUID | None = None
    assisted: bool = False


@dataclass(frozen=True, slots=True)
class Materialised:
    rule: AvailabilityRule
    created: int
    skipped_overlaps: int
    withdrawn: int = 0


def _validate(draft: RuleDraft, professional: ProfessionalRef) -> None:
    if draft.end_time <= draft.start_time:
        raise Invalid(
            "end_time must be after start_time", code="end_before_start", field="end_time"
        )
    if not 5 <= draft.slot_minutes <= 240:
        raise Invalid(
            "slot_minutes must be between 5 and 240",
            code="rule_slot_minutes_range",
            field="slot_minutes",
        )
    window = datetime.combine(date.min, draft.end_time) - datetime.combine(
        date.min, draft.start_time
    )
    if window < timedelta(minutes=draft.slot_minutes):
        raise Invalid(
            "the daily window is shorter than one slot",
            code="rule_window_too_short",
            field="slot_minutes",
        )
    left = window % timedelta(minutes=draft.slot_minutes)
    if left:
        # 25-minute slots in an hour once dropped its last 10 minutes without a word.
        minutes, lost = window // timedelta(minutes=1), left // timedelta(minutes=1)
        raise Invalid(
            f"the daily window of {minutes} minutes is not a whole number of"
            f" {draft.slot_minutes}-minute slots: its last {lost} minutes would be lost",
            code="rule_window_remainder",
            params={
                "window_minutes": minutes,
                "slot_minutes": draft.slot_minutes,
                "left_minutes": lost,
            },
            field="slot_minutes",
        )
    if draft.until is not None and draft.until < draft.start_date:
        raise Invalid(
            "until must not be before start_date", code="rule_until_before_start", field="until"
        )
    if draft.until is not None and (draft.until - draft.start_date).days > MAX_RULE_SPAN_DAYS:
        raise Invalid(
            "a rule spans at most three years; renew it after",
            code="rule_span_max",
            field="until",
        )
    try:
        parse_rrule(draft.rrule, draft.start_date)
    except RecurrenceError as exc:
        raise Invalid.of(exc, field="rrule") from exc
    check_draft(
        SlotDraft(
            starts_at=datetime.combine(draft.start_date, draft.start_time),
            ends_at=datetime.combine(draft.start_date, draft.start_time)
            + timedelta(minutes=draft.slot_minutes),
            modality=draft.modality,
            visibility=draft.visibility,
            location_id=draft.location_id,
            assisted=draft.assisted,
        ),
        professional,
    )


def local_today(clock: Clock, timezone: str) -> date:
    return clock.now().astimezone(ZoneInfo(timezone)).date()


async def _materialise(
    session: AsyncSession,
    clock: Clock,
    rule: AvailabilityRule,
    first_day: date,
    last_day: date,
) -> tuple[int, int]:
    """Insert the rule's slots for [first_day, last_day], skipping overlaps; return counts."""
    if rule.until is not None:
        last_day = min(last_day, rule.until)
    first_day = max(first_day, rule.start_date)
    if last_day < first_day:
        return 0, 0
    zone = ZoneInfo(rule.timezone)
    now = clock.now()
    intervals = [
        (s, e)
        for s, e in expand(
            parse_rrule(rule.rrule, rule.start_date),
            DailyWindow(rule.start_time, rule.end_time, rule.slot_minutes),
            zone,
            first_day,
            last_day,
            frozenset(date.fromisoformat(d) for d in rule.exdates),
        )
        if e > now
    ]
    if not intervals:
        return 0, 0
    existing = (
        await session.execute(
            select(Slot.starts_at, Slot.ends_at).where(
                Slot.professional_id == rule.professional_id,
                Slot.status.in_(LIVE_STATUSES),
                Slot.starts_at < intervals[-1][1],
                Slot.ends_at > intervals[0][0],
            )
        )
    ).all()
    busy = sorted((s, e) for s, e in existing)
    # Busy in the professional's own calendar (scheduling/busy_time.py): published blocked.
    await lock_agenda(session, rule.professional_id)
    elsewhere = await busy_between(session, rule.professional_id, intervals[0][0], intervals[-1][1])
    slots = []
    skipped = 0
    for start, end in intervals:
        if any(s < end and e > start for s, e in busy):
            skipped += 1
            continue
        slots.append(
            Slot(
                id=uuid.uuid4(),
                territory_id=rule.territory_id,
                professional_id=rule.professional_id,
                location_id=rule.location_id,
                rule_id=rule.id,
                starts_at=start,
                ends_at=end,
                modality=rule.modality,
                visibility=rule.visibility,
                assisted=rule.assisted,
                status=SlotStatus.BLOCKED
                if any(s < end and e > start for s, e in elsewhere)
                else SlotStatus.FREE,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    session.add_all(slots)
    await session.flush()
    return len(slots), skipped


async def _withdraw_open_slots(
    session: AsyncSession, clock: Clock, rule: AvailabilityRule, from_instant: datetime
) -> int:
    now = clock.now()
    result = await session.execute(
        update(Slot)
        .where(
            Slot.rule_id == rule.id,
            Slot.starts_at >= from_instant,
            # blocked ones too: busy time clearing later must not revive an ended rule
            untaken(Slot, now, blocked_too=True),
        )
        .values(
            status=SlotStatus.CANCELLED,
            hold_id=None,
            held_until=None,
            updated_at=now,
            version=Slot.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


class RulePayload(TypedDict, total=False):
    """The payload of every availability-rule event; the slot counts once materialised."""

    rule_id: Required[str]
    professional_id: Required[str]
    rrule: Required[str]
    start_date: Required[str]
    until: Required[str | None]
    modality: Required[str]
    assisted: Required[bool]
    slots_created: int
    skipped_overlaps: int
    slots_withdrawn: int


def _rule_payload(rule: AvailabilityRule, m: Materialised | None = None) -> RulePayload:
    payload: RulePayload = {
        "rule_id": str(rule.id),
        "professional_id": str(rule.professional_id),
        "rrule": rule.rrule,
        "start_date": rule.start_date.isoformat(),
        "until": rule.until.isoformat() if rule.until else None,
        "modality": rule.modality.value,
        "assisted": rule.assisted,
    }
    if m is not None:
        payload["slots_created"] = m.created
        payload["skipped_overlaps"] = m.skipped_overlaps
        payload["slots_withdrawn"] = m.withdrawn
    return payload


async def create_rule(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    draft: RuleDraft,
    horizon_days: int,
) -> Materialised:
    require_agenda_rights(actor, professional)
    _validate(draft, professional)
    now = clock.now()
    slot_probe = SlotDraft(
        starts_at=now,
        ends_at=now,
        modality=draft.modality,
        visibility=draft.visibility,
        location_id=draft.location_id,
    )
    rule = AvailabilityRule(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        professional_id=professional.id,
        location_id=default_location(slot_probe, professional),
        rrule=draft.rrule.removeprefix("RRULE:").strip(),
        start_date=draft.start_date,
        until=draft.until,
        start_time=draft.start_time,
        end_time=draft.end_time,
        slot_minutes=draft.slot_minutes,
        modality=draft.modality,
        visibility=visibility_mask(draft.visibility),
        assisted=draft.assisted,
        exdates=sorted(d.isoformat() for d in draft.exdates),
        timezone=actor.timezone,
        version=1,
        created_at=now,
        updated_at=now,
    )
    today = local_today(clock, rule.timezone)
    horizon = today + timedelta(days=horizon_days)
    rule.materialised_until = horizon
    session.add(rule)
    await session.flush()
    created, skipped = await _materialise(session, clock, rule, today, horizon)
    if created == 0 and skipped > 0:
        # A rule whose every slot is already published (the same rule twice) adds nothing: it
        # is refused, not listed beside the first ("0 créneaux créés, 24 ignorés").
        raise Conflict(
            "every slot of this availability is already published: it adds nothing",
            code="rule_adds_nothing",
            field="rrule",
        )
    result = Materialised(rule, created, skipped)
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.AVAILABILITY_RULE_CREATED,
        actor=actor,
        subject_id=rule.id,
        payload=_rule_payload(rule, result),
    )
    return result


async def get_rule(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> AvailabilityRule:
    rule = await session.scalar(
        select(AvailabilityRule).where(
            AvailabilityRule.id == rule_id, AvailabilityRule.territory_id == actor.territory_id
        )
    )
    if rule is None:
        raise NotFound("availability rule not found", code="rule_not_found")
    return rule


async def list_rules(
    session: AsyncSession, actor: Actor, professional_id: uuid.UUID | None
) -> list[AvailabilityRule]:
    stmt = select(AvailabilityRule).where(AvailabilityRule.territory_id == actor.territory_id)
    if professional_id is not None:
        stmt = stmt.where(AvailabilityRule.professional_id == professional_id)
    return list(await session.scalars(stmt.order_by(AvailabilityRule.created_at)))


async def replace_rule(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    rule_id: uuid.UUID,
    draft: RuleDraft,
    horizon_days: int,
) -> Materialised:
    """Edit a rule: its future open slots are withdrawn and the new pattern materialised."""
    require_agenda_rights(actor, professional)
    rule = await get_rule(session, actor, rule_id)
    if rule.professional_id != professional.id:
        raise NotFound("availability rule not found", code="rule_not_found")
    _validate(draft, professional)
    now = clock.now()
    withdrawn = await _withdraw_open_slots(session, clock, rule, now)
    rule.rrule = draft.rrule.removeprefix("RRULE:").strip()
    rule.start_date = draft.start_date
    rule.until = draft.until
    rule.start_time = draft.start_time
    rule.end_time = draft.end_time
    rule.slot_minutes = draft.slot_minutes
    rule.modality = draft.modality
    rule.visibility = visibility_mask(draft.visibility)
    rule.assisted = draft.assisted
    rule.exdates = sorted(d.isoformat() for d in draft.exdates)
    if draft.location_id is not None:
        rule.location_id = draft.location_id
    rule.version += 1
    rule.updated_at = now
    rule.ended_at = None
    today = local_today(clock, rule.timezone)
    rule.materialised_until = today + timedelta(days=horizon_days)
    await session.flush()
    created, skipped = await _materialise(session, clock, rule, today, rule.materialised_until)
    result = Materialised(rule, created, skipped, withdrawn)
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.AVAILABILITY_RULE_UPDATED,
        actor=actor,
        subject_id=rule.id,
        payload=_rule_payload(rule, result),
    )
    return result


async def end_rule(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    rule_id: uuid.UUID,
    last_day: date | None,
) -> Materialised:
    """End a rule after `last_day` (default: today); later open slots are withdrawn."""
    require_agenda_rights(actor, professional)
    rule = await get_rule(session, actor, rule_id)
    if rule.professional_id != professional.id:
        raise NotFound("availability rule not found", code="rule_not_found")
    today = local_today(clock, rule.timezone)
    last_day = last_day or today
    if last_day < today - timedelta(days=1):
        raise Invalid("a rule cannot be ended in the past", code="rule_end_in_past", field="until")
    zone = ZoneInfo(rule.timezone)
    cut = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    withdrawn = await _withdraw_open_slots(session, clock, rule, max(cut, clock.now()))
    now = clock.now()
    rule.until = max(last_day, rule.start_date)
    rule.ended_at = now
    rule.updated_at = now
    rule.version += 1
    await session.flush()
    result = Materialised(rule, 0, 0, withdrawn)
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.AVAILABILITY_RULE_ENDED,
        actor=actor,
        subject_id=rule.id,
        payload=_rule_payload(rule, result),
    )
    return result


async def extend_horizon(session: AsyncSession, clock: Clock, horizon_days: int) -> int:
    """Materialise every live rule up to today + horizon; returns the number of slots created.

    Called periodically by each worker; the compare-and-swap on `materialised_until` makes
    concurrent runs insert each stretch once.
    """
    created_total = 0
    rules = list(
        await session.scalars(select(AvailabilityRule).where(AvailabilityRule.ended_at.is_(None)))
    )
    for rule in rules:
        target = local_today(clock, rule.timezone) + timedelta(days=horizon_days)
        previous = rule.materialised_until
        if previous is not None and previous >= target:
            continue
        if rule.until is not None and previous is not None and previous >= rule.until:
            continue
        won = await session.execute(
            update(AvailabilityRule)
            .where(
                AvailabilityRule.id == rule.id,
                AvailabilityRule.materialised_until == previous
                if previous is not None
                else AvailabilityRule.materialised_until.is_(None),
            )
            .values(materialised_until=target)
            .execution_options(synchronize_session=False)
        )
        if not getattr(won, "rowcount", 0):
            continue
        first = (previous + timedelta(days=1)) if previous else local_today(clock, rule.timezone)
        created, skipped = await _materialise(session, clock, rule, first, target)
        created_total += created
        if created:
            await append_event(
                session,
                clock,
                territory_id=rule.territory_id,
                type=EventType.AVAILABILITY_RULE_EXTENDED,
                actor=None,
                subject_id=rule.id,
                payload=_rule_payload(rule, Materialised(rule, created, skipped)),
            )
    return created_total


async def replace(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professionals: Professionals,
    rule_id: uuid.UUID,
    draft: RuleDraft,
    horizon_days: int,
) -> Materialised:
    """Replace a rule of the agenda it belongs to (the one door for the action)."""
    rule = await get_rule(session, actor, rule_id)
    professional = await professionals.ref(session, actor, rule.professional_id)
    return await replace_rule(session, clock, actor, professional, rule_id, draft, horizon_days)


async def end(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professionals: Professionals,
    rule_id: uuid.UUID,
    last_day: date | None,
) -> Materialised:
    """End a rule of the agenda it belongs to (the one door for the action)."""
    rule = await get_rule(session, actor, rule_id)
    professional = await professionals.ref(session, actor, rule.professional_id)
    return await end_rule(session, clock, actor, professional, rule_id, last_day)

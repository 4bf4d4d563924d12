"""Reminders of the waiting list: a GP who has not answered a proposal for a week, and a GP
who accepted a patient three weeks ago without the MT declaration recorded, are reminded
once each. Claimed by compare-and-swap (`reminded_at`, `declaration_reminded_at`), so that of several workers exactly
one reminds each, with an `mt_entry.reminded` event (no identity) in the same transaction;
the e-mails name no patient (mail is not a secure channel) and point to the GP's page."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from coordination.doctor_access.models import (
    EntryStatus,
    MtProposal,
    ProposalStatus,
    WaitingEntry,
)
from coordination.doctor_access.service import entry_payload
from kernel.clock import Clock
from kernel.event_types import EventType
from kernel.events import append_event

ANSWER_REMINDER_AFTER = timedelta(days=7)  # a proposal without an answer
DECLARATION_REMINDER_AFTER = timedelta(days=21)  # an accepted patient without the declaration
MAX_PER_RUN = 500  # each kind; the next run takes the rest


class ReminderKind(enum.StrEnum):
    ANSWER = "answer"
    DECLARATION = "declaration"


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    territory_id: uuid.UUID
    entry_id: uuid.UUID
    professional_id: uuid.UUID


async def _claim(
    session: AsyncSession,
    table: type[MtProposal] | type[WaitingEntry],
    due: ColumnElement[bool],
    stamp: str,
    since: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime],
    now: datetime,
    returning: tuple[InstrumentedAttribute[Any], ...],
) -> list[tuple[Any, ...]]:
    """Stamp `stamp` on the rows `due` (the oldest `MAX_PER_RUN`), each once: the condition is
    repeated outside the subquery because PostgreSQL re-checks only the outer one on a row
    changed meanwhile (a GP answering while the job runs is then not reminded)."""
    not_yet = getattr(table, stamp).is_(None)
    oldest = select(table.id).where(due, not_yet).order_by(since).limit(MAX_PER_RUN)
    claimed = await session.execute(
        update(table)
        .where(table.id.in_(oldest.scalar_subquery()), due, not_yet)
        .values({stamp: now})
        .returning(*returning)
    )
    return [tuple(row) for row in claimed.all()]


async def claim_reminders(session: AsyncSession, clock: Clock) -> list[Reminder]:
    """The reminders due now, claimed (each once, whichever worker runs), with their events."""
    now = clock.now()
    answers = await _claim(
        session,
        MtProposal,
        and_(
            MtProposal.status == ProposalStatus.PROPOSED,
            MtProposal.proposed_at <= now - ANSWER_REMINDER_AFTER,
        ),
        "reminded_at",
        MtProposal.proposed_at,
        now,
        (MtProposal.territory_id, MtProposal.entry_id, MtProposal.professional_id),
    )
    declarations = await _claim(
        session,
        WaitingEntry,
        and_(
            WaitingEntry.status == EntryStatus.ACCEPTED,
            WaitingEntry.accepted_at <= now - DECLARATION_REMINDER_AFTER,
        ),
        "declaration_reminded_at",
        WaitingEntry.accepted_at,
        now,
        (WaitingEntry.territory_id, WaitingEntry.id, WaitingEntry.gp_professional_id),
    )
    claimed = [Reminder(ReminderKind.ANSWER, t, e, p) for t, e, p in answers]
    claimed += [Reminder(ReminderKind.DECLARATION, t, e, p) for t, e, p in declarations if p]
    if not claimed:
        return []
    entries = {
        e.id: e
        for e in await session.scalars(
            select(WaitingEntry).where(WaitingEntry.id.in_({r.entry_id for r in claimed}))
        )
    }
    for reminder in sorted(claimed, key=lambda r: (str(r.entry_id), r.kind)):
        await append_event(
            session,
            clock,
            territory_id=reminder.territory_id,
            type=EventType.MT_REMINDED,
            actor=None,
            subject_id=reminder.entry_id,
            payload=entry_payload(entries[reminder.entry_id], [reminder.professional_id]),
        )
    return claimed

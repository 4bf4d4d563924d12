"""Retention: a patient's identity is purged once no care has touched them for N months.

The rows of care stay, so the indicators of past years keep their counts (they never read
identities); the patient row keeps only the birth year, for age bands, and the sex. Each
purge writes a `patient.purged` event (the patient's id, nothing else) in the same
transaction. Free text written about the care (reasons, messages, answers) is clinical
record, kept with it.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import func, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Subquery

from coordination.directory.territory import Territory
from coordination.doctor_access.models import WaitingEntry
from coordination.privacy.patient_records import DIRECT, OF_REFERRAL
from coordination.referrals.models.referral import Referral
from kernel.clock import Clock
from kernel.event_types import EventType
from kernel.events import append_event
from scheduling.patient import Patient, fold_name

PURGED_NAME = "ANONYMISÉ"
BATCH = 500


@dataclass(frozen=True, slots=True)
class PurgeResult:
    territory_id: uuid.UUID
    purged: int
    cutoff: datetime


def cutoff_of(now: datetime, months: int) -> datetime:
    """`now` minus calendar months (31 March minus one month: the last day of February)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _last_activity() -> Subquery:
    """(patient_id, at) for every instant that says a patient's care went on."""
    parts = [select(Patient.id.label("patient_id"), Patient.created_at.label("at"))]
    for holder in DIRECT:
        for column in holder.activity:
            parts.append(select(holder.model.patient_id, column).where(column.is_not(None)))
    for holder in OF_REFERRAL:
        for column in holder.activity:
            parts.append(
                select(Referral.patient_id, column)
                .join(Referral, Referral.id == holder.model.referral_id)
                .where(column.is_not(None))
            )
    return union_all(*parts).subquery("activity")


async def due_for_purge(
    session: AsyncSession, territory_id: uuid.UUID, cutoff: datetime, limit: int = BATCH
) -> list[uuid.UUID]:
    activity = _last_activity()
    patient_id, at = activity.c.patient_id, activity.c.at
    rows = await session.scalars(
        select(Patient.id)
        .join(activity, patient_id == Patient.id)
        .where(Patient.territory_id == territory_id, Patient.purged_at.is_(None))
        .group_by(Patient.id)
        .having(func.max(at) < cutoff)
        .order_by(Patient.id)
        .limit(limit)
    )
    return list(rows)


class PatientPurgedPayload(TypedDict):
    patient_id: str


async def purge_patients(
    session: AsyncSession, clock: Clock, territory_id: uuid.UUID, ids: list[uuid.UUID]
) -> int:
    """Replace the identities of `ids` (not yet purged) by the minimum the statistics need."""
    if not ids:
        return 0
    now = clock.now()
    rows = (
        await session.execute(
            select(Patient.id, Patient.birth_date).where(
                Patient.id.in_(ids),
                Patient.territory_id == territory_id,
                Patient.purged_at.is_(None),
            )
        )
    ).all()
    for patient_id, born in rows:
        result = await session.execute(
            update(Patient)
            .where(Patient.id == patient_id, Patient.purged_at.is_(None))
            .values(
                family_name=PURGED_NAME,
                given_name=PURGED_NAME,
                family_folded=fold_name(PURGED_NAME),
                given_folded=fold_name(PURGED_NAME),
                birth_date=date(born.year, 1, 1),
                phone=None,
                nir=None,
                purged_at=now,
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            # The waiting list kept how to call the patient back: gone with the identity.
            await session.execute(
                update(WaitingEntry)
                .where(WaitingEntry.patient_id == patient_id)
                .values(contact_phone=None, contact_email=None)
            )
            await append_event(
                session,
                clock,
                territory_id=territory_id,
                type=EventType.PATIENT_PURGED,
                actor=None,
                subject_id=patient_id,
                payload=PatientPurgedPayload(patient_id=str(patient_id)),
            )
    return len(rows)


async def retention_months(session: AsyncSession, territory_id: uuid.UUID, default: int) -> int:
    months = await session.scalar(
        select(Territory.patient_retention_months).where(Territory.id == territory_id)
    )
    return int(months) if months else default


async def territories(session: AsyncSession) -> list[uuid.UUID]:
    return list(await session.scalars(select(Territory.id).order_by(Territory.id)))


async def purge_territory(
    session: AsyncSession, clock: Clock, territory_id: uuid.UUID, default_months: int
) -> PurgeResult:
    """One batch of the territory's expired identities; the job calls again while it finds some."""
    months = await retention_months(session, territory_id, default_months)
    cutoff = cutoff_of(clock.now(), months)
    due = await due_for_purge(session, territory_id, cutoff)
    return PurgeResult(
        territory_id, await purge_patients(session, clock, territory_id, due), cutoff
    )

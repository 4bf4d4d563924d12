"""One patient's data on request (RGPD right of access), gathered for the coordinator who
answers it: the identity, every record of care that points at the patient, and the log of
who read it. Reading it is itself a read of patient data, and is audited as such."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.privacy.audit_log import AuditQuery, query_reads, require_auditor
from coordination.privacy.patient_records import DIRECT, OF_REFERRAL
from coordination.referrals.models.photo import ReferralPhoto
from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import NotFound
from scheduling.patient import Patient, searched_name

_INTERNAL = {"territory_id", "storage_key", "revision", "idempotency_key"}
MAX_MATCHES = 50


@dataclass(frozen=True, slots=True)
class PatientExport:
    patient: dict[str, Any]
    records: dict[str, list[dict[str, Any]]]
    reads: list[dict[str, Any]]
    photos: list[tuple[uuid.UUID, str, str]]  # (photo id, storage key, content type)
    exported_at: datetime


def _columns(row: Any) -> dict[str, Any]:
    return {
        attr.key: getattr(row, attr.key)
        for attr in inspect(type(row)).column_attrs
        if attr.key not in _INTERNAL
    }


async def find_patients(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    family_name: str,
    birth_date: date,
) -> list[Patient]:
    """Patients of the territory born that day whose family name matches (accents, case and
    hyphens aside): a request for one's data comes with one's identity."""
    require_auditor(actor)
    wanted = searched_name(family_name)
    query = (
        select(Patient)
        .where(
            Patient.territory_id == actor.territory_id,
            Patient.birth_date == birth_date,
            Patient.family_folded == wanted,
        )
        .order_by(Patient.created_at)
        .limit(MAX_MATCHES)
    )
    matches = list(await session.scalars(query))
    await record_reads(
        session, clock, actor, "patient", [(p.id, p.id) for p in matches], "patient search"
    )
    return matches


async def export_patient(
    session: AsyncSession, clock: Clock, actor: Actor, patient_id: uuid.UUID
) -> PatientExport:
    require_auditor(actor)
    patient = await session.get(Patient, patient_id)
    if patient is None or patient.territory_id != actor.territory_id:
        raise NotFound("patient not found", code="patient_not_found")
    records: dict[str, list[dict[str, Any]]] = {}
    for holder in DIRECT:
        rows = await session.scalars(
            select(holder.model)
            .where(holder.model.patient_id == patient_id)
            .where(holder.model.territory_id == actor.territory_id)
        )
        records[holder.name] = [_columns(r) for r in rows]
    referral_ids = [r["id"] for r in records["referrals"]]
    photos: list[tuple[uuid.UUID, str, str]] = []
    for holder in OF_REFERRAL:
        children = list(
            await session.scalars(
                select(holder.model).where(holder.model.referral_id.in_(referral_ids))
            )
        )
        records[holder.name] = [_columns(r) for r in children]
        if holder.model is ReferralPhoto:
            photos = [(p.id, p.storage_key, p.content_type) for p in children]
    reads = await query_reads(session, actor, AuditQuery(patient_id=patient_id, limit=1000))
    await record_reads(
        session, clock, actor, "patient", [(patient_id, patient_id)], "patient data export"
    )
    return PatientExport(
        patient=_columns(patient),
        records=records,
        reads=[
            {
                "read_at": e.read_at,
                "by": e.account_name,
                "by_email": e.account_email,
                "what": e.subject_type,
                "purpose": e.purpose,
            }
            for e in reads.items
        ],
        photos=photos,
        exported_at=clock.now(),
    )

"""The audit log, patient lookups and retention settings on the wire."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import msgspec

from coordination.privacy.audit_log import AuditEntry
from scheduling.patient import Patient, Sex
from server.wire_time import Instant


class AuditEntryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    read_at: Instant
    account_id: uuid.UUID
    account_email: str | None
    account_name: str | None
    patient_id: uuid.UUID
    subject_type: str
    subject_id: uuid.UUID
    purpose: str


class AuditPageOut(msgspec.Struct, kw_only=True):
    items: list[AuditEntryOut]
    next: str | None


def entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        read_at=entry.read_at,
        account_id=entry.account_id,
        account_email=entry.account_email,
        account_name=entry.account_name,
        patient_id=entry.patient_id,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        purpose=entry.purpose,
    )


class PatientMatch(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex
    purged: bool


def match_out(patient: Patient) -> PatientMatch:
    return PatientMatch(
        id=patient.id,
        family_name=patient.family_name,
        given_name=patient.given_name,
        birth_date=patient.birth_date,
        sex=patient.sex,
        purged=patient.purged_at is not None,
    )


class RetentionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # None: back to the deployment's default
    patient_retention_months: Annotated[int, msgspec.Meta(ge=1, le=600)] | None


class RetentionOut(msgspec.Struct, kw_only=True):
    patient_retention_months: int | None
    default_months: int
    effective_months: int

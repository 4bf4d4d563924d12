"""The audit log of patient reads, as the coordinator queries and exports it.

Reading the log shows who looked at which patient, not the patient: entries carry ids and the
reader's name, so the log itself can be shown to staff without widening who sees identities.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts.account import Account
from kernel.actor import Actor, Role
from kernel.audit import PatientDataRead
from kernel.errors import Invalid, NotAllowed
from kernel.instants import check_instants

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class AuditQuery:
    start: datetime | None = None
    end: datetime | None = None
    patient_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    subject_type: str | None = None
    cursor: str | None = None
    limit: int = 200


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: uuid.UUID
    read_at: datetime
    account_id: uuid.UUID
    account_email: str | None
    account_name: str | None
    patient_id: uuid.UUID
    subject_type: str
    subject_id: uuid.UUID
    purpose: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditEntry]
    next: str | None


def require_auditor(actor: Actor) -> None:
    if not actor.has_any(Role.COORDINATOR, Role.ADMIN):
        raise NotAllowed(
            "the audit log is read by the territory's coordinators",
            code="audit_coordinators_only",
        )


def _cursor(entry: AuditEntry) -> str:
    raw = f"{entry.read_at.isoformat()}|{entry.id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(
            "cursor is not one this server gave", code="cursor_invalid", field="cursor"
        ) from exc


async def query_reads(session: AsyncSession, actor: Actor, query: AuditQuery) -> AuditPage:
    """Reads of the actor's territory, newest first, keyset-paged."""
    require_auditor(actor)
    if not 1 <= query.limit <= MAX_PAGE:
        raise Invalid(
            f"limit must be between 1 and {MAX_PAGE}",
            code="audit_limit_range",
            params={"max": MAX_PAGE},
            field="limit",
        )
    check_instants(start=query.start, end=query.end)
    if query.start and query.end and query.end <= query.start:
        raise Invalid("end must be after start", code="end_before_start", field="end")
    read = PatientDataRead
    conditions = [read.territory_id == actor.territory_id]
    if query.start:
        conditions.append(read.read_at >= query.start)
    if query.end:
        conditions.append(read.read_at < query.end)
    if query.patient_id:
        conditions.append(read.patient_id == query.patient_id)
    if query.account_id:
        conditions.append(read.account_id == query.account_id)
    if query.subject_type:
        conditions.append(read.subject_type == query.subject_type)
    if query.cursor:
        at, ident = _decode(query.cursor)
        conditions.append(or_(read.read_at < at, and_(read.read_at == at, read.id < ident)))
    rows = await session.execute(
        select(read, Account.email, Account.display_name)
        .outerjoin(Account, Account.id == read.account_id)
        .where(*conditions)
        .order_by(read.read_at.desc(), read.id.desc())
        .limit(query.limit + 1)
    )
    items = [
        AuditEntry(
            id=r.id,
            read_at=r.read_at,
            account_id=r.account_id,
            account_email=email,
            account_name=name,
            patient_id=r.patient_id,
            subject_type=r.subject_type,
            subject_id=r.subject_id,
            purpose=r.purpose,
        )
        for r, email, name in rows
    ]
    more = len(items) > query.limit
    items = items[: query.limit]
    return AuditPage(items=items, next=_cursor(items[-1]) if more and items else None)

"""Audit trail of reads of patient data by people (who, what, when, through which route).

Reads are not state changes, so they do not go to the outbox (they would flood live updates);
they are appended here, in the transaction of the read, and never updated.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Uuid, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel import statements
from kernel.actor import Actor
from kernel.clock import Clock
from kernel.database import Base, id_column, table_of
from kernel.statements import insert_row


class PatientDataRead(Base):
    __tablename__ = "audit_patient_reads"
    __table_args__ = (Index("ix_audit_patient_reads_territory_at", "territory_id", "read_at"),)

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False, index=True)
    subject_type: Mapped[str] = mapped_column(String(32), nullable=False)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    purpose: Mapped[str] = mapped_column(String(100), nullable=False)
    read_at: Mapped[datetime] = mapped_column(nullable=False)


async def record_reads(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    subject_type: str,
    reads: Iterable[tuple[uuid.UUID, uuid.UUID]],
    purpose: str,
) -> int:
    """Record that `actor` saw the patients of these (subject_id, patient_id) pairs."""
    now = clock.now()
    rows = [
        {
            "id": uuid.uuid4(),
            "territory_id": actor.territory_id,
            "account_id": actor.account_id,
            "patient_id": patient_id,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "purpose": purpose,
            "read_at": now,
        }
        for subject_id, patient_id in reads
    ]
    if len(rows) == 1:  # the common case (one record opened), by a statement built once
        await statements.execute(session, _INSERT_ONE, **rows[0])
    elif rows:
        await session.execute(insert(PatientDataRead), rows)
    return len(rows)


_INSERT_ONE = insert_row(table_of(PatientDataRead))

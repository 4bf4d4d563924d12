"""Which expert a new referral goes to: the least-loaded available one of the expertise.

Available: active, not absent today, under their weekly capacity (referrals assigned since
Monday). Least loaded: fewest open referrals relative to capacity, then fewest in absolute
terms, then the longest-registered. Two referrals routed at the same instant may pick the same
expert; load is a preference, not an invariant, and the coordinator can reassign.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.referrals.models.expert import Expert, ExpertAbsence, Expertise
from coordination.referrals.models.referral import OPEN_STATUSES, Referral


async def least_loaded_expert(
    session: AsyncSession,
    territory_id: uuid.UUID,
    expertise: Expertise,
    *,
    today: date,
    week_start: datetime,
    exclude_professional: uuid.UUID | None = None,
) -> uuid.UUID | None:
    open_load = (
        select(func.count())
        .where(Referral.assigned_expert_id == Expert.id, Referral.status.in_(OPEN_STATUSES))
        .scalar_subquery()
    )
    this_week = (
        select(func.count())
        .where(Referral.assigned_expert_id == Expert.id, Referral.created_at >= week_start)
        .scalar_subquery()
    )
    absent = (
        select(ExpertAbsence.id)
        .where(
            ExpertAbsence.expert_id == Expert.id,
            and_(ExpertAbsence.first_day <= today, ExpertAbsence.last_day >= today),
        )
        .exists()
    )
    stmt = (
        select(Expert.id)
        .where(
            Expert.territory_id == territory_id,
            Expert.expertise == expertise,
            Expert.active.is_(True),
            ~absent,
            this_week < Expert.weekly_capacity,
        )
        .order_by(
            (open_load * 1.0 / Expert.weekly_capacity), open_load, Expert.created_at, Expert.id
        )
        .limit(1)
    )
    if exclude_professional is not None:
        stmt = stmt.where(Expert.professional_id != exclude_professional)
    return await session.scalar(stmt)

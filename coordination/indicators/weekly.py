"""Weekly series of the main indicators, for the dashboard's trends and the exports' raw sheet.

Each series is one grouped query joined to the period's local weeks (period.py), so weeks
follow the territory's calendar across DST changes; empty weeks read 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.professional import Professional
from coordination.indicators.measures import DAY, GP_SPECIALTY, OFFERED, Sql
from coordination.indicators.period import Period
from coordination.referrals.models.referral import Referral
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Slot
from scheduling.models.snp_request import SnpRequest
from scheduling.models.teleconsultation import Teleconsultation, TeleconsultationStatus

SERIES = (
    "snp.slots_offered",
    "snp.slot_hours_offered",
    "snp.requests_received",
    "snp.requests_met_within_48h",
    "snp.bookings_honoured",
    "tele.completed",
    "referrals.received",
)


@dataclass(slots=True)
class Weekly:
    weeks: list[date]  # local Mondays
    series: dict[str, list[float]]


async def weekly(session: AsyncSession, territory_id: uuid.UUID, period: Period) -> Weekly:
    sql = Sql(session)
    n = len(period.weeks())

    async def grouped(
        instant: Any, *values: Any, where: Any, join: Any = None
    ) -> list[list[float]]:
        week = sql.week_of(instant, period)
        query = select(week, *values).where(instant >= period.start, instant < period.end, where)
        if join is not None:
            query = query.select_from(instant.class_).join(*join)
        rows = (await session.execute(query.group_by(week))).all()
        out = [[0.0] * n for _ in values]
        for row in rows:
            if 0 <= row[0] < n:
                for i in range(len(values)):
                    out[i][row[0]] = float(row[1 + i] or 0)
        return out

    t = territory_id
    slots, hours = await grouped(
        Slot.starts_at,
        func.count(Slot.id),
        func.sum(sql.seconds(Slot.starts_at, Slot.ends_at)) / 3600,
        where=and_(
            Slot.territory_id == t,
            Slot.status.in_(OFFERED),
            Slot.professional_id.in_(
                select(Professional.id).where(
                    Professional.territory_id == t, Professional.specialty == GP_SPECIALTY
                )
            ),
        ),
    )
    (received,) = await grouped(
        SnpRequest.received_at, func.count(SnpRequest.id), where=SnpRequest.territory_id == t
    )
    (within48,) = await grouped(
        SnpRequest.received_at,
        func.count(SnpRequest.id),
        where=and_(
            SnpRequest.territory_id == t,
            SnpRequest.consultation_at.is_not(None),
            sql.seconds(SnpRequest.received_at, SnpRequest.consultation_at) <= 2 * DAY,
        ),
    )
    (honoured,) = await grouped(
        Booking.starts_at,
        func.count(Booking.id),
        where=and_(
            Booking.territory_id == t,
            Booking.status == BookingStatus.HONOURED,
            Booking.own_patient.is_(False),
        ),
    )
    (completed,) = await grouped(
        Teleconsultation.starts_at,
        func.count(Teleconsultation.id),
        where=and_(
            Teleconsultation.territory_id == t,
            Teleconsultation.status == TeleconsultationStatus.COMPLETED,
        ),
    )
    (referrals,) = await grouped(
        Referral.created_at, func.count(Referral.id), where=Referral.territory_id == t
    )
    hours = [round(h, 2) for h in hours]
    values = [slots, hours, received, within48, honoured, completed, referrals]
    return Weekly(
        weeks=[w.monday for w in period.weeks()],
        series=dict(zip(SERIES, values, strict=True)),
    )

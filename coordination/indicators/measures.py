"""The measured indicators of a period, each computed by an aggregate query.

Counting rules (the definitions in catalogue.py say the same in French):
- a request counts in the period of its receipt; it is met when it ended booked and that
  booking was not cancelled; its delay runs from receipt to the consultation's start;
- slots, bookings and teleconsultations count in the period of their start; referrals in
  the period of their creation;
- percentiles are nearest-rank, computed with window functions, so that PostgreSQL and SQLite
  give the same figure.
Every query aggregates in the database; Python only divides the few numbers that come back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Date,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement

from coordination.directory.commune import Commune
from coordination.directory.membership import Membership
from coordination.directory.professional import PracticeLocation, Professional
from coordination.doctor_access.models import EntryStatus, GpCapacity, WaitingEntry
from coordination.indicators.period import Period
from coordination.referrals.assessment import WoundAssessment
from coordination.referrals.models.referral import Referral
from scheduling.models.booking import Booking, BookingStatus, counts_toward_sas_cap
from scheduling.models.slot import Slot, SlotStatus
from scheduling.models.snp_request import Origin, Outcome, SnpRequest
from scheduling.models.teleconsultation import Teleconsultation, TeleconsultationStatus

GP_SPECIALTY = "general_practice"
OFFERED = (SlotStatus.FREE, SlotStatus.HELD, SlotStatus.BOOKED)
SAS_WEEKLY_CAP = 20
DAY = 86_400
REDIRECTED = (Outcome.REDIRECTED_EMERGENCY, Outcome.REDIRECTED_PDSA, Outcome.REDIRECTED_OWN_GP)


@dataclass(slots=True)
class Measured:
    key: str
    value: float | int | None
    breakdown: dict[str, Mapping[str, float | int]] = field(default_factory=dict)


class Sql:
    """Dialect differences, kept to the two that matter here."""

    def __init__(self, session: AsyncSession) -> None:
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def week_of(self, instant: Any, period: Period) -> ColumnElement[Any]:
        """The index of the instant's local week among the period's weeks (0, 1, …).

        PostgreSQL counts days from the first local Monday in the territory's zone
        (bench/indicators.py: a join to a table of weeks took ~1 s over 600,000 bookings);
        SQLite, which has no zones, compares the instant with the weeks' UTC boundaries.
        """
        weeks = period.weeks()
        if self.sqlite:
            return case(
                *[(instant < w.end, literal(w.index)) for w in weeks], else_=literal(len(weeks))
            )
        local_day = cast(func.timezone(period.timezone, instant), Date)
        return (local_day - literal(weeks[0].monday, Date)) // 7

    def seconds(self, start: Any, end: Any) -> ColumnElement[Any]:
        if self.sqlite:  # julianday is a float of days: round back to whole milliseconds
            return func.round((func.julianday(end) - func.julianday(start)) * DAY, 3)
        return func.extract("epoch", end - start)


def _share(part: int | None, whole: int | None) -> float | None:
    if not whole:
        return None
    return round(100.0 * (part or 0) / whole, 1)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 2)


async def _percentiles(
    session: AsyncSession, values: Select[Any], *quantiles: int
) -> dict[int, float | None]:
    """Nearest-rank percentiles (in %) of the single column of `values`: PostgreSQL's
    percentile_disc is exactly that; SQLite ranks the rows with window functions."""
    sub = values.subquery()
    if session.get_bind().dialect.name == "postgresql":
        row = (
            await session.execute(
                select(*[func.percentile_disc(q / 100).within_group(sub.c[0]) for q in quantiles])
            )
        ).one()
        return {q: None if v is None else float(v) for q, v in zip(quantiles, row, strict=True)}
    ranked = select(
        sub.c[0].label("v"),
        func.row_number().over(order_by=sub.c[0]).label("rn"),
        func.count().over().label("n"),
    ).subquery()
    wanted = [(ranked.c.n * q + 99) // 100 for q in quantiles]  # ceil(n * q / 100), integers
    rows = (
        await session.execute(
            select(
                ranked.c.v,
                *[
                    (ranked.c.rn == w).label(f"q{q}")
                    for q, w in zip(quantiles, wanted, strict=True)
                ],
            ).where(or_(*[ranked.c.rn == w for w in wanted]))
        )
    ).all()
    out: dict[int, float | None] = dict.fromkeys(quantiles)
    for row in rows:
        for i, q in enumerate(quantiles):
            if row[1 + i]:
                out[q] = float(row[0])
    return out


def _labelled(items: Any) -> dict[str, float | int]:
    """Breakdowns by person or place, labelled by name; two namesakes stay two lines."""
    out: dict[str, float | int] = {}
    for (key, label), value in items:
        name = label if label not in out else f"{label} ({str(key)[:8]})"
        out[name] = value
    return dict(sorted(out.items()))


async def _slots(
    session: AsyncSession, sql: Sql, t: uuid.UUID, p: Period, now: datetime | None
) -> list[Measured]:
    seconds = sql.seconds(Slot.starts_at, Slot.ends_at)
    per_gp = (
        select(
            Slot.professional_id,
            Professional.given_name,
            Professional.family_name,
            func.count().label("n"),
            func.sum(seconds).label("s"),
        )
        .join(Professional, Professional.id == Slot.professional_id)
        .where(
            Slot.territory_id == t,
            Slot.starts_at >= p.start,
            Slot.starts_at < p.end,
            Slot.status.in_(OFFERED),
            Professional.specialty == GP_SPECIALTY,
        )
        .group_by(Slot.professional_id, Professional.given_name, Professional.family_name)
    )
    rows = (await session.execute(per_gp)).all()  # one row per participating GP
    weeks = p.elapsed_weeks(now)
    weekly = _labelled(
        (
            (r.professional_id, f"Dr {r.given_name} {r.family_name}"),
            round(float(r.s) / 3600 / weeks, 2),
        )
        for r in rows
    )
    return [
        Measured("snp.slots_offered", sum(r.n for r in rows)),
        Measured("snp.slot_hours_offered", _hours(sum(float(r.s) for r in rows))),
        Measured("snp.participating_gps", len(rows)),
        Measured(
            "snp.gps_meeting_2h_rule",
            sum(1 for h in weekly.values() if h >= 2),
            {"hours_per_week_by_gp": weekly},
        ),
    ]


async def _requests(session: AsyncSession, sql: Sql, t: uuid.UUID, p: Period) -> list[Measured]:
    def count_if(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    in_period = and_(
        SnpRequest.territory_id == t,
        SnpRequest.received_at >= p.start,
        SnpRequest.received_at < p.end,
    )
    # The request carries its consultation's start (set by the booking, cleared by its
    # cancellation): no join to the bookings (bench/indicators.py: that join was 870 ms of
    # a 1.6 s report).
    rows = (
        await session.execute(
            select(
                SnpRequest.origin,
                func.count(),
                count_if(SnpRequest.outcome == Outcome.UNMET),
                count_if(SnpRequest.outcome.in_(REDIRECTED)),
            )
            .where(in_period)
            .group_by(SnpRequest.origin)
        )
    ).all()
    received, unmet, redirected = (sum(int(r[i] or 0) for r in rows) for i in range(1, 4))
    by_origin = {o.value: 0 for o in Origin} | {r[0].value: int(r[1]) for r in rows}
    delays = select(
        sql.seconds(SnpRequest.received_at, SnpRequest.consultation_at).label("d")
    ).where(in_period, SnpRequest.consultation_at.is_not(None))
    met = delays.subquery()
    extra = (
        []
        if sql.sqlite
        else [func.percentile_disc(q / 100).within_group(met.c.d) for q in (50, 90)]
    )
    agg = (
        await session.execute(
            select(func.count(), count_if(met.c.d <= DAY), count_if(met.c.d <= 2 * DAY), *extra)
        )
    ).one()
    met_n, within24, within48 = (int(v or 0) for v in agg[:3])
    if sql.sqlite:
        q = await _percentiles(session, delays, 50, 90)
    else:
        q = {
            50: None if agg[3] is None else float(agg[3]),
            90: None if agg[4] is None else float(agg[4]),
        }
    return [
        Measured("snp.requests_received", received, {"by_origin": by_origin}),
        Measured("snp.requests_met", met_n),
        Measured("snp.requests_met_within_24h", within24),
        Measured("snp.requests_met_within_24h_share", _share(within24, received)),
        Measured("snp.requests_met_within_48h", within48),
        Measured("snp.requests_met_within_48h_share", _share(within48, received)),
        Measured("snp.requests_unmet", unmet),
        Measured("snp.requests_redirected", redirected),
        Measured("snp.delay_median_hours", _hours(q[50])),
        Measured("snp.delay_p90_hours", _hours(q[90])),
    ]


async def _bookings(session: AsyncSession, sql: Sql, t: uuid.UUID, p: Period) -> list[Measured]:
    rows = dict(
        (
            await session.execute(
                select(Booking.status, func.count())
                .where(
                    Booking.territory_id == t,
                    Booking.starts_at >= p.start,
                    Booking.starts_at < p.end,
                    Booking.own_patient.is_(False),  # a GP's own patient is no SNP
                )
                .group_by(Booking.status)
            )
        ).all()
    )
    week = sql.week_of(Booking.starts_at, p)
    per_gp_week = (
        select(func.count().label("c"))
        .where(
            Booking.territory_id == t,
            Booking.starts_at >= p.start,
            Booking.starts_at < p.end,
            counts_toward_sas_cap(),
        )
        .group_by(Booking.professional_id, week)
        .subquery()
    )
    total, most, over = (
        await session.execute(
            select(
                func.sum(per_gp_week.c.c),
                func.max(per_gp_week.c.c),
                func.sum(case((per_gp_week.c.c > SAS_WEEKLY_CAP, 1), else_=0)),
            )
        )
    ).one()
    return [
        Measured("snp.bookings_honoured", int(rows.get(BookingStatus.HONOURED, 0))),
        Measured("snp.bookings_no_show", int(rows.get(BookingStatus.NO_SHOW, 0))),
        Measured("snp.bookings_cancelled", int(rows.get(BookingStatus.CANCELLED, 0))),
        Measured("snp.sas_consultations", int(total or 0)),
        Measured("snp.sas_max_per_gp_week", int(most or 0)),
        Measured("snp.sas_gp_weeks_over_cap", int(over or 0)),
    ]


async def _teleconsultations(session: AsyncSession, t: uuid.UUID, p: Period) -> list[Measured]:
    in_period = and_(
        Teleconsultation.territory_id == t,
        Teleconsultation.starts_at >= p.start,
        Teleconsultation.starts_at < p.end,
    )
    live = Teleconsultation.status != TeleconsultationStatus.CANCELLED
    rows = (
        await session.execute(
            select(Teleconsultation.act_code, Teleconsultation.status, func.count())
            .where(in_period)
            .group_by(Teleconsultation.act_code, Teleconsultation.status)
        )
    ).all()

    def total(act: str | None = None, status: str | None = None, cancelled: bool = False) -> int:
        return sum(
            int(n)
            for a, s, n in rows
            if (act is None or a.value == act)
            and (status is None or s.value == status)
            and (cancelled or s is not TeleconsultationStatus.CANCELLED)
        )

    async def by(column: Any) -> dict[str, int]:
        named = (
            await session.execute(
                select(
                    Professional.id, Professional.given_name, Professional.family_name, func.count()
                )
                .select_from(Teleconsultation)
                .join(Professional, Professional.id == column)
                .where(in_period, live)
                .group_by(Professional.id, Professional.given_name, Professional.family_name)
            )
        ).all()
        return {
            k: int(v) for k, v in _labelled(((i, f"{g} {f}"), n) for i, g, f, n in named).items()
        }

    return [
        Measured(
            "tele.booked",
            total(),
            {
                "by_nurse": await by(Teleconsultation.nurse_professional_id),
                "by_gp": await by(Teleconsultation.gp_professional_id),
            },
        ),
        Measured("tele.tld", total("TLD", "completed")),  # acts: what was done
        Measured("tele.tll", total("TLL", "completed")),
        Measured("tele.tls", total("TLS", "completed")),
        Measured("tele.completed", total(status="completed")),
        Measured("tele.no_show", total(status="no_show")),
    ]


async def _referrals(
    session: AsyncSession, sql: Sql, t: uuid.UUID, p: Period, now: datetime | None
) -> list[Measured]:
    in_period = and_(
        Referral.territory_id == t, Referral.created_at >= p.start, Referral.created_at < p.end
    )
    answered = Referral.answered_at.is_not(None)
    follow_up_held = exists().where(
        Teleconsultation.id == Referral.follow_up_teleconsultation_id,
        Teleconsultation.status != TeleconsultationStatus.CANCELLED,
    )
    rows = (
        await session.execute(
            select(
                Referral.expertise,
                func.count(),
                func.sum(case((answered, 1), else_=0)),
                func.sum(
                    case((and_(answered, Referral.answered_at <= Referral.due_at), 1), else_=0)
                ),
                func.sum(case((follow_up_held, 1), else_=0)),
            )
            .where(in_period)
            .group_by(Referral.expertise)
        )
    ).all()
    received, answered_n, in_time, follow_ups = (
        sum(int(r[i] or 0) for r in rows) for i in range(1, 5)
    )
    by_type = dict(
        (
            await session.execute(
                select(WoundAssessment.wound_type, func.count())
                .join(Referral, Referral.id == WoundAssessment.referral_id)
                .where(in_period, WoundAssessment.seq == 1)
                .group_by(WoundAssessment.wound_type)
            )
        ).all()
    )
    q = await _percentiles(
        session,
        select(sql.seconds(Referral.created_at, Referral.answered_at)).where(in_period, answered),
        50,
    )
    return [
        Measured(
            "referrals.received",
            received,
            {
                "by_expertise": {r[0].value: int(r[1]) for r in rows},
                "by_wound_type": {k.value: int(v) for k, v in by_type.items()},
            },
        ),
        Measured("referrals.answered", answered_n),
        Measured("referrals.answered_within_deadline", in_time),
        # As the definition says: over the referrals received in the period.
        Measured("referrals.answered_within_deadline_share", _share(in_time, received)),
        Measured("referrals.median_response_hours", _hours(q[50])),
        Measured("referrals.follow_up_teleconsultations", follow_ups),
    ]


_ACI_GROUPS = ("ald", "over_70", "c2s")  # the CPAM's groups of mission 1a


async def _doctor_access(session: AsyncSession, t: uuid.UUID, p: Period) -> list[Measured]:
    """Mission 1a from the waiting list: entries received in the period, how fast a GP took
    them, patients whose MT declaration was made in the period (by ACI group), volunteering
    GPs and the patients each took. The fragility lists are read in Python (one row per entry
    of the period: bounded by the territory's waiting list)."""
    received_rows = (
        await session.execute(
            select(WaitingEntry.source, WaitingEntry.received_at, WaitingEntry.accepted_at).where(
                WaitingEntry.territory_id == t,
                WaitingEntry.received_at >= p.start,
                WaitingEntry.received_at < p.end,
                WaitingEntry.duplicate_of_id.is_(None),
            )
        )
    ).all()
    by_source: dict[str, int] = {}
    within = {30: 0, 60: 0, 90: 0}
    for source, received_at, accepted_at in received_rows:
        by_source[source.value] = by_source.get(source.value, 0) + 1
        if accepted_at is not None:
            days = (accepted_at - received_at).total_seconds() / DAY
            for limit in within:
                if days <= limit:
                    within[limit] += 1
    declared_rows = (
        await session.execute(
            select(WaitingEntry.fragilities, WaitingEntry.gp_professional_id).where(
                WaitingEntry.territory_id == t,
                WaitingEntry.status == EntryStatus.DECLARED,
                WaitingEntry.declared_on >= p.first_day,
                WaitingEntry.declared_on <= p.last_day,
            )
        )
    ).all()
    by_group = {g: 0 for g in _ACI_GROUPS}
    per_gp: dict[str, int] = {}
    for fragilities, gp in declared_rows:
        for group in _ACI_GROUPS:
            if group in (fragilities or []):
                by_group[group] += 1
        per_gp[str(gp)] = per_gp.get(str(gp), 0) + 1
    volunteers = await session.scalar(
        select(func.count(func.distinct(GpCapacity.professional_id))).where(
            GpCapacity.territory_id == t,
            GpCapacity.new_patients > 0,
            GpCapacity.quarter.in_(p.quarters()),
        )
    )
    received = len(received_rows)
    return [
        Measured("mt.entries_received", received, {"by_source": by_source}),
        Measured("mt.answered_within_30_days", within[30]),
        Measured("mt.answered_within_60_days", within[60]),
        Measured("mt.answered_within_90_days", within[90]),
        Measured("mt.answered_within_90_days_share", _share(within[90], received)),
        Measured("mt.patients_declared", len(declared_rows), {"by_gp": per_gp}),
        Measured("mt.patients_declared_ald", by_group["ald"]),
        Measured("mt.patients_declared_over_70", by_group["over_70"]),
        Measured("mt.patients_declared_c2s", by_group["c2s"]),
        Measured("mt.volunteering_gps", int(volunteers or 0)),
    ]


async def _directory(session: AsyncSession, t: uuid.UUID) -> list[Measured]:
    member = and_(Professional.territory_id == t, Professional.membership == Membership.MEMBER)
    by_profession = dict(
        (
            await session.execute(
                select(Professional.profession, func.count())
                .where(member)
                .group_by(Professional.profession)
            )
        ).all()
    )
    by_commune = dict(
        (
            await session.execute(
                select(Commune.name, func.count(func.distinct(Professional.id)))
                .select_from(Professional)
                .join(PracticeLocation, PracticeLocation.professional_id == Professional.id)
                .join(Commune, Commune.id == PracticeLocation.commune_id)
                .where(member)
                .group_by(Commune.name)
            )
        ).all()
    )
    return [
        Measured(
            "directory.members",
            sum(int(n) for n in by_profession.values()),
            {
                "by_profession": {k.value: int(v) for k, v in by_profession.items()},
                "by_commune": {str(k): int(v) for k, v in sorted(by_commune.items())},
            },
        )
    ]


Readers = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def measure(
    session: AsyncSession,
    territory_id: uuid.UUID,
    period: Period,
    readers: Readers | None = None,
    now: datetime | None = None,
) -> dict[str, Measured]:
    """Every measured indicator of the territory over the period, by key.

    `now`: when the figures are taken, for a period still running (weekly rates over the weeks
    gone by, deadlines judged up to now); None: the period is over.

    With `readers` (a factory of read sessions), the groups of indicators run at once, each
    on its own connection, so the database uses its cores for one report
    (bench/indicators.py); each group then reads its own snapshot, milliseconds apart.
    """
    t, p = territory_id, period
    groups: list[Callable[[AsyncSession], Awaitable[list[Measured]]]] = [
        lambda s: _requests(s, Sql(s), t, p),
        lambda s: _slots(s, Sql(s), t, p, now),
        lambda s: _bookings(s, Sql(s), t, p),
        lambda s: _teleconsultations(s, t, p),
        lambda s: _referrals(s, Sql(s), t, p, now),
        lambda s: _directory(s, t),
        lambda s: _doctor_access(s, t, p),
    ]
    if readers is None:
        found = [m for group in groups for m in await group(session)]
    else:
        make = readers

        async def apart(
            group: Callable[[AsyncSession], Awaitable[list[Measured]]],
        ) -> list[Measured]:
            async with make() as own:
                return await group(own)

        found = [m for ms in await asyncio.gather(*(apart(g) for g in groups)) for m in ms]
    return {m.key: m for m in found}

"""Patient search and the patient file.

Every request, booking and referral records the identity it was made for (one `patients`
row each): one person is every row of the territory with the same birth date and folded
names (`scheduling.patient.fold_name`). A reader finds a person only when they may see at
least one record of theirs, by the rule of each record (`may_read_request`,
`may_see_booking`, `teleconsultations.may_see`, `referrals.may_see_identity`), and sees those
records only; every listing and every file read is an audited read of the rows shown."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.referrals import referrals
from coordination.referrals.models.referral import Referral
from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import NotFound
from scheduling import teleconsultations
from scheduling.bookings import may_see_booking
from scheduling.models.booking import Booking
from scheduling.models.snp_request import SnpRequest
from scheduling.models.teleconsultation import Teleconsultation
from scheduling.patient import Patient, Sex, fold_name, searched_name
from scheduling.requests import may_read_request

MAX_PERSONS = 20  # search results
MAX_ROWS = 500  # identity rows of one person considered (a person booked 500 times is a test)


@dataclass(frozen=True, slots=True)
class PersonMatch:
    patient_id: uuid.UUID  # the newest identity row of the person: the file's address
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex
    records: int  # how many records of theirs the reader may see


@dataclass(frozen=True, slots=True)
class PatientFile:
    identity: Patient  # the newest identity row (phone, NIR as last given)
    requests: list[SnpRequest]
    bookings: list[Booking]
    teleconsultations: list[Teleconsultation]
    referrals: list[Referral]


def _person(p: Patient) -> tuple[date, str, str]:
    return (p.birth_date, p.family_folded or "", p.given_folded or "")


@dataclass(frozen=True, slots=True)
class _Records:
    requests: list[SnpRequest]
    bookings: list[Booking]
    teleconsultations: list[Teleconsultation]
    referrals: list[Referral]

    def _rows(self) -> Iterable[SnpRequest | Booking | Teleconsultation | Referral]:
        return (*self.requests, *self.bookings, *self.teleconsultations, *self.referrals)

    def patient_ids(self) -> set[uuid.UUID]:
        return {r.patient_id for r in self._rows()}

    def counts(self) -> dict[uuid.UUID, int]:
        """Records per identity row."""
        found: dict[uuid.UUID, int] = {}
        for r in self._rows():
            found[r.patient_id] = found.get(r.patient_id, 0) + 1
        return found


async def _visible_records(
    session: AsyncSession, actor: Actor, patient_ids: set[uuid.UUID]
) -> _Records:
    """The records of these identity rows the actor may see, newest first."""
    if not patient_ids:
        return _Records([], [], [], [])
    ids = list(patient_ids)
    territory = actor.territory_id
    found_requests = await session.scalars(
        select(SnpRequest)
        .where(SnpRequest.territory_id == territory, SnpRequest.patient_id.in_(ids))
        .order_by(SnpRequest.received_at.desc())
    )
    found_bookings = await session.scalars(
        select(Booking)
        .where(Booking.territory_id == territory, Booking.patient_id.in_(ids))
        .order_by(Booking.starts_at.desc())
    )
    found_visits = await session.scalars(
        select(Teleconsultation)
        .where(Teleconsultation.territory_id == territory, Teleconsultation.patient_id.in_(ids))
        .order_by(Teleconsultation.starts_at.desc())
    )
    found_referrals = await session.scalars(
        select(Referral)
        .where(Referral.territory_id == territory, Referral.patient_id.in_(ids))
        .order_by(Referral.created_at.desc())
    )
    expert = await referrals.expert_of(session, actor)
    return _Records(
        requests=[r for r in found_requests if may_read_request(actor, r)],
        bookings=[b for b in found_bookings if may_see_booking(actor, b)],
        teleconsultations=[t for t in found_visits if teleconsultations.may_see(actor, t)],
        referrals=[r for r in found_referrals if referrals.may_see_identity(actor, r, expert)],
    )


async def search_patients(
    session: AsyncSession, clock: Clock, actor: Actor, family_name: str, birth_date: date
) -> list[PersonMatch]:
    """People born that day whose family name starts with `family_name` (accents, case and
    hyphens aside) and who have at least one record the actor may see."""
    wanted = searched_name(family_name)
    born = await session.scalars(
        select(Patient)
        .where(
            Patient.territory_id == actor.territory_id,
            Patient.birth_date == birth_date,
            Patient.family_folded.startswith(wanted, autoescape=True),
            Patient.purged_at.is_(None),
        )
        .order_by(Patient.created_at.desc())
        .limit(MAX_ROWS * 4)
    )
    persons: dict[tuple[date, str, str], list[Patient]] = {}
    for p in born:
        persons.setdefault(_person(p), []).append(p)
    records = await _visible_records(
        session, actor, {p.id for rows in persons.values() for p in rows}
    )
    counts = records.counts()
    matches = []
    for rows in persons.values():
        visible = [p for p in rows if p.id in counts]
        if not visible:
            continue
        newest = visible[0]
        matches.append(
            PersonMatch(
                newest.id,
                newest.family_name,
                newest.given_name,
                newest.birth_date,
                newest.sex,
                sum(counts.get(p.id, 0) for p in visible),
            )
        )
    matches.sort(key=lambda m: (fold_name(m.family_name), fold_name(m.given_name)))
    matches = matches[:MAX_PERSONS]
    await record_reads(
        session,
        clock,
        actor,
        "patient",
        [(m.patient_id, m.patient_id) for m in matches],
        "patient search",
    )
    return matches


async def patient_file(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    patient_id: uuid.UUID,
    purpose: str = "patient file",
) -> PatientFile:
    """Everything the actor may see of the person behind this identity row."""
    anchor = await session.get(Patient, patient_id)
    if anchor is None or anchor.territory_id != actor.territory_id or anchor.purged_at:
        raise NotFound("patient not found", code="patient_not_found")
    rows = list(
        await session.scalars(
            select(Patient)
            .where(
                Patient.territory_id == actor.territory_id,
                Patient.birth_date == anchor.birth_date,
                # Never `IS NULL`: a row written without its folded names is nobody's twin.
                Patient.family_folded == (anchor.family_folded or fold_name(anchor.family_name)),
                Patient.given_folded == (anchor.given_folded or fold_name(anchor.given_name)),
                Patient.purged_at.is_(None),
            )
            .order_by(Patient.created_at.desc())
            .limit(MAX_ROWS)
        )
    )
    records = await _visible_records(session, actor, {p.id for p in rows})
    if not records.patient_ids():
        raise NotFound("patient not found", code="patient_not_found")
    newest = next(p for p in rows if p.id in records.patient_ids())
    await record_reads(
        session,
        clock,
        actor,
        "patient",
        [(p, p) for p in sorted(records.patient_ids())],
        purpose,
    )
    return PatientFile(
        identity=newest,
        requests=records.requests,
        bookings=records.bookings,
        teleconsultations=records.teleconsultations,
        referrals=records.referrals,
    )


async def identity_for_form(
    session: AsyncSession, clock: Clock, actor: Actor, patient_id: uuid.UUID | None
) -> Patient | None:
    """The identity a new request, teleconsultation or referral starts from (the file's
    « nouvelle demande »): the newest row of a person the actor may see, else None."""
    if patient_id is None:
        return None
    try:
        found = await patient_file(session, clock, actor, patient_id, "patient identity in a form")
    except NotFound:
        return None
    return found.identity

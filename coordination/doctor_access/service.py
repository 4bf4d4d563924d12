"""The use cases of the médecin-traitant waiting list: one call per action, each checking
who may, loading, auditing the identities it shows, appending its event (no identity in
it) and returning what the caller shows.

- `register`: an entry from the public form (no account) or recorded by staff for a carer,
  a professional, the CPAM or a DAC; a receipt number; the same person already waiting is
  marked as a possible duplicate for staff.
- `set_capacity`: a GP (or staff for them) states the quarter's new patients and how.
- `waiting_list`: the coordinator's list, with the server's suggestions (matching.propose
  over every open entry, so the spread is fair across the list).
- `propose`: staff confirm 1–3 GPs for an entry; `accept` / `decline`: the GP answers (two
  GPs accepting one patient: one wins, 409 for the other); `declared`: the MT declaration.
"""

from __future__ import annotations

import enum
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.commune import Commune
from coordination.directory.professional import PracticeLocation, Profession, Professional
from coordination.directory.territories import all_territories, find_territory
from coordination.directory.territory import Territory
from coordination.doctor_access import matching
from coordination.doctor_access.models import (
    OPEN_STATUSES,
    EntryStatus,
    GpCapacity,
    MtProposal,
    ProposalStatus,
    Source,
    WaitingEntry,
    quarter_of,
)
from kernel.actor import Actor, Role
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from scheduling.patient import Patient, PatientDraft, checked, fold_name, patient_row

MAX_LIST = 500  # a GP's proposals, accepted patients
MAX_WAITING = 10_000  # the coordinator's list: a size-4 CPTS's whole waiting list, bounded
MAX_BACKDATE = timedelta(days=365)  # a request recorded late: a CPAM list, a spreadsheet taken over
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _local_day(instant: datetime, timezone: str) -> date:
    """The territory's calendar day at `instant`."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def _quarter(now: datetime, actor: Actor) -> str:
    """The territory's quarter at `now`."""
    return quarter_of(_local_day(now, actor.timezone))


def _receipt() -> str:
    pick = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(8))
    return f"MT-{pick[:4]}-{pick[4:]}"


def _is_staff(actor: Actor) -> bool:
    return actor.is_staff


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed("the waiting list is kept by the CPTS coordinators", code="mt_staff_only")


@dataclass(frozen=True, slots=True)
class EntryDraft:
    patient: PatientDraft
    commune_insee: str
    contact_phone: str | None
    contact_email: str | None
    fragilities: frozenset[matching.Fragility]
    needs_home_visits: bool
    reduced_mobility: bool
    source: Source
    # Staff recording a request received earlier (a call last week, a CPAM list): its day,
    # so that the ACI's 30/60/90-day delays run from the real receipt. None: now.
    received_on: date | None = None


@dataclass(frozen=True, slots=True)
class Registered:
    entry: WaitingEntry
    possible_duplicate: bool


class EntryPayload(TypedDict):
    """Every waiting-list event: no identity; the entry, its state, its fragility groups
    (what the indicators count) and the GP who took the patient."""

    entry_id: str
    status: str
    source: str
    fragilities: list[str]
    gp_professional_id: str | None
    professional_ids: list[str]  # proposed, declining, or whose proposals were withdrawn


class CapacityPayload(TypedDict):
    professional_id: str
    quarter: str
    new_patients: int


def entry_payload(entry: WaitingEntry, professional_ids: Sequence[uuid.UUID] = ()) -> EntryPayload:
    return EntryPayload(
        entry_id=str(entry.id),
        status=entry.status.value,
        source=entry.source.value,
        fragilities=sorted(entry.fragilities),
        gp_professional_id=str(entry.gp_professional_id) if entry.gp_professional_id else None,
        professional_ids=[str(p) for p in professional_ids],
    )


async def _event(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory_id: uuid.UUID,
    kind: EventType,
    entry: WaitingEntry,
    professional_ids: Sequence[uuid.UUID] = (),
) -> None:
    await append_event(
        session,
        clock,
        territory_id=territory_id,
        type=kind,
        actor=actor,
        subject_id=entry.id,
        payload=entry_payload(entry, professional_ids),
    )


async def public_territory(session: AsyncSession, slug: str | None) -> Territory:
    """The CPTS a public request goes to: the one named, or the deployment's only one."""
    if slug:
        found = await find_territory(session, slug)
        if found is None:
            raise NotFound("territory not found", code="territory_not_found")
        return found
    every = await all_territories(session)
    if len(every) != 1:
        raise Invalid(
            "this server hosts several CPTS: name yours",
            code="mt_territory_required",
            field="territory",
        )
    return every[0]


async def register(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory: Territory,
    draft: EntryDraft,
) -> Registered:
    """An entry of the waiting list; `actor` None: the public form (source `public`)."""
    if actor is not None and not actor.is_staff:
        raise NotAllowed("the waiting list is kept by the CPTS coordinators", code="mt_staff_only")
    if actor is None and draft.source is not Source.PUBLIC:
        raise Invalid(
            "the public form records public requests", code="mt_source_public", field="source"
        )
    if not (draft.contact_phone or draft.contact_email):
        raise Invalid(
            "give a phone number or an e-mail address to be called back",
            code="mt_contact_required",
            field="contact_phone",
        )
    now = clock.now()
    received_at = _received_at(draft, actor, territory, now)
    identity = checked(draft.patient, now)
    commune = await session.scalar(
        select(Commune).where(
            Commune.territory_id == territory.id, Commune.insee == draft.commune_insee
        )
    )
    if commune is None:
        raise Invalid(
            f"commune {draft.commune_insee} is not in this territory",
            code="commune_not_in_territory",
            params={"insee": draft.commune_insee},
            field="commune_insee",
        )
    duplicate = await _waiting_same_person(session, territory.id, identity)
    row = patient_row(territory.id, identity, now)
    session.add(Patient(**row))
    await session.flush()  # the patient first: no relationship orders the two inserts
    entry = WaitingEntry(
        id=uuid.uuid4(),
        territory_id=territory.id,
        receipt=_receipt(),
        patient_id=row["id"],
        commune_id=commune.id,
        contact_phone=(draft.contact_phone or "").strip() or None,
        contact_email=(draft.contact_email or "").strip() or None,
        fragilities=sorted(f.value for f in draft.fragilities),
        needs_home_visits=draft.needs_home_visits,
        reduced_mobility=draft.reduced_mobility,
        source=draft.source,
        recorded_by=actor.account_id if actor else None,
        received_at=received_at,
        status=EntryStatus.WAITING,
        duplicate_of_id=duplicate,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    await session.flush()
    await _event(session, clock, actor, territory.id, EventType.MT_ENTRY_CREATED, entry)
    return Registered(entry, duplicate is not None)


def _received_at(
    draft: EntryDraft, actor: Actor | None, territory: Territory, now: datetime
) -> datetime:
    """When the request was received: now, or the first instant of the day staff name."""
    if draft.received_on is None:
        return now
    if actor is None:
        raise Invalid(
            "the public form is received when it is sent",
            code="mt_received_public",
            field="received_on",
        )
    today = _local_day(now, territory.timezone)
    if not today - MAX_BACKDATE <= draft.received_on <= today:
        raise Invalid(
            f"the request was received in the last {MAX_BACKDATE.days} days",
            code="mt_received_on_range",
            params={"days": MAX_BACKDATE.days},
            field="received_on",
        )
    if draft.received_on == today:
        return now
    return datetime.combine(draft.received_on, time(0), tzinfo=ZoneInfo(territory.timezone))


async def _waiting_same_person(
    session: AsyncSession, territory_id: uuid.UUID, identity: PatientDraft
) -> uuid.UUID | None:
    found = await session.scalar(
        select(WaitingEntry.id)
        .join(Patient, Patient.id == WaitingEntry.patient_id)
        .where(
            WaitingEntry.territory_id == territory_id,
            WaitingEntry.status.in_(OPEN_STATUSES),
            Patient.birth_date == identity.birth_date,
            Patient.family_folded == fold_name(identity.family_name),
            Patient.given_folded == fold_name(identity.given_name),
        )
        .order_by(WaitingEntry.received_at)
        .limit(1)
    )
    return None if found is None else uuid.UUID(str(found))


@dataclass(frozen=True, slots=True)
class CapacityDraft:
    new_patients: int
    communes: frozenset[str] | None
    radius_km: float | None
    home_visits: bool
    ald_share: int | None


async def set_capacity(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional_id: uuid.UUID,
    draft: CapacityDraft,
) -> GpCapacity:
    """The quarter's capacity of a GP: the GP themselves or the staff."""
    if actor.professional_id != professional_id and not actor.is_staff:
        raise NotAllowed(
            "a GP states their own capacity (or the CPTS staff for them)",
            code="mt_capacity_not_allowed",
        )
    gp = await session.get(Professional, professional_id)
    if gp is None or gp.territory_id != actor.territory_id:
        raise NotFound("professional not found", code="professional_not_found")
    if gp.profession is not Profession.PHYSICIAN:
        raise Invalid(
            "only a physician becomes a médecin traitant",
            code="mt_capacity_physician_only",
            field="professional_id",
        )
    if not 0 <= draft.new_patients <= 500:
        raise Invalid(
            "new patients are 0 to 500 a quarter", code="mt_capacity_range", field="new_patients"
        )
    if draft.radius_km is not None and not 0 < draft.radius_km <= 100:
        raise Invalid("the radius is 1 to 100 km", code="mt_radius_range", field="radius_km")
    if draft.ald_share is not None and not 0 <= draft.ald_share <= 100:
        raise Invalid("the ALD share is 0 to 100 %", code="mt_ald_share_range", field="ald_share")
    if draft.communes:
        known = set(
            await session.scalars(
                select(Commune.insee).where(
                    Commune.territory_id == actor.territory_id, Commune.insee.in_(draft.communes)
                )
            )
        )
        unknown = sorted(draft.communes - known)
        if unknown:
            raise Invalid(
                "communes not in this territory: " + ", ".join(unknown[:20]),
                code="mt_communes_unknown",
                params={"unknown": unknown[:20]},
                field="communes",
            )
    now = clock.now()
    quarter = _quarter(now, actor)
    capacity = await session.scalar(
        select(GpCapacity).where(
            GpCapacity.professional_id == professional_id, GpCapacity.quarter == quarter
        )
    )
    if capacity is None:
        capacity = GpCapacity(
            id=uuid.uuid4(),
            territory_id=actor.territory_id,
            professional_id=professional_id,
            quarter=quarter,
        )
        session.add(capacity)
    capacity.new_patients = draft.new_patients
    capacity.communes = sorted(draft.communes) if draft.communes else None
    capacity.radius_km = draft.radius_km
    capacity.home_visits = draft.home_visits
    capacity.ald_share = draft.ald_share
    capacity.updated_at = now
    capacity.updated_by = actor.account_id
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.MT_CAPACITY_SET,
        actor=actor,
        subject_id=professional_id,
        payload=CapacityPayload(
            professional_id=str(professional_id),
            quarter=quarter,
            new_patients=draft.new_patients,
        ),
    )
    return capacity


# --- the list and the server's suggestions -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedEntry:
    entry: WaitingEntry
    patient: Patient
    commune: str
    proposals: list[MtProposal]
    suggested: tuple[uuid.UUID, ...]  # the server's GPs for it, best first (open entries only)


async def _volunteers(
    session: AsyncSession, territory_id: uuid.UUID, quarter: str
) -> list[matching.Volunteer]:
    """The quarter's volunteering GPs with what they can still be proposed."""
    capacities = list(
        await session.scalars(
            select(GpCapacity).where(
                GpCapacity.territory_id == territory_id,
                GpCapacity.quarter == quarter,
                GpCapacity.new_patients > 0,
            )
        )
    )
    if not capacities:
        return []
    ids = [c.professional_id for c in capacities]
    used: dict[uuid.UUID, int] = dict(
        (pid, int(n))
        for pid, n in await session.execute(
            select(MtProposal.professional_id, func.count())
            .where(
                MtProposal.professional_id.in_(ids),
                MtProposal.quarter == quarter,
                MtProposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED]),
            )
            .group_by(MtProposal.professional_id)
        )
    )
    ald_used: dict[uuid.UUID, int] = {}
    for pid, fragilities in await session.execute(
        select(MtProposal.professional_id, WaitingEntry.fragilities)
        .join(WaitingEntry, WaitingEntry.id == MtProposal.entry_id)
        .where(
            MtProposal.professional_id.in_(ids),
            MtProposal.quarter == quarter,
            MtProposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED]),
        )
    ):
        if matching.Fragility.ALD.value in (fragilities or []):
            ald_used[pid] = ald_used.get(pid, 0) + 1
    points: dict[uuid.UUID, tuple[float | None, float | None]] = {}
    for pid, lat, lon in await session.execute(
        select(PracticeLocation.professional_id, Commune.latitude, Commune.longitude)
        .join(Commune, Commune.id == PracticeLocation.commune_id)
        .where(PracticeLocation.professional_id.in_(ids))
        .order_by(PracticeLocation.professional_id, PracticeLocation.label)
    ):
        points.setdefault(pid, (lat, lon))
    volunteers = []
    for c in capacities:
        lat, lon = points.get(c.professional_id, (None, None))
        taken = used.get(c.professional_id, 0)
        ald_room = None
        if c.ald_share is not None:
            ald_room = max(
                0, c.new_patients * c.ald_share // 100 - ald_used.get(c.professional_id, 0)
            )
        volunteers.append(
            matching.Volunteer(
                professional_id=c.professional_id,
                remaining=max(0, c.new_patients - taken),
                capacity=c.new_patients,
                latitude=lat,
                longitude=lon,
                communes=frozenset(c.communes) if c.communes else None,
                radius_km=c.radius_km,
                home_visits=c.home_visits,
                ald_room=ald_room,
            )
        )
    return volunteers


def _waiting(entry: WaitingEntry, commune: Commune, timezone: str) -> matching.Waiting:
    return matching.Waiting(
        id=entry.id,
        received_on=_local_day(entry.received_at, timezone),
        fragilities=frozenset(matching.Fragility(f) for f in entry.fragilities),
        commune_insee=commune.insee,
        latitude=commune.latitude,
        longitude=commune.longitude,
        needs_home_visits=entry.needs_home_visits,
    )


async def _suggestions(
    session: AsyncSession, actor: Actor, volunteers: list[matching.Volunteer]
) -> dict[uuid.UUID, tuple[uuid.UUID, ...]]:
    """The server's GPs for every entry still waiting (no proposal pending), computed over
    the whole list at once."""
    rows = (
        await session.execute(
            select(WaitingEntry, Commune)
            .join(Commune, Commune.id == WaitingEntry.commune_id)
            .where(
                WaitingEntry.territory_id == actor.territory_id,
                WaitingEntry.status == EntryStatus.WAITING,
                WaitingEntry.duplicate_of_id.is_(None),
            )
        )
    ).all()
    if not rows or not volunteers:
        return {}
    proposals = matching.propose([_waiting(e, c, actor.timezone) for e, c in rows], volunteers)
    return {p.entry_id: p.professional_ids for p in proposals}


@dataclass(frozen=True, slots=True)
class ListFilter:
    """What the coordinator narrows the list to; the defaults: every open entry."""

    statuses: tuple[EntryStatus, ...] = OPEN_STATUSES
    fragility: matching.Fragility | None = None
    commune_insee: str | None = None
    source: Source | None = None
    duplicates_only: bool = False
    waiting_days: int | None = None  # waiting at least that many days (the list's « N j »)


async def waiting_list(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    narrow: ListFilter = ListFilter(),
) -> list[ListedEntry]:
    """The coordinator's list (`waiting_board` without the room left)."""
    listed, _ = await waiting_board(session, clock, actor, narrow)
    return listed


async def waiting_board(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    narrow: ListFilter = ListFilter(),
) -> tuple[list[ListedEntry], TerritoryCapacity]:
    """The coordinator's list, the more fragile and the older first (audited). At most
    `MAX_WAITING` entries are read: the oldest open ones, or for declared and closed ones
    the latest; the fragility filter applies to those. The suggestions are computed over
    every waiting entry, so that a filter does not change who is suggested for whom."""
    _require_staff(actor)
    now = clock.now()
    query = (
        select(WaitingEntry, Patient, Commune)
        .join(Patient, Patient.id == WaitingEntry.patient_id)
        .join(Commune, Commune.id == WaitingEntry.commune_id)
        .where(
            WaitingEntry.territory_id == actor.territory_id,
            WaitingEntry.status.in_(list(narrow.statuses)),
        )
    )
    if narrow.commune_insee:
        query = query.where(Commune.insee == narrow.commune_insee)
    if narrow.source:
        query = query.where(WaitingEntry.source == narrow.source)
    if narrow.duplicates_only:
        query = query.where(WaitingEntry.duplicate_of_id.is_not(None))
    if narrow.waiting_days:
        # Waiting N days as the list counts them: received before the local midnight N days
        # ago (the day of receipt is day 0, whatever the hour or a DST change).
        cutoff = _local_day(now, actor.timezone) - timedelta(days=narrow.waiting_days - 1)
        midnight = datetime.combine(cutoff, time(0), tzinfo=ZoneInfo(actor.timezone))
        query = query.where(WaitingEntry.received_at < midnight)
    history = not set(narrow.statuses) & set(OPEN_STATUSES)
    order = WaitingEntry.received_at.desc() if history else WaitingEntry.received_at
    rows = (await session.execute(query.order_by(order).limit(MAX_WAITING))).all()
    if narrow.fragility:
        rows = [r for r in rows if narrow.fragility.value in r[0].fragilities]
    entries = [r[0] for r in rows]
    proposals: dict[uuid.UUID, list[MtProposal]] = {}
    if entries:
        for p in await session.scalars(
            select(MtProposal)
            .where(MtProposal.entry_id.in_([e.id for e in entries]))
            .order_by(MtProposal.rank)
        ):
            proposals.setdefault(p.entry_id, []).append(p)
    quarter = _quarter(now, actor)
    volunteers = await _volunteers(session, actor.territory_id, quarter)  # read once, for both
    suggested = await _suggestions(session, actor, volunteers)
    listed = [
        ListedEntry(e, p, c.name, proposals.get(e.id, []), suggested.get(e.id, ()))
        for e, p, c in rows
    ]
    communes = {e.id: c for e, _, c in rows}
    listed.sort(
        key=lambda item: matching.priority(
            _waiting(item.entry, communes[item.entry.id], actor.timezone)
        )
    )
    await record_reads(
        session,
        clock,
        actor,
        "mt_entry",
        [(i.entry.id, i.patient.id) for i in listed],
        "waiting list",
    )
    return listed, _room(quarter, volunteers)


# --- proposals and answers ----------------------------------------------------------------------


async def _entry(session: AsyncSession, actor: Actor, entry_id: uuid.UUID) -> WaitingEntry:
    """The entry, its row locked for the rest of the transaction (PostgreSQL; SQLite has one
    writer): every change of an entry and its proposals takes the entry first, so two GPs
    answering at once queue on it instead of deadlocking on each other's proposals."""
    entry = await session.scalar(
        select(WaitingEntry)
        .where(WaitingEntry.id == entry_id, WaitingEntry.territory_id == actor.territory_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if entry is None:
        raise NotFound("waiting list entry not found", code="mt_entry_not_found")
    return entry


async def _swap(
    session: AsyncSession, entry: WaitingEntry, allowed: Sequence[EntryStatus], **values: object
) -> WaitingEntry:
    """The entry's compare-and-swap: from one of `allowed` at its version, or 409."""
    now = values.pop("now")
    changed: WaitingEntry | None = await session.scalar(
        update(WaitingEntry)
        .where(
            WaitingEntry.id == entry.id,
            WaitingEntry.version == entry.version,
            WaitingEntry.status.in_(list(allowed)),
        )
        .values(**values, version=WaitingEntry.version + 1, updated_at=now)
        .returning(WaitingEntry)
        .execution_options(populate_existing=True)
    )
    if changed is None:
        raise Conflict(
            "this entry changed meanwhile: reload it", code="mt_entry_changed", field="status"
        )
    return changed


async def propose(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    entry_id: uuid.UUID,
    professional_ids: Sequence[uuid.UUID] | None,
) -> list[MtProposal]:
    """Staff confirm GPs for a waiting entry (the server's suggestion when none are named)."""
    _require_staff(actor)
    entry = await _entry(session, actor, entry_id)
    now = clock.now()
    if professional_ids is None:
        known = await _volunteers(session, actor.territory_id, _quarter(now, actor))
        professional_ids = list((await _suggestions(session, actor, known)).get(entry.id, ()))
    chosen = list(dict.fromkeys(professional_ids))
    if not 1 <= len(chosen) <= 3:
        raise Invalid(
            "propose one to three GPs (none has room for this patient now)",
            code="mt_proposals_count",
            field="professional_ids",
        )
    quarter = _quarter(now, actor)
    await _lock_capacities(session, actor.territory_id, quarter, chosen)
    volunteers = {
        v.professional_id: v for v in await _volunteers(session, actor.territory_id, quarter)
    }
    full = [
        str(pid) for pid in chosen if volunteers.get(pid) is None or volunteers[pid].remaining < 1
    ]
    if full:
        raise Conflict(
            "these GPs have no room left this quarter",
            code="mt_gp_full",
            field="professional_ids",
        )
    entry = await _swap(session, entry, [EntryStatus.WAITING], status=EntryStatus.PROPOSED, now=now)
    made = []
    for rank, pid in enumerate(chosen, start=1):
        proposal = MtProposal(
            id=uuid.uuid4(),
            territory_id=actor.territory_id,
            entry_id=entry.id,
            professional_id=pid,
            quarter=quarter,
            rank=rank,
            status=ProposalStatus.PROPOSED,
            proposed_at=now,
            proposed_by=actor.account_id,
        )
        session.add(proposal)
        made.append(proposal)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "one of these GPs was already proposed for this patient this quarter",
            code="mt_already_proposed",
            field="professional_ids",
        ) from exc
    await _event(
        session,
        clock,
        actor,
        actor.territory_id,
        EventType.MT_PROPOSED,
        entry,
        professional_ids=chosen,
    )
    return made


async def _lock_capacities(
    session: AsyncSession, territory_id: uuid.UUID, quarter: str, gps: Sequence[uuid.UUID]
) -> list[GpCapacity]:
    """The GPs' capacity rows of the quarter, locked in one order (PostgreSQL; SQLite has one
    writer): two coordinators proposing the same GP for two patients at once queue here, and
    the second counts the first's proposal before it checks the room left."""
    return list(
        await session.scalars(
            select(GpCapacity)
            .where(
                GpCapacity.territory_id == territory_id,
                GpCapacity.quarter == quarter,
                GpCapacity.professional_id.in_(list(gps)),
            )
            .order_by(GpCapacity.professional_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


async def _own_proposal(
    session: AsyncSession, actor: Actor, entry: WaitingEntry, proposal_id: uuid.UUID
) -> MtProposal:
    proposal = await session.get(MtProposal, proposal_id)
    if proposal is None or proposal.entry_id != entry.id:
        raise NotFound("proposal not found", code="mt_proposal_not_found")
    if proposal.professional_id != actor.professional_id:
        raise NotAllowed("the GP proposed answers", code="mt_proposal_not_yours")
    return proposal


async def accept(
    session: AsyncSession, clock: Clock, actor: Actor, entry_id: uuid.UUID, proposal_id: uuid.UUID
) -> WaitingEntry:
    """The GP proposed takes the patient: one GP wins the patient, the others' proposals are
    withdrawn; a second GP accepting meanwhile gets 409."""
    entry = await _entry(session, actor, entry_id)
    proposal = await _own_proposal(session, actor, entry, proposal_id)
    if entry.status in (EntryStatus.ACCEPTED, EntryStatus.DECLARED):
        if entry.gp_professional_id == actor.professional_id:
            raise Conflict("this proposal was answered meanwhile", code="mt_proposal_answered")
        raise Conflict("another GP has taken this patient", code="mt_taken", field="proposal_id")
    if proposal.status is not ProposalStatus.PROPOSED:  # withdrawn, declined: before the room
        raise Conflict("this proposal was answered meanwhile", code="mt_proposal_answered")
    now = clock.now()
    await _check_room_to_accept(session, actor.territory_id, proposal)
    try:
        taken = await session.scalar(
            update(MtProposal)
            .where(MtProposal.id == proposal.id, MtProposal.status == ProposalStatus.PROPOSED)
            .values(status=ProposalStatus.ACCEPTED, decided_at=now, decided_by=actor.account_id)
            .returning(MtProposal.id)
        )
    except IntegrityError as exc:
        raise Conflict(
            "another GP has taken this patient", code="mt_taken", field="proposal_id"
        ) from exc
    if taken is None:
        raise Conflict("this proposal was answered meanwhile", code="mt_proposal_answered")
    entry = await _swap(
        session,
        entry,
        [EntryStatus.PROPOSED],
        status=EntryStatus.ACCEPTED,
        gp_professional_id=proposal.professional_id,
        accepted_at=now,
        now=now,
    )
    withdrawn = await _withdraw(session, entry, [ProposalStatus.PROPOSED], now)
    await _event(
        session,
        clock,
        actor,
        actor.territory_id,
        EventType.MT_ACCEPTED,
        entry,
        professional_ids=withdrawn,
    )
    return entry


async def _withdraw(
    session: AsyncSession, entry: WaitingEntry, statuses: Sequence[ProposalStatus], now: datetime
) -> list[uuid.UUID]:
    """The entry's proposals in `statuses` withdrawn; the GPs they were made to."""
    return list(
        await session.scalars(
            update(MtProposal)
            .where(MtProposal.entry_id == entry.id, MtProposal.status.in_(list(statuses)))
            .values(status=ProposalStatus.WITHDRAWN, decided_at=now)
            .returning(MtProposal.professional_id)
        )
    )


async def _check_room_to_accept(
    session: AsyncSession, territory_id: uuid.UUID, proposal: MtProposal
) -> None:
    """A GP who lowered their capacity since the proposal accepts no more than it: the
    patients already accepted this quarter are counted under the capacity row's lock."""
    capacities = await _lock_capacities(
        session, territory_id, proposal.quarter, [proposal.professional_id]
    )
    accepted = await session.scalar(
        select(func.count())
        .select_from(MtProposal)
        .where(
            MtProposal.professional_id == proposal.professional_id,
            MtProposal.quarter == proposal.quarter,
            MtProposal.status == ProposalStatus.ACCEPTED,
        )
    )
    if not capacities or int(accepted or 0) >= capacities[0].new_patients:
        raise Conflict(
            "your capacity for this quarter is reached: raise it to take this patient",
            code="mt_capacity_reached",
            field="proposal_id",
        )


async def decline(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    entry_id: uuid.UUID,
    proposal_id: uuid.UUID,
    reason: str | None,
) -> WaitingEntry:
    """The GP proposed declines; the entry waits again when nobody else is proposed."""
    entry = await _entry(session, actor, entry_id)
    proposal = await _own_proposal(session, actor, entry, proposal_id)
    now = clock.now()
    declined = await session.scalar(
        update(MtProposal)
        .where(MtProposal.id == proposal.id, MtProposal.status == ProposalStatus.PROPOSED)
        .values(
            status=ProposalStatus.DECLINED,
            decided_at=now,
            decided_by=actor.account_id,
            decline_reason=(reason or "").strip()[:500] or None,
        )
        .returning(MtProposal.id)
    )
    if declined is None:
        raise Conflict("this proposal was answered meanwhile", code="mt_proposal_answered")
    pending = await session.scalar(
        select(func.count())
        .select_from(MtProposal)
        .where(MtProposal.entry_id == entry.id, MtProposal.status == ProposalStatus.PROPOSED)
    )
    if not pending and entry.status is EntryStatus.PROPOSED:
        entry = await _swap(
            session, entry, [EntryStatus.PROPOSED], status=EntryStatus.WAITING, now=now
        )
    await _event(
        session,
        clock,
        actor,
        actor.territory_id,
        EventType.MT_DECLINED,
        entry,
        professional_ids=[proposal.professional_id],
    )
    return entry


async def declared(
    session: AsyncSession, clock: Clock, actor: Actor, entry_id: uuid.UUID, declared_on: date
) -> WaitingEntry:
    """The MT declaration is made (the GP who accepted, or staff record it)."""
    entry = await _entry(session, actor, entry_id)
    if not actor.is_staff and actor.professional_id != entry.gp_professional_id:
        raise NotAllowed(
            "the GP who accepted or the CPTS staff record the declaration",
            code="mt_declaration_not_allowed",
        )
    now = clock.now()
    today = _local_day(now, actor.timezone)
    accepted_on = _local_day(entry.accepted_at, actor.timezone) if entry.accepted_at else None
    if declared_on > today or (accepted_on and declared_on < accepted_on):
        raise Invalid(
            "the declaration is dated between the acceptance and today",
            code="mt_declared_on_range",
            field="declared_on",
        )
    if entry.status is not EntryStatus.ACCEPTED:
        raise InvalidTransition(
            "only an accepted entry is declared", code="mt_not_accepted", field="status"
        )
    entry = await _swap(
        session,
        entry,
        [EntryStatus.ACCEPTED],
        status=EntryStatus.DECLARED,
        declared_on=declared_on,
        now=now,
    )
    await _event(session, clock, actor, actor.territory_id, EventType.MT_DECLARED, entry)
    return entry


class CloseReason(enum.StrEnum):
    DUPLICATE = "duplicate"  # the same patient's other entry goes on
    FOUND_ELSEWHERE = "found_elsewhere"
    WITHDRAWN = "withdrawn"  # the patient no longer asks
    MOVED_AWAY = "moved_away"
    UNREACHABLE = "unreachable"


async def close(
    session: AsyncSession, clock: Clock, actor: Actor, entry_id: uuid.UUID, reason: CloseReason
) -> WaitingEntry:
    """Staff close an entry not yet declared (a duplicate merged, a patient who found a GP
    elsewhere or moved away, even after a GP accepted): its proposals are withdrawn, and an
    accepting GP's place for the quarter is given back."""
    _require_staff(actor)
    entry = await _entry(session, actor, entry_id)
    closable = [EntryStatus.WAITING, EntryStatus.PROPOSED, EntryStatus.ACCEPTED]
    if entry.status not in closable:
        raise InvalidTransition(
            "a declared or closed entry is not closed again",
            code="mt_not_closable",
            field="status",
        )
    now = clock.now()
    entry = await _swap(
        session,
        entry,
        closable,
        status=EntryStatus.CLOSED,
        closed_reason=reason.value,
        now=now,
    )
    withdrawn = await _withdraw(
        session, entry, [ProposalStatus.PROPOSED, ProposalStatus.ACCEPTED], now
    )
    await _event(
        session,
        clock,
        actor,
        actor.territory_id,
        EventType.MT_CLOSED,
        entry,
        professional_ids=withdrawn,
    )
    return entry


async def my_proposals(
    session: AsyncSession, clock: Clock, actor: Actor
) -> list[tuple[MtProposal, WaitingEntry, Patient]]:
    """The GP's proposals waiting for an answer, with the patients (audited)."""
    if actor.professional_id is None or not actor.has_any(Role.GP):
        raise NotAllowed("proposals are for GPs", code="mt_gp_only")
    rows = (
        await session.execute(
            select(MtProposal, WaitingEntry, Patient)
            .join(WaitingEntry, WaitingEntry.id == MtProposal.entry_id)
            .join(Patient, Patient.id == WaitingEntry.patient_id)
            .where(
                MtProposal.territory_id == actor.territory_id,
                MtProposal.professional_id == actor.professional_id,
                MtProposal.status == ProposalStatus.PROPOSED,
            )
            .order_by(MtProposal.proposed_at)
            .limit(MAX_LIST)
        )
    ).all()
    found = [(p, e, pat) for p, e, pat in rows]
    await record_reads(
        session,
        clock,
        actor,
        "mt_entry",
        [(e.id, pat.id) for _, e, pat in found],
        "médecin traitant proposals",
    )
    return found


@dataclass(frozen=True, slots=True)
class TerritoryCapacity:
    quarter: str
    volunteers: list[matching.Volunteer]  # who takes new patients, the most room left first

    @property
    def capacity(self) -> int:
        return sum(v.capacity for v in self.volunteers)

    @property
    def remaining(self) -> int:
        return sum(v.remaining for v in self.volunteers)


async def territory_capacity(
    session: AsyncSession, clock: Clock, actor: Actor
) -> TerritoryCapacity:
    """The quarter's volunteering GPs and the room each has left (proposals pending and
    patients accepted counted), for the staff."""
    _require_staff(actor)
    quarter = _quarter(clock.now(), actor)
    return _room(quarter, await _volunteers(session, actor.territory_id, quarter))


def _room(quarter: str, volunteers: list[matching.Volunteer]) -> TerritoryCapacity:
    ordered = sorted(volunteers, key=lambda v: (-v.remaining, -v.capacity, str(v.professional_id)))
    return TerritoryCapacity(quarter, ordered)


async def my_capacity(session: AsyncSession, clock: Clock, actor: Actor) -> GpCapacity | None:
    """The GP's capacity this quarter, if stated."""
    if actor.professional_id is None:
        return None
    quarter = _quarter(clock.now(), actor)
    return await session.scalar(
        select(GpCapacity).where(
            GpCapacity.professional_id == actor.professional_id, GpCapacity.quarter == quarter
        )
    )


async def my_accepted(
    session: AsyncSession, clock: Clock, actor: Actor
) -> list[tuple[WaitingEntry, Patient]]:
    """The patients the GP accepted whose declaration is still to record (audited)."""
    if actor.professional_id is None:
        return []
    rows = (
        await session.execute(
            select(WaitingEntry, Patient)
            .join(Patient, Patient.id == WaitingEntry.patient_id)
            .where(
                WaitingEntry.territory_id == actor.territory_id,
                WaitingEntry.gp_professional_id == actor.professional_id,
                WaitingEntry.status == EntryStatus.ACCEPTED,
            )
            .order_by(WaitingEntry.accepted_at)
            .limit(MAX_LIST)
        )
    ).all()
    found = [(e, p) for e, p in rows]
    await record_reads(
        session,
        clock,
        actor,
        "mt_entry",
        [(e.id, p.id) for e, p in found],
        "médecin traitant accepted",
    )
    return found

"""A professional's agenda over a window, as the week page shows it: one use case that reads
every slot, the booking each slot shows, the patients and SNP requests behind them (each an
audited read), which bookings are teleconsultations, and the SAS-regulated count of the cap."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from scheduling import bookings, requests, slot_shares, slots, teleconsultations
from scheduling.models.booking import Booking, BookingStatus, counts_toward_sas_cap_of
from scheduling.models.slot import Slot, SlotStatus
from scheduling.models.snp_request import SnpRequest
from scheduling.patient import Patient
from scheduling.slots import SlotQuery

_PAGE = 500


@dataclass(frozen=True, slots=True)
class AgendaWindow:
    slots: list[Slot]
    shown: dict[uuid.UUID, Booking]  # slot id → the booking the slot shows
    patients: dict[uuid.UUID, Patient]  # of the bookings shown (audited)
    requests: dict[uuid.UUID, SnpRequest]  # behind the bookings shown (audited)
    teleconsultations: set[uuid.UUID]  # booking ids that are assisted teleconsultations
    sas_count: int  # bookings of the window that count toward the SAS weekly cap
    shares: dict[uuid.UUID, list[uuid.UUID]]  # slot id → other CPTS it is offered under


def shown_booking(slot: Slot, of_slot: list[Booking]) -> Booking | None:
    """The slot's live booking; for a booked slot whose booking was cancelled after it
    started (the slot stays taken), that cancelled booking."""
    live = [b for b in of_slot if b.status is not BookingStatus.CANCELLED]
    if live:
        return live[0]
    if slot.status is SlotStatus.BOOKED and of_slot:
        return max(of_slot, key=lambda b: b.status_changed_at)
    return None


async def _all_slots(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    pid: uuid.UUID,
    start: datetime,
    end: datetime,
) -> list[Slot]:
    found: list[Slot] = []
    cursor: str | None = None
    while True:
        got = await slots.search_slots(
            session,
            clock,
            actor,
            SlotQuery(
                start=start,
                end=end,
                status=None,
                professional_ids={pid},
                cursor=cursor,
                limit=_PAGE,
            ),
        )
        found += got.items
        if not got.next:
            return found
        cursor = got.next


async def _all_bookings(
    session: AsyncSession, actor: Actor, pid: uuid.UUID, start: datetime, end: datetime
) -> list[Booking]:
    """The bookings of this professional's agenda in [start, end) the actor may see."""
    found: list[Booking] = []
    cursor: str | None = None
    while True:
        got = await bookings.list_visible(
            session, actor, start=start, end=end, status=None, cursor=cursor, limit=_PAGE
        )
        found += [b for b in got.items if b.professional_id == pid]
        if not got.next:
            return found
        cursor = got.next


async def agenda_window(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional_id: uuid.UUID,
    start: datetime,
    end: datetime,
    purpose: str = "agenda week",
) -> AgendaWindow:
    """The agenda of `professional_id` over [start, end) as `actor` may see it (the slots
    through `search_slots`, the bookings through `list_visible`); every patient and request
    returned is recorded as read by the actor, for `purpose`."""
    found = await _all_slots(session, clock, actor, professional_id, start, end)
    window_bookings = await _all_bookings(session, actor, professional_id, start, end)
    by_slot: dict[uuid.UUID, list[Booking]] = {}
    for booking in window_bookings:
        by_slot.setdefault(booking.slot_id, []).append(booking)
    shown: dict[uuid.UUID, Booking] = {}
    for s in found:
        attached = shown_booking(s, by_slot.get(s.id, []))
        if attached is not None:
            shown[s.id] = attached
    linked = await requests.requests_by_id(
        session, actor, (b.request_id for b in shown.values() if b.request_id)
    )
    patients = await bookings.patients_for(session, list(shown.values()))
    await record_reads(
        session, clock, actor, "booking", [(b.id, b.patient_id) for b in shown.values()], purpose
    )
    await record_reads(
        session,
        clock,
        actor,
        "snp_request",
        [(r.id, r.patient_id) for r in linked.values()],
        purpose,
    )
    return AgendaWindow(
        slots=found,
        shown=shown,
        patients=patients,
        requests=linked,
        teleconsultations=await teleconsultations.bookings_with_teleconsultation(
            session, actor, (b.id for b in shown.values())
        ),
        sas_count=sum(1 for b in window_bookings if counts_toward_sas_cap_of(b)),
        shares=await slot_shares.shares_of(session, [s.id for s in found]),
    )

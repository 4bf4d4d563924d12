"""Wire shapes of the médecin-traitant waiting list (public contract, in the README)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from coordination.doctor_access.matching import Fragility
from coordination.doctor_access.models import (
    OPEN_STATUSES,
    EntryStatus,
    GpCapacity,
    MtProposal,
    ProposalStatus,
    Source,
)
from coordination.doctor_access.service import (
    CloseReason,
    ListedEntry,
    ListFilter,
    TerritoryCapacity,
)
from server.scheduling.wire import PatientIn, PatientOut, patient_out
from server.wire_types import Email, Insee, Phone


class EntryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    patient: PatientIn
    commune_insee: Insee
    contact_phone: Phone | None = None
    contact_email: Email | None = None
    fragilities: Annotated[list[Fragility], msgspec.Meta(max_length=7)] = []
    needs_home_visits: bool = False
    reduced_mobility: bool = False
    territory: Annotated[str, msgspec.Meta(max_length=64)] | None = None  # slug; one CPTS: none
    source: Source = Source.PUBLIC  # staff only: carer, professional, cpam, dac
    received_on: date | None = None  # staff only: the day it was received (default today)


class Receipt(msgspec.Struct, kw_only=True):
    """What the public form's sender gets: the number to quote when calling the CPTS."""

    receipt: str
    received_at: datetime


class ProposalOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    professional_id: uuid.UUID
    rank: int
    status: ProposalStatus
    proposed_at: datetime
    decided_at: datetime | None


def proposal_out(p: MtProposal) -> ProposalOut:
    return ProposalOut(
        id=p.id,
        professional_id=p.professional_id,
        rank=p.rank,
        status=p.status,
        proposed_at=p.proposed_at,
        decided_at=p.decided_at,
    )


class EntryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    receipt: str
    status: EntryStatus
    source: Source
    received_at: datetime
    patient: PatientOut
    commune: str
    contact_phone: str | None
    contact_email: str | None
    fragilities: list[Fragility]
    needs_home_visits: bool
    reduced_mobility: bool
    possible_duplicate_of: uuid.UUID | None
    gp_professional_id: uuid.UUID | None
    declared_on: date | None
    proposals: list[ProposalOut]
    suggested: list[uuid.UUID]  # the server's GPs for a waiting entry, best first


def entry_out(item: ListedEntry) -> EntryOut:
    e = item.entry
    return EntryOut(
        id=e.id,
        receipt=e.receipt,
        status=e.status,
        source=e.source,
        received_at=e.received_at,
        patient=patient_out(item.patient),
        commune=item.commune,
        contact_phone=e.contact_phone,
        contact_email=e.contact_email,
        fragilities=[Fragility(f) for f in e.fragilities],
        needs_home_visits=e.needs_home_visits,
        reduced_mobility=e.reduced_mobility,
        possible_duplicate_of=e.duplicate_of_id,
        gp_professional_id=e.gp_professional_id,
        declared_on=e.declared_on,
        proposals=[proposal_out(p) for p in item.proposals],
        suggested=list(item.suggested),
    )


class EntryList(msgspec.Struct, kw_only=True):
    items: list[EntryOut]


WaitingDays = Annotated[int, msgspec.Meta(ge=1, le=3650)]


def list_filter(
    status: list[EntryStatus] | None,
    fragility: Fragility | None,
    commune: str | None,
    source: Source | None,
    duplicates: bool,
    waiting_days: int | None,
) -> ListFilter:
    """The list's query (the API's and the page's): no status named, every open entry."""
    return ListFilter(
        statuses=tuple(dict.fromkeys(status)) if status else OPEN_STATUSES,
        fragility=fragility,
        commune_insee=commune,
        source=source,
        duplicates_only=duplicates,
        waiting_days=waiting_days,
    )


class ProposalsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # The GPs to propose, best first; none: the server's suggestion for this entry.
    professional_ids: (
        Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=3)] | None
    ) = None


class DeclineIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class CloseIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: CloseReason


class DeclaredIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    declared_on: date


class EntryState(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    status: EntryStatus
    gp_professional_id: uuid.UUID | None
    declared_on: date | None


class CapacityIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    new_patients: Annotated[int, msgspec.Meta(ge=0, le=500)]
    communes: Annotated[list[Insee], msgspec.Meta(max_length=200)] | None = None
    radius_km: Annotated[float, msgspec.Meta(gt=0, le=100)] | None = None
    home_visits: bool = False
    ald_share: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None


class CapacityOut(msgspec.Struct, kw_only=True):
    professional_id: uuid.UUID
    quarter: str
    new_patients: int
    communes: list[str] | None
    radius_km: float | None
    home_visits: bool
    ald_share: int | None


def capacity_out(c: GpCapacity) -> CapacityOut:
    return CapacityOut(
        professional_id=c.professional_id,
        quarter=c.quarter,
        new_patients=c.new_patients,
        communes=c.communes,
        radius_km=c.radius_km,
        home_visits=c.home_visits,
        ald_share=c.ald_share,
    )


class VolunteerOut(msgspec.Struct, kw_only=True):
    professional_id: uuid.UUID
    new_patients: int  # stated for the quarter
    remaining: int  # less the proposals pending and the patients accepted
    home_visits: bool
    radius_km: float | None
    communes: list[str] | None


class TerritoryCapacityOut(msgspec.Struct, kw_only=True):
    quarter: str
    new_patients: int
    remaining: int
    gps: list[VolunteerOut]


def territory_capacity_out(found: TerritoryCapacity) -> TerritoryCapacityOut:
    return TerritoryCapacityOut(
        quarter=found.quarter,
        new_patients=found.capacity,
        remaining=found.remaining,
        gps=[
            VolunteerOut(
                professional_id=v.professional_id,
                new_patients=v.capacity,
                remaining=v.remaining,
                home_visits=v.home_visits,
                radius_km=v.radius_km,
                communes=sorted(v.communes) if v.communes else None,
            )
            for v in found.volunteers
        ],
    )

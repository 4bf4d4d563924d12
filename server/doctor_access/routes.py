"""The médecin-traitant waiting list: the public form's door (no account, rate limited,
a receipt), the coordinator's list and proposals, the GP's answer and capacity. Thin:
parse, call one use case of coordination/doctor_access/service.py, shape the answer."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from coordination.directory.territories import get_territory
from coordination.doctor_access import service
from coordination.doctor_access.matching import Fragility
from coordination.doctor_access.models import EntryStatus, Source
from coordination.doctor_access.service import CapacityDraft, EntryDraft
from kernel.actor import Role
from kernel.errors import Invalid
from server.auth.guards import roles
from server.auth.middleware import check_same_origin
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.doctor_access.wire import (
    CapacityIn,
    CapacityOut,
    CloseIn,
    DeclaredIn,
    DeclineIn,
    EntryIn,
    EntryList,
    EntryState,
    ProposalOut,
    ProposalsIn,
    Receipt,
    TerritoryCapacityOut,
    WaitingDays,
    capacity_out,
    entry_out,
    list_filter,
    proposal_out,
    territory_capacity_out,
)
from server.wire_types import Insee

_staff = roles(Role.COORDINATOR, Role.ADMIN)
_gps = roles(Role.GP)


def _draft(data: EntryIn) -> EntryDraft:
    return EntryDraft(
        patient=data.patient.draft(),
        commune_insee=data.commune_insee,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
        fragilities=frozenset(data.fragilities),
        needs_home_visits=data.needs_home_visits,
        reduced_mobility=data.reduced_mobility,
        source=data.source,
        received_on=data.received_on,
    )


def _state(entry: Any) -> EntryState:
    return EntryState(
        id=entry.id,
        status=entry.status,
        gp_professional_id=entry.gp_professional_id,
        declared_on=entry.declared_on,
    )


class WaitingListController(Controller):
    path = "/api/v1/waiting-list"
    tags = ["médecin traitant"]

    @post(
        "/",
        opt={"public": True, "exclude_from_auth": True},
        status_code=HTTP_201_CREATED,
        summary="A patient asks for a médecin traitant (public form, no account): a receipt",
    )
    async def public_request(
        self, request: Request[Any, Any, Any], services: ServicesDep, data: JSONBody[EntryIn]
    ) -> Receipt:
        check_same_origin(request, services.settings.public_url)
        if data.source.value != "public":
            raise Invalid(
                "the public form records public requests", code="mt_source_public", field="source"
            )
        async with services.db.write() as session:
            territory = await service.public_territory(session, data.territory)
            registered = await service.register(
                session, services.clock, None, territory, _draft(data)
            )
        # Nothing more (not even « already on the list »): the sender may be anyone.
        return Receipt(receipt=registered.entry.receipt, received_at=registered.entry.received_at)

    @post(
        "/recorded",
        guards=[_staff],
        status_code=HTTP_201_CREATED,
        summary="Staff record an entry for a carer, a professional, the CPAM or a DAC",
    )
    async def recorded(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[EntryIn]
    ) -> EntryState:
        registered = await service.register(
            session, clock, actor, await get_territory(session, actor), _draft(data)
        )
        return _state(registered.entry)

    @get("/", guards=[_staff], opt={"audited": True}, summary="The waiting list (coordinators)")
    async def list_entries(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        status: FromQuery[list[EntryStatus] | None] = None,
        fragility: FromQuery[Fragility | None] = None,
        commune: FromQuery[Insee | None] = None,
        source: FromQuery[Source | None] = None,
        duplicates: FromQuery[bool] = False,
        waiting_days: FromQuery[WaitingDays | None] = None,
    ) -> EntryList:
        narrow = list_filter(status, fragility, commune, source, duplicates, waiting_days)
        found = await service.waiting_list(session, clock, actor, narrow)
        return EntryList(items=[entry_out(i) for i in found])

    @get("/capacity", guards=[_staff], summary="The quarter's volunteering GPs and their room left")
    async def capacity(
        self, session: DbSession, clock: ClockDep, actor: ActorDep
    ) -> TerritoryCapacityOut:
        return territory_capacity_out(await service.territory_capacity(session, clock, actor))

    @post(
        "/{entry_id:uuid}/proposals",
        guards=[_staff],
        status_code=HTTP_201_CREATED,
        summary="Propose 1–3 GPs (the server's suggestion when none are named)",
    )
    async def propose(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        data: JSONBody[ProposalsIn],
    ) -> list[ProposalOut]:
        made = await service.propose(session, clock, actor, entry_id, data.professional_ids)
        return [proposal_out(p) for p in made]

    @post(
        "/{entry_id:uuid}/proposals/{proposal_id:uuid}/accept",
        guards=[_gps],
        status_code=HTTP_200_OK,
        summary="The GP takes the patient (409 when another GP did)",
    )
    async def accept(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        proposal_id: FromPath[uuid.UUID],
    ) -> EntryState:
        return _state(await service.accept(session, clock, actor, entry_id, proposal_id))

    @post(
        "/{entry_id:uuid}/proposals/{proposal_id:uuid}/decline",
        guards=[_gps],
        status_code=HTTP_200_OK,
        summary="The GP declines",
    )
    async def decline(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        proposal_id: FromPath[uuid.UUID],
        data: JSONBody[DeclineIn],
    ) -> EntryState:
        entry = await service.decline(session, clock, actor, entry_id, proposal_id, data.reason)
        return _state(entry)

    @post(
        "/{entry_id:uuid}/close",
        guards=[_staff],
        status_code=HTTP_200_OK,
        summary="Close an open entry (duplicate, found elsewhere, withdrawn…)",
    )
    async def close(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        data: JSONBody[CloseIn],
    ) -> EntryState:
        return _state(await service.close(session, clock, actor, entry_id, data.reason))

    @post(
        "/{entry_id:uuid}/declared",
        status_code=HTTP_200_OK,
        summary="The MT declaration is made (its date)",
    )
    async def declared(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        data: JSONBody[DeclaredIn],
    ) -> EntryState:
        return _state(await service.declared(session, clock, actor, entry_id, data.declared_on))


class CapacityController(Controller):
    path = "/api/v1/professionals"
    tags = ["médecin traitant"]

    @put(
        "/{professional_id:uuid}/capacity",
        summary="A GP's new patients this quarter and how (the GP, or staff for them)",
    )
    async def set_capacity(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        professional_id: FromPath[uuid.UUID],
        data: JSONBody[CapacityIn],
    ) -> CapacityOut:
        capacity = await service.set_capacity(
            session,
            clock,
            actor,
            professional_id,
            CapacityDraft(
                new_patients=data.new_patients,
                communes=frozenset(data.communes) if data.communes else None,
                radius_km=data.radius_km,
                home_visits=data.home_visits,
                ald_share=data.ald_share,
            ),
        )
        return capacity_out(capacity)

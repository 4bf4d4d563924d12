"""Directory endpoints: thin translation between HTTP and coordination.directory."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from coordination.directory import service as directory
from coordination.directory.membership import Membership
from coordination.directory.professional import Profession
from coordination.directory.service import ProfessionalPatch, ProfessionalQuery
from coordination.directory.structure import StructureKind
from coordination.directory.territories import get_territory
from kernel.actor import Role
from server.auth.guards import roles
from server.dependencies import ActorDep, ClockDep, DbSession
from server.directory.wire import (
    CommuneIn,
    CommuneList,
    ProfessionalIn,
    ProfessionalOut,
    ProfessionalPage,
    ProfessionalPatchIn,
    ProfessionalSaved,
    StructureIn,
    StructureList,
    StructureSaved,
    TerritoryOut,
    commune_out,
    professional_out,
    professional_saved,
    structure_out,
    structure_saved,
    territory_out,
)

_staff = roles(Role.COORDINATOR, Role.ADMIN)


class DirectoryController(Controller):
    path = "/api/v1"
    tags = ["directory"]

    @get("/territory", summary="The caller's territory (CPTS)")
    async def territory(self, session: DbSession, actor: ActorDep) -> TerritoryOut:
        return territory_out(await get_territory(session, actor))

    @get("/communes", summary="Communes of the territory")
    async def communes(self, session: DbSession, actor: ActorDep) -> CommuneList:
        return CommuneList(
            items=[commune_out(c) for c in await directory.list_communes(session, actor)]
        )

    @post("/communes", guards=[_staff], summary="Add communes to the territory")
    async def add_communes(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[list[CommuneIn]]
    ) -> CommuneList:
        created = await directory.add_communes(
            session, clock, actor, actor.territory_id, [c.draft() for c in data]
        )
        return CommuneList(items=[commune_out(c) for c in created])

    @get("/professionals", summary="Search the directory")
    async def search(
        self,
        session: DbSession,
        actor: ActorDep,
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="name, accents ignored")
        ] = None,
        profession: FromQuery[Profession | None] = None,
        specialty: Annotated[str | None, QueryParameter(max_length=64)] = None,
        commune: Annotated[
            str | None, QueryParameter(pattern=r"^(\d{5}|2[AB]\d{3})$", description="INSEE code")
        ] = None,
        membership: FromQuery[Membership | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> ProfessionalPage:
        page = await directory.search_professionals(
            session,
            actor,
            ProfessionalQuery(
                text=q,
                profession=profession,
                specialty=specialty,
                commune_insee=commune,
                membership=membership,
                cursor=cursor,
                limit=limit,
            ),
        )
        return ProfessionalPage(items=[professional_out(p) for p in page.items], next=page.next)

    @get("/professionals/{professional_id:uuid}", summary="One professional")
    async def professional(
        self, session: DbSession, actor: ActorDep, professional_id: FromPath[uuid.UUID]
    ) -> ProfessionalOut:
        return professional_out(await directory.get_professional(session, actor, professional_id))

    @post("/professionals", guards=[_staff], summary="Add a professional to the directory")
    async def create(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[ProfessionalIn]
    ) -> ProfessionalSaved:
        saved = await directory.create_professional(
            session, clock, actor, actor.territory_id, data.draft()
        )
        return professional_saved(saved.professional, saved.warnings)

    @patch(
        "/professionals/{professional_id:uuid}", guards=[_staff], summary="Update a professional"
    )
    async def update(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        professional_id: FromPath[uuid.UUID],
        data: JSONBody[ProfessionalPatchIn],
    ) -> ProfessionalOut:
        professional = await directory.update_professional(
            session,
            clock,
            actor,
            professional_id,
            ProfessionalPatch(
                phone=data.phone,
                email=data.email,
                specialty=data.specialty,
                membership=data.membership,
                add_locations=[loc.draft() for loc in data.add_locations],
                remove_location_ids=data.remove_location_ids,
            ),
        )
        return professional_out(professional)

    @get("/structures", summary="Structures of the territory")
    async def structures(
        self, session: DbSession, actor: ActorDep, kind: FromQuery[StructureKind | None] = None
    ) -> StructureList:
        items = await directory.list_structures(session, actor, kind)
        return StructureList(items=[structure_out(s) for s in items])

    @post("/structures", guards=[_staff], summary="Add a structure")
    async def create_structure(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[StructureIn]
    ) -> StructureSaved:
        structure, warnings = await directory.create_structure(
            session,
            clock,
            actor,
            actor.territory_id,
            data.draft(),
        )
        return structure_saved(structure, warnings)

"""The platform operator's API: the deployment's territories, created and configured."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from coordination.directory import territories
from coordination.directory.territories import FirstAdmin, TerritoryChange
from kernel.actor import Role
from server.accounts.mail import send_links
from server.auth.guards import roles
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.directory.wire import TerritoryOut, territory_out
from server.wire_types import Email, Insee, Phone

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
Zone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Communes = Annotated[list[Insee], msgspec.Meta(max_length=territories.MAX_COMMUNES)]
Departments = Annotated[
    list[Annotated[str, msgspec.Meta(pattern=r"^(\d{2,3}|2[AB])$")]], msgspec.Meta(max_length=10)
]


class FirstAdminIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TerritoryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    finess: Annotated[str, msgspec.Meta(min_length=9, max_length=9)]
    population: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
    timezone: Zone = "Europe/Paris"
    aci_size: Annotated[int, msgspec.Meta(ge=1, le=4)] | None = None
    holiday_subdivision: Annotated[str, msgspec.Meta(max_length=8)] | None = None
    phone: Phone | None = None
    communes: Communes = []
    departments: Departments = []  # every commune of these, e.g. ["974"]
    first_admin: FirstAdminIn | None = None


class TerritoryPatchIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    population: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] | None = None
    timezone: Zone | None = None
    aci_size: Annotated[int, msgspec.Meta(ge=0, le=4)] | None = None  # 0: from the population
    holiday_subdivision: Annotated[str, msgspec.Meta(max_length=8)] | None = None  # "": none
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None  # "": none
    add_communes: Communes = []
    add_departments: Departments = []
    first_admin: FirstAdminIn | None = None


class InvitationOut(msgspec.Struct, kw_only=True):
    """An invitation sent: to whom and until when (its link went by e-mail only)."""

    account_id: str
    email: str
    expires_at: datetime


class TerritoryChangeOut(msgspec.Struct, kw_only=True):
    territory: TerritoryOut
    communes_added: list[str]
    invitation: InvitationOut | None = None


class TerritoryList(msgspec.Struct, kw_only=True):
    items: list[TerritoryOut]


def _admin(data: FirstAdminIn | None) -> FirstAdmin | None:
    return FirstAdmin(data.email, data.display_name) if data else None


def _answer(
    services: ServicesDep, change: TerritoryChange, status: int = 200
) -> Response[TerritoryChangeOut]:
    link = change.invitation
    body = TerritoryChangeOut(
        territory=territory_out(change.territory),
        communes_added=change.communes_added,
        invitation=InvitationOut(
            account_id=str(link.account_id), email=link.email, expires_at=link.expires_at
        )
        if link
        else None,
    )
    background = BackgroundTask(send_links, services, [link]) if link else None
    return Response(body, status_code=status, background=background)


class PlatformController(Controller):
    path = "/api/v1/platform"
    tags = ["platform"]
    guards = [roles(Role.OPERATOR)]
    opt = {"operator": "only"}  # the role held by the platform's account, not a territory's

    @get("/territories", summary="The deployment's territories")
    async def list_territories(self, session: DbSession, actor: ActorDep) -> TerritoryList:
        found = await territories.list_territories(session, actor)
        return TerritoryList(items=[territory_out(t) for t in found])

    @post("/territories", summary="Create a territory, its communes and its first admin")
    async def create(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        data: JSONBody[TerritoryIn],
    ) -> Response[TerritoryChangeOut]:
        change = await territories.onboard_territory(
            session,
            clock,
            actor,
            territories.TerritoryDraft(
                slug=data.slug,
                name=data.name,
                finess=data.finess,
                population=data.population,
                timezone=data.timezone,
                phone=data.phone,
                aci_size=data.aci_size,
                holiday_subdivision=data.holiday_subdivision,
                communes=data.communes,
                departments=data.departments,
                first_admin=_admin(data.first_admin),
            ),
        )
        return _answer(services, change, HTTP_201_CREATED)

    @patch("/territories/{slug:str}", summary="Change a territory, add communes, invite an admin")
    async def update(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        slug: FromPath[str],
        data: JSONBody[TerritoryPatchIn],
    ) -> Response[TerritoryChangeOut]:
        change = await territories.update_territory(
            session,
            clock,
            actor,
            slug,
            territories.TerritoryPatch(
                name=data.name,
                population=data.population,
                timezone=data.timezone,
                phone=data.phone,
                aci_size=data.aci_size,
                holiday_subdivision=data.holiday_subdivision,
                add_communes=data.add_communes,
                add_departments=data.add_departments,
                first_admin=_admin(data.first_admin),
            ),
        )
        return _answer(services, change)

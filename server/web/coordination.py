"""The coordinator's pages: the SNP request board, the wound network's late referrals, the
directory (professionals, accounts, experts) and the year's ACI contract.

Reads go through the domain services the API routes call; every change is a data-api form
that goes through /api/v1 (static/forms.js, and static/coordination.js for the bodies whose
shape a flat form cannot give). The request board shows patients to the staff, as
GET /api/v1/requests does, and records those reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import QueryParameter
from litestar.response import Template

from coordination.accounts import service as accounts
from coordination.accounts.account import Account
from coordination.directory import service as directory
from coordination.directory.membership import Membership
from coordination.directory.professional import Profession, Professional
from coordination.directory.service import ProfessionalQuery
from coordination.indicators.catalogue import BY_KEY, MISSION_LABELS
from coordination.indicators.contract import get_contract
from coordination.referrals import experts, referrals
from coordination.referrals.experts import ExpertLoad
from coordination.referrals.models.referral import Referral
from coordination.referrals.network_settings import Routing, policy_of
from coordination.referrals.working_days import SUBDIVISIONS
from kernel.actor import Actor, Role
from kernel.errors import NotFound
from scheduling import requests
from scheduling.models.snp_request import Origin, SnpRequest, Urgency
from scheduling.patient import Patient
from server.database import Session
from server.dependencies import ActorDep, ClockDep, DbSession
from server.indicators.wire import ContractOut, contract_out
from server.web import labels
from server.web.access import Refusal, page
from server.web.dates import local_day, span
from server.web.query import member_or_none

_STAFF = (Role.COORDINATOR, Role.ADMIN)
_OPEN_LIMIT = 500
_CLOSED_SHOWN = 20


def _duration(delta: timedelta) -> str:
    """« 3 h 20 », « 2 j 4 h », « 12 min », « moins d'une minute »."""
    return "moins d'une minute" if delta < timedelta(minutes=1) else span(delta)


@dataclass(frozen=True, slots=True)
class _RequestRow:
    request: SnpRequest
    patient: Patient | None
    age: str
    late: str | None  # "48" or "24" when older than that many hours, else None
    delay: str | None  # closed ones: received → outcome


def _open_rows(
    items: list[SnpRequest], patients: dict[uuid.UUID, Patient], now: datetime
) -> list[_RequestRow]:
    rows = []
    for r in items:
        age = now - r.received_at
        late = "48" if age > timedelta(hours=48) else "24" if age > timedelta(hours=24) else None
        rows.append(_RequestRow(r, patients.get(r.patient_id), _duration(age), late, None))
    return rows


def _closed_rows(
    items: list[SnpRequest], patients: dict[uuid.UUID, Patient], now: datetime
) -> list[_RequestRow]:
    return [
        _RequestRow(
            r,
            patients.get(r.patient_id),
            _duration(now - r.received_at),
            None,
            _duration(r.outcome_at - r.received_at) if r.outcome_at else None,
        )
        for r in items
    ]


async def _open_requests(session: Session, actor: Actor) -> list[SnpRequest]:
    """The territory's open requests, oldest first (the domain pages newest first)."""
    found = await requests.list_requests(session, actor, open_only=True, limit=_OPEN_LIMIT)
    return list(reversed(found.items))


async def _names(session: Session, actor: Actor) -> dict[uuid.UUID, Professional]:
    """Every professional of the territory by id (a CPTS has a few hundred at most)."""
    found: dict[uuid.UUID, Professional] = {}
    cursor: str | None = None
    while True:
        batch = await directory.search_professionals(
            session, actor, ProfessionalQuery(cursor=cursor, limit=200)
        )
        found.update((p.id, p) for p in batch.items)
        if batch.next is None or len(found) >= 2000:
            return found
        cursor = batch.next


def _labels() -> dict[str, Any]:
    return {
        "origin_labels": labels.ORIGINS_SHORT,
        "urgency_labels": labels.URGENCIES_SHORT,
        "outcome_labels": labels.OUTCOMES_SHORT,
        "profession_labels": labels.PROFESSIONS,
        "specialty_labels": labels.SPECIALTIES,
        "membership_labels": labels.MEMBERSHIPS,
        "role_labels": labels.ROLES,
        "expertise_labels": labels.EXPERTISES_SHORT,
        "referral_status_labels": labels.REFERRAL_STATUSES_SHORT,
        "routing_labels": labels.ROUTINGS,
        "direction_labels": labels.DIRECTIONS,
    }


@get("/coordination", opt={"public": True, "page_roles": (*_STAFF,)}, include_in_schema=False)
async def overview(
    request: Request[Any, Any, Any], actor: ActorDep, session: DbSession, clock: ClockDep
) -> Template | Refusal:
    now = clock.now()
    open_requests = await _open_requests(session, actor)
    board = await referrals.board(session, clock, actor)
    people = await _names(session, actor)
    roster = await experts.roster(session, actor, local_day(now, actor.timezone))
    year = local_day(now, actor.timezone).year
    try:
        contract_version: int | None = (await get_contract(session, actor, year)).version
    except NotFound:
        contract_version = None
    return await page(
        request,
        session,
        actor,
        "coordination.html",
        open_count=len(open_requests),
        over_24=sum(1 for r in open_requests if now - r.received_at > timedelta(hours=24)),
        over_48=sum(1 for r in open_requests if now - r.received_at > timedelta(hours=48)),
        board_count=len(board),
        unassigned=sum(1 for r in board if r.assigned_expert_id is None),
        professionals=len(people),
        experts_active=sum(1 for e in roster if e.expert.active),
        year=year,
        contract_version=contract_version,
    )


@get(
    "/coordination/demandes",
    opt={"public": True, "audited": True, "page_roles": (*_STAFF,)},
    include_in_schema=False,
)
async def request_board(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    origine: Annotated[str | None, QueryParameter(max_length=32)] = None,
    urgence: Annotated[str | None, QueryParameter(max_length=32)] = None,
) -> Template | Refusal:
    now = clock.now()
    origin = member_or_none(Origin, origine)
    urgency = member_or_none(Urgency, urgence)

    def kept(r: SnpRequest) -> bool:
        return (origin is None or r.origin is origin) and (urgency is None or r.urgency is urgency)

    open_items = [r for r in await _open_requests(session, actor) if kept(r)]
    recent = await requests.list_requests(session, actor, open_only=False, limit=200)
    closed = sorted(
        (r for r in recent.items if r.outcome is not None and kept(r)),
        key=lambda r: r.outcome_at or r.received_at,
        reverse=True,
    )[:_CLOSED_SHOWN]
    shown = open_items + closed
    # Staff see the patients of the territory's requests, as the API gives them; each read
    # is recorded, as GET /api/v1/requests does.
    patients = await requests.read_board(session, clock, actor, shown, "request board")
    return await page(
        request,
        session,
        actor,
        "coordination_requests.html",
        open_rows=_open_rows(open_items, patients, now),
        closed_rows=_closed_rows(closed, patients, now),
        origin=origin,
        urgency=urgency,
        origins=list(Origin),
        urgencies=list(Urgency),
        **_labels(),
    )


@dataclass(frozen=True, slots=True)
class _BoardRow:
    referral: Referral
    expert_name: str | None
    overdue: bool
    choices: list[tuple[uuid.UUID, str]]  # experts it can be handed to


def _board_rows(
    board: list[Referral],
    roster: list[ExpertLoad],
    people: dict[uuid.UUID, Professional],
    now: datetime,
) -> list[_BoardRow]:
    def name(professional_id: uuid.UUID) -> str:
        p = people.get(professional_id)
        return p.display_name if p else "?"

    by_id = {e.expert.id: e.expert for e in roster}
    rows = []
    for r in board:
        current = by_id.get(r.assigned_expert_id) if r.assigned_expert_id else None
        choices = [
            (e.expert.id, f"{name(e.expert.professional_id)} ({e.open_referrals} en cours)")
            for e in roster
            if e.expert.active
            and e.expert.expertise is r.expertise
            and e.expert.id != r.assigned_expert_id
            and e.expert.professional_id != r.requester_professional_id
        ]
        rows.append(
            _BoardRow(
                referral=r,
                expert_name=name(current.professional_id) if current else None,
                overdue=r.overdue_at is not None or r.due_at <= now,
                choices=choices,
            )
        )
    return rows


@get("/coordination/avis", opt={"public": True, "page_roles": (*_STAFF,)}, include_in_schema=False)
async def referral_board(
    request: Request[Any, Any, Any], actor: ActorDep, session: DbSession, clock: ClockDep
) -> Template | Refusal:
    now = clock.now()
    board = await referrals.board(session, clock, actor)
    roster = await experts.roster(session, actor, local_day(now, actor.timezone))
    people = await _names(session, actor)
    return await page(
        request,
        session,
        actor,
        "coordination_referrals.html",
        rows=_board_rows(board, roster, people, now),
        **_labels(),
    )


@dataclass(frozen=True, slots=True)
class _DirectoryRow:
    professional: Professional
    communes: list[str]
    accounts: list[Account]


@get(
    "/coordination/annuaire",
    opt={"public": True, "page_roles": (*_STAFF,)},
    include_in_schema=False,
)
async def directory_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    profession: Annotated[str | None, QueryParameter(max_length=32)] = None,
) -> Template | Refusal:
    chosen = member_or_none(Profession, profession)
    found = await directory.search_professionals(
        session,
        actor,
        ProfessionalQuery(text=(q or "").strip() or None, profession=chosen, limit=200),
    )
    communes = await directory.list_communes(session, actor)
    commune_by_id = {c.id: c for c in communes}
    is_admin = actor.has_any(Role.ADMIN)
    all_accounts = await accounts.list_accounts(session, actor) if is_admin else []
    by_professional: dict[uuid.UUID, list[Account]] = {}
    for a in all_accounts:
        if a.professional_id is not None:
            by_professional.setdefault(a.professional_id, []).append(a)
    rows = [
        _DirectoryRow(
            professional=p,
            communes=sorted(
                {
                    commune_by_id[loc.commune_id].name
                    for loc in p.locations
                    if loc.commune_id in commune_by_id
                }
            ),
            accounts=by_professional.get(p.id, []),
        )
        for p in found.items
    ]
    now = clock.now()
    roster = await experts.roster(session, actor, local_day(now, actor.timezone))
    people = await _names(session, actor)
    policy = await policy_of(session, actor.territory_id)
    return await page(
        request,
        session,
        actor,
        "coordination_directory.html",
        rows=rows,
        more=found.next is not None,
        q=q or "",
        profession=chosen,
        professions=list(Profession),
        memberships=list(Membership),
        roles=[r for r in Role if r not in (Role.SAS_PLATFORM, Role.OPERATOR)],
        communes=communes,
        is_admin=is_admin,
        staff_accounts=[a for a in all_accounts if a.professional_id is None],
        roster=roster,
        people=people,
        expert_candidates=sorted(
            (
                p
                for p in people.values()
                if p.profession in (Profession.PHYSICIAN, Profession.NURSE)
            ),
            key=lambda p: (p.family_name, p.given_name),
        ),
        policy=policy,
        routings=list(Routing),
        subdivisions=sorted(SUBDIVISIONS),
        today=local_day(now, actor.timezone),
        **_labels(),
    )


@get(
    "/coordination/contrat", opt={"public": True, "page_roles": (*_STAFF,)}, include_in_schema=False
)
async def contract_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    session: DbSession,
    clock: ClockDep,
    annee: Annotated[int | None, QueryParameter(ge=2019, le=2100)] = None,
) -> Template | Refusal:
    year = annee or local_day(clock.now(), actor.timezone).year
    contract: ContractOut | None = None
    version: int | None = None
    template_year: int | None = None
    try:
        contract = contract_out(await get_contract(session, actor, year))
        version = contract.version
    except NotFound:
        # No contract for the year: start from the previous one, saved as a new contract.
        try:
            contract = contract_out(await get_contract(session, actor, year - 1))
            template_year = year - 1
        except NotFound:
            contract = None
    body = None
    if contract is not None:
        # The document the form edits and sends back whole (an attribute: the template escapes it).
        body = msgspec.json.encode(
            {
                "operating_eur": contract.operating_eur,
                "missions": contract.missions,
                "version": version,
            }
        ).decode()
    return await page(
        request,
        session,
        actor,
        "coordination_contract.html",
        year=year,
        contract=contract,
        template_year=template_year,
        contract_json=body,
        mission_labels={m.value: label for m, label in MISSION_LABELS.items()},
        definitions=BY_KEY,
        **_labels(),
    )


PAGES: list[HTTPRouteHandler] = [
    overview,
    request_board,
    referral_board,
    directory_page,
    contract_page,
]

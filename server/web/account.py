"""« Mon compte »: who I am, my calendar feed URLs, the calendars I import as busy time, and my
API tokens. Everything here is the caller's own; changes go through /api/v1/me/... (forms.js,
and static/account.js to show a new secret URL or token once)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from coordination.accounts import service as accounts
from coordination.accounts.token import TokenKind
from coordination.calendar import feeds
from coordination.calendar.feed import FeedScope
from coordination.directory.refs import professional_ref
from coordination.directory.service import commune_names, get_professional
from kernel.actor import Role
from scheduling import busy_time
from scheduling.busy_calendar import BusyCalendar
from server.dependencies import ActorDep, ClockDep, DbSession
from server.web import labels
from server.web.access import Refusal, page


def _host(calendar: BusyCalendar) -> str | None:
    """The imported URL's host only: the full URL opens a private calendar."""
    if calendar.url is None:
        return None
    scheme, _, rest = calendar.url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/…"


@get("/compte", opt={"public": True, "page_roles": ()}, include_in_schema=False)
async def account_page(
    request: Request[Any, Any, Any], actor: ActorDep, session: DbSession, clock: ClockDep
) -> Template | Refusal:
    now = clock.now()
    account = await accounts.get_account(session, actor, actor.account_id)
    professional = None
    communes: list[str] = []
    if actor.professional_id is not None:
        professional = await get_professional(session, actor, actor.professional_id)
        names = await commune_names(
            session, actor.territory_id, {loc.commune_id for loc in professional.locations}
        )
        communes = sorted({c.name for c in names.values()})
    scopes = []
    if actor.professional_id is not None:
        scopes.append(FeedScope.PROFESSIONAL)
    if actor.is_staff:
        scopes.append(FeedScope.POOL)
    calendars: list[BusyCalendar] = []
    conflicts: list[Any] = []
    if actor.professional_id is not None:
        ref = await professional_ref(session, actor, None)
        calendars = await busy_time.list_calendars(session, actor, ref)
        conflicts = await busy_time.conflicts(session, ref.id, now)
    tokens = [t for t in await accounts.list_tokens(session, actor) if t.is_live(now)]
    return await page(
        request,
        session,
        actor,
        "account.html",
        account=account,
        roles=[labels.ROLES[r] for r in sorted(account.roles) if r is not Role.SAS_PLATFORM],
        professional=professional,
        profession=labels.PROFESSIONS[professional.profession] if professional else None,
        communes=communes,
        feeds=await feeds.list_feeds(session, actor),
        scopes=scopes,
        scope_labels=labels.FEED_SCOPES,
        calendars=[(c, _host(c)) for c in calendars],
        conflicts=conflicts,
        api_tokens=[t for t in tokens if t.kind is TokenKind.API],
        sessions=[t for t in tokens if t.kind is TokenKind.SESSION],
        current_token=actor.token_id,
    )


PAGES: list[HTTPRouteHandler] = [account_page]

"""The authorization matrix: every route of the route table × every role (the territory
dimension, one territory's resources asked for from another, is tests/server/test_isolation.py).

`ACCESS` declares, for each API route, who passes the role check; the test takes the routes
from the app itself, so a new route without a line here fails, and so does a line for a route
that is gone. For each route and each role (and nobody), the route is called with ids that
exist nowhere and an empty body: a role outside the line must get 401 (nobody) or 403, a role
inside it anything but 401/403 (validation, 404 for the unknown id, 2xx). The SAS platform's
account passes only where its line says so. `anyone` also covers routes whose rule is about
the resource (the nurse of this teleconsultation, the expert of this referral): the domain
answers those with 403/404 once the resource is known, as their own tests show.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from kernel.actor import Role
from kernel.clock import FrozenClock
from server.database import Database
from tests.conftest import login
from tests.server.platform_helpers import new_operator
from tests.server.sas_helpers import new_sas_platform

R = Role
PUBLIC = "public"  # no credentials needed
ANYONE = frozenset(set(Role) - {Role.SAS_PLATFORM, Role.OPERATOR})
STAFF = frozenset({R.COORDINATOR, R.ADMIN})
ADMIN = frozenset({R.ADMIN})
PUBLISHERS = frozenset({R.GP, R.EXPERT, R.COORDINATOR, R.ADMIN})
Access = str | frozenset[Role]

ACCESS: dict[tuple[str, str], Access] = {}  # filled below from the table


def _table(text: str) -> None:
    names = {
        "public": PUBLIC,
        "anyone": ANYONE,
        "staff": STAFF,
        "admin": ADMIN,
        "publishers": PUBLISHERS,
    }
    for line in text.strip().splitlines():
        method, path, who = line.split(maxsplit=2)
        if who in names:
            ACCESS[(method, path)] = names[who]
        else:
            ACCESS[(method, path)] = frozenset(Role(r) for r in who.split(","))


# method, path, who passes the role check (anyone = every signed-in person of a territory:
# not the SAS platform's account nor the platform's operator; a comma list = these roles).
_table(
    """
GET /health public
GET /health/live public
GET /fhir/Slot regulator,coordinator,admin,sas_platform
GET /fhir/metadata public
POST /fhir/Practitioner sas_platform
PUT /fhir/Practitioner sas_platform
GET /fhir/$bulk-publish public
GET /fhir/bulk/{slug:str}/{filename:str} public
GET /ical/{filename:str} public
POST /api/v1/auth/login public
POST /api/v1/auth/password-reset public
POST /api/v1/auth/terms public
POST /api/v1/auth/password public
POST /api/v1/waiting-list public
POST /api/v1/waiting-list/recorded staff
GET /api/v1/waiting-list staff
GET /api/v1/waiting-list/capacity staff
POST /api/v1/waiting-list/{entry_id:uuid}/proposals staff
POST /api/v1/waiting-list/{entry_id:uuid}/proposals/{proposal_id:uuid}/accept gp
POST /api/v1/waiting-list/{entry_id:uuid}/proposals/{proposal_id:uuid}/decline gp
POST /api/v1/waiting-list/{entry_id:uuid}/declared anyone
POST /api/v1/waiting-list/{entry_id:uuid}/close staff
PUT /api/v1/professionals/{professional_id:uuid}/capacity anyone
POST /api/v1/auth/logout anyone
GET /api/v1/me anyone
GET /api/v1/me/tokens anyone
POST /api/v1/me/tokens anyone
DELETE /api/v1/me/tokens/{token_id:uuid} anyone
GET /api/v1/communes anyone
POST /api/v1/communes staff
GET /api/v1/professionals anyone
POST /api/v1/professionals staff
GET /api/v1/professionals/{professional_id:uuid} anyone
PATCH /api/v1/professionals/{professional_id:uuid} staff
GET /api/v1/structures anyone
POST /api/v1/structures staff
GET /api/v1/territory anyone
GET /api/v1/accounts admin
POST /api/v1/accounts admin
PATCH /api/v1/accounts/{account_id:uuid} admin
POST /api/v1/accounts/{account_id:uuid}/invitation admin
GET /api/v1/platform/territories operator
POST /api/v1/platform/territories operator
PATCH /api/v1/platform/territories/{slug:str} operator
GET /api/v1/slots anyone
POST /api/v1/slots publishers
GET /api/v1/slots/{slot_id:uuid} anyone
POST /api/v1/slots/{slot_id:uuid}/withdraw publishers
PATCH /api/v1/slots/{slot_id:uuid} publishers
POST /api/v1/slots/close publishers
GET /api/v1/slots/{slot_id:uuid}/shares publishers
PUT /api/v1/slots/{slot_id:uuid}/shares publishers
GET /api/v1/availability-rules anyone
POST /api/v1/availability-rules publishers
PUT /api/v1/availability-rules/{rule_id:uuid} publishers
POST /api/v1/availability-rules/{rule_id:uuid}/end publishers
GET /api/v1/requests anyone
POST /api/v1/requests anyone
GET /api/v1/requests/{request_id:uuid} anyone
POST /api/v1/requests/{request_id:uuid}/close anyone
POST /api/v1/holds anyone
GET /api/v1/holds staff
PUT /api/v1/holds/limit admin
DELETE /api/v1/holds/{hold_id:uuid} anyone
GET /api/v1/bookings anyone
POST /api/v1/bookings anyone
GET /api/v1/bookings/{booking_id:uuid} anyone
POST /api/v1/bookings/{booking_id:uuid}/cancel anyone
POST /api/v1/bookings/{booking_id:uuid}/reschedule anyone
POST /api/v1/bookings/{booking_id:uuid}/slip anyone
POST /api/v1/bookings/{booking_id:uuid}/honour anyone
POST /api/v1/bookings/{booking_id:uuid}/no-show anyone
GET /api/v1/teleconsultations gp,nurse,expert,pharmacist
POST /api/v1/teleconsultations anyone
GET /api/v1/teleconsultations/slots anyone
GET /api/v1/teleconsultations/{tc_id:uuid} anyone
PUT /api/v1/teleconsultations/{tc_id:uuid}/handover anyone
POST /api/v1/teleconsultations/{tc_id:uuid}/send-link anyone
POST /api/v1/teleconsultations/{tc_id:uuid}/start anyone
POST /api/v1/teleconsultations/{tc_id:uuid}/complete anyone
POST /api/v1/teleconsultations/{tc_id:uuid}/no-show anyone
POST /api/v1/teleconsultations/{tc_id:uuid}/cancel anyone
GET /api/v1/referrals anyone
POST /api/v1/referrals anyone
GET /api/v1/referrals/board staff
GET /api/v1/referrals/{referral_id:uuid} anyone
POST /api/v1/referrals/{referral_id:uuid}/accept anyone
POST /api/v1/referrals/{referral_id:uuid}/reject anyone
POST /api/v1/referrals/{referral_id:uuid}/start anyone
POST /api/v1/referrals/{referral_id:uuid}/answer anyone
POST /api/v1/referrals/{referral_id:uuid}/cancel anyone
POST /api/v1/referrals/{referral_id:uuid}/reassign anyone
GET /api/v1/referrals/{referral_id:uuid}/assessments anyone
POST /api/v1/referrals/{referral_id:uuid}/assessments anyone
POST /api/v1/referrals/{referral_id:uuid}/photos anyone
GET /api/v1/referrals/{referral_id:uuid}/photos/{photo_id:uuid} anyone
GET /api/v1/referrals/{referral_id:uuid}/messages anyone
POST /api/v1/referrals/{referral_id:uuid}/messages anyone
POST /api/v1/referrals/{referral_id:uuid}/follow-up-teleconsultation anyone
GET /api/v1/network/experts anyone
POST /api/v1/network/experts anyone
PATCH /api/v1/network/experts/{expert_id:uuid} staff
POST /api/v1/network/experts/{expert_id:uuid}/absences anyone
DELETE /api/v1/network/experts/{expert_id:uuid}/absences/{absence_id:uuid} anyone
GET /api/v1/network/settings anyone
PUT /api/v1/network/settings staff
GET /api/v1/me/calendar-feeds anyone
POST /api/v1/me/calendar-feeds anyone
DELETE /api/v1/me/calendar-feeds/{feed_id:uuid} anyone
POST /api/v1/me/calendar-feeds/{feed_id:uuid}/rotate anyone
GET /api/v1/me/busy-calendars anyone
POST /api/v1/me/busy-calendars anyone
POST /api/v1/me/busy-calendars/upload anyone
POST /api/v1/me/busy-calendars/{calendar_id:uuid}/refresh anyone
DELETE /api/v1/me/busy-calendars/{calendar_id:uuid} anyone
GET /api/v1/indicators staff
GET /api/v1/indicators/weekly staff
GET /api/v1/contracts/{year:int} staff
PUT /api/v1/contracts/{year:int} staff
GET /api/v1/contracts/{year:int}/report staff
GET /api/v1/sas/deliveries admin
GET /api/v1/audit/reads staff
GET /api/v1/audit/reads.csv staff
GET /api/v1/patients staff
GET /api/v1/patients/{patient_id:uuid}/export staff
GET /api/v1/privacy/settings staff
PUT /api/v1/privacy/settings admin
"""
)
# The FHIR search is public at the role check (it authenticates the platform itself); the
# platform's account reaches these and nothing else.
SAS_ROUTES = {
    ("GET", "/fhir/Slot"),
    ("GET", "/fhir/metadata"),
    ("POST", "/fhir/Practitioner"),
    ("PUT", "/fhir/Practitioner"),
}  # and the health checks
ROLE_EMAILS = {
    R.GP: "gp6@sud-yvelines.test",
    R.NURSE: "nurse6@sud-yvelines.test",
    R.EXPERT: "expert1@sud-yvelines.test",
    R.PHARMACIST: "pharmacist1@sud-yvelines.test",
    R.REGULATOR: "regulator@sud-yvelines.test",
    R.COORDINATOR: "coordinator@sud-yvelines.test",
    R.ADMIN: "admin@sud-yvelines.test",
}


def api_routes(app: Litestar) -> Iterator[tuple[str, str]]:
    for route in app.routes:
        path = route.path
        if not (path.startswith(("/api/", "/fhir", "/ical", "/health"))):
            continue
        for method in sorted(getattr(route, "methods", ()) or ()):
            if method not in ("HEAD", "OPTIONS"):
                yield method, path


def test_every_route_is_in_the_matrix(app: Litestar) -> None:
    routes = set(api_routes(app))
    assert sorted(routes - set(ACCESS)) == [], "routes missing from ACCESS"
    assert sorted(set(ACCESS) - routes) == [], "ACCESS lines for routes that are gone"


def _concrete(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        kind = match.group(2)
        return {"uuid": str(uuid.uuid4()), "int": "2026"}.get(kind, "nothing-here")

    return re.sub(r"\{(\w+):(\w+)\}", value, path)


async def _status(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> int:
    url = _concrete(path)
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    response = await client.request(method, url, **kwargs)
    return response.status_code


@pytest.mark.parametrize(
    "who", ["nobody", "sas_platform", "operator", *[r.value for r in ROLE_EMAILS]]
)
async def test_role_by_route(
    client: httpx.AsyncClient, app: Litestar, database: Database, clock: FrozenClock, who: str
) -> None:
    if who == "nobody":
        headers: dict[str, str] = {}
    elif who == "sas_platform":
        headers, _ = await new_sas_platform(client)
    elif who == "operator":
        headers, _ = await new_operator(database, clock, client)
    else:
        headers = await login(client, ROLE_EMAILS[Role(who)])
    wrong = []
    for method, path in sorted(api_routes(app)):
        if (method, path) == ("POST", "/api/v1/auth/logout"):
            continue  # would end this test's own session; checked in test_auth_api
        access = ACCESS[(method, path)]
        status = await _status(client, method, path, headers)
        if access == PUBLIC:
            allowed = (
                who != "sas_platform"
                or (method, path) in SAS_ROUTES
                or path.startswith(("/health", "/ical/"))
            )
            if not allowed and status == 403:
                continue
            ok = status not in (401, 403) or (who == "sas_platform" and status == 403)
        elif who == "nobody":
            ok = status == 401
        elif who == "sas_platform":
            ok = status not in (401, 403) if R.SAS_PLATFORM in access else status == 403
        elif Role(who) in access:  # type: ignore[operator]
            ok = status not in (401, 403)
        else:
            ok = status == 403
        if not ok or status >= 500:
            wrong.append(f"{method} {path}: {status}")
    assert wrong == [], f"{who}: {wrong}"

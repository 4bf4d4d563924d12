"""Log in with Pro Santé Connect: `/auth/psc/login` sends the browser to PSC, which comes back
to `/auth/psc/callback` with a code; the session cookie is then set as after a password login.

`state` and `nonce` live in a short-lived HttpOnly cookie (SameSite=Lax, so that it comes back
with PSC's top-level redirect): the callback must carry the same `state`, the ID token the
same `nonce`.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK

from coordination.accounts import service as accounts
from coordination.accounts import terms
from coordination.accounts.links import LIFETIMES, LinkPurpose
from coordination.accounts.onboarding import LinkNotValid
from coordination.accounts.sas_regulators import arrives_from_sas
from coordination.accounts.terms import TermsPending
from integrations.oidc.psc import OidcError, ProSanteConnect, new_state
from kernel.errors import NotAuthenticated
from server.auth.cookies import session_cookies
from server.auth.middleware import check_same_origin
from server.state import AppServices

FLOW_COOKIE = "cpts_psc"
FLOW_SECONDS = 600
TERMS_COOKIE = "cpts_terms"  # a first login held for the terms of use (its link's secret)
TERMS_PATH = "/api/v1/auth/terms"


class TermsAccepted(msgspec.Struct, kw_only=True):
    next: str  # where the person was going


log = logging.getLogger("cpts.psc")


def provider_of(services: AppServices) -> ProSanteConnect | None:
    s = services.settings
    if not (s.psc_discovery_url and s.psc_client_id and s.psc_client_secret):
        return None
    return ProSanteConnect(
        s.psc_discovery_url,
        s.psc_client_id,
        s.psc_client_secret,
        scope=s.psc_scope,
        ca_file=s.psc_ca_file,
    )


def _redirect_uri(services: AppServices) -> str:
    return f"{services.settings.public_url}/auth/psc/callback"


def _back_to_login(code: str) -> Redirect:
    """The login page with an error code: it shows its own sentence (server/web/login.py),
    never text taken from the URL."""
    return Redirect(f"/connexion?erreur={quote(code)}", status_code=303)


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else "/"


@get("/auth/psc/login", opt={"public": True}, include_in_schema=False)
async def psc_login(request: Request[Any, Any, Any], suivant: FromQuery[str] = "/") -> Redirect:
    services = AppServices.of(request.app)
    provider = services.psc
    if provider is None:
        return _back_to_login("psc-off")
    state, nonce = new_state(), new_state()
    try:
        url = await provider.authorization_url(_redirect_uri(services), state, nonce)
    except OidcError:
        return _back_to_login("psc-down")
    flow = f"{state}.{nonce}.{quote(_safe_next(suivant), safe='')}"
    cookie = Cookie(
        key=FLOW_COOKIE,
        value=flow,
        httponly=True,
        secure=services.settings.cookie_secure,
        samesite="lax",
        max_age=FLOW_SECONDS,
        path="/auth/psc",
    )
    return Redirect(url, status_code=303, cookies=[cookie])


@get("/auth/psc/callback", opt={"public": True}, include_in_schema=False)
async def psc_callback(
    request: Request[Any, Any, Any],
    code: FromQuery[str | None] = None,
    returned_state: Annotated[str | None, QueryParameter(name="state")] = None,
) -> Redirect:
    services = AppServices.of(request.app)
    provider = services.psc
    flow = request.cookies.get(FLOW_COOKIE, "")
    expected_state, _, rest = flow.partition(".")
    nonce, _, next_path = rest.partition(".")
    state = returned_state
    if provider is None or not code or not state or not expected_state:
        return _back_to_login("psc-failed")
    if not secrets.compare_digest(state, expected_state):
        return _back_to_login("psc-expired")
    target = _safe_next(unquote(next_path) or "/")
    try:
        identity = await provider.finish(code, _redirect_uri(services), nonce)
        if not identity.subject_name_id:
            raise OidcError("no SubjectNameID")
        async with services.db.write() as session:
            issued = await accounts.login_with_psc(
                session,
                services.clock,
                identity.subject_name_id,
                from_sas=arrives_from_sas(_query_of(target).get("origin")),
                for_slot=_slot_of(target),
            )
    except OidcError as exc:
        # The cause, for whoever runs the server (the message carries no token nor secret);
        # the person sees the login page's own sentence.
        log.warning("Pro Santé Connect login failed: %s", exc)
        return _back_to_login("psc-identity")
    except NotAuthenticated as exc:
        return _back_to_login(
            "psc-sas-only" if exc.code == "sas_regulator_not_from_sas" else "psc-unknown"
        )
    spent = Cookie(key=FLOW_COOKIE, value="", max_age=0, path="/auth/psc")
    if isinstance(issued, TermsPending):
        # A first login from the SAS waits for the terms of use: no session yet.
        held = Cookie(
            key=TERMS_COOKIE,
            value=f"{issued.secret}.{quote(target, safe='')}",
            httponly=True,
            secure=services.settings.cookie_secure,
            samesite="strict",
            max_age=int(LIFETIMES[LinkPurpose.TERMS].total_seconds()),
            path=TERMS_PATH,
        )
        return Redirect("/conditions-d-utilisation", status_code=303, cookies=[held, spent])
    cookies = session_cookies(issued, services.clock, services.settings.cookie_secure)
    return Redirect(target, status_code=303, cookies=[*cookies, spent])


_SLOT_PAGE = re.compile(r"^/slots/([0-9a-fA-F-]{36})$")


def _slot_of(path: str) -> uuid.UUID | None:
    """The slot of the SAS's booking link (`/slots/{id}?source=sas&origin=…`), if it is one."""
    found = _SLOT_PAGE.match(urlsplit(path).path)
    try:
        return uuid.UUID(found.group(1)) if found else None
    except ValueError:
        return None


def _query_of(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


@post(
    TERMS_PATH,
    # No session yet (a stale cookie of an old one must not turn it into a 401).
    opt={"public": True, "exclude_from_auth": True},
    status_code=HTTP_200_OK,
    summary="Accept the terms of use",
)
async def accept_terms(request: Request[Any, Any, Any]) -> Response[TermsAccepted]:
    """The terms page's « J'accepte »: the login held at the PSC callback gets its session."""
    services = AppServices.of(request.app)
    check_same_origin(request, services.settings.public_url)
    secret, _, target = request.cookies.get(TERMS_COOKIE, "").partition(".")
    if not secret:
        raise LinkNotValid()
    async with services.db.write() as session:
        issued = await terms.accept_terms(session, services.clock, secret)
    cookies = session_cookies(issued, services.clock, services.settings.cookie_secure)
    spent = Cookie(key=TERMS_COOKIE, value="", max_age=0, path=TERMS_PATH)
    return Response(
        TermsAccepted(next=_safe_next(unquote(target) or "/")), cookies=[*cookies, spent]
    )

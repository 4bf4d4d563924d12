"""Log in with Pro Santé Connect: `/auth/psc/login` sends the browser to PSC, which comes back
to `/auth/psc/callback` with a code; the session cookie is then set as after a password login.

`state` and `nonce` live in a short-lived HttpOnly cookie (SameSite=Lax, so that it comes back
with PSC's top-level redirect): the callback must carry the same `state`, the ID token the
same `nonce`.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any
from urllib.parse import quote, unquote

from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect

from coordination.accounts import service as accounts
from integrations.oidc.psc import OidcError, ProSanteConnect, new_state
from kernel.errors import NotAuthenticated
from server.auth.cookies import session_cookies
from server.state import AppServices

FLOW_COOKIE = "cpts_psc"
FLOW_SECONDS = 600


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
    try:
        identity = await provider.finish(code, _redirect_uri(services), nonce)
        if not identity.subject_name_id:
            raise OidcError("no SubjectNameID")
        async with services.db.write() as session:
            issued = await accounts.login_with_psc(
                session, services.clock, identity.subject_name_id
            )
    except OidcError as exc:
        # The cause, for whoever runs the server (the message carries no token nor secret);
        # the person sees the login page's own sentence.
        log.warning("Pro Santé Connect login failed: %s", exc)
        return _back_to_login("psc-identity")
    except NotAuthenticated:
        return _back_to_login("psc-unknown")
    cookies = session_cookies(issued, services.clock, services.settings.cookie_secure)
    return Redirect(
        _safe_next(unquote(next_path) or "/"),
        status_code=303,
        cookies=[*cookies, Cookie(key=FLOW_COOKIE, value="", max_age=0, path="/auth/psc")],
    )

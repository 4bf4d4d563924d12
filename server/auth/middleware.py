"""Who is calling: a bearer token in `Authorization`, or the session cookie of the web pages.

Requests without credentials pass through anonymous (guards then decide); wrong or revoked
credentials are refused at once. Cookie-authenticated writes must echo the CSRF cookie in the
`X-CSRF-Token` header (double submit), which a cross-site form cannot do.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from coordination.accounts import service as accounts
from coordination.accounts.token import digest
from kernel.actor import Actor
from kernel.errors import NotAllowed, NotAuthenticated
from server.client_address import Network, is_trusted, parse_networks
from server.state import AppServices

SESSION_COOKIE = "cpts_session"
CSRF_COOKIE = "cpts_csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_same_origin(connection: ASGIConnection[Any, Any, Any, Any], public_url: str) -> None:
    """A browser's write from another site is refused (login CSRF: a cross-site form logging
    the victim into the attacker's account). Browsers name the page's origin on every POST;
    calls without an Origin header are not from a page (scripts, the SAS) and pass."""
    origin = connection.headers.get("origin")
    if origin is None:
        return
    host = connection.headers.get("host", "")
    allowed = {f"http://{host}", f"https://{host}", _origin_of(public_url)}
    if origin.rstrip("/").lower() not in {a.lower() for a in allowed if a}:
        raise NotAllowed("this request comes from another site (Origin)", code="cross_site_request")


def _origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else ""


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated(
            "Authorization header must be 'Bearer <token>'", code="bearer_malformed"
        )
    return value.strip()


CERTIFICATE = "certificate"  # request.auth of a call the SAS's certificate authenticated
VERIFY_HEADER = "x-ssl-client-verify"  # nginx's $ssl_client_verify: SUCCESS when verified
SUBJECT_HEADER = "x-ssl-client-s-dn"  # nginx's $ssl_client_s_dn


def certificate_subject(
    connection: ASGIConnection[Any, Any, Any, Any], trusted: tuple[Network, ...]
) -> str | None:
    """The subject of the client certificate the reverse proxy verified, or None. Only a
    trusted proxy's word counts: anyone else could send the headers themselves."""
    peer = (connection.scope.get("client") or ("", 0))[0]
    if not trusted or not is_trusted(peer, trusted):
        return None
    if connection.headers.get(VERIFY_HEADER, "") != "SUCCESS":
        return None
    return connection.headers.get(SUBJECT_HEADER) or None


async def _sas_certificate(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    """The SAS platform's account when its certificate (alone, as the ANS test kit calls)
    authenticates a FHIR request; elsewhere a certificate stands for nobody."""
    path = connection.scope.get("path", "")
    if not path.startswith("/fhir/") or "/." in path:  # no dot segments to climb out of it
        return None
    services = AppServices.of(connection.app)
    settings = services.settings
    accepted = {s.strip() for s in settings.sas_cert_subjects.split(";") if s.strip()}
    if not accepted or settings.sas_cert_account is None:
        return None
    subject = certificate_subject(connection, parse_networks(settings.trusted_proxies))
    if subject is None or subject.strip() not in accepted:
        return None
    async with services.db.read() as session:
        return await accounts.resolve_platform(session, settings.sas_cert_account)


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        secret = _bearer(connection)
        via_cookie = False
        if secret is None:
            secret = connection.cookies.get(SESSION_COOKIE)
            via_cookie = secret is not None
        if not secret:
            platform = await _sas_certificate(connection)
            return AuthenticationResult(user=platform, auth=CERTIFICATE if platform else None)
        if via_cookie and connection.scope.get("method", "GET") not in _SAFE_METHODS:
            sent = connection.headers.get(CSRF_HEADER, "")
            expected = connection.cookies.get(CSRF_COOKIE, "")
            if not expected or not hmac.compare_digest(sent, expected):
                raise NotAllowed(
                    "missing or wrong CSRF token (X-CSRF-Token header)", code="csrf_token_invalid"
                )
        services = AppServices.of(connection.app)
        key = digest(secret)
        actor = services.token_cache.get(key)
        if actor is None:
            try:
                async with services.db.read() as session:
                    actor = await accounts.resolve(session, services.clock, secret)
            except NotAuthenticated:
                if via_cookie and not connection.scope.get("path", "").startswith("/api/"):
                    # An expired session on a page: the visitor is simply signed out, and
                    # the page sends them to the login form.
                    return AuthenticationResult(user=None, auth=None)
                raise
            services.token_cache.put(key, actor)
        return AuthenticationResult(user=actor, auth="cookie" if via_cookie else "bearer")

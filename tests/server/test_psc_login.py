"""Log in with Pro Santé Connect against a local OpenID provider started here (no network):
discovery, state and nonce, eidas1, ID token signed RS256 and checked against the JWKS,
userinfo as JSON or as a signed JWT, and the SubjectNameID linked to a directory professional."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar import Litestar

from coordination.directory.professional import Professional
from integrations.oidc.psc import ProSanteConnect
from server.database import Database
from server.state import AppServices
from tests.server.scheduling_helpers import gp_session

CLIENT_ID, CLIENT_SECRET = "cpts-test", "s3cret-of-the-client"


class Provider:
    def __init__(self) -> None:
        self.kid = "k1"
        self.key = RSAKey.generate_key(2048, parameters={"kid": self.kid, "use": "sig"})
        self.certs_served = 0
        self.subject_name_id = ""
        self.userinfo_as_jwt = False
        self.acr = "eidas1"
        self.wrong_nonce = False
        self.unsigned = False
        self.codes: dict[str, str] = {}  # code → nonce
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, body: Any, status: int = 200, kind: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/.well-known/wallet-openid-configuration":
                    self._json(
                        {
                            "issuer": provider.base,
                            "authorization_endpoint": f"{provider.base}/auth",
                            "token_endpoint": f"{provider.base}/token",
                            "userinfo_endpoint": f"{provider.base}/userinfo",
                            "jwks_uri": f"{provider.base}/certs",
                        }
                    )
                elif path == "/certs":
                    provider.certs_served += 1
                    self._json(KeySet([provider.key]).as_dict(private=False))
                elif path == "/userinfo":
                    claims = {
                        "sub": "psc-sub-1",
                        "SubjectNameID": provider.subject_name_id,
                        "given_name": "Test",
                        "family_name": "Médecin",
                    }
                    if provider.userinfo_as_jwt:
                        signed = jwt.encode(
                            {"alg": "RS256", "kid": provider.kid},
                            claims | {"iss": provider.base, "exp": int(time.time()) + 60},
                            provider.key,
                        )
                        self._json(signed.encode(), kind="application/jwt")
                    else:
                        self._json(claims)
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = parse_qs(self.rfile.read(length).decode())
                basic = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
                code = form["code"][0]
                if basic != f"{CLIENT_ID}:{CLIENT_SECRET}" or code not in provider.codes:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                nonce = "not-yours" if provider.wrong_nonce else provider.codes.pop(code)
                claims = {
                    "iss": provider.base,
                    "aud": CLIENT_ID,
                    "sub": "psc-sub-1",
                    "nonce": nonce,
                    "exp": int(time.time()) + 300,
                    "iat": int(time.time()),
                }
                if provider.acr:
                    claims["acr"] = provider.acr
                id_token = jwt.encode({"alg": "RS256", "kid": provider.kid}, claims, provider.key)
                if provider.unsigned:  # alg "none": the same claims, no signature at all

                    def b64(part: dict[str, Any]) -> str:
                        raw = base64.urlsafe_b64encode(json.dumps(part).encode())
                        return raw.decode().rstrip("=")

                    id_token = f"{b64({'alg': 'none'})}.{b64(claims)}."
                self._json({"access_token": "at-123", "token_type": "Bearer", "id_token": id_token})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def rotate(self) -> None:
        """A new signing key under a new kid; the old one is gone from the JWKS."""
        self.kid = f"k{int(self.kid[1:]) + 1}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": self.kid, "use": "sig"})

    def authorize(self, url: str) -> tuple[str, str]:
        """The user signs in with their e-CPS: a code comes back with the state."""
        query = parse_qs(urlsplit(url).query)
        assert query["acr_values"] == ["eidas1"] and query["response_type"] == ["code"]
        assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0]
        code = f"code-{len(self.codes)}-{time.time_ns()}"
        self.codes[code] = query["nonce"][0]
        return code, query["state"][0]


@pytest.fixture
def provider(app: Litestar) -> Iterator[Provider]:
    p = Provider()
    AppServices.of(app).psc = ProSanteConnect(
        f"{p.base}/.well-known/wallet-openid-configuration",
        CLIENT_ID,
        CLIENT_SECRET,
        allow_http=True,  # the test provider listens on loopback without TLS
    )
    yield p
    p.server.shutdown()


async def sign_in(
    client: httpx.AsyncClient, provider: Provider, state_override: str | None = None
) -> httpx.Response:
    start = await client.get("/auth/psc/login", params={"suivant": "/tableau-de-bord"})
    assert start.status_code == 303
    location = start.headers["location"]
    assert location.startswith(f"{provider.base}/auth?")
    code, state = provider.authorize(location)
    back = await client.get(
        f"/auth/psc/callback?{urlencode({'code': code, 'state': state_override or state})}"
    )
    assert back.status_code == 303
    return back


async def test_a_gp_signs_in_with_pro_sante_connect(
    client: httpx.AsyncClient, provider: Provider
) -> None:
    _, me = await gp_session(client, 10)
    provider.subject_name_id = "8" + me["professional"]["rpps"]
    for as_jwt in (False, True):
        provider.userinfo_as_jwt = as_jwt
        client.cookies.clear()
        back = await sign_in(client, provider)
        assert back.headers["location"] == "/tableau-de-bord"
        session_cookie = back.cookies.get("cpts_session")
        assert session_cookie
        client.cookies.clear()
        client.cookies.set("cpts_session", session_cookie)
        whoami = await client.get("/api/v1/me")
        assert whoami.status_code == 200 and whoami.json()["id"] == me["id"]


@pytest.mark.parametrize("failure", ["state", "nonce", "acr", "unknown", "unsigned"])
async def test_what_is_refused(client: httpx.AsyncClient, provider: Provider, failure: str) -> None:
    _, me = await gp_session(client, 11)
    provider.subject_name_id = "8" + me["professional"]["rpps"]
    if failure == "nonce":
        provider.wrong_nonce = True
    if failure == "acr":
        provider.acr = ""
    if failure == "unsigned":
        provider.unsigned = True
    if failure == "unknown":
        provider.subject_name_id = "ANS20231122132732"  # an opaque test id matching nobody
    client.cookies.clear()
    back = await sign_in(client, provider, state_override="forged" if failure == "state" else None)
    assert back.headers["location"].startswith("/connexion?erreur=psc-")
    assert "cpts_session" not in back.cookies or not back.cookies.get("cpts_session")
    shown = await client.get(back.headers["location"])
    assert 'role="alert"' in shown.text and "Pro Santé Connect" in shown.text + "CPS"


async def test_a_key_rotation_costs_no_login(
    client: httpx.AsyncClient, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The JWKS was cached with the discovery document for an hour: after a rotation every
    # login failed until then. A token naming an unknown key fetches the keys again, at most
    # once a JWKS_REFETCH_SECONDS.
    from integrations.oidc import psc

    _, me = await gp_session(client, 10)
    provider.subject_name_id = "8" + me["professional"]["rpps"]
    client.cookies.clear()
    assert (await sign_in(client, provider)).headers["location"] == "/tableau-de-bord"
    assert provider.certs_served == 1
    provider.rotate()
    client.cookies.clear()
    refused = await sign_in(client, provider)  # within the bound: no second fetch yet
    assert refused.headers["location"].startswith("/connexion")
    assert provider.certs_served == 1
    monkeypatch.setattr(psc, "JWKS_REFETCH_SECONDS", 0.0)  # as if a minute had passed
    client.cookies.clear()
    assert (await sign_in(client, provider)).headers["location"] == "/tableau-de-bord"
    assert provider.certs_served == 2


def test_the_discovery_url_must_use_https() -> None:
    with pytest.raises(ValueError, match="https"):
        ProSanteConnect("http://psc.example/.well-known/openid-configuration", "c", "s")


async def test_an_adeli_only_professional_signs_in(
    client: httpx.AsyncClient, provider: Provider, database: Database
) -> None:
    # SubjectNameID "0" + ADELI: such a professional could never sign in with PSC.
    _, me = await gp_session(client, 11)
    adeli = f"78{secrets.randbelow(10**7):07d}"
    async with database.write() as session:
        professional = await session.get(Professional, uuid.UUID(me["professional"]["id"]))
        assert professional is not None
        professional.adeli = adeli
    provider.subject_name_id = "0" + adeli
    client.cookies.clear()
    back = await sign_in(client, provider)
    assert back.headers["location"] == "/tableau-de-bord", back.headers["location"]

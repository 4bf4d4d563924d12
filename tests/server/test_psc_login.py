"""Log in with Pro Santé Connect against an OpenID-certified provider started here (panva's
oidc-provider, tests/oidc_provider/, installed by `make test`; no network): discovery, dynamic
registration of this server as a client, state and nonce, eidas1, ID tokens signed RS256 and
checked against the JWKS (key rotation included), userinfo as JSON or as a signed JWT, and the
SubjectNameID linked to a directory professional. What a certified provider never sends (an
unsigned ID token) is what a tampering hop between the two would: a transport rewrites it."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from litestar import Litestar

from coordination.accounts.account import Account
from coordination.accounts.terms import TERMS_VERSION
from coordination.directory.professional import Professional
from integrations.oidc.psc import ProSanteConnect
from kernel.clock import FrozenClock
from server.database import Database
from server.state import AppServices
from tests.conftest import login
from tests.server.sas_helpers import PLATFORM_PASSWORD, new_sas_platform
from tests.server.scheduling_helpers import gp_session
from tests.server.test_fhir_api import free_time
from tests.server.test_sas_regulators_api import PS, regulator

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    """One provider per test worker; it ends when its stdin closes."""
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the PSC tests need Node.js and tests/oidc_provider's packages: make test")
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.mjs")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    first = process.stdout.readline()
    if not first:
        process.kill()
        pytest.fail("the OpenID provider did not start (node tests/oidc_provider/provider.mjs)")
    yield str(json.loads(first)["issuer"])
    process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class _UnsignedIdTokens(httpx.AsyncBaseTransport):
    """Between this server and the provider: the token endpoint's ID token comes back with the
    same claims and `alg: none`, no signature at all."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if not request.url.path.endswith("/token"):
            return response
        body = json.loads(await response.aread())

        def b64(part: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")

        claims = body["id_token"].split(".")[1]
        claims += "=" * (-len(claims) % 4)
        body["id_token"] = (
            f"{b64({'alg': 'none'})}.{b64(json.loads(base64.urlsafe_b64decode(claims)))}."
        )
        return httpx.Response(200, json=body)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _follow(
    browser: httpx.Client, url: str, back_to: str, person: dict[str, str] | None
) -> dict[str, list[str]]:
    """The browser follows the provider's redirects until it is sent back to `back_to`; the
    query it comes back with (a code and the state). At the provider's interaction, `person`
    signs in (consent ignores it); with None, nobody is there to sign in: a login prompt
    answers 400 and fails."""
    for _ in range(10):
        answer = browser.get(url)
        assert answer.status_code in (302, 303), f"the provider asked: {answer.text}"
        url = urljoin(url, answer.headers["location"])
        if url.startswith(back_to):
            back = parse_qs(urlsplit(url).query)
            assert "code" in back, back
            return back
        if person is not None and urlsplit(url).path.startswith("/interaction/"):
            url = f"{url}?{urlencode(person)}"
    raise AssertionError("the provider never sent the browser back")


class Provider:
    """The provider as the tests use it: this server registered as its client, and the person
    signing in at PSC (every `authorize` is a new browser, with its own cookies)."""

    def __init__(self, app: Litestar, issuer: str) -> None:
        self.app = app
        self.issuer = issuer
        self.callback = f"{AppServices.of(app).settings.public_url}/auth/psc/callback"
        self.acr: str | None = "eidas1"
        self.subject_name_id = ""
        self.sub = f"psc-{uuid.uuid4().hex[:12]}"
        self.use()

    def use(self, *, userinfo_as_jwt: bool = False, tamper: bool = False) -> None:
        """Register a client (RFC 7591) and make it the server's PSC."""
        extra = {"userinfo_signed_response_alg": "RS256"} if userinfo_as_jwt else {}
        client = self._register(
            self.callback, token_endpoint_auth_method="client_secret_basic", **extra
        )
        AppServices.of(self.app).psc = ProSanteConnect(
            f"{self.issuer}/.well-known/openid-configuration",
            client["client_id"],
            client["client_secret"],
            allow_http=True,  # the provider listens on loopback without TLS
            transport=_UnsignedIdTokens() if tamper else None,
        )

    def authorize(self, url: str) -> tuple[str, str]:
        """The person signs in with their e-CPS and consents; PSC sends the browser back to
        the callback with a code and the state."""
        query = parse_qs(urlsplit(url).query)
        assert query["acr_values"] == ["eidas1"] and query["response_type"] == ["code"]
        assert "openid" in query["scope"][0]
        person = {"sub": self.sub, "given_name": "Test", "family_name": "Médecin"}
        if self.subject_name_id:
            person["SubjectNameID"] = self.subject_name_id
        if self.acr:
            person["acr"] = self.acr
        with httpx.Client(timeout=10) as browser:
            back = _follow(browser, url, self.callback, person)
        return back["code"][0], back["state"][0]

    def _register(self, redirect_uri: str, **metadata: str) -> dict[str, Any]:
        """A client of the provider (RFC 7591 dynamic registration)."""
        registered = httpx.post(
            f"{self.issuer}/reg",
            json={
                "redirect_uris": [redirect_uri],
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
                **metadata,
            },
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        client: dict[str, Any] = registered.json()
        return client

    def signed_in_at_the_sas(self) -> httpx.Client:
        """A browser in which the person signed in to the SAS platform with their e-CPS: the
        SAS is another client of the same provider, and the browser keeps PSC's session."""
        sas_callback = "https://sas.test/auth/callback"
        client = self._register(sas_callback)
        person = {"sub": self.sub, "given_name": "Test", "family_name": "Régulateur"}
        person |= {"SubjectNameID": self.subject_name_id, "acr": "eidas1"}
        query = {
            "client_id": client["client_id"],
            "redirect_uri": sas_callback,
            "response_type": "code",
            "scope": "openid scope_all",
            "acr_values": "eidas1",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
        }
        browser = httpx.Client(timeout=10)
        _follow(browser, f"{self.issuer}/auth?{urlencode(query)}", sas_callback, person)
        return browser

    def single_sign_on(self, browser: httpx.Client, url: str) -> tuple[str, str]:
        """PSC answers this server's authorization request from the browser's session: the
        person is asked nothing (a login prompt would answer 400: « sub is needed »)."""
        back = _follow(browser, url, self.callback, None)
        return back["code"][0], back["state"][0]

    def rotate(self) -> None:
        assert httpx.post(f"{self.issuer}/_test/rotate", timeout=10).status_code == 204

    def jwks_served(self) -> int:
        return int(httpx.get(f"{self.issuer}/_test/jwks-served", timeout=10).json()["served"])


@pytest.fixture
def provider(app: Litestar, issuer: str) -> Provider:
    return Provider(app, issuer)


async def start(client: httpx.AsyncClient, provider: Provider) -> str:
    started = await client.get("/auth/psc/login", params={"suivant": "/tableau-de-bord"})
    assert started.status_code == 303
    location = str(started.headers["location"])
    assert location.startswith(f"{provider.issuer}/auth?")
    return location


async def sign_in(
    client: httpx.AsyncClient, provider: Provider, state_override: str | None = None
) -> httpx.Response:
    code, state = provider.authorize(await start(client, provider))
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
        provider.use(userinfo_as_jwt=as_jwt)
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
    if failure == "acr":
        provider.acr = None  # signed in without an authentication level
    if failure == "unsigned":
        provider.use(tamper=True)
    if failure == "unknown":
        provider.subject_name_id = "ANS20231122132732"  # an opaque test id matching nobody
    client.cookies.clear()
    if failure == "nonce":
        # A code obtained in another login (someone else's, injected): the state is this
        # login's, the ID token's nonce is the other's.
        code, _ = provider.authorize(await start(client, provider))
        _, state = provider.authorize(await start(client, provider))
        back = await client.get(f"/auth/psc/callback?{urlencode({'code': code, 'state': state})}")
    else:
        back = await sign_in(client, provider, "forged" if failure == "state" else None)
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
    served = provider.jwks_served()
    assert (await sign_in(client, provider)).headers["location"] == "/tableau-de-bord"
    assert provider.jwks_served() == served + 1
    provider.rotate()
    client.cookies.clear()
    refused = await sign_in(client, provider)  # within the bound: no second fetch yet
    assert refused.headers["location"].startswith("/connexion")
    assert provider.jwks_served() == served + 1
    monkeypatch.setattr(psc, "JWKS_REFETCH_SECONDS", 0.0)  # as if a minute had passed
    client.cookies.clear()
    assert (await sign_in(client, provider)).headers["location"] == "/tableau-de-bord"
    assert provider.jwks_served() == served + 2


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


async def _held_or_signed_in(
    client: httpx.AsyncClient, provider: Provider, next_path: str
) -> httpx.Response:
    started = await client.get("/auth/psc/login", params={"suivant": next_path})
    code, state = provider.authorize(str(started.headers["location"]))
    back = await client.get(f"/auth/psc/callback?{urlencode({'code': code, 'state': state})}")
    assert back.status_code == 303
    return back


async def test_a_sas_regulator_comes_from_the_sas_and_accepts_the_terms_once(
    app: Litestar, client: httpx.AsyncClient, provider: Provider
) -> None:
    # INT_R02 made the account; Pro Santé Connect names its holder by the same IdNat_PS.
    platform, _ = await new_sas_platform(client)
    national_id = "8" + str(uuid.uuid4().int % 10**11).zfill(11)
    email = f"arm-{uuid.uuid4().hex[:8]}@sas.test"
    created = await client.post(
        "/fhir/Practitioner",
        headers=platform | {"Content-Type": "application/fhir+json"},
        json=regulator(PS, national_id, email=email),
    )
    assert created.status_code == 201, created.text
    provider.subject_name_id = national_id
    client.cookies.clear()
    # Not from the SAS: refused, with the page's sentence.
    direct = await _held_or_signed_in(client, provider, "/demandes")
    assert direct.headers["location"] == "/connexion?erreur=psc-sas-only"
    assert not direct.cookies.get("cpts_session")
    # From the SAS's booking link: the first login waits for the terms, no session yet.
    slot_link = "/demandes?source=sas&origin=sas-preprod"
    held = await _held_or_signed_in(client, provider, slot_link)
    assert held.headers["location"] == "/conditions-d-utilisation"
    assert not held.cookies.get("cpts_session") and held.cookies.get("cpts_terms")
    page = await client.get("/conditions-d-utilisation")
    assert page.status_code == 200 and "J'accepte et je continue" in page.text
    accepted = await client.post(
        "/api/v1/auth/terms", headers={"Origin": "http://testserver.local"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"next": slot_link}
    session_cookie = accepted.cookies.get("cpts_session")
    assert session_cookie
    client.cookies.clear()  # the held login's link, spent, sent again
    client.cookies.set("cpts_terms", held.cookies["cpts_terms"], path="/api/v1/auth/terms")
    replay = await client.post("/api/v1/auth/terms", headers={"Accept-Language": "fr"})
    assert replay.status_code == 422 and replay.json()["code"] == "link_invalid"
    client.cookies.clear()
    client.cookies.set("cpts_session", session_cookie)
    me = (await client.get("/api/v1/me")).json()
    assert me["roles"] == ["regulator"]
    # Acting from the SAS only: no API token, no password by a reset link.
    csrf = "t"
    client.cookies.set("cpts_csrf", csrf)
    refused = await client.post(
        "/api/v1/me/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "sas_regulator_no_tokens"
    # The second login from the SAS goes straight in; a new text of the terms is asked again.
    client.cookies.clear()
    again = await _held_or_signed_in(client, provider, slot_link)
    assert again.headers["location"] == slot_link and again.cookies.get("cpts_session")
    async with AppServices.of(app).db.write() as session:
        row = await session.get(Account, uuid.UUID(me["id"]))
        assert row is not None and row.terms_version == TERMS_VERSION
        row.terms_version = "2020-01"
    client.cookies.clear()
    newer = await _held_or_signed_in(client, provider, slot_link)
    assert newer.headers["location"] == "/conditions-d-utilisation"


async def test_a_regulator_of_two_cpts_signs_into_the_one_of_the_slot(
    client: httpx.AsyncClient, provider: Provider, clock: FrozenClock
) -> None:
    # One deployment, two CPTS, one regulator the SAS made in both: the booking link's slot
    # says which account PSC's identity opens.
    national_id = "8" + str(uuid.uuid4().int % 10**11).zfill(11)
    for admin_email in ("admin@sud-yvelines.test", "admin@vexin-normand.test"):
        admin = await login(client, admin_email)
        platform_email = f"sas-{uuid.uuid4().hex[:8]}@sas.test"
        made = await client.post(
            "/api/v1/accounts",
            headers=admin,
            json={
                "email": platform_email,
                "display_name": "Plateforme SAS",
                "roles": ["sas_platform"],
                "password": PLATFORM_PASSWORD,
            },
        )
        assert made.status_code == 201, made.text
        platform = await login(client, platform_email, PLATFORM_PASSWORD)
        created = await client.post(
            "/fhir/Practitioner",
            headers=platform | {"Content-Type": "application/fhir+json"},
            json=regulator(PS, national_id, email=f"arm-{uuid.uuid4().hex[:8]}@sas.test"),
        )
        assert created.status_code == 201, created.text
    vexin_gp = await login(client, "gp1@vexin-normand.test")
    slot = await free_time(client, vexin_gp, clock)
    provider.subject_name_id = national_id
    client.cookies.clear()
    link = f"/slots/{slot['id']}?source=sas&origin=sas"
    held = await _held_or_signed_in(client, provider, link)
    assert held.headers["location"] == "/conditions-d-utilisation"
    accepted = await client.post("/api/v1/auth/terms")
    assert accepted.status_code == 200 and accepted.json() == {"next": link}
    client.cookies.clear()
    client.cookies.set("cpts_session", accepted.cookies["cpts_session"])
    me = (await client.get("/api/v1/me")).json()
    assert me["territory"]["slug"] == "vexin-normand", me


async def test_a_regulator_signed_in_at_the_sas_books_without_signing_in_again(
    client: httpx.AsyncClient, provider: Provider, clock: FrozenClock
) -> None:
    # INT_SSO as the IG states it: the regulator, signed in on the SAS platform (with Pro
    # Santé Connect, as the SAS's users are), follows a slot's booking link and reaches the
    # booking page « sans avoir à se réauthentifier »; this server, which has no session for
    # them, sends them to PSC, which answers from its own session: no e-CPS asked again.
    platform, _ = await new_sas_platform(client)
    national_id = "8" + str(uuid.uuid4().int % 10**11).zfill(11)
    created = await client.post(
        "/fhir/Practitioner",
        headers=platform | {"Content-Type": "application/fhir+json"},
        json=regulator(PS, national_id, email=f"arm-{uuid.uuid4().hex[:8]}@sas.test"),
    )
    assert created.status_code == 201, created.text
    gp = await login(client, "gp11@sud-yvelines.test")
    slot = await free_time(client, gp, clock)
    provider.subject_name_id = national_id
    browser = provider.signed_in_at_the_sas()
    link = f"/slots/{slot['id']}?source=sas&origin=sas-preprod"

    async def follow_the_link() -> httpx.Response:
        client.cookies.clear()
        landing = await client.get(link)
        assert landing.status_code == 303
        started = await client.get(landing.headers["location"])
        assert started.headers["location"].startswith(f"{provider.issuer}/auth?")
        code, state = provider.single_sign_on(browser, started.headers["location"])
        back = await client.get(f"/auth/psc/callback?{urlencode({'code': code, 'state': state})}")
        assert back.status_code == 303
        return back

    first = await follow_the_link()  # the first time ever: the terms of use, then the slot
    assert first.headers["location"] == "/conditions-d-utilisation"
    accepted = await client.post("/api/v1/auth/terms")
    assert accepted.status_code == 200 and accepted.json() == {"next": link}
    again = await follow_the_link()  # every later time: straight to the slot
    assert again.headers["location"] == link
    client.cookies.clear()
    client.cookies.set("cpts_session", again.cookies["cpts_session"])
    page = await client.get(link)
    assert page.status_code == 200
    assert slot["id"] in page.text and "Réserver" in page.text
    browser.close()

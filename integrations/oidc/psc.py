"""Pro Santé Connect as an OpenID Connect provider (standards.md §6).

Authorization code flow with `state` and `nonce`, `acr_values=eidas1` (and the returned `acr`
checked), endpoints from the discovery document, the ID token verified against the provider's
JWKS (or the client secret when it is HS256), and userinfo read whether it comes back as JSON
or as a signed JWT. Authlib prepares the authorization request and the random values; joserfc
(Authlib's own JOSE library) verifies the tokens.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from typing import Any, cast

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from joserfc import jws, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, OctKey
from joserfc.jwt import ClaimsOption

ACR_LEVELS = ("eidas1", "eidas2", "eidas3")  # low to high
SIGNED_WITH_KEYS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
SIGNED_WITH_SECRET = ("HS256",)
DISCOVERY_TTL = 3600.0
# An ID token signed with a key we do not know (the provider rotated its keys) fetches the JWKS
# again, at most this often: key rotation costs no login, and forged `kid`s cost no flood.
JWKS_REFETCH_SECONDS = 60.0


class OidcError(Exception):
    """The login failed; the message is safe to show (no token, no secret)."""


@dataclass(frozen=True, slots=True)
class Identity:
    subject: str  # the provider's `sub`
    subject_name_id: str | None  # PSC's SubjectNameID: the national professional id, opaque
    given_name: str | None
    family_name: str | None
    acr: str | None


def new_state() -> str:
    return str(generate_token(32))


class ProSanteConnect:
    def __init__(
        self,
        discovery_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = "openid scope_all",
        acr: str = "eidas1",
        ca_file: str | None = None,
        allow_http: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not discovery_url.startswith("https://") and not allow_http:
            raise ValueError("the Pro Santé Connect discovery URL must use https://")
        self.discovery_url = discovery_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.acr = acr
        self._transport = transport
        # The operator's CA (an inspecting proxy's) when given; proxies and SSL_CERT_FILE from
        # the environment are honoured, as an egress proxy is often the only way out.
        self._tls: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=ca_file) if ca_file else True
        )
        self._config: dict[str, Any] | None = None
        self._config_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=10.0, transport=self._transport, verify=self._tls, trust_env=True
        )

    async def configuration(self) -> dict[str, Any]:
        if self._config is None or time.monotonic() - self._config_at > DISCOVERY_TTL:
            try:
                async with self._client() as client:
                    response = await client.get(self.discovery_url)
                    response.raise_for_status()
                    self._config = dict(response.json())
                    await self._fetch_keys(client)
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                raise OidcError("Pro Santé Connect cannot be reached") from exc
            self._config_at = time.monotonic()
        return self._config

    async def _fetch_keys(self, client: httpx.AsyncClient) -> None:
        assert self._config is not None
        jwks = await client.get(self._config["jwks_uri"])
        jwks.raise_for_status()
        self._keys = KeySet.import_key_set(jwks.json())
        self._keys_at = time.monotonic()

    def _knows_key(self, token: str) -> bool:
        headers = jws.extract_compact(token.encode()).headers()
        kid = headers.get("kid")
        if kid is None or str(headers.get("alg", "")) in SIGNED_WITH_SECRET:
            return True  # nothing to look up: the key set (or the secret) decides
        try:
            assert self._keys is not None
            self._keys.get_by_kid(str(kid))
        except InvalidKeyIdError:
            return False
        return True

    async def _keys_for(self, client: httpx.AsyncClient, token: str) -> None:
        """Fetch the JWKS again when the token names a key it lacks (rotation)."""
        try:
            known = self._knows_key(token)
        except (JoseError, ValueError):
            return  # malformed: _verify says so
        if not known and time.monotonic() - self._keys_at >= JWKS_REFETCH_SECONDS:
            await self._fetch_keys(client)

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str) -> str:
        config = await self.configuration()
        return str(
            prepare_grant_uri(
                config["authorization_endpoint"],
                self.client_id,
                "code",
                redirect_uri=redirect_uri,
                scope=self.scope,
                state=state,
                nonce=nonce,
                acr_values=self.acr,
            )
        )

    def _verify(self, token: str, *, expiring: bool = True, **expected: Any) -> dict[str, Any]:
        keys = self._keys
        assert keys is not None
        try:
            header_alg = str(jws.extract_compact(token.encode()).headers().get("alg", ""))
            # Only signatures we can check: never "none", never an algorithm the token picks.
            if header_alg not in SIGNED_WITH_KEYS + SIGNED_WITH_SECRET:
                raise OidcError(f"the provider's token is not signed acceptably ({header_alg!r})")
            secret = header_alg in SIGNED_WITH_SECRET
            key: Any = OctKey.import_key(self._secret) if secret else keys
            decoded = jwt.decode(token, key, algorithms=[header_alg])
            options: dict[str, ClaimsOption] = {
                name: {"essential": True, "value": value} for name, value in expected.items()
            }
            if expiring:
                options["exp"] = {"essential": True}
            registry = jwt.JWTClaimsRegistry(leeway=60, **cast(Any, options))
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise OidcError(f"the provider's token is not valid ({type(exc).__name__})") from exc
        return dict(decoded.claims)

    def _acr_ok(self, acr: str | None) -> bool:
        return acr in ACR_LEVELS and ACR_LEVELS.index(acr) >= ACR_LEVELS.index(self.acr)

    async def finish(self, code: str, redirect_uri: str, nonce: str) -> Identity:
        """Exchange the code, verify the ID token, read userinfo."""
        config = await self.configuration()
        try:
            async with self._client() as client:
                response = await client.post(
                    config["token_endpoint"],
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": redirect_uri,
                    },
                    auth=(self.client_id, self._secret),
                )
                if response.status_code != 200:
                    raise OidcError(f"the code was refused ({response.status_code})")
                tokens = response.json()
                await self._keys_for(client, tokens["id_token"])
                claims = self._verify(
                    tokens["id_token"], iss=config["issuer"], aud=self.client_id, nonce=nonce
                )
                if not self._acr_ok(claims.get("acr")):
                    raise OidcError("the authentication level is below eidas1")
                info = await client.get(
                    config["userinfo_endpoint"],
                    headers={"Authorization": f"Bearer {tokens['access_token']}"},
                )
                info.raise_for_status()
        except httpx.HTTPError as exc:
            raise OidcError("Pro Santé Connect cannot be reached") from exc
        except KeyError as exc:
            raise OidcError("the provider's answer lacks a token") from exc
        if info.headers.get("content-type", "").startswith("application/jwt"):
            user = self._verify(info.text.strip(), expiring=False, iss=config["issuer"])
        else:
            user = dict(info.json())
        if user.get("sub") != claims.get("sub"):
            raise OidcError("userinfo is about someone else")
        subject_name = user.get("SubjectNameID") or claims.get("SubjectNameID")
        return Identity(
            subject=str(claims["sub"]),
            subject_name_id=str(subject_name) if subject_name else None,
            given_name=user.get("given_name"),
            family_name=user.get("family_name"),
            acr=claims.get("acr"),
        )

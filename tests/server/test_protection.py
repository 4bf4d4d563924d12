"""Rate limits on logins and feeds, the client address behind trusted proxies, and the
security headers of every answer."""

from __future__ import annotations

from pathlib import Path

import httpx
from litestar import Litestar

from server.app import create_app
from server.client_address import client_address, parse_networks
from server.database import Database
from server.settings import Settings
from tests.conftest import FrozenClock


def _app(database: Database, clock: FrozenClock, tmp_path: Path, **settings: str) -> Litestar:
    return create_app(
        Settings(
            database_url=database.url,
            run_jobs=False,
            storage_dir=str(tmp_path / "storage"),
            **settings,  # type: ignore[arg-type]
        ),
        clock=clock,
        database=database,
    )


def _client(app: Litestar, address: str = "203.0.113.9") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def test_login_attempts_are_limited_per_client(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    app = _app(database, clock, tmp_path, rate_login="3/60")
    async with app.lifespan(), _client(app) as client, _client(app, "203.0.113.10") as other:
        wrong = {"email": "gp1@sud-yvelines.test", "password": "nope"}
        statuses = [
            (await client.post("/api/v1/auth/login", json=wrong)).status_code for _ in range(3)
        ]
        assert statuses == [401, 401, 401]
        refused = await client.post(
            "/api/v1/auth/login", json={"email": "gp1@sud-yvelines.test", "password": "demo"}
        )
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["status"] == 429
        allowed = await other.post(
            "/api/v1/auth/login", json={"email": "gp1@sud-yvelines.test", "password": "demo"}
        )
        assert allowed.status_code == 200, "another address has its own allowance"


async def test_feed_guessing_is_limited(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    app = _app(database, clock, tmp_path, rate_feed_client="5/60", rate_feed="2/300")
    async with app.lifespan(), _client(app) as client:
        guesses = [(await client.get(f"/ical/guess-{i}.ics")).status_code for i in range(6)]
        assert guesses[:5] == [404] * 5 and guesses[5] == 429
    async with _client(app, "198.51.100.1") as a, _client(app, "198.51.100.2") as b:
        assert (await a.get("/ical/same.ics")).status_code == 404
        assert (await b.get("/ical/same.ics")).status_code == 404
        assert (await a.get("/ical/same.ics")).status_code == 429, "one feed, many addresses"


async def test_limits_are_shared_through_redis(
    database: Database, clock: FrozenClock, tmp_path: Path, redis_url: str
) -> None:
    import uuid

    address = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
    first = _app(database, clock, tmp_path, rate_login="2/60", redis_url=redis_url)
    second = _app(database, clock, tmp_path, rate_login="2/60", redis_url=redis_url)
    async with (
        first.lifespan(),
        second.lifespan(),
        _client(first, address) as a,
        _client(second, address) as b,
    ):
        body = {"email": f"{uuid.uuid4().hex}@x.test", "password": "x"}
        assert (await a.post("/api/v1/auth/login", json=body)).status_code == 401
        assert (await b.post("/api/v1/auth/login", json=body)).status_code == 401
        assert (await a.post("/api/v1/auth/login", json=body)).status_code == 429
        assert (await b.post("/api/v1/auth/login", json=body)).status_code == 429


def test_forwarded_address_is_trusted_only_from_proxies() -> None:
    trusted = parse_networks("127.0.0.1,10.0.0.0/8")
    headers = [(b"x-forwarded-for", b"198.51.100.7, 10.1.2.3")]
    behind = {"client": ("127.0.0.1", 1), "headers": headers}
    assert client_address(behind, trusted) == "198.51.100.7"
    direct = {"client": ("203.0.113.5", 1), "headers": headers}
    assert client_address(direct, trusted) == "203.0.113.5", "a client cannot pick its address"
    spoofed = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4, 5.6.7.8")]}
    assert client_address(spoofed, trusted) == "5.6.7.8", "the proxy's own entry counts"
    assert client_address(behind, ()) == "127.0.0.1"


async def test_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/connexion")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in page.headers, "plain HTTP in tests"
    api = await client.get("/api/v1/me")
    assert api.status_code == 401 and api.headers["x-content-type-options"] == "nosniff"
    schema = await client.get("/schema/scalar")
    assert "content-security-policy" not in schema.headers, "the schema viewer uses a CDN"


async def test_hsts_when_served_over_https(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    app = _app(database, clock, tmp_path, public_url="https://cpts.example")
    async with app.lifespan(), _client(app) as client:
        response = await client.get("/health")
        assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_the_psc_callback_is_not_counted_as_a_login(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    # Behind one NAT address, a 429 on the callback lost the code PSC had just given.
    app = _app(database, clock, tmp_path, rate_login="2/60")
    async with app.lifespan(), _client(app) as client:
        callbacks = [
            (await client.get("/auth/psc/callback", params={"code": "c", "state": "s"})).status_code
            for _ in range(5)
        ]
        assert 429 not in callbacks
        starts = [(await client.get("/auth/psc/login")).status_code for _ in range(3)]
        assert starts[-1] == 429


async def test_booking_slips_are_limited_per_client(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    # A slip goes to an address the caller types: no account sends mail without a bound.
    app = _app(database, clock, tmp_path, rate_login="2/60")
    path = "/api/v1/bookings/00000000-0000-4000-8000-000000000001/slip"
    async with app.lifespan(), _client(app) as client:
        statuses = [
            (await client.post(path, json={"email": "p@example.org"})).status_code for _ in range(3)
        ]
        assert statuses[:2] != [429, 429] and statuses[2] == 429

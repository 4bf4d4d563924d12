"""Shared fixtures: one migrated database per backend (SQLite file, throwaway PostgreSQL).

Tests isolate themselves by tenancy: each creates its own territory (or reads the demo ones)
instead of truncating tables, which is also what production isolation relies on.

PostgreSQL and Redis come from CPTS_TEST_DATABASE_URL / CPTS_TEST_REDIS_URL, defaulting to the
local services. Outside CI a missing service skips its tests with a reason; with CI=true it fails.

Under pytest-xdist every worker is a session of its own: its own databases, app and browser.

Passwords are hashed with argon2's cheapest parameters: the suite logs in thousands of times,
at 0.1 s a verification with production's (tests/coordination/accounts/test_passwords.py checks
those). Servers the tests start as processes (tests/e2e) keep production's.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from argon2 import profiles
from litestar import Litestar
from sqlalchemy.engine import make_url

from coordination.accounts import passwords
from coordination.directory.territories import TerritoryDraft, create_territory
from coordination.directory.territory import Territory
from kernel.clock import FrozenClock
from server.app import create_app
from server.database import Database
from server.demo.loader import load_demo
from server.migrations import upgrade
from server.settings import Settings
from server.state import AppServices

passwords.use_parameters(profiles.CHEAPEST)

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get(
    "CPTS_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CPTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ["sqlite", "postgresql"]


def service_missing(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable: {type(exc).__name__}: {exc}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: services are required)", pytrace=False)
    pytest.skip(message)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_pg_database() -> str:
    """Create a throwaway database on the test server and return its SQLAlchemy URL."""
    name = f"cpts_test_{secrets.token_hex(4)}"
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        service_missing("PostgreSQL", exc)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def fresh_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'cpts-{secrets.token_hex(3)}.sqlite3'}"
    return await create_pg_database()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
async def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    url = await fresh_database_url(backend, tmp_path_factory.mktemp(backend))
    await upgrade(url)
    yield url
    if backend == "postgresql":
        await drop_pg_database(url)


def _pool_size() -> int:
    """PostgreSQL connections a worker may hold, so that the suite's workers together stay
    under the server's max_connections (100): a worker holds pool + 8 overflow + direct pool,
    and the 50-client races fill all of them at once."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    return max(4, (70 // workers - 8) // 2)


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=_pool_size())  # SQLite ignores it
    await load_demo(db, FrozenClock(datetime.now(UTC)))
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


def make_app(database: Database, clock: FrozenClock, storage: Path) -> Litestar:
    """An app on the test database, as `app` gives it (for tests that need one of their own)."""
    settings = Settings(
        database_url=database.url,
        token_cache_seconds=0,
        run_jobs=False,
        storage_dir=str(storage),
        rate_login="10000/60",  # tests log in far more often than people do
        rate_login_failures="10000/900",  # and fail on purpose
        rate_feed_client="10000/60",
        rate_feed="10000/60",
    )
    return create_app(settings, clock=clock, database=database)


@pytest.fixture(scope="session")
def _shared_app(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    clock = FrozenClock(datetime.now(UTC))
    return make_app(database, clock, tmp_path_factory.mktemp("storage"))


@pytest.fixture
def app(_shared_app: Litestar, clock: FrozenClock) -> Iterator[Litestar]:
    """The backend's app, built once per session (building one costs ~0.5 s, more than most
    tests), with this test's clock; whatever service a test swaps in is put back after it.
    A test that runs the lifespan (a served app: the hub, the relay) needs `make_app`."""
    services = AppServices.of(_shared_app)
    before = {f.name: getattr(services, f.name) for f in dataclasses.fields(services)}
    services.clock = clock
    yield _shared_app
    for name, value in before.items():
        setattr(services, name, value)
    hub = _shared_app.state["hub"]
    assert not hub.closing.is_set(), "a test ran the shared app's lifespan: give it make_app"


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in this event loop (the database pool lives in it too)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c


async def new_territory(
    database: Database, clock: FrozenClock, name: str = "CPTS de test"
) -> Territory:
    """A fresh, empty territory with a unique slug and FINESS."""
    async with database.write() as session:
        return await create_territory(
            session,
            clock,
            TerritoryDraft(
                slug=f"t-{uuid.uuid4().hex[:12]}",
                name=name,
                finess=_random_finess(),
                population=50_000,
            ),
        )


@pytest.fixture
async def territory(database: Database, clock: FrozenClock) -> Territory:
    """A fresh, empty territory of one's own."""
    return await new_territory(database, clock)


def _random_finess() -> str:
    from stdnum import luhn

    body = "78" + "".join(secrets.choice("0123456789") for _ in range(6))
    return body + luhn.calc_check_digit(body)


async def login(client: httpx.AsyncClient, email: str, password: str = "demo") -> dict[str, str]:
    """Log in and return the Authorization header for the account."""
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        service_missing("Redis", exc)
    return REDIS_URL


# The longest tests first, so that pytest-xdist's workers start them at once instead of ending
# the run on them (the harness, Schemathesis, the browser journeys, the other served tests).
_FIRST = ("tests/e2e/test_harness.py", "tests/e2e/test_schemathesis.py", "tests/e2e/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        return next((i for i, prefix in enumerate(_FIRST) if path.startswith(prefix)), len(_FIRST))

    items.sort(key=rank)  # stable: the order within each rank is kept

"""A real server process on a throwaway SQLite database with the demo loaded (`make run`'s
steps), for the end-to-end tests.

`cpts db upgrade` and `cpts demo load` run once per session into a template; each test serves a
copy of it, so tests stay independent without paying the migrations and the demo each time.
One Chromium serves the session; each journey opens contexts of its own (no shared cookies)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.browser import launch
from tests.mailbox import Inbox, free_port, smtp_inbox


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    async for launched in launch():
        yield launched


@pytest.fixture(autouse=True)
async def _close_contexts(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each journey's browser contexts end with it: left open in the session's one Chromium,
    their pages piled up until a later full-page screenshot got no frame (two runs timed out
    at 120 s on a loaded machine)."""
    yield
    if "browser" in request.fixturenames:
        browser = request.getfixturevalue("browser")
        for context in list(browser.contexts):
            await context.close()


CLI = [sys.executable, "-m", "server.cli"]


def _env(database: Path, **more: str) -> dict[str, str]:
    env = os.environ | {"CPTS_DATABASE_URL": f"sqlite+aiosqlite:///{database}"} | more
    env.pop("CPTS_REDIS_URL", None)
    env.pop("CPTS_PUBLIC_URL", None)  # links follow CPTS_PORT
    return env


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo loaded, by the CLI as `make run` does."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    for step in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([*CLI, *step], env=_env(path), check=True, capture_output=True)
    return path


@contextlib.contextmanager
def serve(demo_database: Path, tmp_path: Path, **env: str) -> Iterator[str]:
    """`cpts serve` on a copy of the demo database, with more environment; its base URL."""
    database = tmp_path / "served.sqlite3"
    with (
        contextlib.closing(sqlite3.connect(demo_database)) as source,
        contextlib.closing(sqlite3.connect(database)) as copy,
    ):
        source.backup(copy)
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "serve"],
        env=_env(database, CPTS_PORT=str(port), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"server did not come up:\n{output}")
            time.sleep(0.05)  # polling for readiness, not waiting a fixed time
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def served(demo_database: Path, tmp_path: Path) -> Iterator[str]:
    with serve(demo_database, tmp_path) as base:
        yield base


@pytest.fixture
def served_with_mail(demo_database: Path, tmp_path: Path) -> Iterator[tuple[str, Inbox]]:
    """A served app that sends its e-mails to a local SMTP server the test reads."""
    with (
        smtp_inbox() as (inbox, port),
        serve(demo_database, tmp_path, CPTS_SMTP_URL=f"smtp://127.0.0.1:{port}") as base,
    ):
        yield base, inbox

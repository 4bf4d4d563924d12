"""The `cpts` command: migrate, load the demo (idempotent), mint a token that works."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from coordination.accounts import service as accounts
from kernel.clock import SystemClock
from server.cli import main
from server.database import Database


def test_cli_upgrade_demo_and_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("CPTS_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(main, ["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "CPTS Sud Yvelines: loaded 36 communes" in first.output
    second = runner.invoke(main, ["demo", "load"])
    assert "CPTS Sud Yvelines: already loaded" in second.output

    minted = runner.invoke(main, ["token", "create", "--email", "regulator@sud-yvelines.test"])
    assert minted.exit_code == 0, minted.output
    secret = minted.output.strip()
    assert secret.startswith("cpts_")

    async def resolve() -> set[str]:
        db = Database(url)
        try:
            async with db.read() as session:
                actor = await accounts.resolve(session, SystemClock(), secret)
            return {r.value for r in actor.roles}
        finally:
            await db.dispose()

    assert asyncio.run(resolve()) == {"regulator"}

    unknown = runner.invoke(main, ["token", "create", "--email", "nobody@example.test"])
    assert unknown.exit_code == 1
    assert "no account" in unknown.output

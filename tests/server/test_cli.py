"""The `cpts` command: migrate, load the demo (idempotent), mint a token that works."""

from __future__ import annotations

import asyncio
import json
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


def test_cli_onboards_a_territory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What an operator types to start a CPTS: the communes, the territory and its first
    admin, the national directory (dry run, then for real), another setting later."""
    from server.demo.loader import DATA_DIR, NATIONAL_DIRECTORY

    monkeypatch.setenv("CPTS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("CPTS_PUBLIC_URL", "https://cpts.example.test")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    cog = [
        "--cog",
        str(DATA_DIR / "communes.json"),
        "--points",
        str(DATA_DIR / "communes_points.csv"),
    ]
    imported = runner.invoke(main, ["communes", "import", *cog])
    assert imported.exit_code == 0, imported.output
    assert "46 added, 0 changed, 0 unchanged" in imported.output
    again = runner.invoke(main, ["communes", "import", *cog])
    assert "0 added, 0 changed, 46 unchanged" in again.output
    (tmp_path / "communes.txt").write_text("78517  # Rambouillet\n78220,78486\n")
    created = runner.invoke(
        main,
        ["territory", "create", "rambouillet", "--finess", "780240321", "--name",
         "CPTS de Rambouillet", "--population", "45000", "--communes-file",
         str(tmp_path / "communes.txt"), "--admin-email", "coordination@rambouillet.test",
         "--admin-name", "Mme Roche"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "Europe/Paris, ACI size 2, 3 communes added" in created.output
    assert "https://cpts.example.test/invitation#jeton=cpts_link_" in created.output
    refused = runner.invoke(
        main,
        ["territory", "create", "ailleurs", "--finess", "780240321", "--name", "X",
         "--population", "1"],
    )  # fmt: skip
    assert refused.exit_code == 1 and "error (finess)" in refused.output
    extraction = str(DATA_DIR / NATIONAL_DIRECTORY)
    dry = runner.invoke(
        main, ["directory", "import", extraction, "--territory", "rambouillet", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "would change (dry run): 14 added" in dry.output and "+ Dr Claire Martin" in dry.output
    real = runner.invoke(main, ["directory", "import", extraction, "--territory", "rambouillet"])
    assert "changed: 14 added" in real.output
    twice = runner.invoke(main, ["directory", "import", extraction, "--territory", "rambouillet"])
    assert (
        "changed: 0 added, 0 changed, 0 kept local, 0 gone, 0 returned, 14 unchanged"
        in twice.output
    )
    from tests.integrations.annuaire.test_fhir import ORGANIZATION, PRACTITIONER, ROLE, _bundle

    bundle = tmp_path / "annuaire.json"
    bundle.write_text(json.dumps(_bundle(ROLE, PRACTITIONER, ORGANIZATION)), encoding="utf-8")
    fhir = runner.invoke(
        main, ["directory", "import-fhir", str(bundle), "--territory", "rambouillet", "-v"]
    )
    assert fhir.exit_code == 0, fhir.output
    assert "changed: 1 added" in fhir.output and "+ Dr David Chatelier" in fhir.output
    assert "0 gone" in fhir.output  # a search says nothing of who it did not find
    updated = runner.invoke(main, ["territory", "update", "rambouillet", "--aci-size", "3"])
    assert "ACI size 3" in updated.output, updated.output
    listed = runner.invoke(main, ["territory", "list"])
    assert "rambouillet\tCPTS de Rambouillet\tEurope/Paris\tACI 3\t45000" in listed.output
    operator = runner.invoke(
        main, ["operator", "add", "--email", "ops@hebergeur.test", "--name", "Ops"]
    )
    assert operator.output.startswith("https://cpts.example.test/invitation#jeton=")

"""Schemathesis against the OpenAPI document of a real server: for every operation, generated
valid and invalid requests (as an admin, who reaches most routes, and as a nurse, who reaches
the care routes) get no 5xx, and every answer matches the document: status code, content
type and schema; and every JSON body is sent again as text/plain and without Content-Type
(tests/e2e/schemathesis_hooks.py), which must be refused with 415."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.browser import OUTPUT, bearer

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,json_bodies_only_as_json"
)
ROOT = Path(__file__).resolve().parents[2]


def _st() -> str:
    found = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    if not Path(found).exists():
        pytest.fail("schemathesis is a dev dependency: pip install -e '.[dev]'")
    return found


@pytest.mark.parametrize("email", ["admin@sud-yvelines.test", "nurse1@sud-yvelines.test"])
def test_every_operation_keeps_to_the_document(served: str, email: str) -> None:
    token = bearer(served, email)["Authorization"]
    OUTPUT.mkdir(exist_ok=True)
    run = subprocess.run(
        [
            _st(),
            "run",
            f"{served}/schema/openapi.json",
            "--header",
            f"Authorization: {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            "3",
            "--seed",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--wait-for-schema",
            "10",
            # Logging out or revoking would end this run's own session midway.
            "--exclude-path",
            "/api/v1/auth/logout",
            "--exclude-path-regex",
            "/api/v1/me/tokens",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",
            "PYTHONPATH": str(ROOT),
        },
    )
    report = OUTPUT / f"schemathesis-{email.split('@')[0]}.txt"
    report.write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-4000:]

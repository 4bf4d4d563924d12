"""The production-readiness harness (bench/harness) end to end: three workers behind nginx,
its own PostgreSQL and Redis, a mixed load for about 40 s with Redis stopped, PostgreSQL
restarted and a worker killed, then the invariants. Missing binaries fail the test: CI must
have PostgreSQL, Redis and nginx installed."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _require_binaries() -> None:
    missing = []
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") and not shutil.which("initdb"):
        missing.append("initdb/pg_ctl (postgresql)")
    if not (shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()):
        missing.append("redis-server")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        missing.append("nginx")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        missing.append("runuser (to run PostgreSQL as the postgres user)")
    if missing:
        pytest.fail(f"the harness needs {', '.join(missing)}", pytrace=False)


def test_harness_holds_every_invariant_through_the_three_faults() -> None:
    _require_binaries()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPTS_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.harness",
            "--workers",
            "3",
            "--seconds",
            "40",
            "--faults",
            "redis,postgres,worker",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    report = f"{done.stdout}\n{done.stderr[-4000:]}"
    assert "violations: 0" in done.stdout, report
    assert done.returncode == 0, report


def test_the_checks_catch_a_lost_event_a_duplicate_and_an_unexplained_5xx() -> None:
    """The checks themselves, on made-up records: a harness whose checks cannot fail
    proves nothing."""
    from bench.harness.client import TIMEOUT, Sample
    from bench.harness.faults import Fault
    from bench.harness.invariants import http_checks, socket_checks
    from bench.harness.sockets import SocketClient

    coordinator = SocketClient("c", "t", ["territory"], complete=True)
    coordinator.first_ready, coordinator.seqs = 10, [11, 12, 14]
    gp = SocketClient("g", "t", None, complete=False)
    gp.seqs = [11, 13, 13]
    ordered, complete, refused = socket_checks([coordinator, gp], list(range(1, 15)))
    assert (ordered.violations, complete.violations, refused.violations) == (1, 1, 0)
    assert "first [13]" in complete.examples[0]

    pg = Fault("postgres", began=10.0, ended=12.0)
    samples = [
        Sample(11.0, "search", 503, 0.01, True),  # in the outage, problem+json: expected
        Sample(30.0, "search", 503, 0.01, True),  # long after it: a violation
        Sample(11.0, "book", 500, 0.01, True),  # a 500 is never expected
        Sample(11.5, "hold", 502, 0.01, False),  # 502 is only expected when a worker dies
        Sample(5.0, "book", TIMEOUT, 20.0, False),
        Sample(5.0, "book", 422, 0.01, True),
        Sample(39.8, "book", 502, 0.3, False),  # in flight on the worker killed at 40 s
        Sample(43.0, "book", 502, 0.01, False),  # later: nginx should have routed around it
    ]
    killed = Fault("worker", began=40.0, ended=50.0)
    (answered, unhandled, other_5xx, client_errors), expected = http_checks(samples, [pg, killed])
    assert expected == {"postgres 503": 1, "worker 502": 1}
    assert [c.violations for c in (answered, unhandled, other_5xx, client_errors)] == [1, 1, 3, 1]

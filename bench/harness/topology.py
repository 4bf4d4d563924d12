"""Bring the whole topology up (PostgreSQL, Redis, migrations and demo, workers, nginx) and
down again, whatever happened in between."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.harness.nginx import Nginx
from bench.harness.postgres import PostgresCluster
from bench.harness.redis_server import RedisServer
from bench.harness.workers import ROOT, Worker

# The load logs in far more often than people do; everything else keeps its default.
RAISED_LIMITS = {
    "CPTS_RATE_LOGIN": "1000000/60",
    "CPTS_RATE_FEED_CLIENT": "1000000/60",
    "CPTS_RATE_FEED": "1000000/60",
}
POOL_SIZE = 32  # CPTS_DB_POOL_SIZE's default: PostgreSQL must admit workers x (2 x 32 + 8)


@dataclass
class Topology:
    root: Path
    postgres: PostgresCluster
    redis: RedisServer
    workers: list[Worker]
    nginx: Nginx

    @property
    def base(self) -> str:
        return self.nginx.base


def _server_env(database_url: str, redis_url: str, root: Path, public_url: str) -> dict[str, str]:
    # Nothing of the caller's CPTS_* settings (e.g. a shared CPTS_REDIS_URL) leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPTS_")}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(proxy, None)
    return (
        env
        | RAISED_LIMITS
        | {
            "CPTS_DATABASE_URL": database_url,
            "CPTS_REDIS_URL": redis_url,
            "CPTS_STORAGE_DIR": str(root / "storage"),
            "CPTS_PUBLIC_URL": public_url,
        }
    )


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cpts {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def running(root: Path, n_workers: int) -> Iterator[Topology]:
    postgres = PostgresCluster(root, max_connections=n_workers * (2 * POOL_SIZE + 8) + 40)
    redis = RedisServer(root)
    workers: list[Worker] = []
    nginx: Nginx | None = None
    try:
        postgres.start()
        redis.start()
        env = _server_env(postgres.url, redis.url, root, "http://127.0.0.1")
        _cli(env, "db", "upgrade")
        _cli(env, "demo", "load")
        workers = [Worker(i, env, root) for i in range(n_workers)]
        nginx = Nginx(root, [w.port for w in workers])
        for w in workers:
            w.env["CPTS_PUBLIC_URL"] = nginx.base
            w.start()
        with ThreadPoolExecutor(n_workers) as pool:
            list(pool.map(lambda w: w.wait_healthy(), workers))
        nginx.start()
        yield Topology(root, postgres, redis, workers, nginx)
    finally:
        if nginx is not None:
            nginx.stop()
        for w in workers:
            w.stop()
        redis.stop()
        postgres.stop()

"""A PostgreSQL cluster of the harness's own (initdb, pg_ctl), so that restarting it as a
fault never touches the machine's shared server.

initdb refuses to run as root: then the cluster belongs to the `postgres` OS user and every
pg_ctl call goes through `runuser -u postgres --`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from bench.harness.ports import free_port, wait_listening


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("initdb not found (apt-get install postgresql)")
    return Path(initdb).resolve().parent


class PostgresCluster:
    def __init__(self, root: Path, max_connections: int) -> None:
        self.bin = _bin_dir()
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.max_connections = max_connections
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            os.chmod(root, 0o777)  # noqa: S103 - the postgres user writes its cluster here

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as, str(self.bin / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/cpts"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/cpts"

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.data}'\n"
                f"max_connections = {self.max_connections}\n"
            )
        if self._as:
            pw = pwd.getpwnam("postgres")
            self.log.touch()
            os.chown(self.log, pw.pw_uid, pw.pw_gid)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")
        wait_listening(self.port, 30, "PostgreSQL")
        self._run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-c",
            "CREATE DATABASE cpts",
            "postgres",
        )

    def restart(self) -> float:
        """`pg_ctl restart -m fast`: every connection is cut; returns how long it took."""
        began = time.monotonic()
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart"
        )
        return time.monotonic() - began

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

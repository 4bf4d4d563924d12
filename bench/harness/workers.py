"""The `cpts serve` workers: one process group each (with CPTS_WORKERS=1, a single process),
so that a SIGKILL fault kills the whole worker the way a crash or the OOM killer would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.harness.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, index: int, env: dict[str, str], logs: Path) -> None:
        self.index = index
        self.port = free_port()
        self.env = env | {"CPTS_PORT": str(self.port), "CPTS_WORKERS": "1"}
        self.log = logs / f"worker{index}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    def wait_healthy(self, within: float = 60) -> float:
        """Seconds until GET /health answers 200 on this worker's own port."""
        began = time.monotonic()
        while time.monotonic() - began < within:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.index} exited: see {self.log}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2, trust_env=False).status_code == 200:
                    return time.monotonic() - began
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"worker {self.index} not healthy within {within:.0f} s")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown hook runs."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

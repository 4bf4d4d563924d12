"""Sampling the server while a benchmark runs (py-spy), and where the samples fall.

`record(pid, out)` attaches py-spy to the server's process tree and writes collapsed stacks
(one line per distinct stack: frames separated by `;`, then the sample count). `summary(path)`
reads them back: the share of samples whose stack passes through each layer (inclusive, so
the rows overlap) and the share each layer holds at the leaf (exclusive, the rows add up).
py-spy is a dev tool (`pip install py-spy`), not a dependency of the server.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

# Checked in order: a frame belongs to the first layer whose marker its file path contains.
_ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_SITE = "-packages/"
LAYERS = (
    ("sqlalchemy", _SITE + "sqlalchemy/"),
    ("asyncpg", _SITE + "asyncpg/"),
    ("aiosqlite", _SITE + "aiosqlite/"),
    ("litestar", _SITE + "litestar/"),
    ("uvicorn", _SITE + "uvicorn/"),
    ("msgspec", _SITE + "msgspec/"),
    ("anyio", _SITE + "anyio/"),
    ("other libraries", _SITE),
    ("asyncio", "/asyncio/"),
    ("sqlite3", "/sqlite3/"),
    ("server/", _ROOT + "server/"),
    ("scheduling/", _ROOT + "scheduling/"),
    ("coordination/", _ROOT + "coordination/"),
    ("kernel/", _ROOT + "kernel/"),
    ("integrations/", _ROOT + "integrations/"),
)
_OWN = tuple(_ROOT + d for d in ("server/", "scheduling/", "coordination/", "kernel/"))


def available() -> bool:
    return shutil.which("py-spy") is not None or Path(sys.executable).with_name("py-spy").exists()


def record(pid: int, out: Path, rate: int = 250) -> subprocess.Popen[bytes]:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    cmd = [exe, "record", "--pid", str(pid), "--subprocesses", "--rate", str(rate)]
    cmd += ["--format", "raw", "--full-filenames", "--output", str(out), "--nonblocking"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _layer(frame: str) -> str:
    for name, marker in LAYERS:
        if marker in frame:
            return name
    return "other"


def summary(path: Path, top: int = 12) -> str:
    """A table of the layers (inclusive and leaf share of samples) and the hottest functions
    of the project's own code, inclusive."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        total += n
        layers = {_layer(f) for f in frames}
        for name in layers:
            inclusive[name] += n
        leaf[_layer(frames[-1])] += n
        for f in {f.split(" (")[0] + " (" + _short(f) + ")" for f in frames if _own(f)}:
            own[f] += n
    if not total:
        return "profile: no samples"
    rows = [f"profile: {total} samples; share of samples (inclusive | at the leaf)"]
    for name, _ in (*LAYERS, ("other", "")):
        if inclusive[name] or leaf[name]:
            rows.append(
                f"  {name:<22}{100 * inclusive[name] / total:>6.1f} %"
                f"{100 * leaf[name] / total:>8.1f} %"
            )
    rows.append("  hottest functions of the project's code (inclusive):")
    for f, n in own.most_common(top):
        rows.append(f"    {100 * n / total:>5.1f} %  {f}")
    return "\n".join(rows)


def _own(frame: str) -> bool:
    return any(m in frame for m in _OWN)


def _short(frame: str) -> str:
    inside = frame[frame.find("(") + 1 : frame.rfind(")")]
    return inside.removeprefix(_ROOT).rsplit(":", 1)[0]

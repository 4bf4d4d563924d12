"""What the workers' logs say about the 500s: each "unhandled error" block reduced to its
route, its exception chain and the project's own frames, counted, so that a server bug found
under a fault comes with its traceback in the report."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

_UNHANDLED = re.compile(r"unhandled error on (\S+) (\S+)")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b.*")
_ROOT = str(Path(__file__).resolve().parents[2]) + "/"
_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\w+)')
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) - ")


def unhandled_errors(logs: list[Path]) -> list[str]:
    """One line per distinct (route, exception chain, own frames), with its count."""
    counts: Counter[str] = Counter()
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        i = 0
        while i < len(lines):
            found = _UNHANDLED.search(lines[i])
            if not found:
                i += 1
                continue
            route = f"{found.group(1)} {_ID.sub('{id}', found.group(2))}"
            chain: list[str] = []
            frames: list[str] = []
            i += 1
            while i < len(lines) and not _LOG_LINE.match(lines[i]):
                line = lines[i].strip()
                if _EXCEPTION.match(lines[i]) and line not in chain:
                    chain.append(line[:160])
                frame = _FRAME.search(line)
                if frame and frame.group(1).startswith(_ROOT) and "/.venv/" not in frame.group(1):
                    where = frame.group(1).removeprefix(_ROOT)
                    frames.append(f"{where}:{frame.group(2)} {frame.group(3)}")
                i += 1
            cause = chain[-1:] + chain[:1] if len(chain) > 1 else chain  # outermost <- root
            raised = " <- ".join(cause)
            at = " > ".join(dict.fromkeys(frames))
            counts[f"{route}\n      raised: {raised}\n      at: {at}"] += 1
    return [f"{n} x {what}" for what, n in counts.most_common()]

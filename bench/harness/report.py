"""The table printed at the end: the machine, the load held, the faults, the invariants."""

from __future__ import annotations

from collections import Counter, defaultdict

from bench.booking import machine
from bench.harness.client import Sample
from bench.harness.faults import Fault
from bench.harness.invariants import Check
from bench.harness.sockets import SocketClient


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def _statuses(samples: list[Sample]) -> str:
    counts = Counter(s.status for s in samples)
    return " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))


def render(
    *,
    topology: str,
    seconds: float,
    samples: list[Sample],
    outcomes: Counter[str],
    sockets: list[SocketClient],
    faults: list[Fault],
    expected: Counter[str],
    checks: list[Check],
) -> str:
    out = [f"machine: {machine()}", f"topology: {topology}", ""]
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s)
    header = f"{'requests':<12}{'count':>8}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses"
    out += [f"load held for {seconds:.0f} s through nginx", header, "-" * len(header)]
    for kind in sorted(by_kind):
        group = by_kind[kind]
        lat = [s.latency for s in group]
        out.append(
            f"{kind:<12}{len(group):>8}{len(group) / seconds:>8.1f}{_pct(lat, 0.5):>9.1f}"
            f"{_pct(lat, 0.99):>9.1f}  {_statuses(group)}"
        )
    lat = [s.latency for s in samples]
    out.append(
        f"{'all':<12}{len(samples):>8}{len(samples) / seconds:>8.1f}{_pct(lat, 0.5):>9.1f}"
        f"{_pct(lat, 0.99):>9.1f}"
    )
    told = outcomes.get("book 201", 0) + outcomes.get("book 200", 0)
    out.append(
        f"bookings told made: {told}; retried attempts: {outcomes.get('book retried', 0)}; "
        f"replayed with their key (200): {outcomes.get('book replayed (200)', 0)}; "
        f"unresolved after retries: {outcomes.get('book unresolved after retries', 0)}"
    )
    events = sum(len(s.seqs) for s in sockets)
    out.append(
        f"websockets: {len(sockets)} clients, {events} events received, "
        f"{sum(s.connections for s in sockets)} connections "
        f"({sum(s.connections for s in sockets) - len(sockets)} reconnects), "
        f"{sum(s.resyncs for s in sockets)} resyncs; closes: "
        + " ".join(
            f"{k}:{v}" for k, v in sorted(sum((s.closes for s in sockets), Counter()).items())
        )
    )
    out += ["", f"{'fault':<10}{'at s':>7}{'back s':>8}  in its window"]
    for f in faults:
        window = [s for s in samples if f.covers(s)]
        failed = Counter(s.status for s in window if s.status >= 500 or s.status <= 0)
        failures = " ".join(f"{k}:{v}" for k, v in sorted(failed.items())) or "no 5xx"
        out.append(
            f"{f.kind:<10}{f.began:>7.1f}{f.ended:>8.1f}  {len(window)} requests, {failures}; {f.detail}"
        )
    if not faults:
        out.append("(none)")
    if expected:
        out.append(
            "expected failures in fault windows: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(expected.items()))
        )
    out += ["", f"{'invariant':<64}{'checked':>9}{'violations':>12}"]
    for c in checks:
        out.append(f"{c.name:<64}{c.checked:>9}{c.violations:>12}")
        out += [f"    e.g. {e}" for e in c.examples]
    total = sum(c.violations for c in checks)
    out += ["", f"violations: {total}"]
    return "\n".join(out)

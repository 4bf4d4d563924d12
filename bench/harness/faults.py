"""The faults, injected while the load runs, and the windows in which their symptoms are
expected: 503 problem+json while PostgreSQL restarts, 502 for the requests a killed worker
was serving. Outside its window, the same answer is a violation.

- redis: redis-server stopped, restarted on the same port 4 s later. REST must not notice.
- postgres: `pg_ctl restart -m fast`. The workers are not restarted: each must answer an
  authenticated request on its own port again within RECOVERY_SECONDS.
- worker: worker 0 killed with SIGKILL (its whole process group), started again 5 s later;
  only the requests it was serving may fail (502), nginx routes the others around it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx

from bench.harness.client import Recorder, Sample
from bench.harness.topology import Topology

KINDS = ("redis", "postgres", "worker")
REDIS_DOWN_SECONDS = 4.0
WORKER_DOWN_SECONDS = 5.0
RECOVERY_SECONDS = 20.0
# How long after a service is back its symptoms may still show. PostgreSQL: pooled
# connections broken by the restart each fail one request (no pre-ping, by design:
# server/database.py) before being replaced; under load that is over within seconds.
GRACE_SECONDS = {"redis": 2.0, "postgres": 5.0, "worker": 2.0}


@dataclass
class Fault:
    kind: str
    began: float  # seconds since the load began
    ended: float = 0.0  # when the service was back (the window closes its grace later)
    detail: str = ""
    failures: list[str] = field(default_factory=list)  # recovery violations

    def covers(self, sample: Sample) -> bool:
        """Whether this fault explains a failed answer to this request. A killed worker
        explains only the requests it was serving when it died: nginx sends the next ones
        to the other workers (connection refused is retried, even for a POST)."""
        if self.kind == "worker":
            return sample.at <= self.began + 1.0 and sample.at + sample.latency >= self.began
        still_waiting = sample.at + sample.latency >= self.began - 0.1
        return still_waiting and sample.at <= self.ended + GRACE_SECONDS[self.kind]


def schedule(kinds: list[str], seconds: float) -> list[tuple[float, str]]:
    """One fault at a time, from 10 % of the run, spread so that their windows do not overlap
    in a 40-second run; the last needs ~15 s (a worker takes seconds to start under load)."""
    if not kinds:
        return []
    step = seconds * 0.7 / len(kinds)
    return [(seconds * 0.1 + i * step, kind) for i, kind in enumerate(kinds)]


async def _recovered(base: str, token: str, within: float) -> float | None:
    """Seconds until this worker, on its own port, serves an authenticated read again."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
        while loop.time() - began < within:
            try:
                answer = await client.get(
                    f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                )
                if answer.status_code == 200:
                    return loop.time() - began
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    return None


async def inject(
    topology: Topology, plan: list[tuple[float, str]], rec: Recorder, probe_token: str
) -> list[Fault]:
    done: list[Fault] = []
    for at, kind in plan:
        await asyncio.sleep(max(0.0, at - rec.now()))
        fault = Fault(kind, rec.now())
        done.append(fault)
        if kind == "redis":
            await asyncio.to_thread(topology.redis.stop)
            await asyncio.sleep(REDIS_DOWN_SECONDS)
            await asyncio.to_thread(topology.redis.start)
            fault.ended = rec.now()
            fault.detail = f"down {fault.ended - fault.began:.1f} s"
        elif kind == "postgres":
            took = await asyncio.to_thread(topology.postgres.restart)
            fault.ended = rec.now()
            times = await asyncio.gather(
                *(_recovered(w.base, probe_token, RECOVERY_SECONDS) for w in topology.workers)
            )
            for w, t in zip(topology.workers, times, strict=True):
                if t is None:
                    fault.failures.append(
                        f"worker {w.index} did not serve again within {RECOVERY_SECONDS:.0f} s"
                    )
            fault.detail = f"restart took {took:.1f} s; workers serving again after " + ", ".join(
                "never" if t is None else f"{t:.1f} s" for t in times
            )
        elif kind == "worker":
            victim = topology.workers[0]
            await asyncio.to_thread(victim.kill)
            await asyncio.sleep(WORKER_DOWN_SECONDS)
            await asyncio.to_thread(victim.start)
            try:
                healthy = await asyncio.to_thread(victim.wait_healthy, 60)
            except RuntimeError as exc:
                fault.failures.append(str(exc))
                healthy = float("nan")
            fault.ended = rec.now()
            fault.detail = (
                f"worker 0 (port {victim.port}) SIGKILLed, restarted after "
                f"{WORKER_DOWN_SECONDS:.0f} s, healthy {healthy:.1f} s later"
            )
    return done

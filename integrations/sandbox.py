"""CPU work on untrusted input, in child processes: bounded in time, memory and number at once.

Reading a professional's calendar or re-encoding a wound photo runs a parser on bytes a user
sent. A thread cannot be stopped, shares the server's memory, and the shared thread pool is what
the rest of the server needs (files, DNS): a hostile 200-byte calendar once stalled it for
minutes. Here each call runs in a new interpreter (`python -m integrations._sandbox_child`)
limited in address space and killed past its time budget; at most `workers` run at once, at most
`queue` more wait, and the rest are refused at once. One process per call: nothing a hostile
file did survives it, and its memory goes back to the system when it ends. Nothing here blocks
the event loop or takes a thread. What comes back is decoded as plain data of the type the
caller expects, and only the exception classes the caller names are raised again.
"""

from __future__ import annotations

import asyncio
import pickle
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from integrations._sandbox_child import Failure, Outcome
from kernel.errors import CodedError, DomainError

T = TypeVar("T")


class SandboxError(Exception):
    """The work did not finish: `reason` is "time", "memory", "busy" or "crashed"."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Limits:
    seconds: float  # wall time of one call, the child's start-up included
    memory_bytes: int  # address space of the child (RLIMIT_AS), its imports included
    workers: int  # calls running at once
    queue: int  # calls waiting beyond those; more are refused ("busy")


class Sandbox:
    def __init__(self, name: str, limits: Limits, errors: Iterable[type[Exception]] = ()) -> None:
        self.name = name
        self.limits = limits
        # The exceptions a job may raise to its caller; any other is "crashed".
        self._errors = {f"{e.__module__}.{e.__qualname__}": e for e in errors}
        self._running = asyncio.Semaphore(limits.workers)
        self._admitted = 0  # running or waiting

    async def run(self, returns: type[T], fn: Callable[..., Any], *args: Any) -> T:
        """`fn(*args)` in a child process, its result decoded as `returns`; `fn` must be
        importable by name and its result encodable as MessagePack (msgspec)."""
        if getattr(fn, "__module__", None) == "__main__":
            raise ValueError(f"{fn!r} must be importable by name, not defined in __main__")
        if self._admitted >= self.limits.workers + self.limits.queue:
            raise SandboxError("busy", f"too many {self.name} jobs at once: try again shortly")
        self._admitted += 1
        try:
            async with self._running:
                out = await self._call(pickle.dumps((self.limits.memory_bytes, fn, args)))
        finally:
            self._admitted -= 1
        try:
            outcome = msgspec.msgpack.decode(out, type=Outcome)
            if outcome.status == "ok":
                return msgspec.msgpack.decode(outcome.value, type=returns)
        except (msgspec.ValidationError, msgspec.DecodeError):  # killed, or not ours to trust
            raise SandboxError("crashed", f"the {self.name} job stopped unexpectedly") from None
        if outcome.status == "memory":
            raise SandboxError("memory", f"the {self.name} job needs too much memory")
        raise self._error(outcome.failure)

    def _error(self, failure: Failure | None) -> Exception:
        kind = self._errors.get(failure.type) if failure else None
        if failure is None or kind is None:
            return SandboxError("crashed", f"the {self.name} job failed")
        error: Exception
        try:
            if failure.code is not None and issubclass(kind, CodedError | DomainError):
                # a coded error: its code and params come back with it, for the French
                error = kind(failure.detail, code=failure.code, params=failure.params)
            else:
                error = kind(failure.detail)
        except TypeError:  # a class the parent cannot rebuild from what came back
            return SandboxError("crashed", f"the {self.name} job failed")
        if failure.field is not None:
            error.field = failure.field  # type: ignore[attr-defined]
        return error

    async def _call(self, job: bytes) -> bytes:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "integrations._sandbox_child",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            out, _ = await asyncio.wait_for(child.communicate(job), self.limits.seconds)
        except TimeoutError:
            raise SandboxError(
                "time", f"the {self.name} job took more than {self.limits.seconds:g} s"
            ) from None
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        return out

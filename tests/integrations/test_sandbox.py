"""The sandbox that runs parsers of untrusted files: results, errors and its three bounds (time,
memory, number at once). The jobs are standard-library callables: the child imports them by
name, as it does the server's own."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace

import pytest

from integrations.sandbox import Limits, Sandbox, SandboxError
from kernel.errors import Invalid
from tests.integrations import sandbox_jobs

LIMITS = Limits(seconds=10, memory_bytes=256 << 20, workers=2, queue=1)


async def test_a_result_comes_back_as_the_type_asked() -> None:
    sandbox = Sandbox("test", LIMITS)
    assert await sandbox.run(int, abs, -3) == 3
    assert await sandbox.run(list[int], sorted, [3, 1, 2]) == [1, 2, 3]


async def test_only_the_named_exceptions_are_raised_again() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        await Sandbox("test", LIMITS, errors=[ValueError]).run(int, int, "x")
    with pytest.raises(SandboxError, match="failed") as refused:
        await Sandbox("test", LIMITS).run(int, int, "x")
    assert refused.value.reason == "crashed"


async def test_a_domain_error_keeps_its_field_code_and_params() -> None:
    sandbox = Sandbox("test", LIMITS, errors=[Invalid])
    with pytest.raises(Invalid) as raised:
        await sandbox.run(type(None), sandbox_jobs.refuse, "the file is larger than 5 MB", "file")
    assert (raised.value.detail, raised.value.field) == ("the file is larger than 5 MB", "file")
    assert (raised.value.code, raised.value.params) == ("file_too_large", {"megabytes": 5})


async def test_a_result_that_is_not_plain_data_is_a_failure() -> None:
    with pytest.raises(SandboxError) as failed:
        await Sandbox("test", LIMITS).run(int, sandbox_jobs.unencodable)
    assert failed.value.reason == "crashed"


async def test_a_job_past_its_time_is_killed() -> None:
    sandbox = Sandbox("test", replace(LIMITS, seconds=1))
    started = time.monotonic()
    with pytest.raises(SandboxError) as stopped:
        await sandbox.run(type(None), time.sleep, 60)
    assert stopped.value.reason == "time"
    assert time.monotonic() - started < 5


async def test_a_job_past_its_memory_stops_with_a_reason() -> None:
    with pytest.raises(SandboxError) as stopped:
        await Sandbox("test", LIMITS).run(bytes, bytes, 1 << 30)
    assert stopped.value.reason == "memory"


async def test_a_child_that_dies_is_reported_not_trusted() -> None:
    with pytest.raises(SandboxError) as died:
        await Sandbox("test", LIMITS).run(int, os._exit, 3)
    assert died.value.reason == "crashed"


async def test_beyond_its_workers_and_queue_a_job_is_refused_at_once() -> None:
    sandbox = Sandbox("test", replace(LIMITS, workers=1, queue=1))
    first = asyncio.create_task(sandbox.run(type(None), time.sleep, 1))
    second = asyncio.create_task(sandbox.run(type(None), time.sleep, 1))
    await asyncio.sleep(0)
    with pytest.raises(SandboxError) as refused:
        await sandbox.run(type(None), time.sleep, 1)
    assert refused.value.reason == "busy"
    await asyncio.gather(first, second)
    assert await sandbox.run(int, abs, -1) == 1  # the places are given back

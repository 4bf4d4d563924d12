"""Periodic jobs each worker runs in the background (idempotent, safe on several workers)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from scheduling.rules import extend_horizon
from server.state import AppServices

log = logging.getLogger("cpts.jobs")


async def extend_slot_horizon(services: AppServices) -> int:
    """Materialise availability rules up to today + CPTS_SLOT_HORIZON_DAYS."""
    async with services.db.write() as session:
        return await extend_horizon(session, services.clock, services.settings.slot_horizon_days)


async def run_every(
    interval_seconds: float, job: Callable[[], Awaitable[object]], name: str
) -> None:
    """Run `job` now and then every `interval_seconds`, logging failures without dying."""
    while True:
        try:
            result = await job()
            log.info("job %s done: %s", name, result)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s failed; retrying at the next interval", name)
        await asyncio.sleep(interval_seconds)

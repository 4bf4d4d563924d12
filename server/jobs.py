"""Periodic jobs each worker runs in the background (idempotent, safe on several workers)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta

from coordination.directory.lookup import contacts_of
from coordination.directory.territories import timezone_of
from coordination.doctor_access.reminders import ReminderKind
from coordination.doctor_access.reminders import claim_reminders as claim_mt_reminders
from coordination.privacy import retention
from coordination.referrals.workflow import flag_overdue
from scheduling.rules import extend_horizon
from scheduling.teleconsultations import claim_reminders
from server.doctor_access import notices as mt_notices
from server.state import AppServices
from server.teleconsultations import notices

log = logging.getLogger("cpts.jobs")


async def extend_slot_horizon(services: AppServices) -> int:
    """Materialise availability rules up to today + CPTS_SLOT_HORIZON_DAYS."""
    async with services.db.write() as session:
        return await extend_horizon(session, services.clock, services.settings.slot_horizon_days)


async def remind_teleconsultations(services: AppServices) -> int:
    """Remind the GP and the nurse of teleconsultations starting within CPTS_REMINDER_MINUTES.

    The claim (and its event) commits first, then the notices go: a notifier failure costs a
    reminder, never a duplicate one, whichever worker claimed it.
    """
    lead = timedelta(minutes=services.settings.reminder_minutes)
    async with services.db.write() as session:
        due = await claim_reminders(session, services.clock, lead)
        outbox = []
        for reminder in due:
            tc = reminder.teleconsultation
            zone = await timezone_of(session, tc.territory_id)
            contacts = await contacts_of(
                session, tc.territory_id, [tc.gp_professional_id, tc.nurse_professional_id]
            )
            outbox += notices.reminders(tc, contacts, zone, services.settings.public_url)
    for notice in outbox:
        try:
            await services.notifier.send(notice)
        except Exception as exc:  # noqa: BLE001 - any relay failure; its message may quote the address
            log.warning("a teleconsultation reminder was not sent: %s", type(exc).__name__)
    return len(due)


async def remind_doctor_access(services: AppServices) -> int:
    """Remind GPs of the waiting list's proposals left unanswered and declarations left
    unrecorded: claimed (with their events) first, then one e-mail per GP, as for
    teleconsultations a relay failure costs a reminder, never a duplicate one."""
    async with services.db.write() as session:
        due = await claim_mt_reminders(session, services.clock)
        by_gp: dict[tuple[uuid.UUID, uuid.UUID], Counter[ReminderKind]] = {}
        for reminder in due:
            key = (reminder.territory_id, reminder.professional_id)
            by_gp.setdefault(key, Counter())[reminder.kind] += 1
        outbox = []
        for territory_id in {t for t, _ in by_gp}:
            gps = [p for t, p in by_gp if t == territory_id]
            contacts = await contacts_of(session, territory_id, gps)
            for pid in gps:
                if pid in contacts:
                    outbox += mt_notices.reminder(
                        contacts[pid], by_gp[(territory_id, pid)], services.settings.public_url
                    )
    for notice in outbox:
        try:
            await services.notifier.send(notice)
        except Exception as exc:  # noqa: BLE001 - any relay failure; its message may quote the address
            log.warning("a waiting-list reminder was not sent: %s", type(exc).__name__)
    return len(due)


async def purge_expired_identities(services: AppServices) -> int:
    """Purge, territory by territory and batch by batch (each its own transaction), the
    identities of patients without care for their territory's retention delay."""
    default = services.settings.patient_retention_months
    total = 0
    async with services.db.read() as session:
        territory_ids = await retention.territories(session)
    for territory_id in territory_ids:
        while True:
            async with services.db.write() as session:
                result = await retention.purge_territory(
                    session, services.clock, territory_id, default
                )
            total += result.purged
            if result.purged < retention.BATCH:
                break
    if total:
        log.info("retention purged %d patient identities", total)
    return total


async def flag_overdue_referrals(services: AppServices) -> int:
    """Flag open referrals past their deadline (once each, with a `referral.overdue` event)."""
    async with services.db.write() as session:
        flagged = await flag_overdue(session, services.clock)
    return len(flagged)


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

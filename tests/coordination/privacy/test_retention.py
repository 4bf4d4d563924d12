"""What counts as care going on: a message on an old referral keeps its patient's identity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from litestar import Litestar
from sqlalchemy import select

from coordination.privacy.retention import cutoff_of
from kernel.clock import FrozenClock
from scheduling.patient import Patient
from server.jobs import purge_expired_identities
from server.state import AppServices
from tests.conftest import login
from tests.server.referral_helpers import refer


def test_cutoff_counts_months_back() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert cutoff_of(now, 24).date() == datetime(2024, 12, 1, tzinfo=UTC).date()
    assert cutoff_of(now, 1) < now - timedelta(days=29)


async def test_referral_activity_keeps_the_identity(
    client: httpx.AsyncClient, clock: FrozenClock, app: Litestar
) -> None:
    services = AppServices.of(app)
    nurse = await login(client, "nurse1@sud-yvelines.test")
    referral = await refer(client, nurse, clock)
    family_name = referral["patient"]["family_name"]
    clock.advance(timedelta(days=30 * 20))
    wrote = await client.post(
        f"/api/v1/referrals/{referral['id']}/messages",
        headers=await login(
            client, "nurse1@sud-yvelines.test"
        ),  # a session does not last 20 months
        json={"body": "La plaie s'est refermée."},
    )
    assert wrote.status_code == 201, wrote.text
    clock.advance(timedelta(days=30 * 6))  # 26 months since the referral, 6 since the message

    async def still_named() -> bool:
        async with services.db.read() as session:
            names = await session.scalars(
                select(Patient.family_name).where(Patient.family_name == family_name)
            )
            return names.first() is not None

    await purge_expired_identities(services)
    assert await still_named(), "the thread went on: the care is not over"
    clock.advance(timedelta(days=30 * 19))
    await purge_expired_identities(services)
    assert not await still_named()


def test_cutoff_clamps_to_the_end_of_a_shorter_month() -> None:
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert cutoff_of(now, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert cutoff_of(now, 25) == datetime(2024, 2, 29, 12, tzinfo=UTC)

"""The services one app instance holds: database, clock, pub/sub and caches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from coordination.referrals.blob_store import BlobStore
from integrations.notify import Notifier, create_notifier
from integrations.oidc.psc import ProSanteConnect
from integrations.pubsub import PubSub
from integrations.sas.appointments import SasClient
from integrations.storage import FilesystemBlobStore
from integrations.video import JitsiRooms
from kernel.clock import Clock
from scheduling.booking_batch import BookingBatcher
from scheduling.video_rooms import VideoRooms
from server.auth.cache import TokenCache
from server.database import Database
from server.relay import OutboxRelay
from server.settings import Settings


@dataclass(slots=True)
class AppServices:
    settings: Settings
    db: Database
    clock: Clock
    pubsub: PubSub
    token_cache: TokenCache
    relay: OutboxRelay
    video_rooms: VideoRooms
    notifier: Notifier
    blob_store: BlobStore
    sas_client: SasClient | None = None  # None: no SAS endpoint configured
    psc: ProSanteConnect | None = None  # None: Pro Santé Connect not configured
    # Plain bookings coalesced into shared statements; None where there is no direct pool.
    booking_batcher: BookingBatcher | None = None

    @staticmethod
    def of(app: Any) -> AppServices:
        services = app.state["services"]
        assert isinstance(services, AppServices)
        return services


@asynccontextmanager
async def standalone_services(settings: Settings | None = None) -> AsyncIterator[AppServices]:
    """Services for a one-off command (CLI), outside the web app."""
    from integrations.pubsub import create_pubsub
    from kernel.clock import SystemClock

    settings = settings or Settings.from_env()
    db = Database(settings.database_url)
    services = AppServices(
        settings=settings,
        db=db,
        clock=SystemClock(),
        pubsub=create_pubsub(settings.redis_url),
        token_cache=TokenCache(0),
        relay=OutboxRelay(db),
        video_rooms=JitsiRooms(settings.video_base_url),
        notifier=create_notifier(settings.smtp_url, settings.smtp_from),
        blob_store=FilesystemBlobStore(settings.storage_dir),
    )
    try:
        yield services
    finally:
        await services.pubsub.close()
        await services.db.dispose()

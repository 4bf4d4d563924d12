"""The services one app instance holds: database, clock, pub/sub and caches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from coordination.referrals.blob_store import BlobStore
from coordination.referrals.photo_sanitizer import UnsupportedImage
from integrations.ical.busy_import import BusyCalendarError
from integrations.notify import Notifier, create_notifier
from integrations.oidc.psc import ProSanteConnect
from integrations.pubsub import PubSub
from integrations.ratelimit import InProcessLimiter, RateLimiter
from integrations.sandbox import Limits, Sandbox
from integrations.sas.appointments import SasClient
from integrations.storage import FilesystemBlobStore
from integrations.video import JitsiRooms
from kernel.clock import Clock
from kernel.errors import Invalid
from scheduling.booking_batch import BookingBatcher
from scheduling.video_rooms import VideoRooms
from server.auth.cache import TokenCache
from server.database import Database
from server.sequencer import OutboxSequencer
from server.settings import Settings

# Untrusted files parsed in child processes, each kind with its own bounds (integrations/sandbox):
# a calendar's rules are expanded in at most 20 s and 512 MiB, two at once; a photo is
# re-encoded in at most 30 s and 768 MiB (a 40 Mpx RGBA PNG needs ~500), two at once. The
# limits include the child's start-up (~0.3 s, ~20 MB); eight more of each kind may wait.
CALENDAR_LIMITS = Limits(seconds=20, memory_bytes=512 << 20, workers=2, queue=8)
PHOTO_LIMITS = Limits(seconds=30, memory_bytes=768 << 20, workers=2, queue=8)


def calendar_sandbox() -> Sandbox:
    return Sandbox("calendar", CALENDAR_LIMITS, errors=[BusyCalendarError])


def photo_sandbox() -> Sandbox:
    return Sandbox("photo", PHOTO_LIMITS, errors=[Invalid, UnsupportedImage])


@dataclass(slots=True)
class AppServices:
    settings: Settings
    db: Database
    clock: Clock
    pubsub: PubSub
    token_cache: TokenCache
    sequencer: OutboxSequencer
    video_rooms: VideoRooms
    notifier: Notifier
    blob_store: BlobStore
    sas_client: SasClient | None = None  # None: no SAS endpoint configured
    psc: ProSanteConnect | None = None  # None: Pro Santé Connect not configured
    # Plain bookings coalesced into shared statements; None where there is no direct pool.
    booking_batcher: BookingBatcher | None = None
    # The counts behind the rate limits (in this process, or shared in Redis).
    rate_limiter: RateLimiter = field(default_factory=InProcessLimiter)
    calendar_sandbox: Sandbox = field(default_factory=calendar_sandbox)
    photo_sandbox: Sandbox = field(default_factory=photo_sandbox)

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
        sequencer=OutboxSequencer(db),
        video_rooms=JitsiRooms(settings.video_base_url),
        notifier=create_notifier(settings.smtp_url, settings.smtp_from),
        blob_store=FilesystemBlobStore(settings.storage_dir),
    )
    try:
        yield services
    finally:
        await services.pubsub.close()
        await services.db.dispose()

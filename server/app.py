"""The Litestar application factory: wires settings, database, pub/sub, auth and routes."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from integrations.notify import create_notifier
from integrations.pubsub import create_pubsub
from integrations.ratelimit import create_limiter
from integrations.storage import FilesystemBlobStore
from integrations.video import JitsiRooms
from kernel.clock import Clock, SystemClock
from scheduling.booking_batch import BookingBatcher
from server.accounts.routes import AccountsController
from server.auth.cache import TokenCache
from server.auth.guards import authenticated
from server.auth.middleware import AuthenticationMiddleware
from server.auth.psc_routes import provider_of
from server.auth.routes import AuthController
from server.body_hygiene import BodyHygieneMiddleware, require_json_bodies
from server.calendar.busy_refresh import refresh_due
from server.calendar.feed_route import FeedCache, calendar_feed
from server.calendar.routes import BusyCalendarController, CalendarFeedController
from server.client_address import parse_networks
from server.database import Database
from server.dependencies import DEPENDENCIES
from server.directory.routes import DirectoryController
from server.doctor_access.routes import CapacityController, WaitingListController
from server.fhir.bulk_publish import bulk_file, bulk_publish
from server.fhir.practitioners import create_regulator, update_regulator
from server.fhir.routes import capability, slot_search
from server.health import alive, health
from server.indicators.routes import IndicatorController
from server.jobs import (
    extend_slot_horizon,
    flag_overdue_referrals,
    purge_expired_identities,
    remind_doctor_access,
    remind_teleconsultations,
    run_every,
)
from server.live.hub import Hub
from server.live.socket import live
from server.openapi_document import document
from server.platform.routes import PlatformController
from server.privacy.routes import PrivacyController
from server.problems import EXCEPTION_HANDLERS
from server.rate_limits import Limit, RateLimitMiddleware, rules
from server.referrals.routes import NetworkController, ReferralController
from server.sas.notifier import client_of, notify_sas
from server.sas.routes import SasController
from server.scheduling.routes import (
    BookingController,
    HoldController,
    RequestController,
    RuleController,
    SlotController,
)
from server.security_headers import SecurityHeadersMiddleware
from server.sequencer import OutboxSequencer
from server.settings import Settings
from server.state import AppServices
from server.teleconsultations.routes import TeleconsultationController
from server.web.access import PageRefused, provide_page_actor, refused
from server.web.routes import PAGES
from server.web.templating import STATIC, TEMPLATES

API_VERSION = "0.1.0"
MAX_BODY_BYTES = 1_048_576


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
) -> Litestar:
    settings = settings or Settings.from_env()
    owns_database = database is None
    db = database or Database(settings.database_url, pool_size=settings.db_pool_size)
    pubsub = create_pubsub(settings.redis_url)
    hub = Hub(db, pubsub)
    limiter = create_limiter(settings.redis_url)
    services = AppServices(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        pubsub=pubsub,
        token_cache=TokenCache(settings.token_cache_seconds),
        sequencer=OutboxSequencer(db, on_sequenced=lambda: hub.announce()),
        video_rooms=JitsiRooms(settings.video_base_url),
        notifier=create_notifier(settings.smtp_url, settings.smtp_from),
        blob_store=FilesystemBlobStore(settings.storage_dir),
    )
    services.rate_limiter = limiter
    if db.has_direct:
        services.booking_batcher = BookingBatcher(db.direct_writing_events)
    services.sas_client = client_of(services)
    services.psc = provider_of(services)

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        # Python's default (700, 10, 10) runs a full collection often enough that, with a
        # thousand sockets open, one event reached most of them ~200 ms late; measured with
        # bench/ws_fanout.py (p99 ratio 3.4-5.6 → 1.4-2.3).
        gc.set_threshold(*settings.gc_thresholds)
        background: list[asyncio.Task[None]] = [asyncio.create_task(hub.run())]
        if settings.run_relay:
            background.append(asyncio.create_task(services.sequencer.run()))
        if settings.run_jobs:
            background.append(
                asyncio.create_task(
                    run_every(
                        settings.horizon_job_seconds,
                        lambda: extend_slot_horizon(services),
                        "extend-slot-horizon",
                    )
                )
            )
            background.append(
                asyncio.create_task(
                    run_every(
                        settings.reminder_job_seconds,
                        lambda: remind_teleconsultations(services),
                        "teleconsultation-reminders",
                    )
                )
            )
            background.append(
                asyncio.create_task(
                    run_every(
                        settings.overdue_job_seconds,
                        lambda: remind_doctor_access(services),
                        "waiting-list-reminders",
                    )
                )
            )
            if services.sas_client is not None:
                background.append(
                    asyncio.create_task(
                        run_every(
                            settings.sas_job_seconds,
                            lambda: notify_sas(services),
                            "sas-appointments",
                        )
                    )
                )
            background.append(
                asyncio.create_task(
                    run_every(
                        settings.calendar_job_seconds,
                        lambda: refresh_due(services),
                        "busy-calendar-refresh",
                    )
                )
            )
            background.append(
                asyncio.create_task(
                    run_every(
                        settings.overdue_job_seconds,
                        lambda: flag_overdue_referrals(services),
                        "overdue-referrals",
                    )
                )
            )
            background.append(
                asyncio.create_task(
                    run_every(
                        settings.retention_job_seconds,
                        lambda: purge_expired_identities(services),
                        "patient-retention",
                    )
                )
            )
        try:
            yield
        finally:
            hub.shut()
            await asyncio.sleep(0)  # let sockets send their 1001 before the tasks go
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await services.pubsub.close()
            await limiter.close()
            if services.sas_client is not None:
                await services.sas_client.close()
            if owns_database:
                await db.dispose()

    api = Router(
        path="/",
        guards=[authenticated],
        route_handlers=[
            AuthController,
            DirectoryController,
            AccountsController,
            SlotController,
            RuleController,
            RequestController,
            HoldController,
            BookingController,
            TeleconsultationController,
            ReferralController,
            NetworkController,
            CalendarFeedController,
            BusyCalendarController,
            IndicatorController,
            WaitingListController,
            CapacityController,
            SasController,
            PrivacyController,
            PlatformController,
        ],
        security=[{"bearer": []}],
    )
    # The pages' `actor` is the visitor with the page's roles (its `page_roles` option), or the
    # login redirect / French 403 page, answered by `refused`.
    pages = Router(
        path="/",
        route_handlers=PAGES,
        dependencies={"actor": Provide(provide_page_actor, sync_to_thread=False)},
        exception_handlers={PageRefused: refused},
    )
    app = Litestar(
        route_handlers=[
            health,
            alive,
            live,
            calendar_feed,
            slot_search,
            create_regulator,
            update_regulator,
            capability,
            bulk_publish,
            bulk_file,
            api,
            pages,
            STATIC,
        ],
        template_config=TEMPLATES,
        state=_state(services, hub),
        lifespan=[lifespan],
        dependencies=DEPENDENCIES,
        before_request=require_json_bodies,
        middleware=[
            DefineMiddleware(
                SecurityHeadersMiddleware, https=settings.public_url.startswith("https://")
            ),
            DefineMiddleware(BodyHygieneMiddleware, max_body_bytes=MAX_BODY_BYTES),
            DefineMiddleware(
                RateLimitMiddleware,
                limiter=limiter,
                rules=rules(
                    Limit.parse(settings.rate_login),
                    Limit.parse(settings.rate_feed_client),
                    Limit.parse(settings.rate_feed),
                ),
                trusted=parse_networks(settings.trusted_proxies),
            ),
            DefineMiddleware(
                AuthenticationMiddleware,
                exclude=["^/schema", "^/health", "^/ws$", "^/ical/", "^/static/"],
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="CPTS SNP coordination server",
            version=API_VERSION,
            description=(
                "Unscheduled-care (SNP) slots, bookings, teleconsultations, wound-care network "
                "and ACI indicators for a CPTS. Errors are RFC 9457 problem+json."
            ),
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http", scheme="bearer", description="cpts_… token"
                    )
                }
            ),
        ),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="never",
        ),
        debug=settings.debug,
    )
    document(app.openapi_schema)  # before the first request renders and caches it
    return app


def _state(services: AppServices, hub: Hub) -> State:
    return State({"services": services, "hub": hub, "feed_cache": FeedCache()})

"""The services one app instance holds: database, clock, pub/sub and caches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.pubsub import PubSub
from kernel.clock import Clock
from server.auth.cache import TokenCache
from server.database import Database
from server.settings import Settings


@dataclass(slots=True)
class AppServices:
    settings: Settings
    db: Database
    clock: Clock
    pubsub: PubSub
    token_cache: TokenCache

    @staticmethod
    def of(app: Any) -> AppServices:
        services = app.state["services"]
        assert isinstance(services, AppServices)
        return services

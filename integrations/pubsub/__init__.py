"""Fan-out of messages between the workers of one deployment.

In-process by default (one process runs everything); Redis when `CPTS_REDIS_URL` is set, so that
several stateless workers see the same events. The outbox stays the source of truth: pub/sub only
carries wake-ups and copies, so a broker outage delays delivery but loses nothing.
"""

from integrations.pubsub.base import PubSub, Subscription
from integrations.pubsub.memory import InProcessPubSub
from integrations.pubsub.redis import RedisPubSub


def create_pubsub(redis_url: str | None) -> PubSub:
    return RedisPubSub(redis_url) if redis_url else InProcessPubSub()


__all__ = ["InProcessPubSub", "PubSub", "RedisPubSub", "Subscription", "create_pubsub"]

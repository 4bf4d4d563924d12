"""Fixed-window rate limits, counted in this process or in Redis for several workers.

In-process by default; with `CPTS_REDIS_URL` every worker shares one count, so a client cannot
multiply its allowance by the number of workers behind the proxy.
"""

from integrations.ratelimit.base import Decision, RateLimiter
from integrations.ratelimit.memory import InProcessLimiter
from integrations.ratelimit.redis import RedisLimiter


def create_limiter(redis_url: str | None) -> RateLimiter:
    return RedisLimiter(redis_url) if redis_url else InProcessLimiter()


__all__ = ["Decision", "InProcessLimiter", "RateLimiter", "RedisLimiter", "create_limiter"]

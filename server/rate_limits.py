"""Rate limits on the doors that attract guessing or abuse: logins, the public calendar
feeds, the public waiting-list form and the booking slips sent to a typed address.

A pure ASGI middleware: it looks at the method and path only, counts one hit on the keys of
the first matching rule, and answers 429 problem+json with `Retry-After` past the limit.
Feeds are counted per client address (someone trying feed names) and per feed (one URL
hammered from many addresses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from integrations.ratelimit import RateLimiter
from server.client_address import Network, client_address
from server.problems import send_problem


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, raw: str) -> Limit:
        """`10/60`: ten hits per sixty seconds."""
        count, _, seconds = raw.partition("/")
        limit = cls(int(count), int(seconds or 60))
        if limit.count < 1 or limit.seconds < 1:
            raise ValueError(f"rate limit {raw!r}: both numbers must be positive")
        return limit


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    method: str
    path: re.Pattern[str]
    per_client: Limit | None
    per_path: Limit | None = None


def rules(login: Limit, feed_client: Limit, feed: Limit) -> tuple[Rule, ...]:
    return (
        Rule("login", "POST", re.compile(r"^/api/v1/auth/login$"), login),
        # Asking for reset links and spending them: as many as logins, per client address.
        Rule("password", "POST", re.compile(r"^/api/v1/auth/password(?:-reset)?$"), login),
        # The callback is not limited: behind one NAT address a 429 there loses the code,
        # and it can only complete a login PSC started (its state cookie).
        Rule("psc", "GET", re.compile(r"^/auth/psc/login$"), login),
        Rule("feed", "GET", re.compile(r"^/ical/"), feed_client, feed),
        # The public form of the médecin-traitant waiting list: no account, as often as logins.
        Rule("waiting-list", "POST", re.compile(r"^/api/v1/waiting-list/?$"), login),
        # A slip goes to an address the caller types: a signed-in account is not a mail relay.
        Rule("slip", "POST", re.compile(r"^/api/v1/bookings/[^/]+/slip$"), login),
    )


class RateLimitMiddleware:
    def __init__(
        self, app: Any, limiter: RateLimiter, rules: tuple[Rule, ...], trusted: tuple[Network, ...]
    ) -> None:
        self.app = app
        self._limiter = limiter
        self._rules = rules
        self._trusted = trusted

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            rule = self._match(scope)
            if rule is not None:
                retry_after = await self._count(rule, scope)
                if retry_after:
                    await send_problem(
                        scope,
                        send,
                        429,
                        "too-many-requests",
                        "Too many requests",
                        f"too many {rule.name} attempts: retry in {retry_after} s",
                        code="too_many_requests",
                        params={"seconds": retry_after},
                        headers=((b"retry-after", str(retry_after).encode()),),
                    )
                    return
        await self.app(scope, receive, send)

    def _match(self, scope: Any) -> Rule | None:
        method, path = scope.get("method", "GET"), scope.get("path", "")
        for rule in self._rules:
            if (method == rule.method or (rule.method == "GET" and method == "HEAD")) and (
                rule.path.match(path)
            ):
                return rule
        return None

    async def _count(self, rule: Rule, scope: Any) -> int:
        """Seconds to wait when a limit is passed, else 0."""
        waits = []
        if rule.per_client is not None:
            who = client_address(scope, self._trusted)
            limit = rule.per_client
            decision = await self._limiter.hit(f"{rule.name}:ip:{who}", limit.count, limit.seconds)
            waits.append(decision.retry_after)
        if rule.per_path is not None:
            limit = rule.per_path
            key = f"{rule.name}:path:{scope.get('path', '')}"
            decision = await self._limiter.hit(key, limit.count, limit.seconds)
            waits.append(decision.retry_after)
        return max(waits, default=0)

"""Headers every answer carries, so a browser confines what a page of ours may do.

Pages load scripts and styles from this server only (no CDN, no inline script); nothing may
frame them; no URL (feed tokens live in URLs) leaks through the Referer. The API schema
viewer loads its assets from a CDN, so its pages go without the content policy.
"""

from __future__ import annotations

from typing import Any

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)
_COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeadersMiddleware:
    def __init__(self, app: Any, https: bool) -> None:
        self.app = app
        self._extra = [*_COMMON, _HSTS] if https else list(_COMMON)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = not scope.get("path", "").startswith("/schema")

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                added = [(n, v) for n, v in self._extra if n not in present]
                if with_csp and b"content-security-policy" not in present:
                    added.append((b"content-security-policy", _CSP.encode()))
                message = {**message, "headers": [*message.get("headers", ()), *added]}
            await send(message)

        await self.app(scope, receive, sending)

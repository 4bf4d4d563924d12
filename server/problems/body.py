"""The one builder of a problem body (RFC 9457), and its two ways out: a Litestar response
for the exception handlers, an ASGI send for the middlewares that answer before Litestar."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "urn:cpts-snp:problem:"


def problem_body(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": _TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body = problem_body(status, title, detail, slug=slug, instance=instance, **extra)
    headers = {"WWW-Authenticate": 'Bearer realm="cpts"'} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_problem(
    send: Any,
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: tuple[tuple[bytes, bytes], ...] = (),
    **extra: Any,
) -> None:
    """A problem answered by a pure ASGI middleware, before Litestar is reached."""
    body = msgspec.json.encode(problem_body(status, title, detail, slug=slug, **extra))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def logged_path(request: Request[Any, Any, Any]) -> str:
    """The path as logged and echoed: a calendar feed's path is its secret."""
    path = request.url.path
    return "/ical/…" if path.startswith("/ical/") else path

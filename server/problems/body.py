"""The one builder of a problem body (RFC 9457), and its two ways out: a Litestar response
for the exception handlers, an ASGI send for the middlewares that answer before Litestar.

Every problem carries a stable `code` (and the `params` of its message): `detail` is said in
English, or in French when the caller's Accept-Language prefers it (server/problems/language);
the French comes from the catalogue (server/problems/catalogue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response

from server.problems.catalogue import in_french
from server.problems.catalogue.framework import TITLES
from server.problems.language import prefers_french

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "urn:cpts-snp:problem:"


def problem_body(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str,
    params: Mapping[str, object] | None = None,
    french: bool = False,
    slug: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    params = dict(params or {})
    if french:
        title = TITLES.get(status, title)
        detail = in_french(code, params) or detail
        errors = [_in_french(error) for error in errors] if errors else errors
    body: dict[str, Any] = {
        "type": _TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if params:
        body["params"] = params
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _in_french(error: dict[str, Any]) -> dict[str, Any]:
    french = in_french(str(error.get("code", "")), error.get("params") or {})
    return {**error, "message": french} if french else error


def problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str,
    **members: Any,
) -> Response[dict[str, Any]]:
    body = problem_body(
        status,
        title,
        detail,
        code=code,
        french=prefers_french(request.headers.get("accept-language")),
        **members,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="cpts"'} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_problem(
    scope: Any,
    send: Any,
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    code: str,
    headers: tuple[tuple[bytes, bytes], ...] = (),
    **members: Any,
) -> None:
    """A problem answered by a pure ASGI middleware, before Litestar is reached."""
    french = prefers_french(scope.get("headers", ()))
    body = msgspec.json.encode(
        problem_body(status, title, detail, code=code, french=french, slug=slug, **members)
    )
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

"""JSON bodies refused before decoding when they carry what no person types: control
characters (a NUL breaks PostgreSQL text, others hide in logs and exports), bidirectional
overrides (a name that displays differently from what it is), or nesting deep enough to
exhaust the decoder's recursion.

A pure ASGI middleware: it buffers a JSON body (already capped by the app's body limit),
checks it with one regular expression, and only when that hits decodes it to name the field
in a 400 problem+json. Clean bodies cost one regex scan.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler

from server.problems import send_problem

# Escaped \u0000-\u001f (but \t \n \r) and \u007f-\u009f, raw C1 controls, and bidi
# overrides raw or escaped.
_SUSPECT = re.compile(
    rb"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])"
    rb"|\\u20(?:2[a-eA-E]|6[6-9])"
    rb"|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_DEPTH = 32
_BRACKETS_BEFORE_CHECK = 2 * MAX_DEPTH


def _depth(body: bytes) -> int:
    """Deepest nesting of arrays and objects, strings skipped."""
    deepest = depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _offending_field(value: Any, path: str = "") -> str | None:
    if isinstance(value, str):
        return path if _FORBIDDEN.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _FORBIDDEN.search(str(key)):
                return where
            found = _offending_field(item, where)
            if found:
                return found
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = _offending_field(item, f"{path}.{n}" if path else str(n))
            if found:
                return found
    return None


def problem_of(body: bytes) -> tuple[str, str, str | None] | None:
    """(code, detail, field) when the body must be refused, else None."""
    if body.count(b"[") + body.count(b"{") > _BRACKETS_BEFORE_CHECK and _depth(body) > MAX_DEPTH:
        return "body_too_deep", f"JSON nested deeper than {MAX_DEPTH} levels", None
    if not _SUSPECT.search(body):
        return None
    try:
        decoded = json.loads(body)
    except ValueError:
        return None  # malformed: the app's decoder says so
    field = _offending_field(decoded)
    if field is None:
        return None
    return (
        "text_control_characters",
        "text contains control or bidirectional-override characters",
        field,
    )


class BodyHygieneMiddleware:
    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self._max = max_body_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(chunks, message, receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self._max:  # the app answers 413; stream the rest through untouched
                await self.app(scope, _replay(chunks, None, receive, more), send)
                return
        body = b"".join(chunks)
        found = problem_of(body)
        if found is not None:
            code, detail, field = found
            errors = [{"field": field, "message": detail, "code": code}] if field else None
            await send_problem(
                scope,
                send,
                400,
                "bad-request",
                "Bad request",
                detail,
                code=code,
                params={"depth": MAX_DEPTH},
                instance=scope.get("path", ""),
                field=field,
                errors=errors,
            )
            return
        await self.app(scope, _replay([body], None, receive), send)


def _is_json(scope: Any) -> bool:
    if scope.get("method") not in ("POST", "PUT", "PATCH"):
        return False
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _replay(chunks: list[bytes], pending: Any, receive: Any, more: bool = False) -> Any:
    queue = [
        {"type": "http.request", "body": chunk, "more_body": more or n < len(chunks) - 1}
        for n, chunk in enumerate(chunks)
    ]
    if pending is not None:
        queue.append(pending)

    async def replayed() -> Any:
        if queue:
            return queue.pop(0)
        return await receive()

    return replayed


class UnsupportedMediaType(HTTPException):
    status_code = 415


@cache
def _takes_json(handler: HTTPRouteHandler) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    media_type = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return bool(media_type == RequestEncodingType.JSON)


def is_json_media_type(content_type: str) -> bool:
    """application/json, or a JSON structured syntax (application/fhir+json…)."""
    kind = content_type.partition(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


async def require_json_bodies(request: Request[Any, Any, Any]) -> None:
    """A route that decodes a JSON body takes it as JSON only: a `text/plain` body is what a
    cross-site form can send without asking (`enctype="text/plain"`), and what the body checks
    above would not look at. A body-less call (an optional body left out) is let through."""
    handler = request.scope.get("route_handler")
    if not isinstance(handler, HTTPRouteHandler) or not _takes_json(handler):
        return
    headers = request.headers
    has_body = headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers
    if has_body and not is_json_media_type(headers.get("content-type", "")):
        raise UnsupportedMediaType(
            detail="send the body as JSON, with Content-Type: application/json"
        )

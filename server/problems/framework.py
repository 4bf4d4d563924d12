"""Framework errors to problems: msgspec's validation messages read for the field they name,
Litestar's own exceptions, and a Litestar quirk (a body field named like a dependency)."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Template

from server.problems.body import logged_path, problem

log = logging.getLogger("cpts.errors")


_MSGSPEC_PATH = re.compile(r"- at `\$\.?([^`]*)`")
_MSGSPEC_NAMED = re.compile(r"(?:missing required field|unknown field) `([^`]+)`")


def _field_of(message: str, key: str | None, source: str | None) -> str | None:
    """The dotted path of the offending field: `locations.0.commune_insee`, `limit`…

    msgspec reports body errors as "… - at `$.locations[0].commune_insee`" and names missing
    or unknown fields in the message itself; query and path errors come with their key.
    """
    if source not in (None, "body") and key:
        return key.removesuffix("_")  # `from_` in Python is the `from` query parameter
    path_match = _MSGSPEC_PATH.search(message)
    path = path_match.group(1) if path_match else (key if key and key != "data" else "")
    path = re.sub(r"\[(\d+)\]", r".\1", path).lstrip(".")
    named = _MSGSPEC_NAMED.search(message)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    return path or None


# msgspec's messages, by kind: the problem code and the parameters read from the message.
_MSGSPEC_KINDS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), code, names)
    for pattern, code, names in (
        (r"^Expected `(\w+)`, got `\w+`", "value_type", ("expected",)),
        (r"^Expected `(?:int|float|decimal)` >= (\S+)", "number_min", ("limit",)),
        (r"^Expected `(?:int|float|decimal)` > (\S+)", "number_above", ("limit",)),
        (r"^Expected `(?:int|float|decimal)` <= (\S+)", "number_max", ("limit",)),
        (r"^Expected `(?:int|float|decimal)` < (\S+)", "number_below", ("limit",)),
        (
            r"^Expected `(?:int|float|decimal)` that's a multiple of (\S+)",
            "number_multiple",
            ("limit",),
        ),
        (r"^Expected `(?:str|bytes)` of length >= (\d+)", "text_too_short", ("limit",)),
        (r"^Expected `(?:str|bytes)` of length <= (\d+)", "text_too_long", ("limit",)),
        (r"^Expected `(?:array|object|set)` of length >= (\d+)", "list_too_short", ("limit",)),
        (r"^Expected `(?:array|object|set)` of length <= (\d+)", "list_too_long", ("limit",)),
        (r"^Expected `str` matching regex", "pattern_mismatch", ()),
        (r"^Invalid enum value", "choice_invalid", ()),
        (r"^Object missing required field `([^`]+)`", "field_missing", ("field",)),
        (r"^Missing required \w+ parameter '([^']+)'", "field_missing", ("field",)),
        (r"^Object contains unknown field `([^`]+)`", "field_unknown", ("field",)),
        (r"^Invalid RFC3339 encoded datetime", "datetime_invalid", ()),
        (r"^Invalid RFC3339 encoded date", "date_invalid", ()),
        (r"^Invalid RFC3339 encoded time", "time_invalid", ()),
        (r"^Invalid ISO8601 duration", "duration_invalid", ()),
        (r"^Expected `(?:datetime|time)` with a timezone component", "datetime_zone_required", ()),
        (r"^Expected `(?:datetime|time)` with no timezone component", "datetime_zone_refused", ()),
        (r"^Invalid UUID", "uuid_invalid", ()),
        (r"^Number out of range", "number_out_of_range", ()),
    )
)


def coded(message: str) -> tuple[str, dict[str, str]]:
    """The problem code of a decoder's message and its parameters; `value_invalid` for a
    message of no known kind (its French then says no more than that the value is wrong)."""
    for pattern, code, names in _MSGSPEC_KINDS:
        found = pattern.search(message)
        if found:
            return code, dict(zip(names, found.groups(), strict=True))
    return "value_invalid", {}


def _error_item(message: str, key: str | None, source: str | None) -> dict[str, Any]:
    code, params = coded(message)
    return {
        "field": _field_of(message, key, source),
        "message": message,
        "source": source,
        "code": code,
        **({"params": params} if params else {}),
    }


def validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    raw = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        _error_item(str(item.get("message", "")), item.get("key"), item.get("source"))
        for item in raw
        if isinstance(item, dict)
    ]
    if not errors and exc.detail and exc.detail.startswith("Missing required"):
        errors = [_error_item(exc.detail, None, None)]
        errors[0]["field"] = errors[0].get("params", {}).get("field")
    malformed = any("malformed" in str(e["message"]).lower() for e in errors) or (
        not errors and "decode" in (exc.detail or "").lower()
    )
    if any(e["source"] == "body" and e["message"] == "'data'" for e in errors):
        # Litestar's way of saying the JSON body is missing altogether.
        return problem(
            request,
            400,
            "Missing request body",
            "this route needs a JSON body",
            code="body_missing",
            slug="missing-body",
            instance=logged_path(request),
            field="body",
            errors=[
                {"field": "body", "message": "a JSON body is required", "code": "body_missing"}
            ],
        )
    if malformed:
        return problem(
            request,
            400,
            "Malformed request body",
            "the body is not valid JSON",
            code="body_malformed",
            slug="malformed",
            instance=logged_path(request),
        )
    first = errors[0] if errors else None
    return problem(
        request,
        422,
        "Invalid input",
        first["message"] if first else exc.detail,
        code=first["code"] if first else "value_invalid",
        params=first.get("params") if first else None,
        slug="invalid",
        instance=logged_path(request),
        field=first["field"] if first else None,
        errors=errors or None,
    )


def _body_error_taken_for_ours(exc: HTTPException) -> str | None:
    """The message of a body field that Litestar took for a failed dependency.

    Litestar answers 500 when a validation error names a key that is also a dependency's name
    (a body field `session`, `clock`, `actor`…): the client is at fault, not the server.
    """
    cause = exc.__cause__
    if exc.status_code == 500 and isinstance(cause, msgspec.ValidationError):
        message = str(cause)
        if "`$.data." in message:
            return message.replace("`$.data.", "`$.")
    return None


# Where programs call (they get problem+json); any other address is a page's.
_PROGRAM_PREFIXES = ("/api/", "/fhir", "/ical/", "/health", "/schema", "/ws", "/static/")


def _wants_a_page(request: Request[Any, Any, Any]) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.url.path.startswith(_PROGRAM_PREFIXES)
        and "text/html" in request.headers.get("accept", "")
    )


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def http_error(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]] | Template:
    if exc.status_code == 404 and _wants_a_page(request):
        # A browser on an address that is no page: the French page, not the API's JSON.
        return Template(
            template_name="missing.html",
            context={
                "title": "Page introuvable",
                "message": "Cette adresse ne mène à aucune page de l'application.",
                "back_href": "/",
                "back_label": "Retour à l'accueil",
                "signed_in": False,
            },
            status_code=404,
        )
    body_error = _body_error_taken_for_ours(exc)
    if body_error is not None:
        item = _error_item(body_error, None, "body")
        return problem(
            request,
            422,
            "Invalid input",
            body_error,
            code=item["code"],
            params=item.get("params"),
            slug="invalid",
            instance=logged_path(request),
            field=item["field"],
            errors=[item],
        )
    if exc.status_code >= 500:
        log.error(
            "server error on %s %s: %r", request.method, logged_path(request), exc, exc_info=exc
        )
    if isinstance(exc, NotAuthorizedException):
        return problem(
            request,
            401,
            "Authentication required",
            exc.detail,
            code="authentication_required",
            slug="unauthenticated",
        )
    if isinstance(exc, PermissionDeniedException):
        return problem(request, 403, "Forbidden", exc.detail, code="forbidden", slug="forbidden")
    status = exc.status_code
    title = {
        404: "Not found",
        405: "Method not allowed",
        413: "Payload too large",
        415: "Unsupported media type",
        429: "Too many requests",
    }.get(status, "Request error" if status < 500 else "Server error")
    slug = {415: "unsupported-media-type", 429: "too-many-requests"}.get(status)
    code = _HTTP_CODES.get(status, "request_refused" if status < 500 else "server_error")
    retry = (exc.headers or {}).get("Retry-After") if status == 429 else None
    answer = problem(
        request,
        status,
        title,
        exc.detail,
        code=code,
        params={"seconds": retry or "quelques"} if status == 429 else None,
        slug=slug,
        instance=logged_path(request),
    )
    if status == 429 and exc.headers:
        answer.headers.update(exc.headers)  # Retry-After
    return answer

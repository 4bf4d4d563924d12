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


def validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    raw = exc.extra if isinstance(exc.extra, list) else []
    errors = []
    for item in raw:
        if isinstance(item, dict):
            message = str(item.get("message", ""))
            errors.append(
                {
                    "field": _field_of(message, item.get("key"), item.get("source")),
                    "message": message,
                    "source": item.get("source"),
                }
            )
    malformed = any("malformed" in str(e["message"]).lower() for e in errors) or (
        not errors and "decode" in (exc.detail or "").lower()
    )
    if any(e["source"] == "body" and e["message"] == "'data'" for e in errors):
        # Litestar's way of saying the JSON body is missing altogether.
        return problem(
            400,
            "Missing request body",
            "this route needs a JSON body",
            slug="missing-body",
            instance=logged_path(request),
            field="body",
            errors=[{"field": "body", "message": "a JSON body is required"}],
        )
    if malformed:
        return problem(
            400,
            "Malformed request body",
            "the body is not valid JSON",
            slug="malformed",
            instance=logged_path(request),
        )
    first = errors[0] if errors else None
    detail = first["message"] if first else exc.detail
    return problem(
        422,
        "Invalid input",
        detail,
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
        field = _field_of(body_error, None, "body")
        return problem(
            422,
            "Invalid input",
            body_error,
            slug="invalid",
            instance=logged_path(request),
            field=field,
            errors=[{"field": field, "message": body_error, "source": "body"}],
        )
    if exc.status_code >= 500:
        log.error(
            "server error on %s %s: %r", request.method, logged_path(request), exc, exc_info=exc
        )
    if isinstance(exc, NotAuthorizedException):
        return problem(401, "Authentication required", exc.detail, slug="unauthenticated")
    if isinstance(exc, PermissionDeniedException):
        return problem(403, "Forbidden", exc.detail, slug="forbidden")
    status = exc.status_code
    title = {
        404: "Not found",
        405: "Method not allowed",
        413: "Payload too large",
        415: "Unsupported media type",
        429: "Too many requests",
    }.get(status, "Request error" if status < 500 else "Server error")
    slug = {415: "unsupported-media-type", 429: "too-many-requests"}.get(status)
    answer = problem(status, title, exc.detail, slug=slug, instance=logged_path(request))
    if status == 429 and exc.headers:
        answer.headers.update(exc.headers)  # Retry-After
    return answer

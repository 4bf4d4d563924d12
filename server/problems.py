"""RFC 9457 problem details for every error the API returns.

Domain errors map to statuses by family; framework validation errors are reshaped so that each
names the offending field. Unexpected errors become a bare 500 whose body reveals nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from kernel.errors import (
    Conflict,
    DomainError,
    Gone,
    Invalid,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    Unavailable,
    UnsupportedMedia,
)

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "urn:cpts-snp:problem:"
log = logging.getLogger("cpts.errors")

_STATUS_BY_ERROR: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotAuthenticated, 401, "unauthenticated"),
    (NotAllowed, 403, "forbidden"),
    (Gone, 410, "gone"),
    (NotFound, 404, "not-found"),
    (Conflict, 409, "conflict"),
    (UnsupportedMedia, 415, "unsupported-media-type"),
    (Invalid, 422, "invalid"),
    (Unavailable, 503, "unavailable"),
)


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
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
    headers = {"WWW-Authenticate": 'Bearer realm="cpts"'} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _logged_path(request: Request[Any, Any, Any]) -> str:
    """The path as logged and echoed: a calendar feed's path is its secret."""
    path = request.url.path
    return "/ical/…" if path.startswith("/ical/") else path


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    for family, status, slug in _STATUS_BY_ERROR:
        if isinstance(exc, family):
            errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
            return problem(
                status,
                exc.title,
                exc.detail,
                slug=slug,
                instance=_logged_path(request),
                field=exc.field,
                errors=errors,
                **exc.extra,
            )
    return problem(400, exc.title, exc.detail, slug="bad-request", instance=_logged_path(request))


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


def _validation_error(
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
            instance=_logged_path(request),
            field="body",
            errors=[{"field": "body", "message": "a JSON body is required"}],
        )
    if malformed:
        return problem(
            400,
            "Malformed request body",
            "the body is not valid JSON",
            slug="malformed",
            instance=_logged_path(request),
        )
    first = errors[0] if errors else None
    detail = first["message"] if first else exc.detail
    return problem(
        422,
        "Invalid input",
        detail,
        slug="invalid",
        instance=_logged_path(request),
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


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    body_error = _body_error_taken_for_ours(exc)
    if body_error is not None:
        field = _field_of(body_error, None, "body")
        return problem(
            422,
            "Invalid input",
            body_error,
            slug="invalid",
            instance=_logged_path(request),
            field=field,
            errors=[{"field": field, "message": body_error, "source": "body"}],
        )
    if exc.status_code >= 500:
        log.error(
            "server error on %s %s: %r", request.method, _logged_path(request), exc, exc_info=exc
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
    answer = problem(status, title, exc.detail, slug=slug, instance=_logged_path(request))
    if status == 429 and exc.headers:
        answer.headers.update(exc.headers)  # Retry-After
    return answer


def _integrity_error(
    request: Request[Any, Any, Any], exc: IntegrityError
) -> Response[dict[str, Any]]:
    # The database had the last word on an invariant the application did not catch first.
    log.info(
        "integrity error on %s %s: %s",
        request.method,
        _logged_path(request),
        type(exc.orig).__name__,
    )
    return problem(
        409,
        "Conflict",
        "the change conflicts with the current state",
        slug="conflict",
        instance=_logged_path(request),
    )


_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


# Connection exception, operator intervention (shutting down, starting up, admin shutdown,
# query cancelled), insufficient resources (too many connections): the database, not the
# request, is at fault, and the same request will work once it is back.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (
        exc,
        getattr(exc, "orig", None),
        getattr(getattr(exc, "orig", None), "__cause__", None),
    ):
        code = getattr(candidate, "pgcode", None) or getattr(candidate, "sqlstate", None)
        if code:
            return str(code)
    return None


def _database_down(exc: BaseException) -> bool:
    code = _sqlstate(exc)
    return code is not None and code.startswith(_UNAVAILABLE_SQLSTATE_CLASSES)


def _concurrent_loser(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return problem(
        409,
        "Conflict",
        "a concurrent change won the race; reload and retry",
        slug="conflict",
        instance=_logged_path(request),
    )


def _database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    """Deadlock or serialization loser → 409 (retry); lost connection → 503; else a bug → 500."""
    if _sqlstate(exc) in _RETRYABLE_SQLSTATES:
        return _concurrent_loser(request)
    if (
        isinstance(exc, OperationalError | InterfaceError)
        or exc.connection_invalidated
        or _database_down(exc)
    ):
        return _unavailable(request, exc)
    return _internal_error(request, exc)


def _driver_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Errors of the bare asyncpg connections (the direct booking path), unwrapped."""
    if isinstance(
        exc,
        asyncpg.PostgresConnectionError | asyncpg.InterfaceError | asyncpg.InternalClientError,
    ) or (_database_down(exc)):
        return _unavailable(request, exc)
    return _internal_error(request, exc)


def _unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        _logged_path(request),
        type(exc).__name__,
    )
    return problem(
        503, "Service unavailable", "the database is unavailable, retry shortly", slug="unavailable"
    )


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, _logged_path(request), exc_info=exc)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", slug="internal")


EXCEPTION_HANDLERS: MutableMapping[int | type[Exception], Any] = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    IntegrityError: _integrity_error,
    DBAPIError: _database_error,
    PoolTimeout: _unavailable,
    asyncpg.PostgresError: _driver_error,
    asyncpg.InterfaceError: _driver_error,
    asyncpg.InternalClientError: _driver_error,
    OSError: _unavailable,
    Exception: _internal_error,
}


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
    body = msgspec.json.encode(
        {
            "type": f"{_TYPE_BASE}{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            **{k: v for k, v in extra.items() if v is not None},
        }
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


__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "problem", "send_problem"]

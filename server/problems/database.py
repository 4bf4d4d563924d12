"""Database errors to problems, by SQLSTATE: a lost race is 409 (retry), a database away is
503 (retry shortly), an invariant the database enforced is 409, anything else a bug (500)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from kernel import pg_direct
from server.problems.body import logged_path, problem

log = logging.getLogger("cpts.errors")


def integrity_error(
    request: Request[Any, Any, Any], exc: IntegrityError
) -> Response[dict[str, Any]]:
    # The database had the last word on an invariant the application did not catch first.
    log.info(
        "integrity error on %s %s: %s",
        request.method,
        logged_path(request),
        type(exc.orig).__name__,
    )
    return problem(
        request,
        409,
        "Conflict",
        "the change conflicts with the current state",
        code="conflict",
        slug="conflict",
        instance=logged_path(request),
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
        request,
        409,
        "Conflict",
        "a concurrent change won the race; reload and retry",
        code="concurrent_change",
        slug="conflict",
        instance=logged_path(request),
    )


def database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    """Deadlock or serialization loser → 409 (retry); lost connection → 503; else a bug → 500."""
    if _sqlstate(exc) in _RETRYABLE_SQLSTATES:
        return _concurrent_loser(request)
    if (
        isinstance(exc, OperationalError | InterfaceError)
        or exc.connection_invalidated
        or _database_down(exc)
    ):
        return unavailable(request, exc)
    return internal_error(request, exc)


def driver_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Errors of the bare asyncpg connections (the direct booking path), unwrapped."""
    if isinstance(
        exc,
        pg_direct.ConnectionLost | pg_direct.ClientError | pg_direct.ProtocolLost,
    ) or (_database_down(exc)):
        return unavailable(request, exc)
    return internal_error(request, exc)


def unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        logged_path(request),
        type(exc).__name__,
    )
    return problem(
        request,
        503,
        "Service unavailable",
        "the database is unavailable, retry shortly",
        code="database_unavailable",
        slug="unavailable",
    )


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, logged_path(request), exc_info=exc)
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal server error",
        code="internal_error",
        slug="internal",
    )

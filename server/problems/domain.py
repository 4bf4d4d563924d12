"""Domain errors (kernel/errors.py) to problems: the status by family, the field named."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

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
from server.problems.body import logged_path, problem

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


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    for family, status, slug in _STATUS_BY_ERROR:
        if isinstance(exc, family):
            errors = (
                [
                    {
                        "field": exc.field,
                        "message": exc.detail,
                        "code": exc.code,
                        "params": exc.params,
                    }
                ]
                if exc.field
                else None
            )
            return problem(
                request,
                status,
                exc.title,
                exc.detail,
                code=exc.code,
                params=exc.params,
                slug=slug,
                instance=logged_path(request),
                field=exc.field,
                errors=errors,
                **exc.extra,
            )
    return problem(
        request,
        400,
        exc.title,
        exc.detail,
        code=exc.code,
        params=exc.params,
        slug="bad-request",
        instance=logged_path(request),
    )

"""RFC 9457 problem details for every error the API returns, by concern: the body and its
builders (`body`), domain errors (`domain`), framework validation and HTTP errors
(`framework`), database errors by SQLSTATE (`database`). Unexpected errors become a bare 500
whose body reveals nothing."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from kernel import pg_direct
from kernel.errors import DomainError
from server.problems.body import PROBLEM_JSON, problem, send_problem
from server.problems.catalogue import in_french
from server.problems.database import (
    database_error,
    driver_error,
    integrity_error,
    internal_error,
    unavailable,
)
from server.problems.domain import domain_error
from server.problems.framework import http_error, validation_error

EXCEPTION_HANDLERS: MutableMapping[int | type[Exception], Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    IntegrityError: integrity_error,
    DBAPIError: database_error,
    PoolTimeout: unavailable,
    pg_direct.ServerError: driver_error,
    pg_direct.ClientError: driver_error,
    pg_direct.ProtocolLost: driver_error,
    OSError: unavailable,
    Exception: internal_error,
}


def in_words(exc: DomainError) -> str:
    """A domain error as the pages say it: its French, by code."""
    return in_french(exc.code, exc.params) or exc.detail


__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "in_words", "problem", "send_problem"]

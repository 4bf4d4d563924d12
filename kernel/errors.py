"""Domain errors. The server maps each family to one HTTP status; the domain never knows HTTP.

Every error says what went wrong twice: `detail`, in English, for logs and API clients, and a
stable `code` with the `params` of its message, which the server's catalogue
(server/problems/catalogue) says in French. A test reads every place an error is raised and
fails when its code has no French text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

Param = str | int | float | list[str]


class CodedError(ValueError):
    """A refusal raised below the domain (a parser, an identifier check) that the domain turns
    into `Invalid` with `Invalid.of`: it carries its code and parameters up with it."""

    def __init__(
        self, detail: str, *, code: str, params: Mapping[str, Param] | None = None
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.params = dict(params or {})


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    title = "Domain error"

    def __init__(
        self,
        detail: str,
        *,
        code: str,
        params: Mapping[str, Param] | None = None,
        field: str | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code  # stable: the catalogue's key for the French message
        self.params = dict(params or {})  # the message's variable parts, for every language
        self.field = field
        self.extra = extra or {}  # further members of the problem (what the caller may pick)

    @classmethod
    def of(cls, exc: CodedError, *, field: str | None = None) -> Self:
        """The domain's refusal for a coded error raised below it, code and params kept."""
        return cls(str(exc), code=exc.code, params=exc.params, field=field)


class NotFound(DomainError):
    """The object does not exist *for this actor*: other territories' objects look absent."""

    title = "Not found"


class Gone(NotFound):
    """The object existed for this caller but was ended on purpose (a revoked feed URL)."""

    title = "Gone"


class NotAllowed(DomainError):
    """The actor is known but lacks the right for this action."""

    title = "Forbidden"


class NotAuthenticated(DomainError):
    title = "Authentication required"


class Conflict(DomainError):
    """The state changed under the caller (taken slot, duplicate, stale status)."""

    title = "Conflict"


class InvalidTransition(Conflict):
    title = "Invalid state transition"


class Unavailable(DomainError):
    """A service the action needs (mail relay, storage…) failed; retrying later may work."""

    title = "Service unavailable"


class Invalid(DomainError):
    """Input that is well-formed but breaks a business rule; `field` names the culprit."""

    title = "Invalid input"


class UnsupportedMedia(Invalid):
    """Content of a kind the action does not take (a photo that is no JPEG, PNG or HEIC)."""

    title = "Unsupported media type"

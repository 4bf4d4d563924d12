"""Domain errors. The server maps each family to one HTTP status; the domain never knows HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    title = "Domain error"

    def __init__(
        self, detail: str, *, field: str | None = None, extra: dict[str, object] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra or {}  # further members of the problem (what the caller may pick)


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

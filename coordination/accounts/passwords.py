"""Password hashing with argon2id; unknown e-mails cost the same time as wrong passwords."""

from __future__ import annotations

from functools import lru_cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# RFC 9106's second recommended option (argon2id, t=3, 64 MiB, p=4): about 0.1 s a hash here.
PRODUCTION = profiles.RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(PRODUCTION)


def use_parameters(parameters: Parameters) -> None:
    """Hash with other parameters from now on (a test suite's `profiles.CHEAPEST`, so that its
    thousands of logins do not cost minutes); a hash made with others is rehashed at login."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not a real password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, burn the same work so timing does not reveal accounts."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)

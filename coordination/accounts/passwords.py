"""Password hashing with argon2id; unknown e-mails cost the same time as wrong passwords."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from kernel.errors import Unavailable

# RFC 9106's second recommended option (argon2id, t=3, 64 MiB, p=4): about 0.1 s a hash here.
PRODUCTION = profiles.RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(PRODUCTION)
# Hashing is CPU work that releases the GIL: it runs on threads of its own, never on the
# event loop nor on the shared pool, two at a time (64 MiB each); past MAX_WAITING queued the
# login is refused at once rather than queued without end.
WORKERS = 2
MAX_WAITING = 32
_pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="argon2")
_admitted = 0


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


async def _off_loop(fn: object, *args: str | None) -> object:
    global _admitted
    if _admitted >= WORKERS + MAX_WAITING:
        raise Unavailable("too many logins at once: try again in a moment", code="busy_retry")
    _admitted += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)  # type: ignore[arg-type]
    finally:
        _admitted -= 1


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    return bool(await _off_loop(verify_password, password_hash, password))


async def hash_password_off_loop(password: str) -> str:
    return str(await _off_loop(hash_password, password))

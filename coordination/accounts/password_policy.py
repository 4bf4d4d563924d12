"""What a new password must be: long enough, not absurdly long, and not a known breached one.

The breached list ships with the package (`data/breached_passwords.txt.gz`): the 17,950
passwords of at least 8 characters among the 49,233 most frequent in public breach corpora, as
zxcvbn-ts gathers them (`@zxcvbn-ts/language-common` 4.1.3, `src/passwords.json`, MIT),
compared case-insensitively. ANSSI's guide on authentication (2021) asks for 12 characters at
least where nothing else protects the account; NIST SP 800-63B for a check against such lists.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files

from kernel.errors import Invalid, Param

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 hashes anything, but a megabyte "password" is only a CPU bill


@lru_cache(maxsize=1)
def _breached() -> frozenset[str]:
    data = files("coordination.accounts").joinpath("data/breached_passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def is_breached(password: str) -> bool:
    return password.casefold() in _breached()


class WeakPassword(Invalid):
    """The password breaks the policy; `code` says which rule, for the pages' French text."""

    def __init__(
        self, detail: str, *, code: str, params: Mapping[str, Param] | None = None
    ) -> None:
        super().__init__(detail, code=code, params=params, field="password")


def check_password(password: str) -> str:
    """The password, if the policy accepts it; else `WeakPassword` naming the rule broken."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"a password has at least {MIN_LENGTH} characters",
            code="password_short",
            params={"min": MIN_LENGTH},
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(
            f"a password has at most {MAX_LENGTH} characters",
            code="password_long",
            params={"max": MAX_LENGTH},
        )
    if not password.strip():
        raise WeakPassword(
            "a password cannot be only spaces",
            code="password_short",
            params={"min": MIN_LENGTH},
        )
    if is_breached(password):
        raise WeakPassword(
            "this password appears in lists of breached passwords: choose another",
            code="password_breached",
        )
    return password

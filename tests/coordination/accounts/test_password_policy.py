from __future__ import annotations

import pytest

from coordination.accounts.password_policy import (
    MIN_LENGTH,
    WeakPassword,
    check_password,
    is_breached,
)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("court", "password_short"),
        ("x" * (MIN_LENGTH - 1), "password_short"),
        (" " * 20, "password_short"),
        ("x" * 257, "password_long"),
        ("123456789012", "password_breached"),
        ("Password1234", "password_breached"),  # the list is compared case-insensitively
        ("QazWsxEdcRfv", "password_breached"),
    ],
)
def test_refused(password: str, code: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password(password)
    assert refused.value.field == "password"
    assert refused.value.code == code


def test_a_passphrase_passes() -> None:
    assert check_password("la marée monte à Étretat") == "la marée monte à Étretat"


def test_the_shipped_list_is_the_breach_corpus() -> None:
    assert is_breached("leavemealone") and is_breached("iloveyou2")
    assert not is_breached("une phrase que personne n'a écrite")

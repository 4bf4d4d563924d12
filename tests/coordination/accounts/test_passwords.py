"""Password hashing: production parameters, verification, and rehash when they change.

The suite hashes with argon2's cheapest parameters (tests/conftest.py); these tests state what
production uses and that a hash made with other parameters is replaced at the next login."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import extract_parameters, profiles

from coordination.accounts import passwords


@pytest.fixture
def production() -> Iterator[None]:
    passwords.use_parameters(passwords.PRODUCTION)
    yield
    passwords.use_parameters(profiles.CHEAPEST)


def test_production_parameters_are_rfc_9106_argon2id(production: None) -> None:
    made = extract_parameters(passwords.hash_password("correct horse"))
    assert made == profiles.RFC_9106_LOW_MEMORY
    assert (made.type.name, made.time_cost, made.memory_cost, made.parallelism) == (
        "ID",
        3,
        65536,
        4,
    )


def test_verify_takes_the_right_password_only() -> None:
    made = passwords.hash_password("correct horse")
    assert passwords.verify_password(made, "correct horse")
    assert not passwords.verify_password(made, "correct horse ")
    assert not passwords.verify_password(None, "correct horse")  # unknown account
    assert not passwords.verify_password("not a hash", "correct horse")


def test_a_hash_with_other_parameters_needs_rehash(production: None) -> None:
    passwords.use_parameters(profiles.CHEAPEST)
    cheap = passwords.hash_password("correct horse")
    assert not passwords.needs_rehash(cheap)
    passwords.use_parameters(passwords.PRODUCTION)
    assert passwords.needs_rehash(cheap)
    assert passwords.verify_password(cheap, "correct horse")  # still accepted, then replaced

"""Database errors classified by SQLSTATE: retry (409), unavailable (503), or a bug."""

from __future__ import annotations

from typing import Any

from server.problems.database import _database_down, _sqlstate


class _Driver(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


class _Wrapped(Exception):
    def __init__(self, orig: Any) -> None:
        self.orig = orig


def test_the_sqlstate_is_found_on_the_error_or_what_it_wraps() -> None:
    assert _sqlstate(_Driver("40P01")) == "40P01"
    assert _sqlstate(_Wrapped(_Driver("40001"))) == "40001"
    assert _sqlstate(ValueError()) is None


def test_a_database_away_is_told_from_a_bug() -> None:
    for away in ("08006", "53300", "57P01"):  # connection lost, too many connections, shutdown
        assert _database_down(_Wrapped(_Driver(away)))
    for bug in ("23505", "42703", "22P02"):  # unique violation, unknown column, bad text
        assert not _database_down(_Wrapped(_Driver(bug)))

"""The French of every problem the server answers, by stable code.

Each module holds the codes of one part of the house; `FRENCH` is their union (a code defined
twice is a bug the import refuses). A message is a `str.format` template over the error's
`params`; a field's format spec names the vocabulary that says a domain value in French
(`{status:booking_status}`), or `list` for a list of names.

tests/server/problems/test_catalogue.py reads every place an error is raised and fails when
its code is missing here or its message needs a parameter the raise does not give.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from server.problems.catalogue import (
    common,
    coordination,
    doctor_access,
    framework,
    indicators,
    referrals,
    scheduling,
    server,
    vocabularies,
)


def _union(*parts: Mapping[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for part in parts:
        for code, text in part.items():
            if code in merged:
                raise RuntimeError(f"problem code {code!r} is defined twice")
            merged[code] = text
    return merged


FRENCH: Mapping[str, str] = _union(
    common.FRENCH,
    framework.FRENCH,
    scheduling.FRENCH,
    referrals.FRENCH,
    indicators.FRENCH,
    coordination.FRENCH,
    doctor_access.FRENCH,
    server.FRENCH,
)


class _French(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "list":
            return ", ".join(str(v) for v in value)
        vocabulary = vocabularies.VOCABULARIES.get(format_spec)
        if vocabulary is not None:
            return vocabulary.get(str(value), str(value))
        return str(super().format_field(value, format_spec))


_FORMATTER = _French()


def in_french(code: str, params: Mapping[str, object]) -> str | None:
    """The French message of `code`, or None when the catalogue has none (never expected:
    the catalogue's test fails first) or its parameters are missing."""
    template = FRENCH.get(code)
    if template is None:
        return None
    try:
        return _FORMATTER.format(template, **params)
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def placeholders(code: str) -> set[str]:
    """The parameters the French message of `code` reads."""
    return {name for _, name, _, _ in _FORMATTER.parse(FRENCH[code]) if name is not None and name}

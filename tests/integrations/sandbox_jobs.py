"""Jobs for tests/integrations/test_sandbox.py, importable by name in the child."""

from __future__ import annotations

from kernel.errors import Invalid


def refuse(detail: str, field: str) -> None:
    raise Invalid(detail, code="file_too_large", params={"megabytes": 5}, field=field)


def unencodable() -> object:
    return object()

"""The direction of imports (shared/architecture.md), checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "kernel": {
        "server",
        "scheduling",
        "coordination",
        "integrations",
        "litestar",
        "redis",
        "websockets",
    },
    "scheduling": {
        "server",
        "coordination",
        "integrations",
        "litestar",
        "redis",
        "websockets",
        "msgspec",
    },
    "coordination": {"server", "integrations", "litestar", "redis", "websockets", "msgspec"},
    "integrations": {"server", "litestar"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_layering(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"{package}/ imports what it must not: {offenders}"


# The front doors (server/) parse, call a use case and shape: they neither query the database
# nor audit patient reads themselves. Only the database wiring may import SQLAlchemy.
_WIRING = {
    "server/database.py",  # engines, sessions, the commit hook
    "server/dependencies.py",  # the session a request holds
    "server/problems/__init__.py",  # SQLAlchemy's exception types, mapped to problems
    "server/problems/database.py",
}


def _server_modules() -> list[Path]:
    return [
        p for p in (ROOT / "server").rglob("*.py") if "migrations" not in p.relative_to(ROOT).parts
    ]


def test_the_front_doors_hold_no_sql() -> None:
    offenders = sorted(
        str(p.relative_to(ROOT))
        for p in _server_modules()
        if "sqlalchemy" in _imports(p) and str(p.relative_to(ROOT)) not in _WIRING
    )
    assert not offenders, f"SQLAlchemy outside the database wiring: {offenders}"


def _names_used(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.name for alias in node.names)
    return names


def test_the_front_doors_audit_through_the_use_cases() -> None:
    offenders = sorted(
        str(p.relative_to(ROOT)) for p in _server_modules() if "record_reads" in _names_used(p)
    )
    assert not offenders, f"record_reads called outside a use case: {offenders}"


def test_asyncpg_behind_one_adapter() -> None:
    offenders = sorted(
        str(p.relative_to(ROOT))
        for package in ("kernel", "scheduling", "coordination", "integrations", "server")
        for p in (ROOT / package).rglob("*.py")
        if "asyncpg" in _imports(p) and p != ROOT / "kernel" / "pg_direct.py"
    )
    assert not offenders, f"asyncpg outside kernel/pg_direct.py: {offenders}"

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

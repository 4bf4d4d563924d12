"""Every problem the server can answer has its French: the places errors are raised are read
from the source, and each must name a code of the catalogue with the parameters its French
message reads. A new `raise Invalid("…")` without a code, or with a code nobody translated,
fails here before a page can show English to a French reader."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.problems.catalogue import FRENCH, in_french, placeholders

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("kernel", "scheduling", "coordination", "integrations", "server")
BASES = {"DomainError", "CodedError"}


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


SOURCES = list(_sources())


def _coded_classes() -> dict[str, ast.ClassDef]:
    """Classes that are DomainError or CodedError, or derive from one (by name, transitively)."""
    classes = {
        node.name: node
        for _, tree in SOURCES
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    coded: dict[str, ast.ClassDef] = {}
    grew = True
    while grew:
        grew = False
        for name, node in classes.items():
            bases = {
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            }
            if name not in coded and (name in BASES or bases & (BASES | coded.keys())):
                coded[name] = node
                grew = True
    return coded


CODED = _coded_classes()


def _own_init(node: ast.ClassDef) -> ast.FunctionDef | None:
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            return item
    return None


@dataclass
class Raise:
    where: str
    code: ast.expr | None
    params: ast.expr | None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _raises() -> Iterator[Raise]:
    for path, tree in SOURCES:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if name in CODED and name not in BASES:
                init = _own_init(CODED[name])
                takes_code = init is None or any(a.arg == "code" for a in init.args.kwonlyargs)
                if takes_code:
                    yield Raise(where, _keyword(node, "code"), _keyword(node, "params"))
            elif name in CODED and name == "DomainError":
                yield Raise(where, _keyword(node, "code"), _keyword(node, "params"))
            elif (
                isinstance(func, ast.Attribute)
                and func.attr == "__init__"
                and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name)
                and func.value.func.id == "super"
            ):
                owner = _enclosing_class(tree, node)
                if owner in CODED and owner not in BASES:
                    yield Raise(where, _keyword(node, "code"), _keyword(node, "params"))


def _enclosing_class(tree: ast.Module, target: ast.AST) -> str | None:
    for cls in ast.walk(tree):
        if isinstance(cls, ast.ClassDef) and any(n is target for n in ast.walk(cls)):
            return cls.name
    return None


RAISES = list(_raises())


def test_the_source_raises_coded_errors() -> None:
    assert len(RAISES) > 250  # the scan sees the domain's refusals, not an empty tree


def test_every_raise_names_a_code_of_the_catalogue() -> None:
    missing = [r.where for r in RAISES if r.code is None]
    assert not missing, f"errors raised without a code: {missing}"
    unknown = [
        f"{r.where} {r.code.value!r}"
        for r in RAISES
        if isinstance(r.code, ast.Constant) and r.code.value not in FRENCH
    ]
    assert not unknown, f"codes with no French message: {unknown}"
    computed = [
        r.where
        for r in RAISES
        if r.code is not None and not isinstance(r.code, ast.Constant | ast.Name)
    ]
    assert not computed, f"codes computed where they are raised (say them literally): {computed}"


def test_every_raise_gives_what_its_french_message_reads() -> None:
    short = []
    for r in RAISES:
        if not isinstance(r.code, ast.Constant) or r.code.value not in FRENCH:
            continue
        wanted = placeholders(r.code.value)
        if not wanted:
            continue
        if not isinstance(r.params, ast.Dict):
            short.append(f"{r.where} {r.code.value}: params missing ({sorted(wanted)})")
            continue
        given = {k.value for k in r.params.keys if isinstance(k, ast.Constant)}
        if wanted - given:
            short.append(f"{r.where} {r.code.value}: lacks {sorted(wanted - given)}")
    assert not short, short


def test_every_code_keyword_is_in_the_catalogue() -> None:
    """`problem(…, code=…)`, `send_problem(…, code=…)` and the coded errors alike."""
    unknown = []
    for path, tree in SOURCES:
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "code":
                value = node.value
                if (
                    isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and value.value not in FRENCH
                ):
                    unknown.append(f"{path.relative_to(ROOT)}:{value.lineno} {value.value}")
    assert not unknown, unknown


def test_no_code_of_the_catalogue_is_dead() -> None:
    literals = {
        node.value
        for path, tree in SOURCES
        if "catalogue" not in path.parts
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    dead = sorted(set(FRENCH) - literals)
    assert not dead, f"codes nothing raises: {dead}"


@pytest.mark.parametrize("code", sorted(FRENCH))
def test_every_french_message_renders(code: str) -> None:
    params: dict[str, object] = {name: "x" for name in placeholders(code)}
    for name in ("unknown", "missing", "names"):
        if name in params:
            params[name] = ["78001", "78002"]
    said = in_french(code, params)
    assert said, code
    assert "{" not in said and "}" not in said, said

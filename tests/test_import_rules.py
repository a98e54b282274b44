"""Which package may import which: the service never depends on the demo world, the library on nothing.

`seed/` is demo data; `dispatch/`, `field_app_api/` and `routing/` must run (and be installable) without it.
Reference data they need (China's administrative divisions) lives in `dispatch.geo`. Every import statement
is checked, including ones inside functions, and so is any module named to `importlib.import_module`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "dispatch": ("seed",),
    "field_app_api": ("seed",),
    "routing": ("seed", "dispatch", "field_app_api", "fastapi", "sqlmodel", "sqlalchemy"),
}


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in `tree`, and every literal given to import_module()."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, first.value


def _is_import_module(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in {"import_module", "__import__"}


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            top = module.split(".")[0]
            if top in FORBIDDEN[package]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package: str) -> None:
    assert violations(package) == []


def test_the_rule_catches_an_import_hidden_in_a_function() -> None:
    source = (
        "def f():\n"
        "    from seed.world import build_world\n"
        "    import importlib\n"
        "    importlib.import_module('seed.loader')\n"
    )
    assert [module for _, module in imported_modules(ast.parse(source))] == [
        "seed.world",
        "importlib",
        "seed.loader",
    ]

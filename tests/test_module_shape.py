"""Every module of gdviz stays small enough to read and says what it is for (issue #10)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gdviz"
MAX_LINES = 600
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_is_found():
    assert len(MODULES) > 50


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_short_and_documented(path: Path):
    text = path.read_text(encoding="utf-8")
    n_lines = text.count("\n") + (not text.endswith("\n") and bool(text))
    assert n_lines <= MAX_LINES, f"{path.name} has {n_lines} lines (at most {MAX_LINES}): split it by responsibility"
    if path.name != "__main__.py" and text.strip():
        assert ast.get_docstring(ast.parse(text)), f"{path.name} has no opening docstring saying what it is for"

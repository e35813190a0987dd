"""Test modules share helpers through small modules in tests/ (``repo_paths``,
``qt_helpers``, ...), never by importing a conftest: pytest loads each conftest
itself, and a second import under another name runs its set-up twice."""

from __future__ import annotations

import ast

from repo_paths import REPO


def conftest_imports(source: str) -> list[str]:
    """The modules named ``conftest`` (or ``*.conftest``) that ``source`` imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        found += [n for n in names if n.split(".")[-1] == "conftest"]
    return found


def test_the_finder_sees_a_conftest_import():
    assert conftest_imports("from tests.conftest import REPO\nimport os") == ["tests.conftest"]
    assert conftest_imports("def f():\n    import conftest\n") == ["conftest"]
    assert conftest_imports("from repo_paths import REPO") == []


def test_no_test_module_imports_a_conftest():
    bad = {str(p.relative_to(REPO)): names for p in sorted((REPO / "tests").rglob("*.py"))
           if p.name != "conftest.py" and (names := conftest_imports(p.read_text(encoding="utf-8")))}
    assert bad == {}

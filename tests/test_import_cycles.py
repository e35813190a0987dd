"""No import cycle among the modules of ``gdviz.qt`` (function-level imports count).

A cycle means two modules need each other to be understood; the window
composes its parts and nothing below it imports it back. The second test
plants a cycle in a copy of the package and expects it to be found.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FIND = """
import sys, grimp
g = grimp.build_graph("gdviz")
qt = {m for m in g.modules if m == "gdviz.qt" or m.startswith("gdviz.qt.")}
edges = {m: {t for t in g.find_modules_directly_imported_by(m) if t in qt and t != m} for m in qt}
index, low, stack, on, cycles = {}, {}, [], set(), []
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = len(index); stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        # a package and the modules it re-exports are not a cycle of their own
        if len(comp) > 1 and not all(c == comp[0] or c.startswith(min(comp) + ".") for c in comp):
            cycles.append(sorted(comp))
for v in sorted(qt):
    if v not in index:
        visit(v)
for c in cycles:
    print(" -> ".join(c))
"""


def _cycles(root: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-c", FIND], cwd=root, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(root), "PATH": ""})
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


#: Cycles allowed: none. Nothing may join this list.
KNOWN: set[str] = set()


def test_no_import_cycle_in_gdviz_qt():
    assert set(_cycles(REPO)) <= KNOWN


def test_a_planted_cycle_is_found(tmp_path):
    shutil.copytree(REPO / "gdviz", tmp_path / "gdviz", ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    (tmp_path / "gdviz/qt/planted.py").write_text("def f():\n    from gdviz.qt import window\n")
    with (tmp_path / "gdviz/qt/menus.py").open("a") as fh:
        fh.write("\n\ndef _planted():\n    from gdviz.qt import planted\n")
    found = _cycles(tmp_path)
    assert any("gdviz.qt.planted" in c and "gdviz.qt.menus" in c for c in found), found

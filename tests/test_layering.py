"""The layer contracts in pyproject.toml hold, and they can fail.

`lint-imports` (import-linter) checks three contracts: the layers
cli -> qt -> render -> training -> core | data, no Qt below ``gdviz.qt``, and
no ``gdviz.core`` / ``gdviz.data`` import in the teaching views. The second
test plants a violation of each in a copy of the package and expects the
linter to name it, so a contract that silently stopped checking would fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_contracts_are_kept():
    out = _lint(REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout


@pytest.mark.parametrize("where, line, contracts", [
    ("gdviz/core/planted.py", "import PySide6.QtCore\n", {"No Qt below gdviz.qt"}),
    # gdviz.qt brings PySide6 with it: both contracts break
    ("gdviz/training/planted.py", "import gdviz.qt.style\n", {"Layers", "No Qt below gdviz.qt"}),
    ("gdviz/qt/views/planted.py", "import gdviz.core.network\n", {"Views draw"}),
])
def test_a_planted_violation_breaks_its_contract(tmp_path, where, line, contracts):
    shutil.copytree(REPO / "gdviz", tmp_path / "gdviz",
                    ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / where).write_text(line)
    out = _lint(tmp_path, pythonpath=tmp_path)
    assert out.returncode != 0
    broken = {ln.split(":")[0] for ln in out.stdout.splitlines() if ln.endswith("BROKEN")}
    assert broken == {next(b for b in broken if b.startswith(c)) for c in contracts}, out.stdout
    assert len(broken) == len(contracts), out.stdout
    assert Path(where).stem in out.stdout

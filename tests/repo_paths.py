"""Where the project lives, for tests that read its files (README, pyproject, sources), and
how they load its scripts (benchmarks/, packaging/), which are not in a package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

#: The checkout's root folder (holds pyproject.toml, gdviz/, tests/).
REPO = Path(__file__).resolve().parents[1]


def load_script(relative: str, name: str) -> ModuleType:
    """The script at ``REPO / relative`` imported as module ``name`` (registered in
    ``sys.modules`` first: a dataclass in it looks its module up there)."""
    spec = importlib.util.spec_from_file_location(name, REPO / relative)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod

"""Where the project lives, for tests that read its files (README, pyproject, sources)."""

from __future__ import annotations

from pathlib import Path

#: The checkout's root folder (holds pyproject.toml, gdviz/, tests/).
REPO = Path(__file__).resolve().parents[1]

"""gdviz's icon and desktop-integration files (data only; no Qt, nothing imported).

In the source tree this is the top-level ``resources/`` folder; installed, the
same files are the package ``gdviz.resources`` (``pyproject.toml`` maps the one
to the other), so code finds them wherever gdviz runs — a wheel, an editable
install, or the PyInstaller app::

    from gdviz.resources import resource_path
    app.setWindowIcon(QIcon(str(resource_path(ICON_PNG))))

Files:

* ``gdviz.svg`` — the app icon (hand-written SVG); ``gdviz.png`` — the same
  rendered at 256×256 by ``packaging/render_icon.py``.
* ``io.github.gdviz.gdviz.desktop`` — the freedesktop.org menu entry (``Exec=gdviz``,
  ``Icon=gdviz``).
* ``io.github.gdviz.gdviz.metainfo.xml`` — AppStream metadata (software centres).
"""

from __future__ import annotations

from importlib import resources as _resources
from pathlib import Path

ICON_SVG = "gdviz.svg"
ICON_PNG = "gdviz.png"
DESKTOP_FILE = "io.github.gdviz.gdviz.desktop"
METAINFO_FILE = "io.github.gdviz.gdviz.metainfo.xml"
APP_ID = "io.github.gdviz.gdviz"

__all__ = ["APP_ID", "DESKTOP_FILE", "ICON_PNG", "ICON_SVG", "METAINFO_FILE", "resource_path"]


def resource_path(name: str) -> Path:
    """The file ``name`` of this folder on disk; FileNotFoundError if it is not there."""
    path = Path(str(_resources.files(__name__).joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(f"gdviz resource {name!r} not found at {path}")
    return path

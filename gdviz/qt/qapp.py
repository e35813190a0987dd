"""The one ``QApplication`` of the process, created if there is none yet."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from gdviz.qt.colours import apply_pyqtgraph_defaults
from gdviz.qt.worker import share_the_gil

__all__ = ["ensure_app"]


def ensure_app(argv: list[str] | None = None) -> QApplication:
    """The running ``QApplication``, created (named "gdviz") if needed."""
    share_the_gil()
    app = QApplication.instance()
    if app is None:
        QApplication.setApplicationName("gdviz")
        QApplication.setOrganizationName("gdviz")
        QApplication.setApplicationDisplayName("gdviz")
        app = QApplication(list(argv) if argv is not None else [sys.argv[0] if sys.argv else "gdviz"])
    app.setApplicationName("gdviz")
    apply_pyqtgraph_defaults()
    return app

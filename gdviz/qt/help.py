"""The Help menu's two boxes: the keyboard shortcuts, and about gdviz."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gdviz import __version__

__all__ = ["SHORTCUTS", "show_shortcuts", "show_about"]

#: (keys, what they do), as the shortcuts box lists them.
SHORTCUTS = (
    ("Space", "run / pause"), ("→", "one step (one mini-batch)"),
    ("Shift+→", "to the end of the epoch"), ("F or Shift+Space", "as fast as possible / back to the pace"),
    ("Ctrl+↑ / Ctrl+↓", "larger / smaller η"),
    ("↑ / ↓ in the η field", "next / previous η"), ("PgUp / PgDn in the η field", "η × 10 / ÷ 10"),
    ("Ctrl+R", "reset to the same initial weights"), ("Ctrl+Shift+R", "new random initial weights"),
    ("Ctrl+1 / 2 / 3", "weights / −∇C / Δθ"), ("Ctrl+L", "log-scale cost"),
    ("Ctrl+E", "cost against epochs"), ("Ctrl+K", "show / hide the controls"),
    ("Ctrl+S / Ctrl+O", "save / open a checkpoint"), ("Ctrl+Shift+O", "open a recording"),
    ("Ctrl+Shift+L", "the lesson preset, back to step 0"),
    ("Alt+0", "the live network"), ("Alt+1 … Alt+9", "the teaching views, in the order of their tabs"),
    ("F5", "presenter mode (large fonts, keys on screen)"),
    ("Click a neuron, bar or weight", "keep its maths with the live numbers shown"),
    ("Esc", "let go of it"), ("Ctrl+Q", "quit"),
)


def show_shortcuts(parent) -> QMessageBox:
    html = "<table cellspacing=4>" + "".join(
        f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS) + "</table>"
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", html, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_about(parent, engine: str, engine_note: str = "") -> None:
    where = ("in a separate process (the window never waits for it)" if engine == "process"
             else "in a background thread of this window")
    note = f"<p>{engine_note}</p>" if engine_note else ""
    QMessageBox.about(parent, "About gdviz",
                      f"<b>gdviz {__version__}</b><p>Watch a neural network learn handwritten digits "
                      f"by gradient descent, one mini-batch at a time.</p><p>The network trains "
                      f"{where}.</p>{note}")

"""The banner above the panels when training diverged: what happened, and two
ways back (the last good weights, or those with η ÷ 10)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from gdviz.qt.control_values import format_lr

__all__ = ["DivergenceBanner"]

STYLE = """
QFrame#DivergenceBanner { background: #fff1e6; border: 1px solid #e66101; border-radius: 4px; }
QFrame#DivergenceBanner QLabel { color: #5a2a00; }
"""
DEFAULT_TEXT = "The cost became infinite or not a number: choose a smaller η."


class DivergenceBanner(QFrame):
    """Hidden until :meth:`show_for` gets a diverged snapshot. ``restoreRequested``
    and ``smallerLrRequested`` are the two buttons."""

    restoreRequested = Signal()
    smallerLrRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("DivergenceBanner")
        self.setStyleSheet(STYLE)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        icon = QLabel("⚠")
        icon.setStyleSheet("font-size: 20px; color: #e66101;")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.restore_button = QPushButton("Restore last good weights")
        self.restore_button.setToolTip("Put back the weights from before the step that blew up")
        self.restore_button.clicked.connect(self.restoreRequested)
        self.smaller_lr_button = QPushButton("Restore with η ÷ 10")
        self.smaller_lr_button.setToolTip("Restore the last good weights and divide the learning rate by 10")
        self.smaller_lr_button.clicked.connect(self.smallerLrRequested)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setFixedWidth(28)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        lay.addWidget(icon)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.restore_button)
        lay.addWidget(self.smaller_lr_button)
        lay.addWidget(close)
        self.hide()

    def show_for(self, snap) -> None:
        """Show the banner while ``snap`` is diverged; hide it otherwise."""
        if snap.diverged:
            text = snap.message or DEFAULT_TEXT
            if self.label.text() != text or self.isHidden():
                self.label.setText(text)
                self.smaller_lr_button.setText(f"Restore with η = {format_lr(max(snap.lr / 10, 1e-4))}")
                self.show()
        elif not self.isHidden():
            self.hide()

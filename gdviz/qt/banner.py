"""The banners above the panels: :class:`Banner`, a coloured strip with a ⚠, a
message and buttons, and :class:`DivergenceBanner`, shown when training diverged:
what happened, and two ways back (the last good weights, or those with η ÷ 10)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from gdviz.qt.control_values import format_lr

__all__ = ["Banner", "DivergenceBanner"]

DEFAULT_TEXT = "The cost became infinite or not a number: choose a smaller η."


class Banner(QFrame):
    """A hidden strip named ``name`` (its object name): a ⚠ in ``accent``, ``label``
    (word-wrapped, ``ink`` on ``paper``), the buttons :meth:`add_button` adds and a ✕
    (``close_tip``) that calls :meth:`close_clicked`."""

    def __init__(self, name: str, paper: str, accent: str, ink: str, close_tip: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(
            f"QFrame#{name} {{ background: {paper}; border: 1px solid {accent}; border-radius: 4px; }}\n"
            f"QFrame#{name} QLabel {{ color: {ink}; }}\n")
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(10, 6, 10, 6)
        icon = QLabel("⚠")
        icon.setStyleSheet(f"font-size: 20px; color: {accent};")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip(close_tip)
        self.close_button.clicked.connect(self.close_clicked)
        self._lay.addWidget(icon)
        self._lay.addWidget(self.label, 1)
        self._lay.addWidget(self.close_button)
        self.hide()

    def add_button(self, text: str, tip: str, slot) -> QPushButton:
        """A button left of the ✕."""
        b = QPushButton(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        self._lay.insertWidget(self._lay.indexOf(self.close_button), b)
        return b

    def close_clicked(self) -> None:
        self.hide()


class DivergenceBanner(Banner):
    """Hidden until :meth:`show_for` gets a diverged snapshot. ``restoreRequested``
    and ``smallerLrRequested`` are the two buttons."""

    restoreRequested = Signal()
    smallerLrRequested = Signal()

    def __init__(self, parent=None):
        super().__init__("DivergenceBanner", "#fff1e6", "#e66101", "#5a2a00", "Hide this message",
                         parent)
        self.restore_button = self.add_button(
            "Restore last good weights", "Put back the weights from before the step that blew up",
            self.restoreRequested)
        self.smaller_lr_button = self.add_button(
            "Restore with η ÷ 10", "Restore the last good weights and divide the learning rate by 10",
            self.smallerLrRequested)

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

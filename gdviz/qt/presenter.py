"""Presenter mode (F5): every text larger, high contrast, the keys on screen, the
small explanatory notes hidden, and on a narrow screen the controls dock too."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

from gdviz.qt import fonts
from gdviz.qt.widgets import QuietLabel, alive

__all__ = ["PRESENTER_SCALE", "PresenterMode", "KEYS_HTML"]

PRESENTER_SCALE = 1.45  # every text this much larger
DOCK_MIN_WIDTH = 1500  # narrower windows hide the controls dock

#: The keys shown at the bottom of the window, so the class sees what is pressed.
KEYS_HTML = ("<b>Space</b> run / pause &nbsp;·&nbsp; <b>→</b> step &nbsp;·&nbsp; <b>Shift+→</b> epoch"
             " &nbsp;·&nbsp; <b>F</b> fast &nbsp;·&nbsp; <b>Ctrl+↑ / ↓</b> η × / ÷ &nbsp;·&nbsp; <b>Ctrl+R</b> reset"
             " &nbsp;·&nbsp; <b>Alt+0…9</b> views &nbsp;·&nbsp; <b>Ctrl+K</b> controls &nbsp;·&nbsp;"
             " <b>F5</b> exit")  # (one line at 1280 px: every line taken from the panels counts)
# (not QLabel: a style sheet colour would override the answer's green/red)
WINDOW_STYLE = ("QCheckBox, QRadioButton, QGroupBox, QLabel[gdviz_muted=\"true\"] { color: #000000; }"
                "QTabBar::tab { padding: 8px 16px; font-weight: bold; }")


class PresenterMode:
    """Switches ``window`` (a QMainWindow with a ``controls_dock``) in and out of presenter mode.

    ``bar`` is the keys label to put at the bottom of the window's central widget.
    """

    def __init__(self, window: QMainWindow, dock):
        self.window = window
        self.dock = dock
        self.active = False
        self._normal_font = None
        self._notes: list[QLabel] = []
        self._hid_dock = False
        self.bar = QLabel(KEYS_HTML)
        self.bar.setObjectName("PresenterBar")
        self.bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bar.setWordWrap(True)  # (unwrapped, its width would be the window's minimum)
        self.bar.setStyleSheet("QLabel#PresenterBar { background: #111; color: #fff; padding: 3px 6px; }")
        self.bar.hide()

    def set(self, on: bool) -> None:
        """Presenter mode on or off (nothing happens if it already is)."""
        if on == self.active:
            return
        self.active = on
        app = QApplication.instance()
        if on:
            self._normal_font = app.font()
            big = app.font()
            big.setPointSizeF(big.pointSizeF() * PRESENTER_SCALE)
            app.setFont(big)
            self.window.setStyleSheet(WINDOW_STYLE)
        else:
            app.setFont(self._normal_font)
            self.window.setStyleSheet("")
        # Fonts set on purpose (titles, read-outs, in-plot texts, axis ticks) grow too.
        fonts.set_font_scale(PRESENTER_SCALE if on else 1.0, self.window)
        self.bar.setVisible(on)
        # The small notes cannot be read from the back of a room: the plots get their space.
        if on:
            self._notes = []
            self.hide_notes(self.window)
        else:
            for lab in self._notes:
                if alive(lab):
                    lab.show()
            self._notes = []
        # A projector is often 1280×720: there the controls make way for the panels
        # (the keys are on screen; Ctrl+K brings the controls back).
        if on:
            self._hid_dock = self.window.width() < DOCK_MIN_WIDTH and self.dock.isVisible()
            if self._hid_dock:
                self.dock.hide()
        elif self._hid_dock:
            self._hid_dock = False
            self.dock.show()
        self.dock.fit()  # the bigger controls need a wider dock

    def hide_notes(self, root: QWidget) -> None:
        """While on: hide the explanatory notes under ``root`` (shown again when it ends)."""
        if not self.active:
            return
        for lab in root.findChildren(QLabel):
            if lab.property("gdviz_note") and not lab.isHidden():
                holder = lab.parentWidget()
                if isinstance(holder, QuietLabel) and not holder.isHidden():
                    holder.hide()  # (it keeps the note's height otherwise)
                    self._notes.append(holder)
                lab.hide()
                self._notes.append(lab)

    def release_fonts(self) -> None:
        """Give the application its normal font back (the window closes in presenter mode)."""
        if self.active:
            QApplication.instance().setFont(self._normal_font)
            fonts.set_font_scale(1.0)

"""The dock that holds the control panel, scrolling when the panel is taller
than the window (presenter mode on a small screen)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea

from gdviz.qt.controls import ControlPanel

__all__ = ["ControlsDock"]

WIDTH = 250  # the dock's width at start (pixels)


class ControlsDock(QDockWidget):
    """A movable, floatable, closable left/right dock around ``controls``; added to ``window``."""

    def __init__(self, controls: ControlPanel, window: QMainWindow):
        super().__init__("Controls", window)
        self.setObjectName("ControlsDock")
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(scroll)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        self.controls, self.scroll, self.window = controls, scroll, window
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self)
        self.fit()

    def fit(self) -> None:
        """As wide as the controls need at the current fonts (no text cut), at least ``WIDTH``."""
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        need = (self.controls.minimumSizeHint().width() + 2 * self.scroll.frameWidth()
                + self.scroll.verticalScrollBar().sizeHint().width())
        self.scroll.setMinimumWidth(need)
        self.window.resizeDocks([self], [max(WIDTH, need)], Qt.Orientation.Horizontal)

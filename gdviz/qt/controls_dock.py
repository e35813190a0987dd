"""The dock that holds the control panel, scrolling when the panel is taller
than the window (presenter mode on a small screen)."""

from __future__ import annotations

from PySide6.QtCore import Qt
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
        controls.setMinimumWidth(220)
        scroll.setMinimumWidth(230)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self)
        window.resizeDocks([self], [WIDTH], Qt.Orientation.Horizontal)

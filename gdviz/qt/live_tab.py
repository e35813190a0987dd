"""The "Live network" tab: the six live panels, each in a frame, arranged in
splitters (first-layer weights over deeper layers | activations over the
output; below them the cost and accuracy | the stability meter), and their maths
cards' one selection."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QSplitter, QVBoxLayout, QWidget

from gdviz.qt.activations import HiddenActivationsPanel
from gdviz.qt.cost_panel import CostPanel
from gdviz.qt.deeper_layers import DeeperLayersPanel
from gdviz.qt.maths_readout import MathsSelection
from gdviz.qt.output import OutputPanel
from gdviz.qt.stability import StabilityMonitor, StabilityPanel
from gdviz.qt.weights import HiddenWeightsPanel

__all__ = ["PANEL_TITLES", "LiveTab"]

#: The live panels by name, with the title menus and dialogs use.
PANEL_TITLES = {
    "hidden_weights": "First-layer weights",
    "deeper_layers": "Deeper layers",
    "activations": "Activations",
    "output": "Output",
    "cost": "Cost and accuracy",
    "stability": "Stability (λ_max against 2/η)",
}
STABILITY_SHARE = 0.3  # of the bottom row's width (the lesson's chapter on η: 0.45)
ACTIVATIONS_SHARE = 0.36  # of the right column's height (the output panel has the rest)


class PanelFrame(QFrame):
    """The frame around one live panel. Its minimum height is what the panel needs at the
    width it has (a word-wrapped note takes more lines when narrow): Qt's box layouts
    count one line per note, and a splitter would squeeze the panel's plots out of sight."""

    def __init__(self, widget: QWidget):
        super().__init__()
        self.setObjectName("PanelFrame")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(widget)
        self.panel = widget
        self._width = -1

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        lay = self.panel.layout()
        if lay is not None and lay.hasHeightForWidth() and self.width() > 0:
            m = self.contentsMargins()
            need = lay.minimumHeightForWidth(self.width() - m.left() - m.right()) + m.top() + m.bottom()
            # (less what the panel leaves out of its own minimum: a part that gives way)
            need -= max(0, lay.totalMinimumSize().height() - self.panel.minimumSizeHint().height())
            hint.setHeight(max(hint.height(), need))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != self._width:  # another width: another number of lines
            self._width = event.size().width()
            self.updateGeometry()


def _framed(widget: QWidget) -> QFrame:
    return PanelFrame(widget)


class LiveTab(QSplitter):
    """The live panels (``panels``: name -> widget; ``frames``: name -> its frame).
    ``monitor`` feeds the stability panel (a new one when not given)."""

    def __init__(self, monitor: StabilityMonitor | None = None, parent=None):
        super().__init__(Qt.Orientation.Vertical, parent)
        self.hidden_weights = HiddenWeightsPanel()
        self.deeper_layers = DeeperLayersPanel()
        self.output_panel = OutputPanel()
        self.activations = HiddenActivationsPanel()
        self.cost_panel = CostPanel()
        self.stability = StabilityPanel(monitor if monitor is not None else StabilityMonitor(self))
        self.panels: dict[str, QWidget] = {
            "hidden_weights": self.hidden_weights,
            "deeper_layers": self.deeper_layers,
            "activations": self.activations,
            "output": self.output_panel,
            "cost": self.cost_panel,
            "stability": self.stability,
        }
        for name, panel in self.panels.items():
            panel.setObjectName(panel.objectName() or name)
        # The maths cards: one selection at a time (a click elsewhere in the plots or Escape lets go).
        self.maths = MathsSelection(self)
        for panel in (self.hidden_weights, self.deeper_layers, self.activations, self.output_panel):
            self.maths.add(panel.maths)
        self.frames = {name: _framed(p) for name, p in self.panels.items()}
        f = self.frames

        self.left_split = QSplitter(Qt.Orientation.Vertical)
        self.left_split.addWidget(f["hidden_weights"])
        self.left_split.addWidget(f["deeper_layers"])
        self.left_split.setStretchFactor(0, 3)
        self.left_split.setStretchFactor(1, 2)

        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.addWidget(f["activations"])
        self.right_split.addWidget(f["output"])
        self.right_split.setStretchFactor(0, 1)
        self.right_split.setStretchFactor(1, 1)

        self.top_split = QSplitter(Qt.Orientation.Horizontal)
        self.top_split.addWidget(self.left_split)
        self.top_split.addWidget(self.right_split)
        self.top_split.setStretchFactor(0, 1)
        self.top_split.setStretchFactor(1, 1)

        self.bottom_split = QSplitter(Qt.Orientation.Horizontal)
        self.bottom_split.addWidget(f["cost"])
        self.bottom_split.addWidget(f["stability"])
        self.bottom_split.setStretchFactor(0, 7)
        self.bottom_split.setStretchFactor(1, 3)

        self.addWidget(self.top_split)
        self.addWidget(self.bottom_split)
        self.setStretchFactor(0, 5)
        self.setStretchFactor(1, 2)
        for split in (self.left_split, self.right_split, self.top_split, self.bottom_split, self):
            split.setChildrenCollapsible(False)
            split.setHandleWidth(5)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.maths.watch(self.window())  # Escape there lets go of a kept maths card

    def initial_splits(self) -> None:
        """Share the space out as the lesson wants it (call once the tab has its size)."""
        w, h = self.width(), self.height()
        if w <= 0 or h <= 0:
            return
        top = int(h * 0.68)
        self.setSizes([top, h - top])
        self.top_split.setSizes([int(w * 0.52), w - int(w * 0.52)])
        self.left_split.setSizes([int(top * 0.55), top - int(top * 0.55)])
        share = ACTIVATIONS_SHARE
        self.right_split.setSizes([int(top * share), top - int(top * share)])
        self._share_bottom(STABILITY_SHARE)

    def _share_bottom(self, share: float) -> None:
        """Give the stability panel ``share`` of the bottom row (at least what its header needs)."""
        w = self.bottom_split.width() or self.width()
        need = self.frames["stability"].minimumSizeHint().width()
        right = min(max(int(w * share), need), w - self.frames["cost"].minimumSizeHint().width())
        self.bottom_split.setSizes([w - right, right])

    def emphasise(self, name: str | None) -> None:
        """Give panel ``name`` the larger share of its splitters (None: the usual shares),
        so the panel a lesson chapter talks about is readable on a small projector."""
        self.initial_splits()
        w, h = self.width(), self.height()
        if name is None or w <= 0 or h <= 0:
            return
        top = int(h * 0.68)
        if name in ("cost", "stability"):
            top = int(h * 0.45)
            self.setSizes([top, h - top])
            if name == "stability":
                self._share_bottom(0.45)
        elif name in ("hidden_weights", "deeper_layers", "activations", "output"):
            top = int(h * 0.8)
            self.setSizes([top, h - top])
        if name in ("hidden_weights", "deeper_layers"):
            self.top_split.setSizes([int(w * 0.6), w - int(w * 0.6)])
            big = int(top * 0.72)
            self.left_split.setSizes([big, top - big] if name == "hidden_weights" else [top - big, big])
        elif name in ("activations", "output"):
            self.top_split.setSizes([int(w * 0.42), w - int(w * 0.42)])
            big = int(top * 0.7)
            self.right_split.setSizes([top - big, big] if name == "output" else [big, top - big])

    def drawable(self, name: str, window: QWidget) -> bool:
        """True when panel ``name`` would be seen in ``window`` (its frame is not hidden)."""
        return self.frames[name].isVisibleTo(window)

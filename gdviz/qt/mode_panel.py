"""The base of the weight panels: title, explanation, the weights / −∇C / Δθ
switch and a hover read-out (:class:`ModePanel`), and the grey board behind a
heatmap that shows through NaN pixels (:func:`board_item`)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import colours, scales, widgets
from gdviz.training import theta

__all__ = ["ModePanel", "board_item", "scale_of"]


def scale_of(values: np.ndarray, q: float = 99.0) -> float:
    """The colour scale the values ask for: their ``q``-th percentile of |v|, or NaN when
    all are zero (−∇C before the first step), which leaves the smoothed scale alone."""
    return scales.robust_max(values, q) if np.any(values) else math.nan


def board_item(shape) -> QtWidgets.QGraphicsItem:
    """The grey board behind a heatmap (a QRectF or QPainterPath): shows through NaN pixels."""
    if isinstance(shape, QtGui.QPainterPath):
        item = QtWidgets.QGraphicsPathItem(shape)
    else:
        item = QtWidgets.QGraphicsRectItem(shape)
    item.setPen(pg.mkPen(None))
    item.setBrush(pg.mkBrush(colours.BOARD))
    item.setZValue(-10)
    return item


class ModePanel(QtWidgets.QWidget):
    """Common parts: title, explanation, the weights/−∇C/Δθ switch, hover read-out.

    ``modeChanged(str)`` is emitted when the mode changes (from the panel's own
    toggle or from :meth:`setMode`), so a window can keep other views in step.
    """

    modeChanged = QtCore.Signal(str)
    #: The title per mode where the full one does not fit (a small screen, presenter mode).
    SHORT_TITLES: dict[str, str] = {}

    def __init__(self, parent=None):
        super().__init__(parent)
        colours.apply_pyqtgraph_defaults()
        self._mode = "weights"
        self._snap = None
        self._sizes: tuple[int, ...] | None = None
        self._run_id = None
        self._lay = widgets.panel_layout(self)
        self.title = widgets.ShortTitle("", self.SHORT_TITLES.get(self._mode, ""))
        self.modes = widgets.ModeSwitch()
        self.modes.modeChanged.connect(self.setMode)
        self._lay.addLayout(widgets.header(self.title, self.modes))
        self.note = widgets.note_label()
        self._lay.addWidget(self.note)
        self.status = widgets.status_label()

    def mode(self) -> str:
        return self._mode

    def setMode(self, mode: str) -> None:
        """Show ``"weights"``, ``"gradient"`` (−∇C of the last batch) or ``"delta"`` (Δθ)."""
        theta.check_mode(mode)
        if mode != self.modes.mode():
            self.modes.setMode(mode)
        if mode == self._mode:
            return
        self._mode = mode
        self._reset_scales()
        self._update_texts()
        self.title.set_short(self.SHORT_TITLES.get(mode, ""))
        if self._snap is not None:
            self.render(self._snap)
        self.modeChanged.emit(mode)

    def forget_run(self) -> None:
        """Hidden while the window moved to another run: let go of its snapshot (subclasses:
        and of the arrays sized for its network); the next render starts the scales afresh."""
        self._snap = None
        self._run_id = None
        self.maths.forget()

    def _check_run(self, snap) -> bool:
        """True if the layer sizes changed (items must be rebuilt)."""
        if snap.run_id != self._run_id:
            self._run_id = snap.run_id
            self._reset_scales()
        if snap.sizes != self._sizes:
            self._sizes = tuple(snap.sizes)
            self._reset_scales()
            return True
        return False

    def _reset_scales(self) -> None:
        raise NotImplementedError

    def _update_texts(self) -> None:
        raise NotImplementedError

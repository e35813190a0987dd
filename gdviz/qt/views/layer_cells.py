"""Every hidden layer's activations as rows of coloured cells (the Draw view's right part)."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style

__all__ = ["LayerCells"]


class LayerCells(QtWidgets.QWidget):
    """Every hidden layer's activations as a row of coloured cells (wrapping past 32).

    ``values`` (list of (n_l,) arrays) is what is shown. Colours: pale = 0,
    dark green = 1 (sigmoid; ReLU up to the largest value); tanh blue/red.
    """

    PER_ROW = 32

    def __init__(self, parent=None):
        super().__init__(parent)
        self.values: list[np.ndarray] = []
        self.activation = "sigmoid"
        self.setMouseTracking(True)
        self.setMinimumHeight(60)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Preferred)

    def set_values(self, values, activation: str) -> None:
        self.values = [np.asarray(v, dtype=np.float64) for v in values]
        self.activation = activation
        self.update()

    def set_layers(self, sizes: tuple[int, ...], activation: str) -> None:
        """Empty cells for these hidden sizes (nothing drawn yet)."""
        self.set_values([np.full(n, np.nan) for n in sizes], activation)
        self.updateGeometry()

    def _layout(self):
        fm = self.fontMetrics()
        label_w = fm.horizontalAdvance("layer 8") + 10
        rows = [max(1, math.ceil(v.size / self.PER_ROW)) for v in self.values]
        per = max([min(v.size, self.PER_ROW) for v in self.values] or [1])
        gap = 6
        cell = (self.width() - label_w - 4) / max(1, per)
        cell = max(6.0, min(cell, 36.0, (self.height() - gap * len(rows)) / max(1, sum(rows))))
        return label_w, cell, rows, gap

    def sizeHint(self) -> QtCore.QSize:
        rows = sum(max(1, math.ceil(v.size / self.PER_ROW)) for v in self.values) or 2
        return QtCore.QSize(300, int(rows * 26 + 8 * len(self.values)))

    def cell_rect(self, layer: int, k: int) -> QtCore.QRectF:
        label_w, cell, rows, gap = self._layout()
        y = sum(rows[:layer]) * cell + layer * gap
        r, c = divmod(k, self.PER_ROW)
        return QtCore.QRectF(label_w + c * cell, y + r * cell, cell, cell)

    def cell_at(self, pos: QtCore.QPointF):
        for layer, v in enumerate(self.values):
            for k in range(v.size):
                if self.cell_rect(layer, k).contains(pos):
                    return layer, k
        return None

    def _colour(self, a: float, top: float) -> QtGui.QColor:
        if not math.isfinite(a):
            return QtGui.QColor(style.BOARD)
        if self.activation == "tanh":
            return style.diverging_cmap().map(0.5 + 0.5 * max(-1.0, min(1.0, a)), mode="qcolor")
        return style.sequential_cmap().map(max(0.0, min(1.0, a / top)), mode="qcolor")

    def top(self) -> float:
        if self.activation in ("sigmoid", "tanh"):
            return 1.0
        finite = [v[np.isfinite(v)] for v in self.values]
        m = max([float(f.max()) for f in finite if f.size] or [1.0])
        return style.nice_ceiling(max(m, 1e-6))

    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        label_w, cell, _, _ = self._layout()
        top = self.top()
        fg = QtGui.QColor(style.FOREGROUND)
        edge = QtGui.QPen(QtGui.QColor("#ffffff"), 1)
        for layer, v in enumerate(self.values):
            first = self.cell_rect(layer, 0)
            p.setPen(fg)
            p.drawText(QtCore.QRectF(0, first.y(), label_w - 6, cell),
                       QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter,
                       f"layer {layer + 1}")
            p.setPen(edge)
            for k, a in enumerate(v):
                p.setBrush(self._colour(float(a), top))
                p.drawRect(self.cell_rect(layer, k))
        p.end()

    def event(self, e) -> bool:
        if e.type() == QtCore.QEvent.Type.ToolTip:
            hit = self.cell_at(QtCore.QPointF(e.pos()))
            if hit is not None:
                layer, k = hit
                a = float(self.values[layer][k])
                QtWidgets.QToolTip.showText(
                    e.globalPos(), f"hidden layer {layer + 1}, neuron {k}: activation "
                                   f"{style.fmt(a)}", self)
            else:
                QtWidgets.QToolTip.showText(e.globalPos(), self.toolTip(), self)
            return True
        return super().event(e)

"""A plot grid drawn as opaque lines inside the view box, not by the axes.

An axis grid covers the whole plot, so every change of the data repainted both
axes with their translucent lines (≈ 90 % of a frame's paint in the Step-size
view). :class:`OpaqueGrid` looks the same and is redrawn only when the range or
the size changes; the axes then repaint only when their ticks change.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from gdviz.qt import style

__all__ = ["OpaqueGrid"]


def _grey(alpha: float) -> QtGui.QColor:
    """The axis colour at ``alpha`` (0–255) over the background, as an opaque colour."""
    fg, bg = QtGui.QColor(style.FOREGROUND), QtGui.QColor(style.BACKGROUND)
    a = min(max(alpha / 255.0, 0.0), 1.0)
    return QtGui.QColor(*(round(b + (f - b) * a) for f, b in
                          ((fg.red(), bg.red()), (fg.green(), bg.green()), (fg.blue(), bg.blue()))))


class OpaqueGrid:
    """The look of ``showGrid(x=True, y=True, alpha=GRID_ALPHA)`` drawn as opaque lines in
    the view (one cosmetic path per tick level) and redrawn only when the range or the
    size changes: the axes then repaint only when their ticks change."""

    GRID_ALPHA = 0.15
    LEVELS = 3

    def __init__(self, vb: pg.ViewBox, bottom: pg.AxisItem, left: pg.AxisItem, x_ticks):
        self.vb, self.bottom, self.left = vb, bottom, left
        self.x_levels = [[v for v, _ in level] for level in x_ticks]
        self.items = []
        for _ in range(self.LEVELS):
            item = QtWidgets.QGraphicsPathItem()
            item.setZValue(-30)
            vb.addItem(item, ignoreBounds=True)
            self.items.append(item)
        self._key = None
        vb.sigRangeChanged.connect(self.update)
        vb.sigResized.connect(self.update)

    @staticmethod
    def _alpha(level: int, n_ticks: int, length: float) -> float:
        # AxisItem.generateDrawSpecs: the alpha of a grid line of this tick level
        return (255 / (level + 1) * int(OpaqueGrid.GRID_ALPHA * 255) / 255.0
                * min(max(0.05 * length / (n_ticks + 1), 0.0), 1.0))

    def update(self, *_):
        (x0, x1), (y0, y1) = self.vb.viewRange()
        w, h = self.vb.width(), self.vb.height()
        key = (x0, x1, y0, y1, w, h, self.left.logMode)
        if key == self._key or w <= 0 or h <= 0:
            return
        self._key = key
        y_levels = [list(v) for _, v in self.left.tickValues(y0, y1, h)]
        paths = [QtGui.QPainterPath() for _ in self.items]
        colours = [None] * len(self.items)
        for lev, xs in enumerate(self.x_levels[:len(paths)]):
            xs = [x for x in xs if x0 <= x <= x1]
            colours[lev] = self._alpha(lev, len(self.x_levels[lev]), w)
            for x in xs:
                paths[lev].moveTo(x, y0)
                paths[lev].lineTo(x, y1)
        y_paths = [QtGui.QPainterPath() for _ in self.items]
        y_alpha = [None] * len(self.items)
        for lev, ys in enumerate(y_levels[:len(paths)]):
            y_alpha[lev] = self._alpha(lev, len(ys), h)
            for y in ys:
                if y0 <= y <= y1:
                    y_paths[lev].moveTo(x0, float(y))
                    y_paths[lev].lineTo(x1, float(y))
        # one item per (axis, level) would double the items; x and y levels of the same
        # alpha share an item, others get their own alpha below
        for lev, item in enumerate(self.items):
            path = QtGui.QPainterPath(paths[lev])
            path.addPath(y_paths[lev])
            a = [v for v in (colours[lev], y_alpha[lev]) if v is not None]
            pen = QtGui.QPen(_grey(max(a) if a else 0.0), 1)
            pen.setCosmetic(True)
            item.setPen(pen)
            item.setPath(path)

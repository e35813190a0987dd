"""Many round dots of one size and colour: a plot item far cheaper to update than a
ScatterPlotItem (one pre-drawn dot placed with ``drawPixmapFragments``)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

__all__ = ["DotsItem"]


class DotsItem(QtWidgets.QGraphicsItem):
    """Round dots of one size (screen pixels) and colour at points (x, y): one
    pre-drawn dot placed with ``drawPixmapFragments``, far cheaper to update than a
    ScatterPlotItem. ``getData()`` gives (x, y). ``unit``: the points are components
    of unit vectors (|x|, |y| ≤ 1), so the bounding rectangle never changes."""

    def __init__(self, size: float, color: QtGui.QColor, unit: bool = True):
        super().__init__()
        self._unit = unit
        self._bounds = QtCore.QRectF(-1.1, -1.1, 2.2, 2.2)
        self._size = float(size)
        self._color = QtGui.QColor(color)
        self._dot = None  # (device pixel ratio, pixmap of one dot)
        self._frags = pg.Qt.internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)
        self._xy = (np.zeros(0), np.zeros(0))

    def setData(self, x, y) -> None:
        self._xy = (np.array(x, dtype=np.float64), np.array(y, dtype=np.float64))  # copies
        if not self._unit:
            x, y = self._xy
            ok = np.isfinite(x) & np.isfinite(y)
            if ok.any():
                x0, x1, y0, y1 = x[ok].min(), x[ok].max(), y[ok].min(), y[ok].max()
                px, py = 0.05 * (x1 - x0) + 1.0, 0.05 * (y1 - y0) + 0.05
                rect = QtCore.QRectF(x0 - px, y0 - py, x1 - x0 + 2 * px, y1 - y0 + 2 * py)
            else:
                rect = QtCore.QRectF()
            if rect != self._bounds:
                self.prepareGeometryChange()
                self._bounds = rect
        self.update()

    def _pixmap(self, dpr: float) -> QtGui.QPixmap:
        if self._dot is None or self._dot[0] != dpr:
            side = math.ceil((self._size + 2) * dpr)
            pm = QtGui.QPixmap(side, side)
            pm.fill(QtCore.Qt.GlobalColor.transparent)
            q = QtGui.QPainter(pm)
            q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            q.setPen(QtCore.Qt.PenStyle.NoPen)
            q.setBrush(self._color)
            d = self._size * dpr
            q.drawEllipse(QtCore.QRectF((side - d) / 2, (side - d) / 2, d, d))
            q.end()
            pm.setDevicePixelRatio(dpr)
            self._dot = (dpr, pm)
        return self._dot[1]

    def clear(self) -> None:
        self.setData([], [])

    def getData(self):
        return self._xy

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p, *_args) -> None:
        x, y = self._xy
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.all():
            x, y = x[ok], y[ok]
        if not x.size:
            return
        # as ScatterPlotItem does: one pre-drawn dot, placed in device pixels
        dev = p.device()
        dpr = float(dev.devicePixelRatioF()) if dev is not None else 1.0
        pm = self._pixmap(dpr)
        pts = pg.functions.transformCoordinates(p.transform(), np.vstack([x, y]))
        pts = pg.functions.clip_array(pts, -2 ** 30, 2 ** 30)
        p.resetTransform()
        self._frags.resize(x.size)
        frags = self._frags.ndarray()
        frags[:, 0:2] = pts.T
        frags[:, 2:6] = [0.0, 0.0, pm.width(), pm.height()]
        frags[:, 6:10] = [1 / dpr, 1 / dpr, 0.0, 1.0]
        p.drawPixmapFragments(*self._frags.drawargs(), pm)

"""Training and test accuracy over a run, the gap between them shaded (Generalisation)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import style

__all__ = ["TEST_COLOUR", "TRAIN_COLOUR", "AccuracyGapPlot"]

TRAIN_COLOUR = (33, 102, 172)  # as the cost panel: blue = training
TEST_COLOUR = (200, 30, 45)  # red = test


def _axis_ceiling(x: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k that is ≥ x (steps the axis in small jumps)."""
    e = math.floor(math.log10(x))
    for f in (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if f * 10.0 ** e >= x:
            return f * 10.0 ** e
    return 10.0 ** (e + 1)


class AccuracyGapPlot:
    """Accuracy (%) against the step on ``canvas``: ``train_curve`` blue, ``test_curve``
    red, a dot per measurement, the band between them shaded and a line at chance (10 %)."""

    def __init__(self):
        self.canvas = style.plot_widget()
        self.canvas.setMinimumHeight(110)
        self.canvas.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                  QtWidgets.QSizePolicy.Policy.Ignored)
        self.plot = style.fixed_plot(self.canvas)
        self.plot.setYRange(-4, 104, padding=0)
        self.plot.setXRange(0, 10, padding=0.02)
        self.plot.getAxis("left").setTicks([[(v, f"{v}") for v in (0, 25, 50, 75, 100)], []])
        self.plot.showGrid(y=True, alpha=0.15)
        self.plot.getAxis("left").setWidth(44)
        self.train_curve = self.plot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2))
        self.test_curve = self.plot.plot(pen=pg.mkPen(TEST_COLOUR, width=2))
        # The dots: a scatter per curve, its child (drawn above its line, as a PlotDataItem's
        # own symbols), that new measurements are appended to (setData would rebuild them all).
        self.train_dots = pg.ScatterPlotItem(symbol="o", size=5, brush=pg.mkBrush(TRAIN_COLOUR),
                                             pen=None)
        self.test_dots = pg.ScatterPlotItem(symbol="s", size=5, brush=pg.mkBrush(TEST_COLOUR),
                                            pen=None)
        self.train_dots.setParentItem(self.train_curve)
        self.test_dots.setParentItem(self.test_curve)
        self._n_dots = 0  # measurements in the dots
        self._x_top = None
        self.gap_fill = pg.FillBetweenItem(self.train_curve, self.test_curve,
                                           brush=pg.mkBrush(200, 30, 45, 40))
        self.plot.addItem(self.gap_fill)
        # one path update per curve redraw (after the test curve), not one per curve
        self.train_curve.sigPlotChanged.disconnect(self.gap_fill.curveChanged)
        self.chance = pg.InfiniteLine(pos=10, angle=0, movable=False,
                                      pen=pg.mkPen(style.MUTED, width=1,
                                                   style=QtCore.Qt.PenStyle.DashLine),
                                      label="guessing: 10 %",
                                      labelOpts={"position": 0.92, "color": style.MUTED,
                                                 "anchors": [(1, 1), (1, 1)]})
        self.plot.addItem(self.chance)

    def apply_font(self, base) -> None:
        pt = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
        for side in ("left", "bottom"):
            style.style_axis(self.plot.getAxis(side), size=pt * 0.9)
        style.style_axis(self.plot.getAxis("left"), "accuracy %", size=pt * 0.9)
        style.style_axis(self.plot.getAxis("bottom"), "step", size=pt * 0.9)
        self.chance.label.setFont(style.rel_font(base, 0.85))
        self.plot.getAxis("left").setWidth(round(pt * 5.5))

    def show_gap(self, gap, fresh: bool) -> None:
        """Show an :class:`~gdviz.training.analysis.AccuracyGap` (accuracies 0..1);
        ``fresh``: of another run than the last one shown (its dots are not appended to)."""
        x = gap.step.astype(np.float64)
        tr = 100.0 * gap.train_accuracy
        te = 100.0 * gap.test_accuracy
        ok = np.isfinite(tr) & np.isfinite(te)
        xs, trs, tes = x[ok], tr[ok], te[ok]
        self.train_curve.setData(xs, trs)
        self.test_curve.setData(xs, tes)  # (updates the gap fill)
        if fresh or xs.size < self._n_dots:
            self._n_dots = 0
        if self._n_dots == 0:
            self.train_dots.setData(x=xs, y=trs)
            self.test_dots.setData(x=xs, y=tes)
        elif xs.size > self._n_dots:
            k = self._n_dots
            self.train_dots.addPoints(x=xs[k:], y=trs[k:])
            self.test_dots.addPoints(x=xs[k:], y=tes[k:])
        self._n_dots = int(xs.size)
        top = _axis_ceiling(max(10.0, float(x.max()) if x.size else 10.0) * 1.05)
        if top != self._x_top:
            self._x_top = top
            self.plot.setXRange(0, top, padding=0.02)

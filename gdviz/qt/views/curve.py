"""Downhill in one dimension: a ball on a cost curve with three valleys.

The slope (the tangent at the ball) says which way is downhill; each step
moves x by −η·slope. Click the curve to start elsewhere and reach another
valley; raise η to overshoot the bottom, and past 2/curvature to diverge.
The curve and every step come from :mod:`gdviz.training.intuition`.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import style
from gdviz.qt.views.descent import DescentView
from gdviz.training.intuition import CURVE, Path

__all__ = ["CurveView"]

BALL = (230, 97, 1)
TANGENT = (26, 152, 80)
LINE = (33, 102, 172)


class CurveView(DescentView):
    """The 1-D intuition view. Options: ``lr`` (η) and ``start`` (x where the ball starts).

    ``path`` is the :class:`~gdviz.training.intuition.Path` walked so far (its last
    point is the ball); ``step()`` takes one step as the Step button does."""

    TITLE = "Downhill in one dimension: a ball on the cost curve"
    NOTE = ("A cost C(x) that depends on one number x. The green line is the slope at the ball; "
            "a step moves x by −η × slope: downhill, a little. Click the curve to start "
            "somewhere else.")
    STEP_TIP = "One step: x ← x − η·C′(x)."
    AXES = ("x (one parameter)", "cost C(x)")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.restart()

    # ------------------------------------------------------------------ layout
    def _inputs(self) -> dict[str, QtWidgets.QWidget]:
        self.lr_spin = style.spin_box(0.01, 5.0, 0.3, decimals=2, step=0.05, prefix="η = ",
                                      tip="The learning rate: each step is η times the slope.")
        self.lr_spin.valueChanged.connect(self._show)
        self.start_spin = style.spin_box(*CURVE.domain, 1.0, decimals=2, step=0.1, prefix="start x = ",
                                         tip="Where the ball starts (or click the curve).")
        self.start_spin.valueChanged.connect(self.restart)
        return {"lr": self.lr_spin, "start": self.start_spin}

    def _add_items(self) -> None:
        xs = np.linspace(*CURVE.domain, 801)
        ys = CURVE.cost(xs)
        self.plot.setXRange(*CURVE.domain, padding=0.02)
        self.plot.setYRange(float(ys.min()) - 0.3, float(ys.max()) + 0.3, padding=0)
        self.curve = self.plot.plot(xs, ys, pen=pg.mkPen(LINE, width=2.5))
        self.trail = pg.PlotDataItem(pen=pg.mkPen(BALL, width=1.2, style=QtCore.Qt.PenStyle.DotLine),
                                     symbol="o", symbolSize=8, symbolPen=None,
                                     symbolBrush=pg.mkBrush(*BALL, 120))
        self.plot.addItem(self.trail)
        self.tangent = pg.PlotDataItem(pen=pg.mkPen(TANGENT, width=2))
        self.plot.addItem(self.tangent)
        self.ball = pg.ScatterPlotItem(size=18, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(BALL))
        self.ball.setZValue(10)
        self.plot.addItem(self.ball)

    # ------------------------------------------------------------------ DescentView
    def start_point(self) -> np.ndarray:
        return np.array([self.start_spin.value()])

    def descend(self, p: np.ndarray, steps: int) -> Path:
        """``steps`` steps x ← x − η·C′(x) from ``p`` ``(1,)``."""
        return CURVE.descend(float(p[0]), self.lr_spin.value(), steps)

    def _start_at(self, x: float, y: float) -> None:
        lo, hi = CURVE.domain
        self.start_spin.setValue(min(max(x, lo), hi))  # restarts there

    # ------------------------------------------------------------------ drawing
    def _show(self, *_) -> None:
        pts, costs = self.path.points[:, 0], self.path.costs
        ok = np.isfinite(pts) & (np.abs(pts) < 50)
        self.trail.setData(pts[ok], costs[ok])
        x = float(pts[-1])
        lr = self.lr_spin.value()
        if self.path.diverged or not math.isfinite(x):
            self.ball.setData([], [])
            self.tangent.setData([], [])
            self.words.setText(
                "<span style='color:#b2182b'><b>The steps grow instead of shrinking: the ball "
                f"flies off the curve.</b></span> With η = {lr:g} each step overshoots the "
                "bottom by more than it started from. Lower η and start again.")
            return
        c, s = float(CURVE.cost(x)), float(CURVE.slope(x))
        k = float(CURVE.curvature(CURVE.valley_of(x)))  # at the bottom of the ball's valley
        self.ball.setData([x], [c])
        half = 0.6
        self.tangent.setData([x - half, x + half], [c - half * s, c + half * s])
        nxt = x - lr * s
        way = "downhill (to the left)" if s > 0 else "downhill (to the right)" if s < 0 else "nowhere"
        text = (f"x = {x:.3f}, C(x) = {c:.3f}, slope C′(x) = {s:+.3f}. "
                f"Next step: x − η·C′(x) = {x:.3f} − {lr:g} × ({s:+.3f}) = <b>{nxt:.3f}</b>, "
                f"{way}.")
        if self.path.steps:
            text += f" {self.path.steps} step{'s' if self.path.steps != 1 else ''} so far."
        if k > 0:
            limit = 2.0 / k
            verdict = ("stable" if lr < limit else
                       "<span style='color:#b2182b'><b>too large: it overshoots more each time</b></span>")
            text += (f"<br>At this valley's bottom the curvature is C″ = {k:.2f}: there a step "
                     f"settles while η &lt; 2/C″ = {limit:.2f}; η = {lr:g} is {verdict}.")
        self.words.setText(text)

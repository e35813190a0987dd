"""Two inputs: a cost surface seen from above, its gradient and the descent path.

The contour lines are the cost's level curves; the gradient ∇C points uphill
fastest (across them), −∇C downhill. Each step moves the point by −η·∇C.
A round bowl is walked straight down; in a narrow valley a large η zig-zags
from wall to wall, and past 2/λ_max it diverges. The bowls and every step
come from :mod:`gdviz.training.intuition`; the level curves of a quadratic
bowl are ellipses, drawn exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import style
from gdviz.qt.views.descent import DescentView
from gdviz.training.intuition import BOWLS, Path

__all__ = ["BowlView"]

EXTENT = 3.0
LEVELS = (0.05, 0.2, 0.5, 1.0, 2.0, 3.5, 5.5, 8.0)
UP = (120, 120, 120)
DOWN = (26, 152, 80)
PATH = (230, 97, 1)
CONTOUR = (33, 102, 172)


def _ellipse(bowl, level: float, n: int = 181) -> np.ndarray:
    """The level curve C(p) = ``level`` of a quadratic bowl, ``(n, 2)``."""
    t = np.linspace(0, 2 * np.pi, n)
    w, v = np.linalg.eigh(bowl.hessian)
    radii = np.sqrt(2 * level / w)
    return (np.stack([radii[0] * np.cos(t), radii[1] * np.sin(t)], 1)) @ v.T


class BowlView(DescentView):
    """The 2-D intuition view. Options: ``bowl`` ("round" or "valley") and ``lr`` (η).

    ``path`` is the :class:`~gdviz.training.intuition.Path` walked so far;
    ``start`` is where it began; ``step()`` takes one step as the Step button does."""

    TITLE = "Two inputs: the gradient points uphill, −∇C downhill"
    NOTE = ("A cost C(x, y) of two numbers, seen from above: each blue line joins points of "
            "equal cost. The grey arrow is the gradient ∇C (steepest uphill); the green one "
            "−∇C (steepest downhill). A step moves the point by −η·∇C. Click to start "
            "somewhere else.")
    STEP_TIP = "One step: p ← p − η·∇C(p)."
    AXES = ("x (first parameter)", "y (second parameter)")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.start = np.array([-1.0, 2.0])
        self._bowl_changed()

    @property
    def bowl(self):
        return BOWLS[self.bowl_box.currentData()]

    # ------------------------------------------------------------------ layout
    def _inputs(self) -> dict[str, QtWidgets.QWidget]:
        self.bowl_box = QtWidgets.QComboBox()
        for key, bowl in BOWLS.items():
            self.bowl_box.addItem(bowl.name, key)
        self.bowl_box.setToolTip("A round bowl, or a narrow valley (steep walls, a gentle floor).")
        self.bowl_box.currentIndexChanged.connect(self._bowl_changed)
        self.lr_spin = style.spin_box(0.001, 3.0, 0.1, decimals=3, step=0.01, prefix="η = ",
                                      tip="The learning rate: each step is η times the gradient.")
        self.lr_spin.valueChanged.connect(self._show)
        return {"bowl": self.bowl_box, "lr": self.lr_spin}

    def _add_items(self) -> None:
        self.plot.getViewBox().setAspectLocked(True)
        self.plot.setXRange(-EXTENT, EXTENT, padding=0)
        self.plot.setYRange(-EXTENT, EXTENT, padding=0)
        self.contours = [self.plot.plot(pen=pg.mkPen(CONTOUR, width=1.2)) for _ in LEVELS]
        self.trail = pg.PlotDataItem(pen=pg.mkPen(PATH, width=1), symbol="o", symbolSize=5,
                                     symbolPen=None, symbolBrush=pg.mkBrush(PATH))
        self.plot.addItem(self.trail)
        self.up_line = self.plot.plot(pen=pg.mkPen(UP, width=2, style=QtCore.Qt.PenStyle.DashLine))
        self.down_line = self.plot.plot(pen=pg.mkPen(DOWN, width=3))
        self.down_head = pg.ArrowItem(headLen=16, tipAngle=30, pen=None, brush=pg.mkBrush(DOWN))
        self.up_head = pg.ArrowItem(headLen=12, tipAngle=30, pen=None, brush=pg.mkBrush(UP))
        for item in (self.up_line, self.down_line, self.down_head, self.up_head):
            item.setZValue(8)
        for item in (self.down_head, self.up_head):
            self.plot.addItem(item)
        self.point = pg.ScatterPlotItem(size=16, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(PATH))
        self.point.setZValue(10)
        self.plot.addItem(self.point)

    # ------------------------------------------------------------------ DescentView
    def _bowl_changed(self, *_) -> None:
        for item, level in zip(self.contours, LEVELS):
            e = _ellipse(self.bowl, level)
            item.setData(e[:, 0], e[:, 1])
        self.restart()

    def start_point(self) -> np.ndarray:
        return self.start

    def descend(self, p: np.ndarray, steps: int) -> Path:
        """``steps`` steps p ← p − η·∇C(p) from ``p`` ``(2,)``."""
        return self.bowl.descend(p, self.lr_spin.value(), steps)

    def _start_at(self, x: float, y: float) -> None:
        self.start = np.clip([x, y], -EXTENT, EXTENT)
        self.restart()

    # ------------------------------------------------------------------ drawing
    def _show(self, *_) -> None:
        pts = self.path.points
        ok = np.all(np.isfinite(pts), axis=1) & (np.max(np.abs(pts), axis=1) < 50)
        self.trail.setData(pts[ok, 0], pts[ok, 1])
        lr, bowl = self.lr_spin.value(), self.bowl
        limit = 2.0 / bowl.lam_max
        if self.path.diverged:
            for item in (self.point, self.up_line, self.down_line):
                item.setData([], [])
            self.words.setText(
                "<span style='color:#b2182b'><b>The steps grow: the point flies out of the "
                f"valley.</b></span> Across the steepest wall the curvature is λ_max = "
                f"{bowl.lam_max:g}; a step settles only while η &lt; 2/λ_max = {limit:.3f}, and "
                f"η = {lr:g}. Lower η and start again.")
            return
        p = pts[-1]
        g = bowl.gradient(p)
        gn = float(np.linalg.norm(g))
        self.point.setData([p[0]], [p[1]])
        if gn > 0:
            u = g / gn * 0.8
            self._arrow(self.up_line, self.up_head, p, p + u)
            self._arrow(self.down_line, self.down_head, p, p - u)
        nxt = p - lr * g
        text = (f"Point ({p[0]:.2f}, {p[1]:.2f}), C = {float(bowl.cost(p)):.3f}. "
                f"∇C = ({g[0]:+.2f}, {g[1]:+.2f}); next step p − η·∇C = "
                f"<b>({nxt[0]:.2f}, {nxt[1]:.2f})</b>.")
        if self.path.steps:
            text += f" {self.path.steps} step{'s' if self.path.steps != 1 else ''} so far."
        verdict = ("settles" if lr < limit else
                   "<span style='color:#b2182b'><b>grows: too large</b></span>")
        text += (f"<br>Steepest curvature λ_max = {bowl.lam_max:g}: the bounce across the "
                 f"valley shrinks while η &lt; 2/λ_max = {limit:.3f}; with η = {lr:g} it {verdict}.")
        self.words.setText(text)

    @staticmethod
    def _arrow(line, head, a, b) -> None:
        line.setData([a[0], b[0]], [a[1], b[1]])
        head.setPos(b[0], b[1])
        # ArrowItem points along its angle: 0° points left, so turn it to face a → b
        head.setStyle(angle=180 - math.degrees(math.atan2(b[1] - a[1], b[0] - a[0])))

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
from gdviz.qt.views.base import LessonView
from gdviz.training.intuition import CURVE, Path

__all__ = ["CurveView"]

ROLL_HZ = 4  # steps per second while rolling: slow enough to follow each one
MAX_STEPS = 300
BALL = (230, 97, 1)
TANGENT = (26, 152, 80)
LINE = (33, 102, 172)


class CurveView(LessonView):
    """The 1-D intuition view. Options: ``lr`` (η) and ``start`` (x where the ball starts).

    ``path`` is the :class:`~gdviz.training.intuition.Path` walked so far (its last
    point is the ball); ``step()`` takes one step as the Step button does."""

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.path: Path = CURVE.descend(1.0, 0.0, 0)
        self._roll = QtCore.QTimer(self)
        self._roll.setInterval(1000 // ROLL_HZ)
        self._roll.timeout.connect(self._roll_step)
        self._build()
        self.bind_option("lr", self.lr_spin)
        self.bind_option("start", self.start_spin)
        self.restart()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        lay = style.panel_layout(self)
        lay.addWidget(style.title_label("Downhill in one dimension: a ball on the cost curve"))
        lay.addWidget(style.note_label(
            "A cost C(x) that depends on one number x. The green line is the slope at the ball; "
            "a step moves x by −η × slope: downhill, a little. Click the curve to start "
            "somewhere else."))
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(8)
        self.lr_spin = QtWidgets.QDoubleSpinBox()
        self.lr_spin.setRange(0.01, 5.0)
        self.lr_spin.setDecimals(2)
        self.lr_spin.setSingleStep(0.05)
        self.lr_spin.setValue(0.3)
        self.lr_spin.setPrefix("η = ")
        self.lr_spin.setToolTip("The learning rate: each step is η times the slope.")
        self.lr_spin.valueChanged.connect(self._settings_changed)
        self.start_spin = QtWidgets.QDoubleSpinBox()
        self.start_spin.setRange(*CURVE.domain)
        self.start_spin.setDecimals(2)
        self.start_spin.setSingleStep(0.1)
        self.start_spin.setValue(1.0)
        self.start_spin.setPrefix("start x = ")
        self.start_spin.setToolTip("Where the ball starts (or click the curve).")
        self.start_spin.valueChanged.connect(self.restart)
        self.step_button = QtWidgets.QPushButton("Step")
        self.step_button.setToolTip("One step: x ← x − η·C′(x).")
        self.step_button.clicked.connect(self.step)
        self.roll_button = QtWidgets.QPushButton("Roll")
        self.roll_button.setCheckable(True)
        self.roll_button.setToolTip(f"Keep stepping, {ROLL_HZ} steps a second.")
        self.roll_button.toggled.connect(self._toggle_roll)
        self.again_button = QtWidgets.QPushButton("Start again")
        self.again_button.clicked.connect(self.restart)
        for w in (self.lr_spin, self.start_spin, self.step_button, self.roll_button,
                  self.again_button):
            w.setFont(style.font(9.5))
            row.addWidget(w)
        row.addStretch(1)
        lay.addLayout(row)

        self.canvas = style.plot_widget()
        self.plot: pg.PlotItem = self.canvas.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        style.fixed_view(self.plot.getViewBox())
        style.style_axis(self.plot.getAxis("bottom"), "x (one parameter)")
        style.style_axis(self.plot.getAxis("left"), "cost C(x)")
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
        lay.addWidget(self.canvas, 1)
        self.canvas.scene().sigMouseClicked.connect(self._clicked)

        self.words = QtWidgets.QLabel(" ")
        self.words.setFont(style.font(10.5))
        self.words.setWordWrap(True)
        self.words.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.words.setMinimumHeight(60)
        lay.addWidget(self.words)

    # ------------------------------------------------------------------ actions
    def restart(self, *_) -> None:
        """Put the ball back at the start."""
        self.roll_button.setChecked(False)
        self.path = CURVE.descend(self.start_spin.value(), self.lr_spin.value(), 0)
        self._show()

    def step(self) -> None:
        """One step x ← x − η·C′(x) from where the ball is."""
        if self.path.diverged:
            return
        x = float(self.path.points[-1, 0])
        nxt = CURVE.descend(x, self.lr_spin.value(), 1)
        self.path = Path(np.concatenate([self.path.points, nxt.points[1:]]),
                         np.concatenate([self.path.costs, nxt.costs[1:]]), nxt.diverged)
        self._show()

    def _toggle_roll(self, on: bool) -> None:
        if on:
            self._roll.start()
        else:
            self._roll.stop()

    def _roll_step(self) -> None:
        before = float(self.path.points[-1, 0])
        self.step()
        after = float(self.path.points[-1, 0])
        if self.path.diverged or abs(after - before) < 1e-4 or self.path.steps >= MAX_STEPS:
            self.roll_button.setChecked(False)

    def _settings_changed(self, *_) -> None:
        self._show()

    def _clicked(self, ev) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        x = vb.mapSceneToView(ev.scenePos()).x()
        lo, hi = CURVE.domain
        self.start_spin.setValue(min(max(x, lo), hi))  # restarts there

    # ------------------------------------------------------------------ drawing
    def _show(self) -> None:
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

    # ------------------------------------------------------------------ LessonView
    def render(self, snap) -> None:
        """Not driven by training: the curve is its own small world."""

    def shutdown(self) -> None:
        self._roll.stop()
        super().shutdown()

"""The step along the slope: the cost C(θ − s·∇C) for every step size s.

One gradient step moves θ a distance s = η along the downhill direction −∇C.
This view measures, on a fixed set of 500 training digits, what the cost
would be after a step of each size s from 10⁻⁴ to 100 (log axis), marks the
step η that training will take, the cost C(θ) now and the best s — so that
turning η past the bottom of the valley shows the overshoot before it happens.

The slope is, by default, the gradient of those 500 digits at θ now, so "the
cost the next step reaches" is exact on that batch; the alternative is the last
mini-batch's gradient (``snap.grad``: the direction of the step training just
took). The slice is computed by :func:`gdviz.training.cost_around.step_size_for`
in the view's background job: live at ≤ 4 Hz while training, on every step
while paused or stepping.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style
from gdviz.qt.plot_items import PathCurve, PixelMarker
from gdviz.qt.views.base import LessonView, ViewJob
from gdviz.qt.views.plot_grid import OpaqueGrid
from gdviz.training.config import LR_MAX, LR_MIN, SettingError
from gdviz.training.cost_around import SLOPES, StepSizeResult, cost_axis_fit, step_size_for
from gdviz.training.landscape import fixed_eval_batch
from gdviz.training.scales import SteadyRange

__all__ = ["StepSizeView", "EVAL_N", "LIVE_HZ", "SLOPES"]

EVAL_N = 500  # training digits the slice is measured on
LIVE_HZ = 4.0  # slices per second at most while training
S_LOG_RANGE = (-4.0, 2.0)  # log10 of the step sizes shown (10⁻⁴ … 100)
SLOPE_LABELS = {
    "eval": f"∇C of the {EVAL_N} digits at θ now (exact)",
    "batch": "∇C of the last mini-batch",
}
SLOPE_TIPS = {
    "eval": (f"Slope of the same {EVAL_N} training digits the cost is measured on, at θ now. "
             "Then the marked point is exactly the cost one plain step of size η would reach "
             "on these digits."),
    "batch": ("The gradient of the last mini-batch (the one training used for its last step, "
              "computed before that step). A few digits only: it points roughly, not exactly, "
              f"downhill for the {EVAL_N} digits, so the curve may not start going down."),
}

CURVE = (33, 102, 172)  # blue: the cost along the step
ETA = (230, 97, 1)  # orange: the step η training takes
BEST = (26, 152, 80)  # green: the best step
UPHILL = (178, 24, 43)  # red: a step that goes uphill
NOW = (90, 90, 90)  # grey: C(θ) now
LIMIT = (60, 60, 60)  # dark grey: the stability limit s = 2/λ_max


def _clock() -> float:
    """The scheduling clock (seconds); tests replace it."""
    return time.perf_counter()


def _now() -> float:
    return _clock()  # looked up at each call, so a test's replacement takes effect


def _set_format(label, text: str) -> None:
    """An InfLineLabel's text, set only when it changes (each change lays the text out)."""
    if label.format != text:
        label.setFormat(text)


def _decade_ticks(lo: float, hi: float) -> list:
    """Ticks for a log10 axis: every decade labelled in plain numbers, 2…9 unlabelled."""
    major, minor = [], []
    for k in range(math.floor(lo), math.ceil(hi) + 1):
        major.append((float(k), style.fmt(10.0 ** k) if k < 4 else f"1e{k}"))
        minor += [(k + math.log10(m), "") for m in range(2, 10) if k + math.log10(m) <= hi]
    return [major, minor]


def _log10(x: float) -> float:
    return math.log10(x) if x > 0 and math.isfinite(x) else float("nan")


def _nice_rates() -> np.ndarray:
    """η values the slider offers: 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8 × 10^k within [LR_MIN, LR_MAX]."""
    m = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
    lo, hi = math.floor(math.log10(LR_MIN)), math.ceil(math.log10(LR_MAX))
    vals = [float(f"{x * 10.0 ** k:.6g}") for k in range(lo, hi + 1) for x in m]
    return np.array([v for v in vals if LR_MIN * (1 - 1e-9) <= v <= LR_MAX * (1 + 1e-9)])


SLIDER_RATES = _nice_rates()


def lr_to_slider(lr: float) -> int:
    """The slider position of the offered η nearest to ``lr`` (in log scale)."""
    if not (lr > 0 and math.isfinite(lr)):
        return 0
    return int(np.argmin(np.abs(np.log10(SLIDER_RATES) - math.log10(lr))))


def slider_to_lr(v: int) -> float:
    return float(SLIDER_RATES[min(max(int(v), 0), len(SLIDER_RATES) - 1)])


class StepSizeView(LessonView):
    """"The step along the slope": C(θ − s·∇C) against s, with η, C(θ) and the best s.

    Options (``set_option``): ``slope`` ("eval" | "batch": which gradient the slice
    follows) and ``log_cost`` (log scale for the cost axis). Also public:

    * ``job`` — the :class:`ViewJob` computing slices;
    * ``shown`` — the :class:`~gdviz.training.cost_around.StepSizeResult` on screen
      (its ``slice`` is the :class:`~gdviz.training.landscape.StepSizeSlice` plotted);
    * ``verdict_text()`` — the sentence under the plot (plain text);
    * ``render_seconds`` — duration of the last ``render`` call.
    """

    PARTS = ("curve", "markers", "words")

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.setMinimumSize(480, 380)
        self.job: ViewJob = self.background(step_size_for, "gdviz-step-size", clock=_now)
        self.batch = None  # the fixed evaluation digits (EvalBatch) of the dataset
        self._batch_of = None  # the dataset the batch was drawn from
        self.shown: StepSizeResult | None = None
        self.render_seconds = 0.0
        self._yaxis = SteadyRange()  # the cost axis's range
        self._slider_lr: float | None = None  # η sent from the slider, not yet in a snapshot
        self._sharp = None  # the window's SharpnessHistory (share_sharpness)
        self._sharp_key = None  # what the stability line shows
        self._build()
        self.bind_option("slope", self.slope_box)
        self.bind_option("log_cost", self.log_box)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        lay = style.panel_layout(self)
        lay.addWidget(style.title_label(
            "The step along the slope: how far should θ move downhill?"))
        lay.addWidget(style.note_label(
            "Gradient descent moves all the weights together a distance s along the downhill "
            "direction −∇C. The curve is the cost C(θ − s·∇C) after one such step of size s, for s "
            f"from 0.0001 to 100, measured on {EVAL_N} fixed training digits. The step training "
            "takes is s = η (orange). Below the dashed line the step helps; above it (pink) it "
            "goes uphill."))

        row = QtWidgets.QHBoxLayout()
        row.setSpacing(8)
        lab = QtWidgets.QLabel("Downhill direction:")
        lab.setFont(style.font(9))
        row.addWidget(lab)
        self.slope_box = QtWidgets.QComboBox()
        self.slope_box.setFont(style.font(9))
        for key in SLOPES:
            self.slope_box.addItem(SLOPE_LABELS[key], key)
            self.slope_box.setItemData(self.slope_box.count() - 1, SLOPE_TIPS[key],
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self.slope_box.setToolTip("Which gradient ∇C the step follows.\n\n"
                                  + "\n\n".join(f"• {SLOPE_LABELS[k]}: {SLOPE_TIPS[k]}"
                                                for k in SLOPES))
        self.slope_box.currentIndexChanged.connect(self._controls_changed)
        lab.setToolTip(self.slope_box.toolTip())
        row.addWidget(self.slope_box)
        self.log_box = QtWidgets.QCheckBox("log cost axis")
        self.log_box.setFont(style.font(9))
        self.log_box.setToolTip("Show the cost on a logarithmic scale and the whole curve, even "
                                "where a huge step blows the cost up. Off, the plot zooms on the "
                                "valley around the cost now, and the blown-up part leaves "
                                "through the top.")
        self.log_box.toggled.connect(self._controls_changed)
        row.addWidget(self.log_box)
        row.addStretch(1)
        eta_lab = QtWidgets.QLabel("η:")
        eta_lab.setFont(style.font(9, bold=True))
        row.addWidget(eta_lab)
        self.lr_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.lr_slider.setRange(0, len(SLIDER_RATES) - 1)
        self.lr_slider.setPageStep(10)
        self.lr_slider.setMinimumWidth(140)
        self.lr_slider.setMaximumWidth(260)
        self.lr_slider.setToolTip(
            "The learning rate η of the training (log scale, 0.0001 … 100). Drag it and watch the "
            "orange marker slide along the curve: past the bottom of the valley the step "
            "overshoots, and where the curve rises above the dashed line it goes uphill.")
        eta_lab.setToolTip(self.lr_slider.toolTip())
        self.lr_slider.valueChanged.connect(self._slider_moved)
        row.addWidget(self.lr_slider, 1)
        self.lr_label = QtWidgets.QLabel("η = –")
        self.lr_label.setFont(style.font(9))
        self.lr_label.setMinimumWidth(70)
        self.lr_label.setToolTip("The learning rate η the training uses now.")
        row.addWidget(self.lr_label)
        lay.addLayout(row)
        self._lr_timer = QtCore.QTimer(self)
        self._lr_timer.setSingleShot(True)
        self._lr_timer.setInterval(120)
        self._lr_timer.timeout.connect(self._send_lr)

        self.canvas = style.plot_widget()
        self.plot: pg.PlotItem = self.canvas.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        vb = self.plot.getViewBox()
        style.fixed_view(vb)
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        style.style_axis(bottom, "step size s (log scale)")
        style.style_axis(left, f"cost C on {EVAL_N} training digits")
        bottom.setTicks(_decade_ticks(*S_LOG_RANGE))
        bottom.setStyle(hideOverlappingLabels=20)  # room for "100" at the right end
        # Label the cost axis sparsely: pyqtgraph's defaults labelled every 0.0001 of a
        # narrow range on a tall plot (27 numbers); a label per ~40 px reads better.
        left.setStyle(textFillLimits=[(0, 0.8), (2, 0.45), (4, 0.3), (6, 0.2)])
        self.plot.setXRange(S_LOG_RANGE[0] - 0.05, S_LOG_RANGE[1] + 0.05, padding=0)
        self._grid = OpaqueGrid(vb, bottom, left, _decade_ticks(*S_LOG_RANGE))

        # A plain rectangle (painted by Qt alone; a LinearRegionItem ran Python at every paint)
        self.uphill = QtWidgets.QGraphicsRectItem()
        self.uphill.setBrush(pg.mkBrush(UPHILL[0], UPHILL[1], UPHILL[2], 22))
        self.uphill.setPen(pg.mkPen(None))
        self.uphill.setZValue(-20)
        vb.addItem(self.uphill, ignoreBounds=True)
        self.now_line = pg.InfiniteLine(angle=0, movable=False,
                                        pen=pg.mkPen(NOW, width=1.5, style=QtCore.Qt.PenStyle.DashLine),
                                        label="C(θ) now", labelOpts={
                                            "position": 0.03, "color": NOW, "anchors": [(0, 1), (0, 1)],
                                            "fill": (255, 255, 255, 200)})
        self.plot.addItem(self.now_line, ignoreBounds=True)
        # One prepared path (as the live cost panel's curves), not a PlotDataItem's Python per paint
        self.curve = PathCurve(pg.mkPen(CURVE, width=2.5), symbol="o", symbolSize=4,
                               symbolPen=pg.mkPen(None), symbolBrush=pg.mkBrush(CURVE))
        self.plot.addItem(self.curve, ignoreBounds=True)
        self.curve.attach(vb)
        self.eta_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(ETA, width=2),
                                        label="η", labelOpts={
                                            "position": 0.93, "color": ETA, "anchors": [(0, 0), (0, 0)],
                                            "fill": (255, 255, 255, 210)})
        self.plot.addItem(self.eta_line, ignoreBounds=True)
        # The markers: painted by Qt alone (a ScatterPlotItem ran ~0.3 ms of Python every paint)
        self.best_marker = PixelMarker(15, "star", pen=pg.mkPen("w", width=0.8), brush=BEST)
        self.best_marker.setZValue(5)
        vb.addItem(self.best_marker, ignoreBounds=True)
        self.best_text = pg.TextItem("", color=BEST, anchor=(0.5, -0.35))
        self.best_text.setFont(style.font(9, bold=True))
        self.plot.addItem(self.best_text, ignoreBounds=True)
        self.eta_marker = PixelMarker(14, pen=pg.mkPen("w", width=1.5), brush=ETA)
        self.eta_marker.setZValue(6)
        vb.addItem(self.eta_marker, ignoreBounds=True)
        self.limit_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(LIMIT, width=1.5, style=QtCore.Qt.PenStyle.DashLine),
            label="2/λ_max", labelOpts={"position": 0.78, "color": LIMIT, "anchors": [(0, 0), (0, 0)],
                                        "fill": (255, 255, 255, 210)})
        self.plot.addItem(self.limit_line, ignoreBounds=True)
        for item in (self.now_line, self.eta_line, self.uphill, self.best_text, self.limit_line):
            item.setVisible(False)
        lay.addWidget(self.canvas, 1)
        self.canvas.scene().sigMouseMoved.connect(self._hover)

        self.stability = QtWidgets.QLabel(" ")
        self.stability.setFont(style.font(10))
        self.stability.setWordWrap(True)
        self.stability.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.stability.setToolTip(
            "λ_max, the sharpness, is the largest curvature of the cost (the top eigenvalue of its "
            "Hessian), measured on the first training digits about once a second while training. "
            "On a quadratic bowl a step of size η is stable only while η·λ_max < 2: beyond the "
            "dashed line s = 2/λ_max, repeated steps overshoot further and further along the "
            "sharpest direction, even where one step along −∇C still lowers the cost.")
        lay.addWidget(style.QuietLabel(self.stability))  # (a new text: no layout of the tab)

        self.verdict = QtWidgets.QLabel(" ")
        self.verdict.setFont(style.font(10.5))
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.verdict.setMinimumHeight(44)
        self.verdict.setToolTip("What the step of size η will do, read off the curve above.")
        # fixed-size box: a new sentence every slice must not lay the whole tab out again
        lay.addWidget(style.QuietLabel(self.verdict))
        self.status = style.status_label()
        self.status.setToolTip("Point at the curve to read the cost of a step of that size.")
        lay.addWidget(self.status)

    # ------------------------------------------------------------------ API
    def verdict_text(self) -> str:
        d = QtGui.QTextDocument()
        d.setHtml(self.verdict.text())
        return d.toPlainText()

    def shutdown(self, deadline: float | None = None) -> None:
        self._lr_timer.stop()
        super().shutdown(deadline)

    # ------------------------------------------------------------------ LessonView
    def context_changed(self) -> None:
        if self.dataset is not self._batch_of:
            self.batch = fixed_eval_batch(self.dataset, n=EVAL_N) if self.dataset is not None else None
            self._batch_of = self.dataset

    def render(self, snap) -> None:
        t0 = time.perf_counter()
        self.new_run(snap)
        self._sync_slider(snap.lr)
        self._draw_stability(snap)
        self._submit()
        self.continue_drawing()
        self.render_seconds = time.perf_counter() - t0

    def on_shown(self) -> None:
        self._submit()

    def result_ready(self, job: ViewJob, value: StepSizeResult) -> None:
        prev, self.shown = self.shown, value
        # While training runs, one part per render (curve, markers, words): the paint of a
        # whole new slice kept the GUI thread busy for 20-40 ms. Paused or a new run: all now.
        live = self.snap is not None and self.snap.running and prev is not None \
            and prev.run_id == value.run_id
        self.draw(value, live=live)

    def _submit(self) -> None:
        """Ask for the slice of θ now: every step while paused, ≤ LIVE_HZ while running."""
        snap = self.snap
        if self.batch is None or snap is None or not self.isVisible():
            return
        slope = self.option("slope")
        key = (snap.run_id, snap.step, snap.lr, slope, id(self.batch))
        self.submit(self.job, key, snap, slope, self.batch, float(snap.lr),
                    min_interval=1.0 / LIVE_HZ if snap.running else 0.0)

    def _controls_changed(self, *_):
        self._yaxis.reset()
        self.redraw()
        self._submit()

    # ------------------------------------------------------------------ drawing
    def _y(self, v):
        """Cost -> plot y (log10 in log mode)."""
        if self.option("log_cost"):
            with np.errstate(all="ignore"):
                v = np.asarray(v, dtype=np.float64)
                return np.log10(np.where(v > 0, v, np.nan))
        return np.asarray(v, dtype=np.float64)

    def draw_part(self, part: str, r: StepSizeResult | None) -> None:
        if r is None:
            return
        if part == "curve":
            self._draw_curve(r)
        elif part == "markers":
            self._draw_markers(r)
        else:
            self.verdict.parentWidget().setText(self._verdict(r))  # style.QuietLabel: only if changed

    def _draw_curve(self, r: StepSizeResult) -> None:
        """The curve, the y range, C(θ) now and the uphill zone."""
        sl = r.slice
        log = self.option("log_cost")
        left = self.plot.getAxis("left")
        if left.logMode != log:
            left.setLogMode(log)
            self._grid.update()
        xs = np.log10(sl.s)
        ys = self._y(sl.costs)
        finite = np.isfinite(ys)
        if finite.any():
            self.curve.setData(xs, ys)
        else:
            self.curve.setData([], [])
        y0 = float(self._y(sl.cost0))
        y_lr = float(self._y(sl.cost_at_lr))
        ok0 = math.isfinite(y0)
        # y range (set here, never autoRange), kept while the curve stays well inside it
        running = self.snap is not None and self.snap.running
        fit = cost_axis_fit(ys, y0, y_lr, log=log)  # (fitted, need) or None
        if self._yaxis.update(*(fit or (None, None)), running=running) and self._yaxis.value:
            self.plot.setYRange(*self._yaxis.value, padding=0)
        # C(θ) now and the uphill zone above it
        self.now_line.setVisible(ok0)
        self.uphill.setVisible(ok0)
        if ok0:
            if self.now_line.value() != y0:
                self.now_line.setValue(y0)
            _set_format(self.now_line.label, f"C(θ) now = {style.fmt(sl.cost0)}")
            # within the view (no repaint of the axes beside it), from C(θ) now to the top
            (x0, x1), (_, top) = self.plot.getViewBox().viewRange()
            rect = QtCore.QRectF(x0, y0, x1 - x0, max(top - y0, 0.0))
            if self.uphill.rect() != rect:
                self.uphill.setRect(rect)

    def _draw_markers(self, r: StepSizeResult) -> None:
        """η (line and point) and the best step."""
        sl = r.slice
        y0 = float(self._y(sl.cost0))
        y_lr = float(self._y(sl.cost_at_lr))
        x_lr = _log10(sl.lr)
        ok0 = math.isfinite(y0)
        # η
        uphill = math.isfinite(y_lr) and ok0 and sl.cost_at_lr > sl.cost0 and not r.flat
        colour = UPHILL if uphill else ETA
        show_eta = math.isfinite(x_lr)
        self.eta_line.setVisible(show_eta)
        if show_eta:
            if self.eta_line.value() != x_lr:
                self.eta_line.setValue(x_lr)
            if colour != getattr(self, "_eta_line_colour", None):
                self._eta_line_colour = colour
                self.eta_line.setPen(pg.mkPen(colour, width=2))
                self.eta_line.label.setColor(colour)
            _set_format(self.eta_line.label, f"η = {style.fmt(sl.lr)}")
        if show_eta and math.isfinite(y_lr):
            if colour != getattr(self, "_eta_colour", None):
                self._eta_colour = colour
                self.eta_marker.setBrush(pg.mkBrush(colour))
            self.eta_marker.setData([x_lr], [y_lr])
        else:
            self.eta_marker.setData([], [])
        # best s
        yb = float(self._y(sl.best_cost))
        if math.isfinite(sl.best_s) and math.isfinite(yb) and not r.flat and r.goes_down:
            xb = _log10(sl.best_s)
            self.best_marker.setData([xb], [yb])
            text = f"best s ≈ {style.fmt(sl.best_s)}"
            if self.best_text.toPlainText() != text:
                self.best_text.setText(text)
            lo, hi = S_LOG_RANGE  # keep the label inside the plot near its ends
            anchor = (0.0 if xb < lo + 0.6 else 1.0 if xb > hi - 0.6 else 0.5, -0.35)
            if anchor != getattr(self, "_best_anchor", None):
                self._best_anchor = anchor
                self.best_text.setAnchor(anchor)
            if (self.best_text.pos().x(), self.best_text.pos().y()) != (xb, yb):
                self.best_text.setPos(xb, yb)
            self.best_text.setVisible(True)
        else:
            self.best_marker.setData([], [])
            self.best_text.setVisible(False)

    def _verdict(self, r: StepSizeResult) -> str:
        sl = r.slice
        which = (f"−∇C of the {sl.n_examples} digits at θ now" if r.slope == "eval"
                 else "−∇C of the last mini-batch (computed before the last step)")
        if not math.isfinite(sl.cost0):
            return ("<span style='color:#b2182b'><b>θ is not a number</b> (the run diverged): there is "
                    "no slope to follow. Choose a smaller η and restore the last good weights.</span>")
        if r.flat:
            if r.slope == "batch" and r.step == 0:
                return (f"No step yet: the last mini-batch's gradient is zero before the first "
                        f"step, so every step leaves the cost at C = {style.fmt(sl.cost0)}. Take a "
                        f"training step, or follow the slope of the {sl.n_examples} digits.")
            return (f"<b>The ground is flat here.</b> The slope ({which}) is zero or almost: no "
                    f"step of any size changes the cost C = {style.fmt(sl.cost0)}. Usually every "
                    "neuron is saturated (its sigmoid stuck at 0 or 1) after a too-large η threw "
                    "the weights far away; gradient descent cannot climb out of such a plateau. "
                    "Reset, and train with a smaller η.")
        eta, c_lr, c0 = sl.lr, sl.cost_at_lr, sl.cost0
        parts = []
        if math.isfinite(c_lr):
            change = (c_lr - c0) / c0 * 100 if c0 > 0 else float("nan")
            ch = f" ({'−' if change < 0 else '+'}{abs(change):.1f} %)" if math.isfinite(change) else ""
            parts.append(f"With <b>η = {style.fmt(eta)}</b> the next step reaches "
                         f"<b>C = {style.fmt(c_lr)}</b>{ch}, from C = {style.fmt(c0)} now.")
        else:
            parts.append(f"With <b>η = {style.fmt(eta)}</b> the next step blows the cost up "
                         "(not a number).")
        if not r.goes_down:
            parts.append("<span style='color:#b2182b'><b>No step along this direction goes "
                         f"downhill:</b> {which} does not point downhill for these "
                         f"{sl.n_examples} digits at θ now.</span>")
            if r.slope == "batch":
                parts.append("It is the slope of a few other digits, and the last step already "
                             "went that way. Choose the slope of the "
                             f"{sl.n_examples} digits to see their downhill direction.")
            return " ".join(parts)
        grid_ratio = 10 ** (0.5 * (np.log10(sl.s[1]) - np.log10(sl.s[0]))) if sl.s.size > 1 else 1.0
        overshoot = (math.isfinite(sl.best_s) and eta > sl.best_s * grid_ratio
                     and not (math.isfinite(c_lr) and c_lr <= sl.best_cost))
        if not math.isfinite(c_lr) or (math.isfinite(c_lr) and c_lr > c0):
            parts.append("<span style='color:#b2182b'><b>This step would go uphill:</b> "
                         "η is far too large for this slope.</span>")
        elif overshoot:
            parts.append("<span style='color:#c45100'><b>η is past the best step: this step "
                         "overshoots the valley</b> (it lands on the far slope).</span>")
        elif math.isfinite(sl.best_s):
            parts.append("η is before the bottom of the valley: a safe step, "
                         "a larger one would gain more.")
        if math.isfinite(sl.best_s):
            best = f"Best step on this curve: s ≈ {style.fmt(sl.best_s)} (C = {style.fmt(sl.best_cost)})"
            above = np.flatnonzero((sl.s > sl.best_s) & ~(sl.costs <= c0))
            if above.size:
                best += f"; from s ≈ {style.fmt(sl.s[above[0]])} on, a step goes uphill"
            parts.append(best + ".")
        foot = f"Direction of the step: {which}."
        if r.optimizer == "momentum":
            foot += (" With momentum the real step also carries the velocity of earlier steps; "
                     "this is the plain step θ − η∇C.")
        return " ".join(parts) + f"<br><span style='color:{style.MUTED}'>{foot}</span>"

    # ------------------------------------------------------------------ stability
    def share_sharpness(self, history) -> None:
        self._sharp = history
        self._sharp_key = None

    def _draw_stability(self, snap) -> None:
        """The line "η·λ_max = … (stable below 2)" and the dashed line at s = 2/λ_max."""
        h = self._sharp
        last = h.last() if h is not None and h.run is not None and h.run[0] == snap.run_id else None
        key = (last, snap.lr)
        if key == self._sharp_key:
            return
        self._sharp_key = key
        lam = last[1] if last is not None else math.nan
        box = self.stability.parentWidget()  # style.QuietLabel: lays out only for a new height
        if not (math.isfinite(lam) and lam > 0):
            self.limit_line.setVisible(False)
            box.setText("Sharpness λ_max: measuring …" if h is not None and last is None else
                        "Sharpness λ_max: not measurable here (the cost does not curve upwards)."
                        if h is not None else " ")
            return
        limit, prod = 2.0 / lam, snap.lr * lam
        x = math.log10(limit)
        self.limit_line.setVisible(S_LOG_RANGE[0] <= x <= S_LOG_RANGE[1])
        if self.limit_line.value() != x:
            self.limit_line.setValue(x)
        _set_format(self.limit_line.label, f"2/λ_max = {style.fmt(limit)}")
        head = f"Sharpness λ_max ≈ {style.fmt(lam)} (step {last[0]:,}): "
        tail = f"stable below 2, i.e. for η &lt; {style.fmt(limit)}: the dashed line"
        if prod < 2.0:
            box.setText(f"{head}<b>η·λ_max = {prod:.2f}</b> ({tail}).")
        else:
            box.setText(f"{head}<span style='color:#b2182b'><b>η·λ_max = {prod:.2f} ≥ 2: "
                        f"unstable</b></span>, the steps overshoot further and further ({tail}).")

    # ------------------------------------------------------------------ η slider
    def _sync_slider(self, lr: float) -> None:
        if self._slider_lr is not None:
            if abs(lr - self._slider_lr) <= 1e-9 * max(1.0, lr):
                self._slider_lr = None  # the session took it
            else:
                return  # the user's η is on its way; do not jump back
        if self.lr_slider.isSliderDown() or self._lr_timer.isActive():
            return
        v = lr_to_slider(lr)
        if v != self.lr_slider.value():
            self.lr_slider.blockSignals(True)
            self.lr_slider.setValue(v)
            self.lr_slider.blockSignals(False)
        text = f"η = {style.fmt(lr)}"
        if text != self.lr_label.text():
            self.lr_label.setText(text)

    def _slider_moved(self, v: int) -> None:
        self.lr_label.setText(f"η = {style.fmt(slider_to_lr(v))}")
        self._lr_timer.start()

    def _send_lr(self) -> None:
        lr = slider_to_lr(self.lr_slider.value())
        if self.session is None:
            self.status.setText("No training session to send η to.")
            return
        try:
            self.session.set_lr(lr)
        except SettingError as exc:
            self.status.setText(f"Cannot use this η: {exc}.")
            self._slider_lr = None
            return
        self._slider_lr = lr
        self.status.setText(f"Learning rate set to η = {style.fmt(lr)}; the next step uses it.")

    # ------------------------------------------------------------------ hover
    def _hover(self, pos) -> None:
        r = self.shown
        vb = self.plot.getViewBox()
        if r is None or not vb.sceneBoundingRect().contains(pos):
            return
        x = vb.mapSceneToView(pos).x()
        sl = r.slice
        i = int(np.argmin(np.abs(np.log10(sl.s) - x)))
        c = float(sl.costs[i])
        verdict = ""
        if math.isfinite(c) and math.isfinite(sl.cost0):
            verdict = " — downhill" if c < sl.cost0 else " — uphill"
        self.status.setText(f"step s = {style.fmt(sl.s[i])}: C(θ − s·∇C) = {style.fmt(c)} "
                            f"(C(θ) now = {style.fmt(sl.cost0)}){verdict}")

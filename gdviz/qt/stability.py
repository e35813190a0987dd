"""The stability meter: the sharpness λ_max of the cost, live, against 2/η.

:class:`StabilityMonitor` estimates λ_max (:mod:`gdviz.training.sharpness`)
for the newest θ in a background job of the window's process — at most
``HZ`` estimates a second and ``DUTY`` of one core — on the first ``DIGITS``
training digits, and keeps a :class:`SharpnessHistory` of the run.
:class:`StabilityPanel` plots that history against the line 2/η and says
whether η·λ_max < 2. What it costs training: benchmarks/bench_sharpness.py.
"""

from __future__ import annotations

import functools
import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import axis_fit, colours, fonts, scales, widgets
from gdviz.qt.views.base import ViewJob
from gdviz.training.sharpness import SharpnessHistory, SharpnessMeter, stability_words

__all__ = ["StabilityMonitor", "StabilityPanel", "short_words"]

DIGITS = 500  # the first training digits the live meter measures on
HZ = 1.0  # estimates per second at most
#: ... and at most this share of one core, measured: after an estimate that took 40 ms of
#: CPU the next waits 2 s (what the meter may take from training with no spare core).
DUTY = 0.02
POLL_MS = 100
LAM = (230, 97, 1)
LIMIT = (90, 90, 90)


def _estimate(meters: dict, cancelled, key, images, labels, theta, step: int, lr: float):
    """Job thread: λ_max at ``theta`` with a meter kept per ``key`` (warm starts); the CPU
    seconds it took."""
    cpu = time.thread_time()
    meter = meters.get(key)
    cold = meter is None
    if cold:
        meters.clear()
        sizes, activation, cost = key[1], key[2], key[3]
        meter = meters[key] = SharpnessMeter(sizes, activation, cost, images, labels)
    est = meter.estimate(theta, max_iter=60, tol=1e-3, step=step, cancelled=cancelled)
    if cancelled():
        return None  # given up part-way (the window closes): no estimate to keep
    return key, step, est.lam, lr, time.thread_time() - cpu, cold


class StabilityMonitor(QtCore.QObject):
    """Follows the snapshots the window takes and fills ``history`` with λ_max.

    ``observe(snap)`` on every snapshot (cheap: at most a submit). At most
    ``hz`` estimates a second, whatever the session does (running, or a long
    Step/Epoch); the newest θ is always measured in the end, at once when the
    last estimate is older than ``1/hz``. ``updated`` (no arguments) fires when
    an estimate was added. ``enabled`` False stops computing.
    """

    updated = QtCore.Signal()

    def __init__(self, parent=None, *, hz: float = HZ, digits: int = DIGITS):
        super().__init__(parent)
        self.history = SharpnessHistory()
        self.hz = hz
        self.digits = digits
        self.enabled = True
        self.dataset = None
        self.cpu_seconds = 0.0  # CPU time of the estimates so far (what the meter costs)
        self.cpu_per_estimate = 0.0  # running average over warm-started estimates (s)
        self._snap = None
        self._job = ViewJob(functools.partial(_estimate, {}), "gdviz-sharpness", pass_cancelled=True)
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._take)

    def set_dataset(self, dataset) -> None:
        """Measure on the first ``digits`` training digits of ``dataset`` (a new history)."""
        if dataset is not self.dataset:
            self.dataset = dataset
            self.forget_run()

    def forget_run(self) -> None:
        """Start a new history with the next snapshot, whatever its run id (a new session)."""
        self._job.invalidate()
        self.history.start(None)

    def observe(self, snap) -> None:
        """Note ``snap``; ask for an estimate of its θ when one is due."""
        self._snap = snap
        if self.history.start((snap.run_id, tuple(snap.sizes), id(self.dataset))):
            self._job.invalidate()
        self._submit()

    def _wanted(self):
        """``(job key, arguments)`` of an estimate of the newest θ, or None (nothing to measure)."""
        snap = self._snap
        if snap is None or not self.enabled or self.dataset is None or snap.diverged:
            return None
        images = self.dataset.train_images[:self.digits]
        if images.shape[1] != snap.sizes[0]:
            return None  # the window has not told us about the new data yet
        key = (snap.run_id, tuple(snap.sizes), snap.activation, snap.cost_name, id(self.dataset))
        return (key, snap.step), (key, images, self.dataset.train_labels[:self.digits], snap.theta,
                                  snap.step, float(snap.lr))

    def _submit(self) -> None:
        want = self._wanted()
        if want is None:
            return
        if not self._job.busy:
            self._job.submit(want[0], *want[1], min_interval=self.interval())
        if not self._poll.isActive() and (self._job.pending or self._job.key != want[0]):
            self._poll.start()  # for the result, or to come back once the throttle allows

    def _take(self) -> None:
        res = self._job.take()
        if res is not None:
            key, step, lam, lr, cpu, cold = res
            self.cpu_seconds += cpu
            if not cold:  # (a first estimate starts from a random vector: many more products)
                avg = self.cpu_per_estimate
                self.cpu_per_estimate = cpu if avg == 0.0 else 0.7 * avg + 0.3 * cpu
            if self.history.add(step, lam, lr):
                self.updated.emit()
        self._submit()  # the newest θ, if it is not measured yet
        want = self._wanted()
        if not self._job.pending and (want is None or self._job.key == want[0]):
            self._poll.stop()

    def interval(self) -> float:
        """Seconds from one estimate to the next at least: ``1/hz``, longer when an estimate
        costs more than ``DUTY`` of a core."""
        return max(1.0 / self.hz, self.cpu_per_estimate / DUTY)

    @property
    def pending(self) -> bool:
        """True while an estimate runs or the newest θ waits for one."""
        return self._poll.isActive()

    def request_stop(self) -> None:
        self._job.request_stop()

    def shutdown(self, deadline: float | None = None) -> None:
        self._poll.stop()
        self._job.stop(deadline)


UNSTABLE = (178, 24, 43, 26)  # faint red above 2/η: the steps there overshoot further and further
OFF_SCALE = 5.0  # 2/η beyond this many times the largest λ_max leaves the plot (the words say where)


def _hex(rgb) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb[:3])


def short_words(lam: float, lr: float) -> tuple[str, bool]:
    """η·λ_max against 2 in one short line (the panel is narrow), and whether it is stable."""
    if not math.isfinite(lam):
        return "λ_max cannot be measured: the cost is not a number.", False
    prod = lr * lam
    if prod < 2.0:
        return f"η·λ_max = {lr:.3g} × {lam:.3g} = {prod:.2f} < 2: stable", True
    return f"η·λ_max = {lr:.3g} × {lam:.3g} = {prod:.2f} ≥ 2: unstable; η < {2 / lam:.3g} is stable", False


class StabilityPanel(QtWidgets.QWidget):
    """λ_max over the steps of the run against 2/η (dashed; faint red above it: unstable),
    and one line saying whether η·λ_max < 2 (the whole sentence in its tooltip).

    ``render(snap)`` draws what the monitor added since the last draw (the window calls
    it like any live panel's); estimates that arrive while paused are drawn at once.
    """

    WAITING = "Measuring the sharpness λ_max of the cost …"

    def __init__(self, monitor: StabilityMonitor, parent=None):
        super().__init__(parent)
        colours.apply_pyqtgraph_defaults()
        self.setObjectName("StabilityPanel")
        self.monitor = monitor
        self._key = None  # the history drawn: (run, estimates)
        lay = widgets.panel_layout(self)
        self.title = widgets.title_label("Stability: η·λ_max < 2?")
        self.title.setWordWrap(False)
        self.title.setToolTip(
            "λ_max, the sharpness, is the largest curvature of the cost: the top eigenvalue of its "
            f"Hessian, measured on the first {monitor.digits} training digits about once a second "
            "(orange). Near the bottom of a valley a step of size η shrinks the distance to the floor "
            "along that direction only while η·λ_max < 2, i.e. while λ_max stays under the dashed "
            "line 2/η; above it (red) each step overshoots further than the last.")
        lay.addWidget(self.title)

        self.canvas = widgets.plot_widget()
        self.plot: pg.PlotItem = self.canvas.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        widgets.fixed_view(self.plot.getViewBox())
        fonts.style_axis(self.plot.getAxis("bottom"), "step")
        fonts.style_axis(self.plot.getAxis("left"))
        axis_fit.set_short_titles(self.plot.getAxis("left"), "λ_max", "λ")
        self.plot.getAxis("left").setLabel("λ_max", **{"font-size": "9pt", "color": _hex(LAM)})
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setStyle(tickLength=5)
        self.lam_curve = self.plot.plot(pen=pg.mkPen(LAM, width=2.5), name="λ_max")
        self.limit_curve = self.plot.plot(
            pen=pg.mkPen(LIMIT, width=1.5, style=QtCore.Qt.PenStyle.DashLine), name="2/η")
        self._ceiling = pg.PlotCurveItem(pen=pg.mkPen(None))  # the plot's top, for the unstable fill
        self.plot.addItem(self._ceiling)
        self.unstable = pg.FillBetweenItem(self.limit_curve, self._ceiling, brush=pg.mkBrush(*UNSTABLE))
        self.unstable.setZValue(-10)
        self.plot.addItem(self.unstable)
        self.limit_label = pg.TextItem("", color=LIMIT, anchor=(0, 1))  # names the dashed line
        self.limit_label.setFont(fonts.font(8.5))
        self.plot.addItem(self.limit_label, ignoreBounds=True)
        self.canvas.setMinimumHeight(50)
        self.canvas.setToolTip(self.title.toolTip())
        lay.addWidget(self.canvas, 1)
        self.words = QtWidgets.QLabel(self.WAITING)
        self.words.setFont(fonts.font(9.5))
        self.words.setWordWrap(True)
        self.words.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        lay.addWidget(widgets.QuietLabel(self.words))  # (its numbers change with each estimate: no relayout)
        self._stable: bool | None = None
        self._top = None
        self._x_range: tuple[float, float] | None = None
        self._lr: float | None = None  # η of the newest snapshot of the run shown
        monitor.updated.connect(self._estimated)

    def sentence(self) -> str:
        """The whole sentence about the newest estimate (the words' tooltip)."""
        return self.words.toolTip()

    def render(self, snap=None) -> None:
        """Draw the history if it or η changed since the last draw (cheap otherwise)."""
        h = self.monitor.history
        if snap is not None and h.run is not None and h.run[0] == snap.run_id:
            self._lr = float(snap.lr)  # η now: the words compare it, not the η of the estimate
        elif snap is not None:  # a snapshot the meter does not follow: a recording replayed
            if self._key != "replay":
                self._key = "replay"
                for curve in (self.lam_curve, self.limit_curve, self._ceiling):
                    curve.setData([], [])
                self.limit_label.setText("")
                self.words.parentWidget().setText("λ_max is measured for the live run only.")
                self.words.setToolTip("")
                self._colour(True)
            return
        if self._history_key() != self._key:
            self.redraw()

    def _history_key(self):
        h = self.monitor.history
        return h.run, len(h), self._lr

    def _estimated(self) -> None:
        if self.isVisible():
            self.redraw()

    def redraw(self) -> None:
        h = self.monitor.history
        self._key = self._history_key()
        if not len(h):
            for curve in (self.lam_curve, self.limit_curve, self._ceiling):
                curve.setData([], [])
            self.limit_label.setText("")
            self.words.parentWidget().setText(self.WAITING)
            self.words.setToolTip("")
            self._colour(True)
            return
        steps, lams, lrs = h.steps, h.lams, h.lrs
        step, lam, lr = h.last()
        if self._lr is not None and self._lr != lr:  # η changed since: 2/η drops at the end
            lr = self._lr
            steps, lams, lrs = np.append(steps, step), np.append(lams, np.nan), np.append(lrs, lr)
        with np.errstate(divide="ignore"):
            limit = 2.0 / lrs
        few = len(h) <= 40
        self.lam_curve.setData(steps, lams, connect="finite", symbol="o" if few else None,
                               symbolSize=5, symbolPen=None, symbolBrush=LAM)
        fin_lam = lams[np.isfinite(lams)]
        fin_lim = limit[np.isfinite(limit)]
        lam_top = float(fin_lam.max()) if fin_lam.size else 0.0
        lim_top = float(fin_lim.max()) if fin_lim.size else 0.0
        if lam_top > 0 and lim_top > OFF_SCALE * lam_top:
            # 2/η far above λ_max (a small η): scale to λ_max, and to the 2/η values near it
            near = fin_lim[fin_lim <= OFF_SCALE * lam_top]
            top = scales.nice_ceiling(max(lam_top * 1.25, float(near.max()) * 1.1 if near.size else 0.0))
        else:
            top = scales.nice_ceiling(max(lam_top, lim_top) * 1.1)
        shown = np.minimum(limit, top)  # the line sits on the top edge while 2/η is off the scale
        lo = float(steps[0])
        # x grows in doublings (as the cost panel's): a new range rebuilds the axis in a paint
        hi = lo + scales.doubling(max(float(steps[-1]) - lo, 1.0), 64.0)
        # 2/η holds from the last estimate on: the line and the red zone reach the plot's right edge
        # (with one estimate they would have no width at all)
        xs, shown = np.append(steps, hi), np.append(shown, shown[-1])
        self.limit_curve.setData(xs, shown, connect="finite")
        self._ceiling.setData(xs, np.full(len(xs), top))
        if top != self._top:
            self._top = top
            self.plot.setYRange(0.0, top, padding=0)
            self.plot.getAxis("left").setTickSpacing(top / 2, top / 10)  # 3 numbers: the plot is short
        if (lo, hi) != self._x_range:
            self._x_range = (lo, hi)
            self.plot.setXRange(lo, hi, padding=0.02)
        over = 2.0 / lr if lr > 0 else math.inf
        if over > top:
            self._place_label(f"2/η = {over:.3g}, far above", (1, 0), hi, top)
        else:
            first = float(min(limit[0], top))
            self._place_label("2/η", (0, 1) if first < 0.8 * top else (0, 0), lo, first)
        text, stable = short_words(lam, lr)
        long_text, _ = stability_words(lam, lr)
        head = f"Step {step:,}: λ_max ≈ {lam:.3g}." if math.isfinite(lam) else f"Step {step:,}:"
        self.words.parentWidget().setText(text)
        self.words.setToolTip(f"{head} {long_text}")
        self._colour(stable)

    def _place_label(self, text: str, anchor, x: float, y: float) -> None:
        if self.limit_label.toPlainText() != text:
            self.limit_label.setText(text)
        self.limit_label.setAnchor(anchor)
        self.limit_label.setPos(x, y)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # A short plot (a projector's 720 lines) keeps its height for the curves: the ticks say "step".
        self.plot.getAxis("bottom").showLabel(self.canvas.height() >= 110)

    def _colour(self, stable: bool) -> None:
        if stable != self._stable:
            self._stable = stable
            colours.set_color(self.words, colours.FOREGROUND if stable else colours.POSITIVE)

"""The stability meter: the sharpness λ_max of the cost, live, against 2/η.

:class:`StabilityMonitor` estimates λ_max (:mod:`gdviz.training.sharpness`)
for the newest θ in a background job of the window's process — at ``hz``
estimates a second at most while training, once per step while paused — on a
fixed set of training digits, and keeps a :class:`SharpnessHistory` of the
run. :class:`StabilityPanel` plots that history with the line 2/η and says
in words whether η·λ_max < 2. Training itself runs in its own process and is
not slowed beyond the core this job shares (see benchmarks/README.md).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import colours, fonts, scales, widgets
from gdviz.qt.views.base import ViewJob
from gdviz.training.sharpness import SharpnessHistory, SharpnessMeter, stability_words

__all__ = ["StabilityMonitor", "StabilityPanel"]

DIGITS = 500  # the first training digits the live meter measures on
HZ = 1.0  # estimates per second at most while training
POLL_MS = 100
LAM = (230, 97, 1)
LIMIT = (90, 90, 90)


def _estimate(meters: dict, key, images, labels, theta, step: int, lr: float):
    """Job thread: λ_max at ``theta`` with a meter kept per ``key`` (warm starts)."""
    meter = meters.get(key)
    if meter is None:
        meters.clear()
        sizes, activation, cost = key[1], key[2], key[3]
        meter = meters[key] = SharpnessMeter(sizes, activation, cost, images, labels)
    est = meter.estimate(theta, max_iter=60, tol=1e-3, step=step)
    return key, step, est.lam, lr


class StabilityMonitor(QtCore.QObject):
    """Follows the snapshots the window takes and fills ``history`` with λ_max.

    ``observe(snap)`` on every snapshot (cheap: at most a submit); ``updated``
    (no arguments) fires when an estimate was added. ``enabled`` False stops
    computing (nothing is submitted)."""

    updated = QtCore.Signal()

    def __init__(self, parent=None, *, hz: float = HZ, digits: int = DIGITS):
        super().__init__(parent)
        self.history = SharpnessHistory()
        self.hz = hz
        self.digits = digits
        self.enabled = True
        self.dataset = None
        self._snap = None
        self._job = ViewJob(functools.partial(_estimate, {}), "gdviz-sharpness")
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._take)

    def set_dataset(self, dataset) -> None:
        if dataset is not self.dataset:
            self.dataset = dataset
            self._job.invalidate()
            self.history.start(None)

    def observe(self, snap) -> None:
        """Note ``snap``; ask for an estimate when one is due."""
        self._snap = snap
        if self.history.start((snap.run_id, tuple(snap.sizes), id(self.dataset))):
            self._job.invalidate()
        if not self.enabled or self.dataset is None or snap.diverged:
            return
        images = self.dataset.train_images[:self.digits]
        labels = self.dataset.train_labels[:self.digits]
        if images.shape[1] != snap.sizes[0]:
            return  # the window has not told us about the new data yet
        key = (snap.run_id, tuple(snap.sizes), snap.activation, snap.cost_name, id(self.dataset))
        if self._job.busy:
            return
        sent = self._job.submit((key, snap.step), key, images, labels, snap.theta, snap.step,
                                float(snap.lr), min_interval=1.0 / self.hz if snap.running else 0.0)
        if sent and not self._poll.isActive():
            self._poll.start()

    def _take(self) -> None:
        res = self._job.take()
        if res is not None:
            key, step, lam, lr = res
            if self.history.add(step, lam, lr):
                self.updated.emit()
            if self._snap is not None and not self._snap.running and self._snap.step != step:
                self.observe(self._snap)  # paused on a newer step: measure it too
        if not self._job.pending:
            self._poll.stop()

    def shutdown(self) -> None:
        self._poll.stop()
        self._job.stop()


class StabilityPanel(QtWidgets.QWidget):
    """λ_max over the steps of the run against 2/η, and one sentence about it."""

    def __init__(self, monitor: StabilityMonitor, parent=None):
        super().__init__(parent)
        colours.apply_pyqtgraph_defaults()
        self.monitor = monitor
        lay = widgets.panel_layout(self)
        self.title = widgets.title_label("Stability: the sharpness λ_max against 2/η")
        self.title.setToolTip(
            "λ_max is the largest curvature of the cost (the top eigenvalue of its Hessian), "
            f"measured on the first {monitor.digits} training digits. Along that direction a "
            "step of size η shrinks the distance to the valley floor only while η·λ_max < 2.")
        lay.addWidget(self.title)
        self.canvas = widgets.plot_widget()
        self.plot: pg.PlotItem = self.canvas.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        widgets.fixed_view(self.plot.getViewBox())
        fonts.style_axis(self.plot.getAxis("bottom"), "step")
        fonts.style_axis(self.plot.getAxis("left"), "curvature (1/η)")
        self.lam_curve = self.plot.plot(pen=pg.mkPen(LAM, width=2.5), name="λ_max")
        self.limit_curve = self.plot.plot(
            pen=pg.mkPen(LIMIT, width=1.5, style=QtCore.Qt.PenStyle.DashLine), name="2/η")
        self.canvas.setMinimumHeight(120)
        lay.addWidget(self.canvas, 1)
        self.words = QtWidgets.QLabel("The sharpness is measured once training has taken a step.")
        self.words.setFont(fonts.font(9.5))
        self.words.setWordWrap(True)
        self.words.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        lay.addWidget(self.words)
        monitor.updated.connect(self.redraw)

    def redraw(self) -> None:
        h = self.monitor.history
        if not len(h):
            self.lam_curve.setData([], [])
            self.limit_curve.setData([], [])
            return
        steps, lams, lrs = h.steps, h.lams, h.lrs
        with np.errstate(divide="ignore"):
            limit = 2.0 / lrs
        self.lam_curve.setData(steps, lams, connect="finite")
        self.limit_curve.setData(steps, limit, connect="finite")
        fin = np.concatenate([lams[np.isfinite(lams)], limit[np.isfinite(limit)]])
        if fin.size:
            top = scales.nice_ceiling(float(fin.max()) * 1.1)
            self.plot.setYRange(0.0, top, padding=0)
        hi = max(float(steps[-1]), float(steps[0]) + 1.0)
        self.plot.setXRange(float(steps[0]), hi, padding=0.02)
        step, lam, lr = h.last()
        text, stable = stability_words(lam, lr)
        head = f"Step {step:,}: λ_max ≈ {lam:.3g}." if math.isfinite(lam) else f"Step {step:,}:"
        self.words.setText(f"{head} {text}")
        colours.set_color(self.words, colours.FOREGROUND if stable else colours.POSITIVE)

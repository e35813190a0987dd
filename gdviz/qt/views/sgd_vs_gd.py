"""Gradient descent vs stochastic gradient descent.

The lesson defines the gradient as the average of ∇C over *all* training
examples; training uses a mini-batch of a few digits per step instead. This
view measures how well the mini-batch step points where the full gradient
would go: the cosine of the angle between the last step's gradient
(``snap.grad``) and the gradient over the training data at the same θ,
live, with a line over time, both gradients for one first-layer neuron side by
side, and a scatter of their components. A switch sends the session to full
gradient descent (cosine = 1.000 exactly) or back to mini-batches.

The full gradient (:func:`gdviz.training.analysis.full_gradient`, ~1 ms per
1,000 digits) runs in a :class:`LatestJob`; for more than ``SUBSET`` training
digits a fixed subset (the first ``SUBSET``) is used — except under full
gradient descent, whose steps take as long anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.core import Network
from gdviz.qt import style
from gdviz.qt.background import LatestJob
from gdviz.training.series import GrowingSeries
from gdviz.qt.views import LessonView
from gdviz.training.analysis import full_gradient, gradient_cosine

SUBSET = 10_000  # training digits for the full gradient when the set is larger
N_SCATTER = 1_500  # components in the scatter (a fixed random choice; ~2 ms to update)
MAX_DOTS = 60  # the cosine line shows dots on its points up to this many
POLL_MS = 40
LINE = "#1f4e79"
POINTS = (31, 78, 121, 90)
TILE_GAP = 4  # image pixels between the two neuron pictures
# What is drawn for a new measurement, one part per call while training runs (all otherwise).
PARTS = ("number", "history", "tiles", "scatter")


@dataclass(frozen=True)
class Comparison:
    """One finished measurement: the last step's gradient against the full one.

    ``batch`` and ``full`` (n_params,) are ∇C (not negated), ``cosine`` their
    cosine, ``n`` how many training digits the full gradient averaged.
    """

    tag: int  # the view's generation: a new session or run makes older answers stale
    run_id: int
    step: int
    optimizer: str
    batch_size: int
    cosine: float
    batch: np.ndarray
    full: np.ndarray
    n: int
    n_train: int
    full_cost: float


def theta_before(theta, delta) -> np.ndarray:
    """θ where the last step's gradient was taken: θ − Δθ (in θ's dtype).

    ``snap.grad`` belongs to the θ *before* the step, so the full gradient
    must be taken there too, or even full gradient descent would not give 1.
    """
    return (np.asarray(theta, dtype=np.float64) - delta).astype(np.asarray(theta).dtype)


def compare(sizes, activation, cost, snap_theta, snap_delta, grad, images, labels,
            tag, run_id, step, optimizer, batch_size, n_train) -> Comparison:
    """The background job: the full gradient at θ before the step, and the cosine."""
    net = Network(sizes, activation, cost)
    fg = full_gradient(net, theta_before(snap_theta, snap_delta), images, labels)
    return Comparison(tag, run_id, step, optimizer, batch_size, gradient_cosine(grad, fg.grad),
                      grad, fg.grad, fg.n, n_train, fg.cost)


def cosine_words(c: float, optimizer: str, batch_size: int, n: int, n_train: int) -> str:
    """One or two sentences saying what the cosine means."""
    if not math.isfinite(c):
        return "No direction to compare yet (no step taken, or training diverged)."
    deg = math.degrees(math.acos(max(-1.0, min(1.0, c))))
    if optimizer == "gd":
        return (f"The step points exactly downhill (cos = {c:.3f}): with all {n_train:,} digits the "
                "step is the lesson's gradient itself — but every step had to look at all of them.")
    per = max(1, n_train // max(1, batch_size))
    mom = (" (With momentum each step also carries the earlier gradients; this is the "
           "mini-batch's own gradient.)" if optimizer == "momentum" else "")
    if c > 0:
        return (f"Each mini-batch step points roughly, not exactly, downhill: this one is {deg:.0f}° "
                f"away from the direction all the training data would choose. Many cheap, noisy "
                f"steps still go down on average — {per:,} of them cost as much as one full step."
                + mom)
    return (f"This mini-batch step points {deg:.0f}° away from the full gradient — uphill for the "
            "data as a whole! On average the noisy steps still go down." + mom)


class AngleDial(QtWidgets.QWidget):
    """Two arrows from one point: the full gradient's direction (right) and the
    mini-batch's, turned by the angle between them (NaN: only the first)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.degrees = float("nan")
        self.setMinimumSize(150, 96)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        self.setToolTip("The angle between the two directions: green, the way all the training "
                        "data says is downhill; blue, the way the last step's gradient pointed.")

    def setAngle(self, degrees: float) -> None:
        if degrees != self.degrees and not (math.isnan(degrees) and math.isnan(self.degrees)):
            self.degrees = degrees
            self.update()

    def paintEvent(self, _ev) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        font = style.font(8.5)
        p.setFont(font)
        fm = QtGui.QFontMetrics(font)
        label_w = fm.horizontalAdvance("last step") + 8
        d = self.degrees  # 0..180: the origin sits bottom left, or bottom centre past 90°
        cy = h - fm.height() - 4
        if math.isfinite(d) and d > 90:
            cx = w / 2
            r = min(w / 2 - label_w, cy - fm.height() - 4)
        else:
            cx = 10.0
            r = min(w - cx - label_w, cy - fm.height() - 4)
        r = max(16.0, r)

        def arrow(deg: float, colour: str, text: str) -> None:
            a = math.radians(deg)
            x, y = cx + r * math.cos(a), cy - r * math.sin(a)
            p.setPen(QtGui.QPen(QtGui.QColor(colour), 2.5))
            p.drawLine(QtCore.QPointF(cx, cy), QtCore.QPointF(x, y))
            for side in (-1, 1):
                b = a + math.pi + side * 0.45
                p.drawLine(QtCore.QPointF(x, y),
                           QtCore.QPointF(x + 9 * math.cos(b), y - 9 * math.sin(b)))
            tw = fm.horizontalAdvance(text)
            tx = x + 5 if math.cos(a) > 0.3 else x - tw / 2 if math.cos(a) > -0.3 else x - tw - 5
            if abs(math.sin(a)) < 0.5:
                ty = y + fm.ascent() / 2
            else:
                ty = y - 5 if math.sin(a) > 0 else y + fm.ascent() + 3
            tx = min(max(2.0, tx), w - tw - 2.0)
            ty = min(max(fm.ascent() + 1.0, ty), h - 2.0)
            p.drawText(QtCore.QPointF(tx, ty), text)

        arrow(0.0, style.ANSWER_RIGHT, "all data")
        if math.isfinite(d):
            p.setPen(QtGui.QPen(QtGui.QColor(style.MUTED), 1))
            rr = r * 0.3
            p.drawArc(QtCore.QRectF(cx - rr, cy - rr, 2 * rr, 2 * rr), 0, round(d * 16))
            arrow(d, style.NEGATIVE, "last step")
        p.end()


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


class SgdVsGdView(LessonView):
    """The last step's gradient against the gradient over all training data.

    Public beyond :class:`LessonView`: ``comparison`` (the :class:`Comparison`
    on show, or None), ``cosine`` (its cosine, NaN before one), ``history``
    (steps and cosines measured while shown), ``neuron_spin`` (−1 = the neuron
    pushed hardest), the radio buttons ``gd_radio`` / ``sgd_radio``, the items
    ``cos_curve`` (with ``cos_dots``), ``batch_tile``/``full_tile``, ``scatter`` and ``job``.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.job = LatestJob(compare, name="gdviz-sgd-vs-gd")
        self._snap = None
        self._run_id = None
        self._submitted = None  # (run_id, step, seq) asked for
        self._tag = 0
        self._shown_seq = 0
        self.comparison: Comparison | None = None
        self.history = GrowingSeries(("step", "cos"), 1024)
        self._seen_opt = None
        self._minibatch_opt = "sgd"
        self._scatter_idx = None
        self._scatter_scale = style.LevelSmoother(rise=1.0, fall=0.1, tolerance=0.05)
        self._y_lo = None
        self._x_range = None
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check_result)
        self._part = None  # the part drawn last while running; None: draw all next time
        self._drawn: dict = {}  # part -> the comparison it shows
        self._catch_up = QtCore.QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.setInterval(250)
        self._catch_up.timeout.connect(self._finish)
        self._colour = None
        self._switch_texts = None
        self._build_ui()

    # ================================================================== UI
    def _build_ui(self) -> None:
        lay = style.panel_layout(self)
        lay.addWidget(style.title_label(
            "Gradient descent vs stochastic gradient descent: does a mini-batch step point downhill?"))
        lay.addWidget(style.note_label(
            "The lesson's gradient is the average of ∇C over ALL training digits. Training "
            "usually takes a shortcut: each step uses only a small random mini-batch. How close "
            "is the mini-batch's direction to the true one? The cosine of the angle between them "
            "says it: 1 = the same direction, 0 = at right angles, below 0 = partly uphill."))

        sw = QtWidgets.QHBoxLayout()
        sw.setSpacing(12)
        lab = QtWidgets.QLabel("Each step uses:")
        lab.setFont(style.font(9.5, bold=True))
        sw.addWidget(lab)
        self.gd_radio = QtWidgets.QRadioButton("all training digits (gradient descent)")
        self.sgd_radio = QtWidgets.QRadioButton("a mini-batch (stochastic gradient descent)")
        for r in (self.gd_radio, self.sgd_radio):
            r.setFont(style.font(9.5))
        self.gd_radio.setToolTip(
            "Gradient descent as in the lesson: every step averages ∇C over the whole training "
            "set. Each step is exact but slow.")
        self.sgd_radio.setToolTip(
            "Mini-batch stochastic gradient descent: every step uses the next few digits of a "
            "shuffled training set (the batch size is set in the controls). Each step is cheap "
            "but noisy. If momentum was chosen, it is kept.")
        self._group = QtWidgets.QButtonGroup(self)
        self._group.addButton(self.gd_radio, 0)
        self._group.addButton(self.sgd_radio, 1)
        self._group.idClicked.connect(self._switch)
        sw.addWidget(self.gd_radio)
        sw.addWidget(self.sgd_radio)
        sw.addStretch(1)
        lay.addLayout(sw)

        grid = QtWidgets.QGridLayout()
        grid.setSpacing(8)
        lay.addLayout(grid, 1)

        # ---- the number
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(2)
        head = QtWidgets.QLabel("How well the last step pointed downhill")
        head.setFont(style.font(9.5, bold=True))
        box.addWidget(head)
        self.big = QtWidgets.QLabel("—")
        self.big.setFont(style.font(26, bold=True))
        self.big.setToolTip("cos(angle) between the last step's gradient and the gradient of "
                            "the training data at the same θ.")
        self.big.setSizePolicy(QtWidgets.QSizePolicy.Policy.Minimum,
                               QtWidgets.QSizePolicy.Policy.Preferred)
        self.big.setMinimumWidth(QtGui.QFontMetrics(self.big.font()).horizontalAdvance("cos = −0.000") + 8)
        self.dial = AngleDial()
        top = QtWidgets.QHBoxLayout()
        # labels whose text changes with every measurement sit in fixed-size boxes, so
        # their setText does not lay out the whole tab again
        big_box = style.QuietLabel(self.big)
        big_box.setMinimumWidth(self.big.minimumWidth())  # room for "cos = −0.000"
        top.addWidget(big_box)
        top.addWidget(self.dial, 1)
        box.addLayout(top)
        self.angle = QtWidgets.QLabel(" ")
        self.angle.setFont(style.font(10))
        box.addWidget(style.QuietLabel(self.angle))
        self.words = QtWidgets.QLabel(" ")
        self.words.setFont(style.font(10))
        self.words.setWordWrap(True)
        box.addWidget(style.QuietLabel(self.words))
        self.detail = style.note_label(" ", size=8.5)
        box.addWidget(style.QuietLabel(self.detail))
        self.now = style.note_label(" ", size=8.5)
        self.now.setToolTip("The update rule the training session uses right now.")
        box.addWidget(self.now)
        box.addStretch(1)
        holder = QtWidgets.QWidget()
        holder.setLayout(box)
        holder.setMinimumWidth(300)
        grid.addWidget(holder, 0, 0)

        # ---- cosine over time
        self.time_canvas = style.plot_widget()
        p = self.cos_plot = self.time_canvas.addPlot()
        style.fixed_view(p.getViewBox())
        p.hideButtons()
        for side in ("left", "bottom"):
            style.style_axis(p.getAxis(side))
            p.getAxis(side).setStyle(tickLength=5)
        style.style_axis(p.getAxis("left"), "cos(angle)")
        style.style_axis(p.getAxis("bottom"), "step")
        p.getAxis("left").setStyle(tickLength=5)
        p.getAxis("bottom").setStyle(tickLength=5)
        p.getAxis("left").setWidth(50)
        p.setTitle("cosine at each measured step (dashed: 1 = exactly downhill)", size="8.5pt",
                   color=style.MUTED)
        p.setDownsampling(auto=True, mode="peak")
        p.setClipToView(True)
        p.addLine(y=1.0, pen=pg.mkPen(style.ANSWER_RIGHT, width=1, style=QtCore.Qt.PenStyle.DashLine))
        p.addLine(y=0.0, pen=pg.mkPen(style.MUTED, width=1))
        self.cos_curve = p.plot(pen=pg.mkPen(LINE, width=1.5), connect="finite")
        # dots on the measured steps while there are few of them (a light item: the
        # curve's own symbols cost a ScatterPlotItem rebuild per measurement)
        self.cos_dots = DotsItem(4, QtGui.QColor(LINE), unit=False)
        p.addItem(self.cos_dots, ignoreBounds=True)
        p.setYRange(-0.2, 1.05, padding=0)
        p.setXRange(0, 10, padding=0)
        p.setToolTip("The cosine for each step this tab measured. With mini-batches it jumps "
                     "around: each batch points a little differently. With gradient descent it "
                     "stays at 1.")
        grid.addWidget(self.time_canvas, 0, 1)

        # ---- one neuron's two gradients
        tiles_box = QtWidgets.QVBoxLayout()
        tiles_box.setSpacing(2)
        th = QtWidgets.QHBoxLayout()
        self.tiles_head = QtWidgets.QLabel("One first-layer neuron's −∇C")
        self.tiles_head.setFont(style.font(9.5, bold=True))
        th.addWidget(self.tiles_head, 1)
        nl = QtWidgets.QLabel("neuron")
        nl.setFont(style.font(8.5))
        th.addWidget(nl)
        self.neuron_spin = QtWidgets.QSpinBox()
        self.neuron_spin.setFont(style.font(8.5))
        self.neuron_spin.setRange(-1, 15)
        self.neuron_spin.setValue(-1)
        self.neuron_spin.setSpecialValueText("pushed hardest")
        self.neuron_spin.setToolTip("Which first-layer neuron's 784 weights to compare "
                                    "(“pushed hardest”: the one whose full gradient is largest).")
        self.neuron_spin.valueChanged.connect(lambda *_: self._draw_comparison(only="tiles"))
        th.addWidget(self.neuron_spin)
        tiles_box.addLayout(th)
        self.tile_canvas = style.plot_widget()
        self.tile_view = self.tile_canvas.addViewBox(row=0, col=0)
        style.fixed_view(self.tile_view)
        self.tile_view.invertY(True)
        self.tile_view.setAspectLocked(True)
        table = style.argb_table(style.diverging_cmap())  # light items, not ImageItems
        self.batch_tile = style.HeatImage(table)
        self.full_tile = style.HeatImage(table)
        for it in (self.batch_tile, self.full_tile):
            self.tile_view.addItem(it)
        self.tile_labels = [pg.TextItem("", color=style.FOREGROUND, anchor=(0.5, 1)) for _ in range(2)]
        for t in self.tile_labels:
            t.setFont(style.font(8.5))
            self.tile_view.addItem(t)
        self._tile_shape = None
        self.tile_canvas.setToolTip(
            "Left: −∇C of the last mini-batch for this neuron's weights; right: −∇C of the training "
            "data. Red = the weight should grow, blue = shrink; each picture has its own colour "
            "scale. The mini-batch only sees the pixels its few digits ink.")
        tiles_box.addWidget(self.tile_canvas, 1)
        tiles_box.addWidget(style.note_label(
            "Red = the weight should grow, blue = shrink (each picture on its own colour scale).",
            size=8))
        grid.addLayout(tiles_box, 1, 0)

        # ---- scatter of components
        sc_box = QtWidgets.QVBoxLayout()
        sc_box.setSpacing(2)
        sh = QtWidgets.QLabel(f"{N_SCATTER:,} of the components: the last step against the full data")
        sh.setFont(style.font(9.5, bold=True))
        sc_box.addWidget(sh)
        self.scatter_canvas = style.plot_widget()
        sp = self.scatter_plot = self.scatter_canvas.addPlot()
        style.fixed_view(sp.getViewBox())
        sp.hideButtons()
        style.style_axis(sp.getAxis("bottom"), "full data's −∇C ÷ its length")
        style.style_axis(sp.getAxis("left"), "last step's −∇C ÷ its length")
        sp.getAxis("left").setWidth(54)
        sp.getViewBox().setAspectLocked(True)
        sp.addLine(angle=45, pen=pg.mkPen(style.ANSWER_RIGHT, width=1, style=QtCore.Qt.PenStyle.DashLine))
        sp.addLine(x=0, pen=pg.mkPen(style.BOARD))
        sp.addLine(y=0, pen=pg.mkPen(style.BOARD))
        self.scatter = DotsItem(4, QtGui.QColor(*POINTS))
        sp.addItem(self.scatter)
        sp.setRange(xRange=(-0.05, 0.05), yRange=(-0.05, 0.05), padding=0)
        self.scatter_canvas.setToolTip(
            "Each dot is one weight or bias: across, its part of the full gradient; up, its part of "
            "the mini-batch gradient (both scaled to length 1). If the two pointed the same way, "
            "every dot would sit on the dashed diagonal.")
        sc_box.addWidget(self.scatter_canvas, 1)
        grid.addLayout(sc_box, 1, 1)

        grid.setColumnStretch(0, 9)
        grid.setColumnStretch(1, 11)
        grid.setRowStretch(0, 4)
        grid.setRowStretch(1, 6)
        self.data_note = style.note_label(" ", size=8.5)
        lay.addWidget(self.data_note)

    # ================================================================== public
    @property
    def cosine(self) -> float:
        return self.comparison.cosine if self.comparison is not None else float("nan")

    def set_context(self, session, dataset) -> None:
        if session is not self.session or dataset is not self.dataset:
            self._run_id = None  # another session may reuse run ids: start afresh
        super().set_context(session, dataset)

    def render(self, snap) -> None:
        self._snap = snap
        if snap.run_id != self._run_id:
            self._run_id = snap.run_id
            self._tag += 1
            self._submitted = None
            self.history.clear()
            self.comparison = None
            self._scatter_scale.reset()
            self._y_lo = None
            self._x_range = None
            self._part = None
            self._draw_comparison()
        self._sync_switch(snap)
        self._maybe_submit(snap)
        self._check_result()

    def shutdown(self) -> None:
        self._poll.stop()
        self._catch_up.stop()
        self.job.stop()

    # ================================================================== commands
    def _switch(self, which: int) -> None:
        if self.session is None:
            return
        self.session.set_optimizer("gd" if which == 0 else self._minibatch_opt)

    def _sync_switch(self, snap) -> None:
        opt = snap.optimizer
        if opt != "gd":
            self._minibatch_opt = opt
        if opt != self._seen_opt:  # follow the session (not our own click, until it lands)
            self._seen_opt = opt
            self._group.blockSignals(True)
            (self.gd_radio if opt == "gd" else self.sgd_radio).setChecked(True)
            self._group.blockSignals(False)
        key = (opt, self._minibatch_opt, snap.batch_size, snap.n_train, snap.lr)
        if key == self._switch_texts:
            return  # setText on these would lay the tab out again
        self._switch_texts = key
        mom = " with momentum" if self._minibatch_opt == "momentum" else ""
        self.sgd_radio.setText(f"a mini-batch of {snap.batch_size:,} (stochastic gradient descent{mom})")
        self.gd_radio.setText(f"all {snap.n_train:,} digits (gradient descent)")
        what = {"gd": "gradient descent on all training digits",
                "sgd": f"mini-batches of {snap.batch_size:,}",
                "momentum": f"mini-batches of {snap.batch_size:,} with momentum"}.get(opt, opt)
        self.now.setText(f"Training now: {what}, η = {snap.lr:g}.")

    def _maybe_submit(self, snap) -> None:
        key = (snap.run_id, snap.step, snap.seq)
        if key == self._submitted or snap.step == 0 or self.dataset is None:
            return
        images, labels = self.dataset.train_images, self.dataset.train_labels
        if len(labels) != snap.n_train or images.shape[1] != snap.sizes[0]:
            return  # the window has not told us about the new data yet
        n = len(labels) if (len(labels) <= SUBSET or snap.optimizer == "gd") else SUBSET
        self._submitted = key
        self.job.submit(tuple(snap.sizes), snap.activation, snap.cost_name, snap.theta, snap.delta,
                        snap.grad, images[:n], labels[:n], self._tag, snap.run_id, snap.step,
                        snap.optimizer, snap.batch_size, snap.n_train)
        if not self._poll.isActive():
            self._poll.start()

    def _check_result(self) -> None:
        res = self.job.result()
        if res is None or res[0] == self._shown_seq:
            if not self.job.busy:
                self._poll.stop()
            return
        self._shown_seq = res[0]
        c: Comparison = res[1]
        if c.tag != self._tag:
            return  # an answer for another session or run
        self.comparison = c
        if math.isfinite(c.cosine) and (self.history.n == 0 or c.step > self.history.last("step")):
            self.history.extend(step=np.array([float(c.step)]), cos=np.array([c.cosine]))
        self._draw_comparison()
        if not self.job.busy:
            self._poll.stop()

    # ================================================================== drawing
    def _draw_history(self) -> None:
        steps, cos = self.history.view("step"), self.history.view("cos")
        if steps.size <= MAX_DOTS:  # dots on thousands of points would cost milliseconds per frame
            self.cos_dots.setData(steps, cos)
        elif self.cos_dots.getData()[0].size:
            self.cos_dots.clear()
        self.cos_curve.setData(steps, cos)
        if steps.size:
            lo, hi = float(steps[0]), float(steps[-1])
            # the axis grows in steps of a tenth of the span: a new range at every
            # measurement would lay out and repaint the axis each time
            if self._x_range is None or self._x_range[0] != lo or hi > self._x_range[1]:
                rng = (lo, max(lo + (hi - lo) * 1.1, lo + 10))
                self._x_range = rng
                self.cos_plot.setXRange(*rng, padding=0.02)
            fin = cos[np.isfinite(cos)]
            y_lo = -0.2 if not fin.size else min(-0.2, math.floor(float(fin.min()) * 5) / 5)
            if y_lo != self._y_lo:
                self._y_lo = y_lo
                self.cos_plot.setYRange(y_lo, 1.05, padding=0)

    def _draw_comparison(self, only: str | None = None) -> None:
        """Show ``self.comparison``: while training runs one of ``PARTS`` per call (each
        frame pays for a quarter of the view; the trainer holds the GIL between the GUI
        thread's calls into Qt and NumPy), a timer drawing the rest if nothing newer comes;
        everything at once otherwise. ``only``: draw just that part now."""
        c = self.comparison
        if only is not None:
            self._draw_part(only, c)
            return
        self._catch_up.stop()
        snap = self._snap
        if c is not None and snap is not None and snap.running and self._part is not None:
            pending = [p for p in PARTS if self._drawn.get(p) is not c]
            if not pending:
                return
            i = PARTS.index(self._part)
            self._part = next(PARTS[(i + k) % len(PARTS)] for k in range(1, len(PARTS) + 1)
                              if PARTS[(i + k) % len(PARTS)] in pending)
            self._draw_part(self._part, c)
            if len(pending) > 1:
                self._catch_up.start()
        else:
            self._part = PARTS[-1]
            for part in PARTS:
                self._draw_part(part, c)

    def _finish(self) -> None:
        """Draw the parts still showing an older measurement than the one on show."""
        c = self.comparison
        for part in PARTS:
            if self._drawn.get(part) is not c:
                self._draw_part(part, c)

    def _draw_part(self, part: str, c: Comparison | None) -> None:
        if part == "number":
            self._draw_number(c)
        elif part == "history":
            self._draw_history()
        elif c is not None and part == "tiles":
            self._draw_tiles(c)
        elif c is not None:
            self._draw_scatter(c)
        self._drawn[part] = c

    def _set_colour(self, colour: str) -> None:
        if colour != self._colour:  # through the palette, and only on a change
            self._colour = colour
            style.set_color(self.big, colour)

    def _draw_number(self, c: Comparison | None) -> None:
        if c is None:
            _set_label(self.big, "—")
            self._set_colour(style.FOREGROUND)
            self.dial.setAngle(float("nan"))
            _set_label(self.angle, "waiting for a step…" if self._snap is None or self._snap.step == 0
                       else "measuring…")
            _set_label(self.words, " ")
            _set_label(self.detail, " ")
            _set_label(self.data_note, " ")
            return
        cos = c.cosine
        fin = math.isfinite(cos)
        _set_label(self.big, f"cos = {cos:.3f}".replace("-", "−") if fin else "cos = ?")
        self._set_colour(style.ANSWER_RIGHT if fin and cos > 0.999 else style.FOREGROUND)
        if fin:
            deg = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
            _set_label(self.angle, f"angle {deg:.1f}° (step {c.step:,})")
        else:
            deg = float("nan")
            _set_label(self.angle, f"step {c.step:,}")
        self.dial.setAngle(deg)
        _set_label(self.words, cosine_words(cos, c.optimizer, c.batch_size, c.n, c.n_train))
        nb = float(np.linalg.norm(c.batch.astype(np.float64)))
        nf = float(np.linalg.norm(c.full.astype(np.float64)))
        cosines = self.history.view("cos")
        recent = cosines[-50:][np.isfinite(cosines[-50:])]
        avg = (f" Average of the last {recent.size} measured: {recent.mean():.2f}."
               if recent.size > 1 else "")
        _set_label(self.detail, f"Lengths: |mini-batch ∇C| = {style.fmt(nb)}, |full ∇C| = "
                            f"{style.fmt(nf)}.{avg}" if c.optimizer != "gd" else
                            f"|∇C| = {style.fmt(nf)}.{avg}")
        if c.n < c.n_train:
            _set_label(self.data_note,
                f"“Full” gradient: the average over a fixed {c.n:,} of the {c.n_train:,} training "
                f"digits (all {c.n_train:,} would slow training down); that is close to the true one.")
        else:
            _set_label(self.data_note, f"“Full” gradient: the average of ∇C over all {c.n:,} "
                       "training digits, at the θ where the last step's gradient was taken.")

    def _draw_tiles(self, c: Comparison) -> None:
        snap = self._snap
        sizes = snap.sizes if snap is not None else None
        if sizes is None or len(sizes) < 2:
            return
        n_in, n1 = sizes[0], sizes[1]
        if self.neuron_spin.maximum() != n1 - 1:
            self.neuron_spin.setMaximum(n1 - 1)
        Wb, _ = style.layer_views(c.batch, sizes, 0, negate=True)
        Wf, _ = style.layer_views(c.full, sizes, 0, negate=True)
        j = self.neuron_spin.value()
        if j < 0:
            with np.errstate(all="ignore"):
                r = np.linalg.norm(Wf.astype(np.float64), axis=1)
            j = int(np.nanargmax(r)) if np.isfinite(r).any() else 0
        self.neuron = j
        h, w = style.image_shape(n_in, getattr(self.dataset, "image_shape", None))
        if (h, w) != self._tile_shape:
            self._tile_shape = (h, w)
            self.full_tile.setPos(w + TILE_GAP, 0)
            self.tile_view.setRange(xRange=(-0.5, 2 * w + TILE_GAP + 0.5),
                                    yRange=(-max(4, h * 0.18), h + 0.5), padding=0.0)
            self.tile_labels[0].setPos(w / 2, -0.5)
            self.tile_labels[1].setPos(w + TILE_GAP + w / 2, -0.5)
        bt = Wb[j].reshape(h, w)
        ft = Wf[j].reshape(h, w)
        self.batch_tile.setImage(bt, levels=style.symmetric_levels(bt, 100.0))
        self.full_tile.setImage(ft, levels=style.symmetric_levels(ft, 100.0))
        who = "this step" if c.optimizer == "gd" else f"mini-batch ({c.batch_size:,} digits)"
        for item, text in zip(self.tile_labels, (who, f"full ({c.n:,} digits)"), strict=True):
            if item.toPlainText() != text:  # each change lays the item out again
                item.setText(text)
        _set_label(self.tiles_head, f"First-layer neuron {j}: −∇C for its {n_in} weights")
        self.displayed_tiles = (bt, ft)

    def _draw_scatter(self, c: Comparison) -> None:
        n = c.full.size
        if self._scatter_idx is None or self._scatter_idx[0] != n:
            rng = np.random.default_rng(0)
            idx = np.sort(rng.choice(n, size=min(N_SCATTER, n), replace=False))
            self._scatter_idx = (n, idx)
        idx = self._scatter_idx[1]
        b = -c.batch.astype(np.float64)
        f = -c.full.astype(np.float64)
        with np.errstate(all="ignore"):
            b = b / np.linalg.norm(b)
            f = f / np.linalg.norm(f)
        x, y = f[idx], b[idx]
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if x.size:
            self.scatter.setData(x, y)
        else:
            self.scatter.clear()
        self.scatter_xy = (x, y)
        m = style.robust_max(np.concatenate([x, y]), 99.5) if x.size else 1.0
        m = self._scatter_scale.update(m)
        if self._scatter_scale.changed:
            r = m * 1.15
            self.scatter_plot.setRange(xRange=(-r, r), yRange=(-r, r), padding=0)


def _set_label(label: QtWidgets.QLabel, text: str) -> None:
    """``setText`` through the label's :class:`style.QuietLabel` if it has one, and only on a change."""
    box = label.parentWidget()
    if isinstance(box, style.QuietLabel):
        box.setText(text)
    elif label.text() != text:
        label.setText(text)

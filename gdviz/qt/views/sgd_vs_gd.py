"""Gradient descent vs stochastic gradient descent.

The lesson defines the gradient as the average of ∇C over *all* training
examples; training uses a mini-batch of a few digits per step instead. This
view measures how well the mini-batch step points where the full gradient
would go: the cosine of the angle between the last step's gradient
(``snap.grad``) and the gradient over the training data at the same θ
(:mod:`gdviz.training.batch_vs_full`), live, with a line over time, both
gradients for one first-layer neuron side by side, and a scatter of their
components. A switch sends the session to full gradient descent (cosine =
1.000 exactly) or back to mini-batches.

The full gradient (~1 ms per 1,000 digits) runs in a background job; for more
than ``SUBSET`` training digits a fixed subset (the first ``SUBSET``) is used —
except under full gradient descent, whose steps take as long anyway. While the
tab is hidden the view keeps measuring, about once a second, so the line over
time has the steps since the tab was first opened.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style
from gdviz.qt.views.angle_dial import AngleDial
from gdviz.qt.views.base import LessonView
from gdviz.qt.views.dots_item import DotsItem
from gdviz.training.batch_vs_full import SUBSET, Comparison, compare, cosine_words, subset_size
from gdviz.training.series import GrowingSeries

__all__ = ["SUBSET", "AngleDial", "DotsItem", "SgdVsGdView"]

N_SCATTER = 1_500  # components in the scatter (a fixed random choice; ~2 ms to update)
MAX_DOTS = 60  # the cosine line shows dots on its points up to this many
LINE = "#1f4e79"
POINTS = (31, 78, 121, 90)
TILE_GAP = 4  # image pixels between the two neuron pictures
COS_TITLE = "cosine at each step measured{since} · dashed: 1 = exactly downhill"


class _WidestText(QtCore.QObject):
    """Keeps ``label`` and its ``box`` wide enough for ``text`` in the label's current font
    (presenter mode enlarges the font after the view is built)."""

    def __init__(self, label: QtWidgets.QLabel, box: QtWidgets.QWidget, text: str):
        super().__init__(label)
        self._label, self._box, self._text = label, box, text
        self._fit()
        label.installEventFilter(self)

    def _fit(self) -> None:
        w = QtGui.QFontMetrics(self._label.font()).horizontalAdvance(self._text) + 8
        self._label.setMinimumWidth(w)
        self._box.setMinimumWidth(w)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit()
        return False


class SgdVsGdView(LessonView):
    """The last step's gradient against the gradient over all training data.

    Public beyond :class:`LessonView`: ``comparison`` (the
    :class:`~gdviz.training.batch_vs_full.Comparison` on show, or None),
    ``cosine`` (its cosine, NaN before one), ``history`` (steps and cosines
    measured since the view was made: every step rendered while shown, one
    every ``hidden_interval`` seconds while hidden), ``neuron_spin`` (−1 = the
    neuron pushed hardest), the radio buttons ``gd_radio`` / ``sgd_radio``, the
    items ``cos_curve`` (with ``cos_dots``), ``batch_tile``/``full_tile``,
    ``scatter`` and ``job``.
    """

    PARTS = ("number", "history", "tiles", "scatter")

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.job = self.background(compare, "gdviz-sgd-vs-gd")
        self.hidden_interval = 1.0  # seconds between measurements while the tab is hidden
        self.comparison: Comparison | None = None
        self.history = GrowingSeries(("step", "cos"), 1024)
        self._seen_opt = None
        self._minibatch_opt = "sgd"
        self._scatter_idx = None
        self._scatter_scale = style.LevelSmoother(rise=1.0, fall=0.1, tolerance=0.05)
        self._y_lo = None
        self._x_range = None
        self._since = None  # the first step on the line over time, as its title says
        self._colour = None
        self._switch_texts = None
        self._build_ui()
        self.draw(None, live=False)

    # ================================================================== UI
    def _build_ui(self) -> None:
        lay = style.panel_layout(
            self, "Gradient descent vs stochastic gradient descent: does a mini-batch step point downhill?",
            "The lesson's gradient is the average of ∇C over ALL training digits. Training "
            "usually takes a shortcut: each step uses only a small random mini-batch. How close "
            "is the mini-batch's direction to the true one? The cosine of the angle between them "
            "says it: 1 = the same direction, 0 = at right angles, below 0 = partly uphill.")

        sw = QtWidgets.QHBoxLayout()
        sw.setSpacing(12)
        sw.addWidget(style.heading("Each step uses:"))
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
        box.addWidget(style.heading("How well the last step pointed downhill"))
        self.big = QtWidgets.QLabel("—")
        self.big.setFont(style.font(26, bold=True))
        self.big.setToolTip("cos(angle) between the last step's gradient and the gradient of "
                            "the training data at the same θ.")
        self.big.setSizePolicy(QtWidgets.QSizePolicy.Policy.Minimum,
                               QtWidgets.QSizePolicy.Policy.Preferred)
        self.dial = AngleDial()
        top = QtWidgets.QHBoxLayout()
        # labels whose text changes with every measurement sit in fixed-size boxes, so
        # their setText does not lay out the whole tab again
        big_box = style.QuietLabel(self.big)
        self._big_width = _WidestText(self.big, big_box, "cos = −0.000")  # follows presenter mode's font
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
        p = self.cos_plot = style.fixed_plot(self.time_canvas, "step", "cos(angle)", tick_length=5)
        p.getAxis("left").setWidth(50)
        p.setTitle(COS_TITLE.format(since=""), size="8.5pt", color=style.MUTED)
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
        p.setToolTip("The cosine for each step this tab measured since it was first opened (about "
                     "once a second while another tab is shown). With mini-batches it jumps "
                     "around: each batch points a little differently. With gradient descent it "
                     "stays at 1.")
        grid.addWidget(self.time_canvas, 0, 1)

        # ---- one neuron's two gradients
        tiles_box = QtWidgets.QVBoxLayout()
        tiles_box.setSpacing(2)
        th = QtWidgets.QHBoxLayout()
        self.tiles_head = style.ShortTitle("One first-layer neuron's −∇C", "One neuron's −∇C")
        self.tiles_head.setFont(style.font(9.5, bold=True))
        th.addWidget(style.QuietLabel(self.tiles_head), 1)  # (its neuron changes with the steps)
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
        self.neuron_spin.valueChanged.connect(self._neuron_changed)
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
        sc_box.addWidget(style.heading(f"{N_SCATTER:,} of the components: the last step against the full data"))
        self.scatter_canvas = style.plot_widget()
        sp = self.scatter_plot = style.fixed_plot(self.scatter_canvas, "full data's −∇C ÷ its length",
                                                  "last step's −∇C ÷ its length")
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

    def context_changed(self) -> None:
        self.snap = None  # another session may reuse run ids: the next snapshot starts afresh

    def ingest(self, snap) -> None:
        """Every snapshot: a new run starts a new line; while hidden, measure now and then."""
        self._follow(snap)
        if not self.isVisible():  # at most a sixth of a core, however long one measurement takes
            self._measure(snap, max(self.hidden_interval, 5 * self.job.seconds))

    def render(self, snap) -> None:
        self._follow(snap)
        self._sync_switch(snap)
        self._measure(snap)
        self.continue_drawing()

    def on_shown(self) -> None:
        self.draw(self.comparison, live=False)

    def result_ready(self, job, c: Comparison) -> None:
        self.comparison = c
        if math.isfinite(c.cosine) and (self.history.n == 0 or c.step > self.history.last("step")):
            self.history.extend(step=np.array([float(c.step)]), cos=np.array([c.cosine]))
        if self.isVisible():
            self.draw(c, live=self.snap is not None and self.snap.running)

    def _follow(self, snap) -> None:
        if self.new_run(snap):  # (shown or not: a hidden view follows every run, so never forgets one)
            self.history.clear()
            self.comparison = None  # two θ-sized gradients (6 MB for 784-1024-10), and tiles drawn from them
            self.displayed_tiles = None
            self.batch_tile.clear()
            self.full_tile.clear()
            self._scatter_scale.reset()
            self._y_lo = None
            self._x_range = None
            if self.isVisible():
                self.draw(None, live=False)

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

    def _measure(self, snap, min_interval: float = 0.0) -> None:
        """Ask for the comparison at ``snap``'s step (at most every ``min_interval`` s)."""
        if snap.step == 0 or self.dataset is None:
            return
        images, labels = self.dataset.train_images, self.dataset.train_labels
        if len(labels) != snap.n_train or images.shape[1] != snap.sizes[0]:
            return  # the window has not told us about the new data yet
        n = subset_size(len(labels), snap.optimizer)
        self.submit(self.job, (snap.run_id, snap.step, snap.seq), tuple(snap.sizes),
                    snap.activation, snap.cost_name, snap.theta, snap.delta, snap.grad,
                    images[:n], labels[:n], snap.run_id, snap.step, snap.optimizer,
                    snap.batch_size, snap.n_train, min_interval=min_interval)

    def _neuron_changed(self, *_) -> None:
        if self.comparison is not None:
            self._draw_tiles(self.comparison)

    # ================================================================== drawing
    def _draw_history(self) -> None:
        steps, cos = self.history.view("step"), self.history.view("cos")
        if steps.size <= MAX_DOTS:  # dots on thousands of points would cost milliseconds per frame
            self.cos_dots.setData(steps, cos)
        elif self.cos_dots.getData()[0].size:
            self.cos_dots.clear()
        self.cos_curve.setData(steps, cos)
        first = int(steps[0]) if steps.size else None
        if first != self._since:  # say where the line starts when it is not the run's start
            self._since = first
            since = f" since step {first:,}" if first and first > 1 else ""
            self.cos_plot.setTitle(COS_TITLE.format(since=since), size="8.5pt", color=style.MUTED)
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

    def draw_part(self, part: str, c: Comparison | None) -> None:
        if part == "number":
            self._draw_number(c)
        elif part == "history":
            self._draw_history()
        elif c is not None and part == "tiles":
            self._draw_tiles(c)
        elif c is not None:
            self._draw_scatter(c)

    def _set_colour(self, colour: str) -> None:
        if colour != self._colour:  # through the palette, and only on a change
            self._colour = colour
            style.set_color(self.big, colour)

    def _draw_number(self, c: Comparison | None) -> None:
        if c is None:
            _set_label(self.big, "—")
            self._set_colour(style.FOREGROUND)
            self.dial.setAngle(float("nan"))
            _set_label(self.angle, "waiting for a step…" if self.snap is None or self.snap.step == 0
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
        snap = self.snap
        sizes = snap.sizes if snap is not None else None
        if sizes is None or len(sizes) < 2:
            return
        n_in, n1 = sizes[0], sizes[1]
        if c.batch.size != self.snap.n_params or c.full.size != self.snap.n_params:
            return  # computed for the network before a change of shape: its result is on its way
        if self.neuron_spin.maximum() != n1 - 1:
            self.neuron_spin.setMaximum(n1 - 1)
        Wb, _ = style.layer_views(c.batch, sizes, 0)  # views of ∇C; one neuron's row is negated below
        Wf, _ = style.layer_views(c.full, sizes, 0)
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
        bt = np.negative(Wb[j]).reshape(h, w)  # −∇C, copies of one row: the images pin no θ-sized array
        ft = np.negative(Wf[j]).reshape(h, w)
        self.batch_tile.setImage(bt, levels=style.symmetric_levels(bt, 100.0))
        self.full_tile.setImage(ft, levels=style.symmetric_levels(ft, 100.0))
        who = "this step" if c.optimizer == "gd" else f"mini-batch ({c.batch_size:,} digits)"
        for item, text in zip(self.tile_labels, (who, f"full ({c.n:,} digits)"), strict=True):
            if item.toPlainText() != text:  # each change lays the item out again
                item.setText(text)
        self.tiles_head.set_short(f"Neuron {j}: −∇C")  # (where the full title does not fit)
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

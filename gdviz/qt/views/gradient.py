"""The −∇C view: the negative gradient of the last step, all its components.

Left: the first weight layer as 28×28 pictures (one per first-layer neuron)
and the deeper layers as matrices — the app's own :class:`HiddenWeightsPanel`
and :class:`DeeperLayersPanel`, switched together between −∇C, Δθ and the
weights. Right, always about −∇C: how big its components are (sorted, largest
first, beside a histogram of their sizes on a log scale, with the exact zeros
counted in words), how long the whole vector is over time and per layer, and
the ten components that matter most right now (also circled in the pictures).

Every number comes from :mod:`gdviz.training.analysis` (``sorted_magnitudes``,
``gradient_histogram``, ``gradient_norms``, ``top_parameters``); all of them
together take well under a millisecond for 13,002 parameters, so they run in
the GUI thread. While training runs, ``render`` draws one of ``PARTS`` per call
(a whole-view frame kept the GUI thread busy for 20-30 ms); the base class draws
the rest when no newer snapshot follows.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import style
from gdviz.qt.plot_items import PixelMarkers
from gdviz.qt.views.base import LessonView
from gdviz.qt.views.top_changes import TopChangesTable
from gdviz.qt.weights import DeeperLayersPanel, HiddenWeightsPanel
from gdviz.training.analysis import (
    NormHistory,
    gradient_histogram,
    gradient_norms,
    sorted_magnitudes,
    top_parameters,
)
from gdviz.training.probe import parameter_layout

TOP_K = 10
HIST_BINS = 40
DECADES = 10  # the size axis spans this many powers of ten below its top
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# "|" allows a line break after it (Unicode class BA): word joiners keep "|∇C| = x" on one line.
NORM_NOBREAK = "|\u2060∇C|\u2060"
MARKER = "#111111"
NORM_LINE = "#1f4e79"
ZERO_BAR = "#9a9a9a"


def power_label(k: int) -> str:
    """``10⁻⁸`` for k = −8."""
    return "1" if k == 0 else "10" + str(int(k)).translate(_SUPERSCRIPT)


def _circles(view) -> PixelMarkers:
    """Hollow circles, 11 px across, for the top ten's entries on a picture in ``view``."""
    return PixelMarkers(view, TOP_K, 11, pen=pg.mkPen(MARKER, width=1.6), brush=None)


def _plots_below(lay, min_height: int, stretch: int, title: str, tip: str):
    """A heading and, under it, a plot canvas (returned) in ``lay``."""
    lay.addWidget(style.heading(title, tip, wrap=True))
    canvas = style.plot_widget()
    canvas.setMinimumHeight(min_height)
    lay.addWidget(canvas, stretch)
    return canvas


class GradientView(LessonView):
    """All 13,002 components of −∇C of the last step.

    Public beyond :class:`LessonView`: ``setMode(mode)`` / ``mode()``
    ("gradient", "delta", "weights": what the pictures show), and for tests and
    tools the items and what they show: ``first`` / ``deeper`` (the two weight
    panels), ``top`` (the :class:`ParameterChange` rows in the table),
    ``table``, ``sorted_curve``, ``hist_bars``, ``zero_bar``, ``norm_curve``,
    ``layer_bars``, ``zeros_text``, ``markers``.
    """

    PARTS = ("first layer", "sizes", "lengths", "deeper and table")

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self._mode = "gradient"
        self._sizes = None
        self._norms = None  # (snapshot, GradientNorms) of the last snapshot rendered
        self._log_top = 0  # top of the size axis, a power of ten
        self.top: tuple = ()
        self._history = NormHistory()  # the window hands over its own (see share_history)
        self._norm_top = style.LevelSmoother(rise=1.0, fall=0.05, tolerance=0.05)
        self._layer_top = style.LevelSmoother(rise=1.0, fall=0.1, tolerance=0.05)
        self._count_top = style.LevelSmoother(rise=1.0, fall=0.1, tolerance=0.05)
        self._x_range = None
        self._size_axes = None
        self._hist_xmax = None

        lay = style.panel_layout(self)
        self.title = style.title_label(
            "−∇C for the last step: every one of the 13,002 numbers that say how θ should move")
        self.modes = style.ModeSwitch()
        self.modes.setMode("gradient")
        tips = {
            "gradient": "The pictures on the left show −∇C of the last mini-batch: the direction "
                        "that lowers its cost fastest (red = should grow, blue = should shrink).",
            "delta": "The pictures on the left show Δθ, how much each weight actually moved in the "
                     "last step (−η·∇C for plain gradient descent).",
            "weights": "The pictures on the left show the weights themselves.",
        }
        for m, b in self.modes.buttons.items():
            b.setToolTip(tips[m] + " The charts on the right always describe −∇C.")
        self.modes.modeChanged.connect(self.setMode)
        lay.addLayout(style.header(self.title, self.modes))
        self.summary = QtWidgets.QLabel(" ")
        self.summary.setFont(style.font(9.5))
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        lay.addWidget(style.QuietLabel(self.summary))

        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        lay.addWidget(split, 1)

        # ---- left: the weight panels, in gradient mode, driven by our switch
        left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        left.setChildrenCollapsible(False)
        self.first = HiddenWeightsPanel()
        self.deeper = DeeperLayersPanel()
        self.first.setMinimumSize(300, 250)
        self.deeper.setMinimumHeight(170)  # (its width follows its matrices and colour bar)
        for p in (self.first, self.deeper):
            p.modes.hide()  # one switch for the whole view
            p.setMode("gradient")
            left.addWidget(p)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        split.addWidget(left)

        # ---- right: sizes, length, the ten that matter most
        right = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(right)
        rl.setContentsMargins(4, 0, 0, 0)
        rl.setSpacing(3)
        split.addWidget(right)
        split.setStretchFactor(0, 11)
        split.setStretchFactor(1, 10)

        self.size_canvas = _plots_below(
            rl, 140, 4, "How big are the components? All of them, largest first",
            "Left: the size |∂C/∂θᵢ| of every component of −∇C, sorted from the largest to the "
            "smallest (log scale: each grid line is 10 times smaller). Right: how many components "
            "have each size. The bottom row '0' holds the components that are exactly zero.")
        self._build_size_plots()
        self.zeros_text = style.note_label(" ", size=8.5)
        self.zeros_text.setStyleSheet(f"color: {style.FOREGROUND};")
        self.zeros_text.setTextFormat(QtCore.Qt.TextFormat.RichText)
        rl.addWidget(style.QuietLabel(self.zeros_text))

        self.norm_canvas = _plots_below(
            rl, 110, 3, "How long is the step? |∇C| over time and by layer",
            "Left: the length of the whole gradient vector at each step shown while this tab was "
            "open. Right: the length of its part in each weight matrix W and bias vector b. "
            "W0 connects the pixels to hidden layer 1, W1 hidden 1 to hidden 2, W2 hidden 2 to "
            "the outputs.")
        self._build_norm_plots()

        rl.addWidget(style.heading(
            "The ten changes that matter most right now",
            "The ten components of −∇C with the largest size: the weights and biases whose "
            "change lowers this mini-batch's cost the most per unit of change. First-layer ones "
            "are circled in the pictures.", wrap=True))
        self.table = TopChangesTable(TOP_K)
        rl.addWidget(self.table, 12)  # (its rows first, up to their height; it scrolls on a short screen)
        self.status = style.status_label()
        self.status.setStyleSheet(f"color: {style.MUTED};")
        lay.addWidget(self.status)

        # circles on the first-layer pictures and the deeper matrices
        # (painted by Qt alone: ScatterPlotItems ran Python at every paint of the pictures)
        self.markers = _circles(self.first.view)
        self.first.view.sigResized.connect(self._place_markers_later)
        self._deep_markers: dict[int, tuple[pg.PlotItem, PixelMarkers]] = {}
        self.size_canvas.scene().sigMouseMoved.connect(self._hover_sizes)

    # ================================================================== public
    def context_changed(self) -> None:
        self.snap = None  # another session may reuse run ids: start afresh
        shape = getattr(self.dataset, "image_shape", None)
        if shape is not None and tuple(shape) != getattr(self.first, "_image_shape", None):
            self.first.set_image_shape(tuple(shape))

    def forget_run(self) -> None:
        super().forget_run()
        self.first.forget_run()  # (its mosaic of a 784-1024-10 network: ~20 MB)
        self.deeper.forget_run()

    def mode(self) -> str:
        return self._mode

    def setMode(self, mode: str) -> None:
        """What the pictures show: "gradient" (−∇C), "delta" (Δθ) or "weights"."""
        self.modes.setMode(mode)
        self._mode = mode
        self.first.setMode(mode)
        self.deeper.setMode(mode)

    def render(self, snap) -> None:
        if snap is self.snap:  # the window hands the same snapshot again
            self.continue_drawing()
            return
        fresh = self.new_run(snap) or tuple(snap.sizes) != self._sizes
        if fresh:
            self._sizes = tuple(snap.sizes)
            self._x_range = None
            self._norm_top.reset()
            self._layer_top.reset()
            self._count_top.reset()
            self._log_top = None
            self._hist_xmax = None
            self._size_axes = None
            self._layer_ticks(snap.sizes)
        norms = gradient_norms(snap.sizes, snap.grad)
        self._norms = (snap, norms)
        self._record_norm(snap, norms.total)
        # While training runs, one part per call: each GUI frame pays for about a quarter
        # of the view. A stopped run and the first frame of a run: everything at once.
        self.draw(snap, live=snap.running and snap.step > 0 and not fresh)

    def draw_part(self, part: str, snap) -> None:
        """Draw one of ``PARTS`` for ``snap``."""
        if snap is None:
            return
        if part == "first layer":
            self.first.render(snap)
        elif part == "sizes":
            self._update_sizes(snap, snap.grad)
        elif part == "lengths":
            norms = self._norms[1] if self._norms and self._norms[0] is snap else \
                gradient_norms(snap.sizes, snap.grad)
            self._update_norms(snap, norms)
            self._update_summary(snap, norms.total)
        else:
            self.deeper.render(snap)
            self._update_top(snap, snap.grad)  # also circles the top ten in both pictures

    # ================================================================== building
    def _build_size_plots(self) -> None:
        p, h = self.sorted_plot, self.hist_plot = style.plot_grid(
            self.size_canvas, (("rank (1 = largest)", "|∂C/∂θᵢ|"), ("how many", "")), (3, 1), spacing=0)
        for plot in (p, h):
            plot.showGrid(y=True, alpha=0.18)
        h.getAxis("left").setStyle(showValues=False)
        h.getAxis("left").setWidth(4)
        p.getAxis("left").setWidth(50)
        h.setYLink(p)
        self.sorted_curve = p.plot(pen=pg.mkPen(style.NEGATIVE, width=2),
                                   fillLevel=0.0, brush=pg.mkBrush(33, 102, 172, 45),
                                   connect="finite")
        self.share_text = pg.TextItem("", color=style.FOREGROUND, anchor=(1, 0))
        self.share_text.setFont(style.font(8.5))
        p.addItem(self.share_text, ignoreBounds=True)
        self.hist_bars = pg.BarGraphItem(x0=np.zeros(HIST_BINS), y=np.zeros(HIST_BINS),
                                         height=np.zeros(HIST_BINS), width=np.zeros(HIST_BINS),
                                         brush=pg.mkBrush(style.BAR), pen=pg.mkPen(None))
        self.zero_bar = pg.BarGraphItem(x0=[0.0], y=[0.0], height=[0.8], width=[0.0],
                                        brush=pg.mkBrush(ZERO_BAR), pen=pg.mkPen(None))
        h.addItem(self.hist_bars)
        h.addItem(self.zero_bar)
        self.zero_text = pg.TextItem("", color=style.FOREGROUND, anchor=(1, 0.5),
                                     fill=pg.mkBrush(255, 255, 255, 200))
        self.zero_text.setFont(style.font(8))
        h.addItem(self.zero_text, ignoreBounds=True)
        self._hist_xmax = None
        self.sorted_plot.setToolTip(
            "Every component of −∇C, sorted by size. A few are large; most are tiny or exactly 0.")
        self.hist_plot.setToolTip("How many components have each size (same vertical scale). "
                                  "Grey bar: the components that are exactly zero.")

    def _build_norm_plots(self) -> None:
        p, b = self.norm_plot, self.layer_plot = style.plot_grid(
            self.norm_canvas, (("step", "|∇C|"), ("", "length")), (3, 2), spacing=8, tick_length=5)
        for plot in (p, b):
            plot.getAxis("left").setWidth(50)
        p.setDownsampling(auto=True, mode="peak")
        p.setClipToView(True)
        self.norm_curve = p.plot(pen=pg.mkPen(NORM_LINE, width=1.5), connect="finite")
        p.setYRange(0, 1, padding=0)
        p.setXRange(0, 1, padding=0)
        p.setToolTip("|∇C|, the length of the gradient, at each step shown while this tab is open. "
                     "It jumps around from batch to batch: every mini-batch wants something "
                     "slightly different.")
        self.layer_bars = pg.BarGraphItem(x=np.arange(6), height=np.zeros(6), width=0.7,
                                          brush=pg.mkBrush(style.BAR), pen=pg.mkPen(None))
        b.addItem(self.layer_bars)
        b.setToolTip("The length of −∇C's piece in each weight matrix W and bias vector b "
                     "(W0: pixels → hidden 1, W1: hidden 1 → hidden 2, W2: hidden 2 → outputs).")
        b.setYRange(0, 1, padding=0)

    def _layer_ticks(self, sizes) -> None:
        slots = parameter_layout(tuple(sizes))
        n = len(slots)
        self.layer_bars.setOpts(x=np.arange(n), height=np.zeros(n))
        self.layer_plot.getAxis("bottom").setTicks(
            [[(i, f"{s.kind}{s.layer}") for i, s in enumerate(slots)], []])
        self.layer_plot.setXRange(-0.6, n - 0.4, padding=0)

    # ================================================================== updating
    def _update_sizes(self, snap, g) -> None:
        sm = sorted_magnitudes(g)
        finite = sm.magnitude[sm.magnitude > 0]
        top = math.ceil(math.log10(float(finite.max()))) if finite.size else 0
        top = max(0, top)
        if self._log_top is None or top > self._log_top:
            self._log_top = top
        hi = self._log_top
        lo = hi - DECADES
        zero_y = lo - 1.5
        hist = gradient_histogram(g, bins=HIST_BINS, log_range=(lo, hi))
        with np.errstate(divide="ignore"):
            y = np.where(sm.magnitude > 0, np.log10(np.maximum(sm.magnitude, 1e-300)), zero_y)
        y = np.maximum(y, zero_y)  # below the axis: drawn on the bottom row
        x = sm.rank.astype(np.float64) + 1.0
        self.sorted_curve.setData(x, y)
        if self.sorted_curve.opts.get("fillLevel") != zero_y - 0.5:
            self.sorted_curve.setFillLevel(zero_y - 0.5)
        axes = (g.size, hi)
        if axes != self._size_axes:  # set ranges and ticks only when they change
            self._size_axes = axes
            self.sorted_plot.setXRange(1, max(2, g.size), padding=0.01)
            self.sorted_plot.setYRange(zero_y - 0.5, hi + 0.3, padding=0)
            ticks = [(k, power_label(k)) for k in range(hi, lo, -2)]
            self.sorted_plot.getAxis("left").setTicks([ticks + [(zero_y, "0")], []])

        centres = 0.5 * (hist.edges[:-1] + hist.edges[1:])
        width = float(hist.edges[1] - hist.edges[0])
        self.hist_bars.setOpts(x0=np.zeros(centres.size), y=centres,
                               height=np.full(centres.size, width * 0.9),
                               width=hist.counts.astype(np.float64))
        self.zero_bar.setOpts(x0=[0.0], y=[zero_y], height=[0.8], width=[float(hist.n_zero)])
        # The range follows the non-zero bins; a longer zero bar runs off the edge with its count.
        cmax = self._count_top.update(float(max(int(hist.counts.max(initial=0)), 1)))
        xmax = style.nice_ceiling(cmax * 1.05, 1.0)
        if xmax != self._hist_xmax:
            self._hist_xmax = xmax
            self.hist_plot.setXRange(0, xmax, padding=0)
            self.hist_plot.getAxis("bottom").setTicks([[(0, "0"), (xmax, f"{xmax:,.0f}")], []])
        style.set_item_text(self.zero_text, f"{hist.n_zero:,}", (xmax, zero_y))
        self._hist = hist
        self._sorted = sm

        # in words: exact zeros, and how concentrated the push is
        n_total = hist.n_total
        words = []
        if snap.step == 0:
            words.append("No step yet: the gradient is all zeros until the first mini-batch.")
        else:
            z = hist.n_zero
            blank = self._blank_pixels(snap, g)
            share_txt = ""
            if sm.n and sm.norm > 0 and math.isfinite(sm.norm):
                k1 = max(1, round(0.01 * sm.n))
                share = float(np.interp(k1 - 1, sm.rank, sm.share))
                share_txt = (f"The largest 1% ({k1:,}) make up {100 * share:.0f}% of |∇C|².")
                style.set_item_text(self.share_text, f"top 1% → {100 * share:.0f}% of |∇C|²")
            else:
                style.set_item_text(self.share_text, "")
            if blank is not None and blank > 0:
                n1 = snap.sizes[1]
                who = self._batch_words(snap)
                words.append(f"<b>{z:,}</b> of the {n_total:,} components are exactly 0 "
                             f"(white in the pictures): {blank:,} pixels were blank in {who}, "
                             f"so their {n1} weights get no push.")
            else:
                words.append(f"<b>{z:,}</b> of the {n_total:,} components are exactly 0.")
            if hist.n_nonfinite:
                verb = "is" if hist.n_nonfinite == 1 else "are"
                words.append(f"{hist.n_nonfinite:,} {verb} not a number (training diverged).")
            below = n_total - z - hist.n_nonfinite - int(hist.counts.sum())
            if below > 0:
                verb = "is" if below == 1 else "are"
                words.append(f"{below:,} {verb} smaller than {power_label(lo)} (drawn on the 0 row).")
            words.append(share_txt.strip())
        text = " ".join(w for w in words if w)
        self.zeros_text.parentWidget().setText(text)
        style.set_item_text(self.share_text, self.share_text.toPlainText(), (max(2, g.size), hi + 0.2))

    @staticmethod
    def _batch_words(snap) -> str:
        if snap.optimizer == "gd":
            return f"all {snap.n_train:,} training digits"
        return f"all {min(snap.batch_size, snap.n_train):,} digits of this mini-batch"

    @staticmethod
    def _blank_pixels(snap, g) -> int | None:
        """Input pixels whose every first-layer weight has a zero gradient (blank in the batch)."""
        if len(snap.sizes) < 2:
            return None
        W, _ = style.layer_views(g, snap.sizes, 0)
        return int(np.count_nonzero(np.all(W == 0, axis=0)))

    def ingest(self, snap) -> None:
        """Note |∇C| of every snapshot the window takes, shown or not (one dot product)."""
        self._history.observe(snap)

    def share_history(self, history: NormHistory) -> None:
        """Use ``history`` (the window's, kept since the run began) for the |∇C| curve."""
        self._history = history

    def _record_norm(self, snap, total: float) -> None:
        self._history.observe(snap, total)

    def _update_norms(self, snap, norms) -> None:
        steps, vals = self._history.steps, self._history.norms
        self.norm_curve.setData(steps, vals)
        if steps.size:
            lo, hi = float(steps[0]), float(steps[-1])
            if hi - lo < 10:
                hi = lo + 10
            rng = (lo, hi)
            if rng != self._x_range:
                self._x_range = rng
                self.norm_plot.setXRange(lo, hi, padding=0.02)
            fin = vals[np.isfinite(vals)]
            top = self._norm_top.update(style.robust_max(fin, 99.5) if fin.size else 1.0)
            if self._norm_top.changed:
                self._set_top(self.norm_plot, style.nice_ceiling(top * 1.05))
        heights = np.nan_to_num(np.asarray(norms.norms, dtype=np.float64), nan=0.0,
                                posinf=0.0, neginf=0.0)
        self.layer_bars.setOpts(height=heights)
        top = self._layer_top.update(float(heights.max(initial=0.0)))
        if self._layer_top.changed:
            self._set_top(self.layer_plot, style.nice_ceiling(top * 1.05))
        self._norms = norms

    @staticmethod
    def _set_top(plot, top: float) -> None:
        """y from 0 to ``top`` with three labelled ticks (the plots are short)."""
        plot.setYRange(0, top, padding=0)
        plot.getAxis("left").setTicks([[(0, "0"), (top / 2, style.fmt(top / 2)),
                                        (top, style.fmt(top))], []])

    def _update_top(self, snap, g) -> None:
        if snap.step == 0:
            self.top = ()
        else:
            self.top = top_parameters(snap.sizes, g, TOP_K)
        shape = style.image_shape(snap.sizes[0], getattr(self.dataset, "image_shape", None))
        self.table.show_changes(self.top, shape, len(snap.sizes) - 1, snap.sizes)
        self._place_markers()

    def _update_summary(self, snap, total: float) -> None:
        if snap.step == 0:
            text = ("Each step of gradient descent moves all 13,002 weights and biases by −η·∇C. "
                    "No step has been taken yet.")
        else:
            if snap.optimizer == "gd":
                batch = f"the gradient of all {snap.n_train:,} training digits"
            else:
                batch = f"the gradient of a mini-batch of {snap.batch_size:,} digits"
            n = snap.n_params
            text = (f"Step {snap.step:,} used {batch}: θ moved by −η·∇C with η = {snap.lr:g}. "
                    f"∇C has {n:,} components (one per weight and bias); its length is "
                    f"<b>{NORM_NOBREAK}&nbsp;=&nbsp;{style.fmt(total)}</b>.")
            if snap.optimizer == "momentum":
                text += " (With momentum Δθ also carries the earlier steps.)"
        if snap.diverged:
            text += " <span style='color:#b2182b'>Training diverged: some numbers are not a number.</span>"
        self.summary.parentWidget().setText(text)

    # ================================================================== markers
    def _place_markers_later(self, *_):
        QtCore.QTimer.singleShot(0, self._place_markers)

    def _place_markers(self) -> None:
        """Circle the top components: first-layer ones on the pictures, deeper ones in the matrices."""
        g = self.first.geometry
        pts = []
        deep: dict[int, list[tuple[float, float]]] = {}
        for p in self.top:
            if p.layer == 0 and p.kind == "W" and g is not None and g.picture:
                r0, c0 = g.tile_origin(p.neuron)
                r, c = divmod(p.input, g.w)
                pts.append((c0 + c + 0.5, r0 + r + 0.5))
            elif p.layer >= 1:
                n_in = self._sizes[p.layer] if self._sizes else 0
                x = (p.input + 0.5) if p.kind == "W" else n_in + DeeperLayersPanel.BIAS_GAP + 0.5
                deep.setdefault(p.layer, []).append((x, p.neuron + 0.5))
        if pts:
            a = np.array(pts)
            self.markers.setData(a[:, 0], a[:, 1])
        else:
            self.markers.setData([], [])
        plots = self.deeper.plots
        for i, plot in enumerate(plots):
            layer = i + 1
            have = self._deep_markers.get(layer)
            if have is None or have[0] is not plot:
                self._deep_markers[layer] = have = (plot, _circles(plot))
            xy = deep.get(layer, [])
            if xy:
                a = np.array(xy)
                have[1].setData(a[:, 0], a[:, 1])
            else:
                have[1].setData([], [])

    # ================================================================== hover
    def _hover_sizes(self, pos) -> None:
        sm = getattr(self, "_sorted", None)
        if sm is None:
            return
        vb = self.sorted_plot.getViewBox()
        if vb.sceneBoundingRect().contains(pos):
            x = vb.mapSceneToView(pos).x()
            if sm.n and 1 <= x <= sm.n:
                i = int(np.searchsorted(sm.rank, x - 1.0))
                i = min(i, sm.rank.size - 1)
                self.status.setText(
                    f"rank {int(sm.rank[i]) + 1:,}: |∂C/∂θ| = {style.fmt(sm.magnitude[i])}; "
                    f"the components up to here make up {100 * sm.share[i]:.1f}% of |∇C|²")
                return
        hv = self.hist_plot.getViewBox()
        hist = getattr(self, "_hist", None)
        if hist is not None and hv.sceneBoundingRect().contains(pos):
            y = hv.mapSceneToView(pos).y()
            lo, hi = float(hist.edges[0]), float(hist.edges[-1])
            if lo - 1.9 <= y < lo - 1.1:
                self.status.setText(f"{hist.n_zero:,} components are exactly zero")
                return
            if lo <= y < hi:
                k = min(hist.counts.size - 1, int((y - lo) / (hi - lo) * hist.counts.size))
                self.status.setText(
                    f"{int(hist.counts[k]):,} components between "
                    f"{style.fmt(10 ** hist.edges[k])} and {style.fmt(10 ** hist.edges[k + 1])}")
                return
        self.status.setText(" ")

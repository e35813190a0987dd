"""The deeper layers panel: every weight layer after the first, ``W[l]`` of shape
``(n_{l+1}, n_l)``, as a matrix heatmap (rows = neurons of the layer, columns =
inputs from the layer before) with the bias column ``b[l]`` beside it, in the
diverging colormap with one smoothed symmetric scale and a colour bar. Pointing at a
cell (or clicking it) shows its w and −∂C/∂w (:mod:`gdviz.qt.maths_readout`)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from gdviz.qt import axis_fit, colours, fonts, plot_items, scales, widgets
from gdviz.qt.maths_readout import MathsReadout
from gdviz.qt.mode_panel import ModePanel, board_item, scale_of
from gdviz.training import explain, theta

__all__ = ["DeeperLayersPanel"]


BAR_COLUMN_PX = 82  # the colour bar's column, at least
NUMBERS_TEMPLATE = "−0.000"  # the colour bar's column holds numbers this wide


class DeeperLayersPanel(ModePanel):
    """Each weight layer after the first as a matrix heatmap with its bias column.

    Rows are the neurons of the layer, columns the inputs from the layer before;
    the last column (``b``) is the bias. One colour scale for all these layers.
    """

    BIAS_GAP = 0.5  # matrix cells between the weights and the bias column

    SHORT_TITLES = {"weights": "Deeper layers' weights", "gradient": "Deeper layers' −∇C",
                    "delta": "Deeper layers' Δθ"}

    def __init__(self, parent=None):
        super().__init__(parent)
        self._bar_timer = QtCore.QTimer(self, singleShot=True, interval=0)  # (dies with the panel)
        self._bar_timer.timeout.connect(self._fit_bar_column)
        self.canvas = widgets.plot_widget()
        # (the panel's minimum: this, the title and the note; the width follows the matrices)
        self.canvas.setMinimumSize(380, 100)
        self.canvas.ci.layout.setSpacing(10)
        self._lay.addWidget(self.canvas, 1)
        self.plots: list[pg.PlotItem] = []
        self.images: list[tuple[plot_items.HeatImage, plot_items.HeatImage]] = []
        self.bar: pg.ColorBarItem | None = None
        self.empty: pg.LabelItem | None = None
        self._scale = scales.LevelSmoother()
        self._bar_sync = scales.BarSync()
        # Pointing at a cell shows its w and −∂C/∂w with the numbers; a click keeps it.
        self.maths = MathsReadout(self, self.canvas, self._locate, self._describe, self._outline)
        self._update_texts()

    # ------------------------------------------------------------------ public
    def render(self, snap) -> None:
        """Show ``W[1:]`` and ``b[1:]`` of ``snap`` in the current mode."""
        self._snap = snap
        if self._check_run(snap) or (not self.plots and self.empty is None):
            self._build(snap.sizes)
        if not self.plots:
            self.maths.refresh(snap)
            return
        vec = theta.mode_vector(snap, self._mode)
        negate = self._mode == "gradient"
        mats = [theta.layer_views(vec, snap.sizes, l, negate)
                for l in range(1, len(snap.sizes) - 1)]
        parts = [a.ravel() for W, b in mats for a in (W, b)]
        m = self._scale.update(scale_of(np.concatenate(parts)))
        for (img_w, img_b), (W, b) in zip(self.images, mats):
            img_w.setImage(W, levels=(-m, m))
            img_b.setImage(b.reshape(-1, 1), levels=(-m, m))
        self._bar_sync.sync(self.bar, m, snap.running)
        self.maths.refresh(snap)

    # ------------------------------------------------------------------ internals
    def _reset_scales(self) -> None:
        self._scale.reset()
        self._bar_sync.reset()

    def _update_texts(self) -> None:
        if self._mode == "weights":
            self.title.setText("How deeper neurons weigh the layer before")
            self.note.setText("Row = one neuron, column = one of its inputs (the neurons of the "
                              "layer before), last column b = its bias. Red = positive weight "
                              "(that input excites it), blue = negative (inhibits).")
        elif self._mode == "gradient":
            self.title.setText("−∇C for the deeper weights (last mini-batch)")
            self.note.setText("How the last mini-batch wants each weight and bias to move to "
                              "lower the cost: red = grow, blue = shrink.")
        else:
            self.title.setText("How much the deeper weights changed in the last step (Δθ)")
            self.note.setText("Δw = −η·∂C/∂w for plain gradient descent: red = went up, "
                              "blue = went down.")
        if self.bar is not None:
            self.bar.getAxis("left").setLabel(self._bar_label(), **{"font-size": "8.5pt"})

    def _bar_label(self) -> str:
        return {"weights": "weight / bias", "gradient": "−∂C/∂w", "delta": "Δw"}[self._mode]

    def _build(self, sizes) -> None:
        self.canvas.clear()
        self.plots, self.images, self.bar, self.empty = [], [], None, None
        n_layers = len(sizes) - 1
        if n_layers < 2:
            self.empty = self.canvas.addLabel(
                "No hidden layer: all the weights are<br>in the first-layer panel.",
                color=colours.MUTED, size="10pt")
            return
        gap = self.BIAS_GAP
        for l in range(1, n_layers):
            n_out, n_in = sizes[l + 1], sizes[l]
            p = self.canvas.addPlot(row=0, col=l - 1)
            dst = "output" if l + 1 == n_layers else f"layer {l + 1}"
            p.setTitle(f"layer {l} → {dst}", size="9pt", color=colours.FOREGROUND)
            vb = p.getViewBox()
            widgets.fixed_view(vb)
            p.hideButtons()
            vb.invertY(True)
            img_w = plot_items.HeatImage(colours.argb_table(colours.diverging_cmap()))
            img_b = plot_items.HeatImage(colours.argb_table(colours.diverging_cmap()))
            img_b.setPos(n_in + gap, 0)  # one image pixel = one matrix cell
            p.addItem(board_item(QtCore.QRectF(0, 0, n_in, n_out)))
            p.addItem(board_item(QtCore.QRectF(n_in + gap, 0, 1, n_out)))
            p.addItem(img_w)
            p.addItem(img_b)
            out_word = "output neuron (digit)" if l + 1 == n_layers else f"neuron of layer {l + 1}"
            # (short of room: the row's word, or just "to": the title says which layer)
            axis_fit.set_short_titles(p.getAxis("left"), out_word,
                                      "digit" if l + 1 == n_layers else "neuron", "to")
            fonts.style_axis(p.getAxis("left"), out_word)
            axis_fit.set_short_titles(p.getAxis("bottom"), f"input from layer {l}", f"from layer {l}",
                                      "input")
            fonts.style_axis(p.getAxis("bottom"), f"input from layer {l}")
            p.getAxis("left").setTicks(fonts.integer_ticks(n_out))
            xt = fonts.integer_ticks(n_in)
            room = 1.5 if n_in <= 20 else n_in / 12  # keep the last number clear of "b"
            xt = [[t for t in level if t[0] < n_in + gap + 0.5 - room] for level in xt]
            xt[0] = xt[0] + [(n_in + gap + 0.5, "b")]
            p.getAxis("bottom").setTicks(xt)
            vb.sigResized.connect(self._fit)
            self.canvas.ci.layout.setColumnStretchFactor(l - 1, max(4, min(40, n_in + 2)))
            self.plots.append(p)
            self.images.append((img_w, img_b))
        self._fit()
        self.bar = widgets.colour_bar(self._bar_label())
        self._bar_sync.reset()
        self.canvas.addItem(self.bar, row=0, col=n_layers - 1)
        self.canvas.ci.layout.setColumnStretchFactor(n_layers - 1, 0)
        self.canvas.ci.layout.setColumnFixedWidth(n_layers - 1, BAR_COLUMN_PX)
        # (its numbers widen it: the column follows once the scene's layout is done)
        self.bar.axis.geometryChanged.connect(self._bar_timer.start)

    def _fit_bar_column(self) -> None:
        """Keep the colour bar's numbers in sight: its column holds the bar and both axes,
        and the canvas is never narrower than the matrices, their axes and the bar need."""
        if self.bar is None or self._sizes is None:
            return
        # Room for numbers as wide as "−0.000" in the tick font, not for the numbers shown
        # now: they change with the levels, and the plots must not be laid out again then.
        tick_font = self.bar.axis.style.get("tickFont") or QtGui.QFont()
        numbers = QtGui.QFontMetrics(tick_font).horizontalAdvance(NUMBERS_TEMPLATE) + 10
        need = int(self.bar.getAxis("left").width()) + 14 + numbers + 12
        col = len(self._sizes) - 2
        layout = self.canvas.ci.layout
        if col >= 0 and need > layout.columnMaximumWidth(col) + 1:
            layout.setColumnFixedWidth(col, need)
        least = math.ceil(self.canvas.ci.effectiveSizeHint(QtCore.Qt.SizeHint.MinimumSize).width()) + 6
        if least > self.canvas.minimumWidth():
            self.canvas.setMinimumWidth(least)

    def _fit(self, *_args) -> None:
        """Each matrix with a few pixels of margin (its repaints do not reach the axes)."""
        for i, p in enumerate(self.plots):
            n_in, n_out = self._sizes[i + 1], self._sizes[i + 2]
            plot_items.fit_view(p.getViewBox(), 0, n_in + self.BIAS_GAP + 1, 0, n_out)

    def _locate(self, pos):
        """``("w", l, j, k)`` (weight layer l, neuron j, input k) or ``("b", l, j)`` under ``pos``."""
        for i, p in enumerate(self.plots):
            vb = p.getViewBox()
            if not vb.sceneBoundingRect().contains(pos):
                continue
            q = vb.mapSceneToView(pos)
            n_in, n_out = self._sizes[i + 1], self._sizes[i + 2]
            j = int(math.floor(q.y()))
            if not 0 <= j < n_out:
                return None
            if 0 <= q.x() < n_in:
                return ("w", i + 1, j, int(q.x()))
            if n_in + self.BIAS_GAP <= q.x() < n_in + self.BIAS_GAP + 1:
                return ("b", i + 1, j)
            return None
        return None

    def _describe(self, snap, key) -> str | None:
        sizes = snap.sizes
        l, j = key[1], key[2]
        if not (1 <= l < len(sizes) - 1 and j < sizes[l + 1]):
            return None
        delta = self._mode == "delta"
        if key[0] == "b":
            return explain.bias_term(snap, l, j).text(delta)
        if key[3] >= sizes[l]:
            return None
        return explain.weight_term(snap, l, j, key[3]).text(delta)

    def _outline(self, key):
        l, j = key[1], key[2]
        if l > len(self.plots):
            return None
        vb = self.plots[l - 1].getViewBox()
        if key[0] == "b":
            return vb, QtCore.QRectF(self._sizes[l] + self.BIAS_GAP, j, 1, 1)
        return vb, QtCore.QRectF(key[3], j, 1, 1)

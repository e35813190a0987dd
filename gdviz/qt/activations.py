"""The hidden activations panel: how strongly each hidden neuron fires for the
digit on show (one bar chart per hidden layer, bars coloured by their value).

Cheap to repaint: one :class:`~gdviz.qt.plot_items.BarsItem` per layer (a few
fillRects, fixed bounds), static guide lines instead of an axis grid, outward
axis ticks, so a new example repaints only the bars. Pointing at a bar (or
clicking it) shows that neuron's a = σ(Σ wₖaₖ + b) with its numbers
(:mod:`gdviz.qt.maths_readout`).
"""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import colours, fonts, plot_items, scales, widgets
from gdviz.qt.maths_readout import MathsReadout
from gdviz.training import explain

N_SHADES = 32  # brushes precomputed along the activation colormap


class HiddenActivationsPanel(QtWidgets.QWidget):
    """Activations ``a`` of the current example for every hidden layer.

    Range: [0, 1] for sigmoid, [−1, 1] for tanh, and for ReLU a smoothed
    1-2-5 ceiling of the largest value (never a per-frame autorange).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        colours.apply_pyqtgraph_defaults()
        self.setMinimumWidth(300)
        self._snap = None
        self._sizes = None
        self._activation = None
        self._top = None
        self._yspan = (0.0, 1.0)  # data range of the charts (margins in pixels around it)
        self._guide_ys: tuple[float, ...] = ()
        self._ticks_shown = None
        self._acts: list[np.ndarray] = []
        lay = widgets.panel_layout(self)
        lay.addWidget(widgets.title_label("How strongly each hidden neuron fires for this digit"))
        self.note = widgets.note_label("")
        lay.addWidget(self.note)
        self.canvas = widgets.plot_widget()
        self.canvas.ci.layout.setSpacing(2)
        self.canvas.setMinimumHeight(72)  # (the panel's minimum: this, the title and the note)
        lay.addWidget(self.canvas, 1)
        self.plots: list[pg.PlotItem] = []
        self.bars: list[plot_items.BarsItem] = []
        self._guides: list = []
        self.empty = None
        cm = colours.sequential_cmap()
        self._colors = [cm.map(v, mode="qcolor") for v in np.linspace(0.12, 1.0, N_SHADES)]
        self._nan_color = QtGui.QColor(colours.BOARD)
        # Pointing at a bar shows its neuron's a = σ(Σ wₖaₖ + b) with the numbers; a click keeps it.
        self.maths = MathsReadout(self, self.canvas, self._locate, self._describe, self._outline)

    # ------------------------------------------------------------------ public
    def forget_run(self) -> None:
        """Hidden while the window moved to another run: let go of its snapshot."""
        self._snap, self._acts = None, []
        self.maths.forget()

    def render(self, snap) -> None:
        """Show ``snap.example_activations`` of the hidden layers."""
        self._snap = snap
        if snap.sizes != self._sizes or snap.activation != self._activation:
            self._build(tuple(snap.sizes), snap.activation)
        acts = [np.asarray(a, dtype=np.float64) for a in snap.example_activations[:-1]]
        self._acts = acts
        if not acts:
            self.maths.refresh(snap)
            return
        lo, hi = self._range(acts)
        span = hi - lo
        for bar, a in zip(self.bars, acts):
            finite = np.isfinite(a)
            heights = np.where(finite, a, 0.0)
            if lo < 0:  # tanh: colour by strength, either sign
                shade = np.abs(heights) / max(abs(lo), hi)
            else:
                shade = (heights - lo) / span
            idx = np.clip((shade * (N_SHADES - 1)).round(), 0, N_SHADES - 1).astype(np.intp)
            colors = [self._colors[i] if f else self._nan_color
                      for i, f in zip(idx.tolist(), finite.tolist())]
            bar.setData(heights, colors)
        self.maths.refresh(snap)

    # ------------------------------------------------------------------ internals
    def _range(self, acts) -> tuple[float, float]:
        name = self._activation
        if name == "sigmoid":
            return 0.0, 1.0
        if name == "tanh":
            return -1.0, 1.0
        finite = [a[np.isfinite(a)] for a in acts]
        peak = max((float(np.abs(f).max()) for f in finite if f.size), default=1.0)
        top = scales.nice_ceiling(max(peak, 0.1))
        # Hysteresis: grow at once, shrink only when well below (no flicker).
        if self._top is None or top > self._top or top < 0.4 * self._top:
            self._top = top
            lo = -top if (name != "relu" and any((f < 0).any() for f in finite)) else 0.0
            self._set_y(lo, top, (lo, 0.0, top) if lo < 0 else (lo, top))
        return 0.0, self._top

    def _build(self, sizes: tuple[int, ...], activation: str) -> None:
        self._sizes, self._activation, self._top = sizes, activation, None
        self.canvas.clear()
        self.plots, self.bars, self._guides, self.empty = [], [], [], None
        hidden = sizes[1:-1]
        words = {"sigmoid": "0 = off, 1 = fully on", "tanh": "from −1 to 1",
                 "relu": "0 = off, no upper limit"}
        self.note.setText(f"Bar height = each neuron's activation a ({activation}: "
                          f"{words.get(activation, 'its output')}) for the current digit. "
                          "Point at a bar for its sum; click to keep it.")
        if not hidden:
            self.empty = self.canvas.addLabel("This network has no hidden layer.",
                                              color=colours.MUTED, size="10pt")
            return
        for l, n in enumerate(hidden, start=1):
            # The layer's name reads horizontally beside its chart (fits short charts).
            self.canvas.addLabel(f"layer {l}", row=l - 1, col=0, size="9pt",
                                 color=colours.FOREGROUND, justify="right")
            p = self.canvas.addPlot(row=l - 1, col=1)
            widgets.fixed_view(p.getViewBox())
            p.hideButtons()
            fonts.style_axis(p.getAxis("left"))
            fonts.style_axis(p.getAxis("bottom"))
            p.getAxis("left").setWidth(30)
            p.getAxis("bottom").setTicks(fonts.integer_ticks(n, offset=0.0))
            bar = plot_items.BarsItem(width=0.72, color=self._colors[0])
            bar.setPositions(np.arange(n))
            p.addItem(bar, ignoreBounds=True)
            guide = plot_items.guide_lines(p.getViewBox(), (), -0.5, n - 0.5)
            p.getViewBox().sigResized.connect(self._fit)
            self.plots.append(p)
            self.bars.append(bar)
            self._guides.append(guide)
        if activation == "sigmoid":
            self._set_y(0.0, 1.0, (0.0, 0.5, 1.0))
        elif activation == "tanh":
            self._set_y(-1.0, 1.0, (-1.0, 0.0, 1.0))
        self.canvas.ci.layout.setSpacing(2)
        if len(set(hidden)) == 1:  # same widths: one shared neuron axis, numbered at the bottom
            for p in self.plots[:-1]:
                p.getAxis("bottom").setStyle(showValues=False)
                p.getAxis("bottom").setHeight(6)
        self.plots[-1].getAxis("bottom").setLabel("neuron", **{"font-size": "9pt"})

    def _set_y(self, lo: float, hi: float, guides) -> None:
        """The charts' data range ``lo..hi``, the bars' bounds and the guide lines."""
        self._yspan, self._guide_ys = (lo, hi), tuple(guides)
        self._ticks_shown = None
        for bar, guide in zip(self.bars, self._guides):
            n = len(bar.opts["x"])
            bar.setBounds(QtCore.QRectF(-0.36, lo, n - 1 + 0.72, hi - lo))
            plot_items.set_guide_lines(guide, guides, -0.5, n - 0.5)
        self._fit()

    def _fit(self, *_args) -> None:
        """Ranges with a few pixels between the bars and the axes (see plot_items.fit_view)."""
        lo, hi = self._yspan
        for p, bar in zip(self.plots, self.bars):
            n = len(bar.opts["x"])
            plot_items.fit_view(p.getViewBox(), -0.5, n - 0.5, lo, hi, (3, 3, 5, 6))
        if self.plots and self._guide_ys:
            # As many value ticks as fit the charts' height without overlapping.
            ticks = [(v, scales.fmt(v)) for v in self._guide_ys]
            vb = self.plots[0].getViewBox()
            y0, y1 = vb.viewRange()[1]
            px = vb.height() / max(1e-12, y1 - y0)
            gap = QtGui.QFontMetrics(fonts.font(8.5)).height() + 1
            for choice in (ticks, [ticks[0], ticks[-1]], [ticks[-1]]):
                values = [v for v, _ in choice]
                if all((b - a) * px >= gap for a, b in itertools.pairwise(values)):
                    break
            if choice != self._ticks_shown:
                self._ticks_shown = choice
                for p in self.plots:
                    p.getAxis("left").setTicks([choice, []])

    def _locate(self, pos) -> tuple[int, int] | None:
        """``(hidden layer, neuron)`` of the bar under scene point ``pos`` (layers from 1)."""
        for l, (p, a) in enumerate(zip(self.plots, self._acts), start=1):
            vb = p.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                j = int(round(vb.mapSceneToView(pos).x()))
                return (l, j) if 0 <= j < a.size else None
        return None

    def _describe(self, snap, key) -> str | None:
        l, j = key
        if not (1 <= l < len(snap.sizes) - 1 and 0 <= j < snap.sizes[l]):
            return None
        ns = explain.neuron_sum(snap, l - 1, j)
        equation, largest = ns.lines()
        return f"{ns.heading}:  {equation}\n{largest}"

    def _outline(self, key):
        l, j = key
        if l > len(self.plots):
            return None
        lo, hi = self._yspan
        return self.plots[l - 1].getViewBox(), QtCore.QRectF(j - 0.45, lo, 0.9, hi - lo)

"""The hidden activations panel: how strongly each hidden neuron fires for the
digit on show (one bar chart per hidden layer, bars coloured by their value).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from gdviz.qt import style

N_SHADES = 32  # brushes precomputed along the activation colormap


class HiddenActivationsPanel(QtWidgets.QWidget):
    """Activations ``a`` of the current example for every hidden layer.

    Range: [0, 1] for sigmoid, [−1, 1] for tanh, and for ReLU a smoothed
    1-2-5 ceiling of the largest value (never a per-frame autorange).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.setMinimumSize(320, 170)
        self._snap = None
        self._sizes = None
        self._activation = None
        self._top = None
        self._acts: list[np.ndarray] = []
        lay = style.panel_layout(self)
        lay.addWidget(style.title_label("How strongly each hidden neuron fires for this digit"))
        self.note = style.note_label("")
        lay.addWidget(self.note)
        self.canvas = style.plot_widget()
        self.canvas.ci.layout.setSpacing(2)
        lay.addWidget(self.canvas, 1)
        self.status = style.status_label()
        lay.addWidget(self.status)
        self.plots: list[pg.PlotItem] = []
        self.bars: list[pg.BarGraphItem] = []
        self.empty = None
        cm = style.sequential_cmap()
        self._brushes = [pg.mkBrush(cm.map(v, mode="qcolor"))
                         for v in np.linspace(0.12, 1.0, N_SHADES)]
        self._nan_brush = pg.mkBrush(style.BOARD)
        self.canvas.scene().sigMouseMoved.connect(self._hover)

    # ------------------------------------------------------------------ public
    def render(self, snap) -> None:
        """Show ``snap.example_activations`` of the hidden layers."""
        self._snap = snap
        if snap.sizes != self._sizes or snap.activation != self._activation:
            self._build(tuple(snap.sizes), snap.activation)
        acts = [np.asarray(a, dtype=np.float64) for a in snap.example_activations[:-1]]
        self._acts = acts
        if not acts:
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
            brushes = [self._brushes[i] if f else self._nan_brush for i, f in zip(idx, finite)]
            bar.setOpts(height=heights, brushes=brushes)

    # ------------------------------------------------------------------ internals
    def _range(self, acts) -> tuple[float, float]:
        name = self._activation
        if name == "sigmoid":
            return 0.0, 1.0
        if name == "tanh":
            return -1.0, 1.0
        finite = [a[np.isfinite(a)] for a in acts]
        peak = max((float(np.abs(f).max()) for f in finite if f.size), default=1.0)
        top = style.nice_ceiling(max(peak, 0.1))
        # Hysteresis: grow at once, shrink only when well below (no flicker).
        if self._top is None or top > self._top or top < 0.4 * self._top:
            self._top = top
            lo = -top if (name != "relu" and any((f < 0).any() for f in finite)) else 0.0
            for p in self.plots:
                p.setYRange(lo - 0.07 * top, top * 1.1, padding=0)
                p.getAxis("left").setTicks([[(lo, style.fmt(lo)), (top, style.fmt(top))], []])
        return 0.0, self._top

    def _build(self, sizes: tuple[int, ...], activation: str) -> None:
        self._sizes, self._activation, self._top = sizes, activation, None
        self.canvas.clear()
        self.plots, self.bars, self.empty = [], [], None
        hidden = sizes[1:-1]
        words = {"sigmoid": "0 = off, 1 = fully on", "tanh": "from −1 to 1",
                 "relu": "0 = off, no upper limit"}
        self.note.setText(f"Bar height = each neuron's activation a ({activation}: "
                          f"{words.get(activation, 'its output')}) for the current digit.")
        if not hidden:
            self.empty = self.canvas.addLabel("This network has no hidden layer.",
                                              color=style.MUTED, size="10pt")
            return
        for l, n in enumerate(hidden, start=1):
            # The layer's name reads horizontally beside its chart (fits short charts).
            self.canvas.addLabel(f"layer {l}", row=l - 1, col=0, size="9pt",
                                 color=style.FOREGROUND, justify="right")
            p = self.canvas.addPlot(row=l - 1, col=1)
            style.fixed_view(p.getViewBox())
            p.hideButtons()
            style.style_axis(p.getAxis("left"))
            style.style_axis(p.getAxis("bottom"))
            p.getAxis("left").setWidth(30)
            p.getAxis("bottom").setTicks(style.integer_ticks(n, offset=0.0))
            p.showGrid(y=True, alpha=0.15)
            p.setXRange(-0.6, n - 0.4, padding=0)
            if activation == "sigmoid":
                p.setYRange(-0.07, 1.08, padding=0)
                p.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
            elif activation == "tanh":
                p.setYRange(-1.15, 1.15, padding=0)
                p.getAxis("left").setTicks([[(-1, "−1"), (0, "0"), (1, "1")], []])
            bar = pg.BarGraphItem(x=np.arange(n), height=np.zeros(n), width=0.72,
                                  brush=self._brushes[0], pen=pg.mkPen(None))
            p.addItem(bar)
            self.plots.append(p)
            self.bars.append(bar)
        self.canvas.ci.layout.setSpacing(2)
        if len(set(hidden)) == 1:  # same widths: one shared neuron axis, numbered at the bottom
            for p in self.plots[:-1]:
                p.getAxis("bottom").setStyle(showValues=False)
                p.getAxis("bottom").setHeight(6)
        self.plots[-1].getAxis("bottom").setLabel("neuron", **{"font-size": "9pt"})

    def _hover(self, pos) -> None:
        for l, (p, a) in enumerate(zip(self.plots, self._acts), start=1):
            vb = p.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                j = int(round(vb.mapSceneToView(pos).x()))
                if 0 <= j < a.size:
                    self.status.setText(f"hidden layer {l}, neuron {j}: a = {style.fmt(a[j])}")
                    return
        self.status.setText(" ")

"""The first-layer weights panel, and the base of the panels that show the
weights (or −∇C, or the last change Δθ) as heatmaps.

* :class:`HiddenWeightsPanel` — the first weight layer ``W[0]`` (``(n_1, 784)``):
  one 28×28 picture per first-layer neuron, all drawn as ONE mosaic image
  (measured ~2 ms/frame vs 7–10 ms for 16 separate image items), with each
  neuron's bias as a small gauge bar under its picture.
* :class:`~gdviz.qt.deeper_layers.DeeperLayersPanel` — every further layer ``W[l]`` (``(n_{l+1}, n_l)``)
  as a matrix heatmap (rows = neurons of the layer, columns = inputs from the
  layer before), the bias column ``b[l]`` beside it.

Both use the app's diverging colormap (blue −, white 0, red +) with symmetric,
smoothed levels and a colour bar; NaN values (a diverged run) show as the grey
board. Items are built once per network shape; ``render`` only pushes data.
Axes tick outwards (an axis overlapping an image is repainted with it), and the
neuron labels are one :class:`~gdviz.qt.plot_items.TextsItem` (a TextItem per label
was laid out and re-transformed before every paint).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import colours, fonts, plot_items, scales, widgets
from gdviz.qt.deeper_layers import DeeperLayersPanel
from gdviz.qt.maths_readout import MathsReadout
from gdviz.qt.mode_panel import ModePanel, board_item, scale_of
from gdviz.training import explain, theta

__all__ = ["HiddenWeightsPanel", "DeeperLayersPanel", "ModePanel"]

SCROLL_ABOVE = 64  # more first-layer neurons than this: tiles keep a minimum size and scroll
MIN_TILE_PX = 72  # on-screen height of one tile row (picture + label + bias) when scrolling
LABEL_PT = 7.5  # size of the "neuron j" labels above the tiles


class _MosaicGeometry:
    """Where each neuron's tile and bias bar sit in the mosaic image (pixel units).

    Picture inputs (784 = 28², or the dataset's (H, W)): H×W tiles in a grid of
    ceil(√n) columns, a label band above each tile and a bias gauge bar under it.
    Other inputs: one 1-pixel-high strip per neuron, one column, the bias as a
    coloured cell beside the strip.
    """

    def __init__(self, n: int, n_in: int, shape: tuple[int, int] | None = None,
                 cols: int | None = None):
        self.n, self.n_in = n, n_in
        h, w = theta.image_shape(n_in, shape)
        self.picture = h > 1  # False: 1-pixel-high strips
        if self.picture:
            self.h, self.w = h, w
            self.cols = max(1, min(n, cols or math.ceil(math.sqrt(n))))
            self.rows = math.ceil(n / self.cols)
            self.label = max(8, round(h * 0.36))  # band above the tile for "neuron j"
            bias_h = max(2, round(h * 0.11))
            self.ty, self.tx = self.label, 2
            self.by, self.bx, self.bh, self.bw = self.label + h + 1, 2, bias_h, w
            self.py = self.by + bias_h + 1
            self.px = w + 4
        else:
            self.h, self.w = 1, n_in
            self.cols, self.rows = 1, n
            self.label = 0
            bw = max(2, n_in // 25)
            self.ty, self.tx = 0, 0
            self.by, self.bx, self.bh, self.bw = 0, n_in + max(1, n_in // 100), 1, bw
            self.py = 2
            self.px = self.bx + bw
        self.shape = (self.rows * self.py, self.cols * self.px)

    def best_columns(self, width: float, height: float) -> int:
        """The number of columns that makes the tiles largest in a width×height area."""
        best, best_scale = self.cols, 0.0
        for c in range(1, self.n + 1):
            r = math.ceil(self.n / c)
            scale = min(width / (c * self.px + 1), height / (r * self.py + 1.5))
            if scale > best_scale * 1.001:
                best, best_scale = c, scale
        return best

    def locate(self, x: float, y: float):
        """``("tile", j, r, c)``, ``("bias", j)`` or None for a point in mosaic pixels."""
        if x < 0 or y < 0:
            return None
        col, row = int(x // self.px), int(y // self.py)
        if col >= self.cols or row >= self.rows:
            return None
        j = row * self.cols + col
        if j >= self.n:
            return None
        ix, iy = x - col * self.px, y - row * self.py
        if self.ty <= iy < self.ty + self.h and self.tx <= ix < self.tx + self.w:
            return ("tile", j, int(iy - self.ty), int(ix - self.tx))
        if self.by <= iy < self.by + self.bh and self.bx <= ix < self.bx + self.bw:
            return ("bias", j)
        return None

    def board(self) -> QtGui.QPainterPath:
        """Grey frames behind each neuron's picture and bias bar (1 px around them)."""
        path = QtGui.QPainterPath()
        if not self.picture:
            path.addRect(QtCore.QRectF(0, 0, self.shape[1], self.shape[0] - 1))
            return path
        for j in range(self.n):
            row, col = divmod(j, self.cols)
            y0, x0 = row * self.py + self.ty - 1, col * self.px + self.tx - 1
            path.addRect(QtCore.QRectF(x0, y0, self.w + 2, self.by + self.bh + 1 - self.ty + 1))
        return path

    def tile_origin(self, j: int) -> tuple[int, int]:
        """Top-left (row, col) of neuron ``j``'s picture in the mosaic."""
        row, col = divmod(j, self.cols)
        return row * self.py + self.ty, col * self.px + self.tx


# =====================================================================================
class HiddenWeightsPanel(ModePanel):
    """One 28×28 picture of weights per first-layer neuron, as a single mosaic image.

    ``render(snap)`` shows ``W[0]`` (or −∇C / Δθ for it, see :meth:`setMode`);
    pointing at a pixel (or a bias bar) shows its ``w`` and ``−∂C/∂w`` in a card
    (:attr:`maths`), and a click keeps it shown.
    """

    SHORT_TITLES = {"weights": "First-layer weights", "gradient": "First-layer −∇C",
                    "delta": "First-layer Δθ"}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumWidth(300)
        self.canvas = widgets.plot_widget()
        self.view: pg.ViewBox = self.canvas.addViewBox()
        widgets.fixed_view(self.view)
        self.view.invertY(True)
        self.image = plot_items.HeatImage(colours.argb_table(colours.diverging_cmap()))
        self.view.addItem(self.image)
        self._board = None
        # "neuron j" above each tile: one item drawing all the labels.
        self.labels = plot_items.TextsItem(LABEL_PT, anchor=(0.0, 1.0), offset=(0, 0))
        self.labels.setZValue(5)
        # Static text over an image that changes every frame: paint it from a cache.
        self.labels.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.view.addItem(self.labels, ignoreBounds=True)

        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.canvas)
        self.scroll.setMinimumHeight(96)  # (the panel's minimum: this, the title and the note)

        self.bar_canvas = widgets.plot_widget()
        self.bar_canvas.setFixedWidth(78)
        self.bar = widgets.colour_bar()
        self.bar_canvas.addItem(self.bar)
        # Its numbers widen it; resized after the scene's layout is done (a canvas resized from
        # within it keeps its old viewport).
        self._bar_timer = QtCore.QTimer(self, singleShot=True, interval=0)  # (dies with the panel)
        self._bar_timer.timeout.connect(self._fit_bar)
        self.bar.axis.geometryChanged.connect(self._bar_timer.start)
        self.bar_note = widgets.note_label("", size=8)
        self.bar_note.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter
                                   | QtCore.Qt.AlignmentFlag.AlignTop)
        side = QtWidgets.QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(2)
        self.bar_title = widgets.note_label("", size=8)
        self.bar_title.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
        self.bar_title.setFixedWidth(78)
        # Fixed size: its text changes with the bias scale and must not relayout the panel.
        self.bar_note.setFixedSize(78, QtGui.QFontMetrics(fonts.font(8)).lineSpacing() * 3 + 2)
        side.addWidget(self.bar_title)
        side.addWidget(self.bar_canvas, 1)
        side.addWidget(self.bar_note)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.scroll, 1)
        row.addLayout(side)
        self._lay.addLayout(row, 1)
        self._lay.addWidget(self.status)

        self.geometry: _MosaicGeometry | None = None
        self._image_shape: tuple[int, int] | None = None
        self._bufs: list[np.ndarray] = []
        self._tiles: np.ndarray | None = None
        self._flip = 0
        self._broken = False  # NaN/inf on screen (a diverged run)
        self._scale = scales.LevelSmoother()
        self._bar_sync = scales.BarSync()
        self._bias_scale = scales.LevelSmoother(rise=0.5, fall=0.08, tolerance=0.03)
        self.maths = MathsReadout(self, self.canvas, self._locate, self._describe, self._outline)
        self.view.sigResized.connect(self._update_labels)
        self._scrolling = False
        self._label_form = None
        self.scroll.viewport().installEventFilter(self)
        self._update_texts()

    # ------------------------------------------------------------------ public
    def render(self, snap) -> None:
        """Show the first weight layer of ``snap`` in the current mode."""
        self._snap = snap
        if self._check_run(snap) or self.geometry is None:
            self._build(snap.sizes)
        g = self.geometry
        negate = self._mode == "gradient"
        W, b = theta.layer_views(theta.mode_vector(snap, self._mode), snap.sizes, 0, negate)

        # Tiles: one copy of W into the padded tile buffer, one strided copy into the mosaic.
        self._flip ^= 1
        buf = self._bufs[self._flip]
        tiles = self._tiles
        tiles[:g.n] = W.reshape(g.n, g.h, g.w)
        m4 = buf.reshape(g.rows, g.py, g.cols, g.px)
        m4[:, g.ty:g.ty + g.h, :, g.tx:g.tx + g.w] = (
            tiles.reshape(g.rows, g.cols, g.h, g.w).transpose(0, 2, 1, 3))
        m = self._scale.update(scale_of(W))

        # Bias gauges, in the same image: a bar from the middle, right/red for +,
        # left/blue for −, full length = ±mb. They have their own scale mb, so the
        # value written is b·m/mb: its colour is then that of b on a ±mb colour bar.
        mb = self._bias_scale.update(scale_of(b, 100.0))
        bb = np.full(g.rows * g.cols, np.nan, np.float32)
        bb[:g.n] = b
        if g.picture:
            frac = np.clip(bb / mb, -1.0, 1.0) * (g.bw / 2.0)
            x = self._gauge_x
            fill = (x[None, :] * np.sign(frac)[:, None] > 0) & (
                np.abs(x)[None, :] - 0.5 < np.abs(frac)[:, None])
            gauge = np.where(fill, bb[:, None], np.float32(0.0))
            gauge[np.isnan(bb)] = np.nan
        else:
            gauge = np.repeat(bb[:, None], g.bw, axis=1)
        gauge *= np.float32(m / mb)
        m4[:, g.by:g.by + g.bh, :, g.bx:g.bx + g.bw] = gauge.reshape(g.rows, g.cols, g.bw)[:, None]
        self.image.setImage(buf, levels=(-m, m))

        self._bar_sync.sync(self.bar, m, snap.running)
        if self._bias_scale.changed:
            text = f"bias bars:\nends = ±{scales.fmt(mb)}"
            if text != self.bar_note.text():
                self.bar_note.setText(text)
        broken = not np.isfinite(W).all()
        if broken != self._broken:
            self._broken = broken
            self.status.setText("Some values are not numbers (training diverged): shown grey."
                                if broken else " ")
        self.maths.refresh(snap)

    def _fit_bar(self) -> None:
        """Keep the colour bar's numbers in sight: its canvas grows with their axis."""
        need = int(self.bar.axis.width() + self.bar.getAxis("left").width()) + 14 + 30
        if need > self.bar_canvas.width() or (self.bar_canvas.width() > 78 and need < self.bar_canvas.width()):
            self.bar_canvas.setFixedWidth(max(78, need))

    def forget_run(self) -> None:
        super().forget_run()
        self._bufs, self._tiles, self.geometry = [], None, None  # a 784-1024-10 mosaic: ~20 MB
        self.image.clear()

    def set_image_shape(self, shape: tuple[int, int] | None) -> None:
        """The input images' (H, W) when they are not square (784 is shown as 28×28)."""
        self._image_shape = None if shape is None else (int(shape[0]), int(shape[1]))
        self.geometry = None  # rebuilt at the next render
        if self._snap is not None:
            self.render(self._snap)

    def bias_bar(self, j: int) -> np.ndarray:
        """Neuron ``j``'s bias bar as drawn: ``b·m/mb`` where filled, 0 elsewhere (tests)."""
        g = self.geometry
        row, col = divmod(j, g.cols)
        y, x = row * g.py + g.by, col * g.px + g.bx
        return self.image.image[y, x:x + g.bw]

    @property
    def bias_scale(self) -> float:
        """The bias bars' full length ±mb (their own scale, shown under the colour bar)."""
        return self._bias_scale.value

    def tile(self, j: int) -> np.ndarray:
        """The picture of neuron ``j`` currently in the mosaic (for tests and tools)."""
        g = self.geometry
        r, c = g.tile_origin(j)
        return self.image.image[r:r + g.h, c:c + g.w]

    # ------------------------------------------------------------------ internals
    def _reset_scales(self) -> None:
        self._scale.reset()
        self._bias_scale.reset()
        self._bar_sync.reset()

    def _update_texts(self) -> None:
        sizes = self._sizes or (784, 16, 16, 10)
        n_in, n = sizes[0], sizes[1]
        who = "first-layer neuron" if len(sizes) > 2 else "output neuron"
        h, w = theta.image_shape(n_in, getattr(self, "_image_shape", None))
        shape = f"a {h}×{w} image" if h > 1 else "a strip"
        if self._mode == "weights":
            self.title.setText(f"What each {who} looks for")
            self.note.setText(f"Each picture is one neuron's {n_in} weights, laid out as {shape} "
                              "like the input. Red pixels turn the neuron on when they are inked, "
                              "blue pixels turn it off. The bar under a picture is its bias "
                              "(right/red = positive, left/blue = negative).")
            self.bar_title.setText("weight")
        elif self._mode == "gradient":
            self.title.setText("Which way each weight is pushed (−∇C)")
            self.note.setText(f"−∇C of the last mini-batch for each neuron's {n_in} weights: the "
                              "direction that lowers the cost fastest. Red = the weight should "
                              "grow, blue = shrink. Only pixels inked in the batch get a push.")
            self.bar_title.setText("−∂C/∂w")
        else:
            self.title.setText("How each weight changed in the last step (Δθ)")
            self.note.setText(f"The change of each of the {n_in} weights and the bias in the last "
                              "step; Δw = −η·∂C/∂w for plain gradient descent. Red = the weight "
                              "went up, blue = it went down.")
            self.bar_title.setText("Δw")
        self._n_label = n

    def _wanted_columns(self, n: int, n_in: int) -> int | None:
        """Columns that best fill the visible area (None: the default ⌈√n⌉ grid)."""
        probe = _MosaicGeometry(n, n_in, self._image_shape)
        vp = self.scroll.viewport().size()
        if not probe.picture or n > SCROLL_ABOVE or vp.width() < 60 or vp.height() < 60:
            return None
        return probe.best_columns(vp.width() - 4, vp.height() - 4)

    def _build(self, sizes) -> None:
        n_in, n = sizes[0], sizes[1]
        g = self.geometry = _MosaicGeometry(n, n_in, self._image_shape,
                                            self._wanted_columns(n, n_in))
        self._bufs = [np.full(g.shape, np.nan, np.float32) for _ in range(2)]
        self._tiles = np.full((g.rows * g.cols, g.h, g.w), np.nan, np.float32)
        self._gauge_x = (np.arange(g.bw) + 0.5 - g.bw / 2.0).astype(np.float32)
        H, Wd = g.shape
        if self._board is not None:
            self.view.removeItem(self._board)
        # Grey frames only behind the tiles, so the space between them stays white.
        self._board = board_item(g.board())
        self.view.addItem(self._board)
        self._label_form = "?"  # forces _update_labels to decide
        self.labels.setTexts([])
        self.labels.setPositions([(c, r - 0.4) for r, c in map(g.tile_origin, range(n))]
                                 if g.picture else [])
        self.labels.setBounds(QtCore.QRectF(-0.5, -1.5, Wd + 1.0, H + 1.5))
        self.view.setAspectLocked(g.picture, ratio=1.0)
        self.view.setRange(xRange=(-0.5, Wd + 0.5), yRange=(-1.5, H), padding=0.0)
        self._scrolling = n > SCROLL_ABOVE if g.picture else n > 2 * SCROLL_ABOVE
        self.scroll.setVerticalScrollBarPolicy(
            QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOn if self._scrolling
            else QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_scroll()
        self._update_texts()
        self._update_labels()

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.scroll.viewport() and ev.type() == QtCore.QEvent.Type.Resize:
            g = self.geometry
            if g is not None and self._sizes is not None:
                cols = self._wanted_columns(g.n, g.n_in)
                if cols is not None and cols != g.cols:  # re-flow the grid to the new shape
                    self._build(self._sizes)
                    if self._snap is not None:
                        self.render(self._snap)
            self._fit_scroll()
        return False

    def _fit_scroll(self) -> None:
        """Many neurons: tiles fill the width (never below a minimum) and the grid scrolls."""
        g = self.geometry
        if g is None or not self._scrolling:
            self.canvas.setMinimumHeight(0)
            return
        if g.picture:
            vw = max(100, self.scroll.viewport().width())
            fit = int(vw * (g.shape[0] + 0.5) / (g.shape[1] + 1.0)) + 6
            self.canvas.setMinimumHeight(max(fit, g.rows * MIN_TILE_PX // 2))
        else:
            self.canvas.setMinimumHeight(g.n * 4)

    @property
    def _labels(self) -> list[tuple[float, float]]:
        """Where the "neuron j" labels go: one place per neuron (pictures only)."""
        return self.labels.positions

    def _update_labels(self, *_) -> None:
        """Show the "neuron j" labels only when the band above the tiles is tall enough."""
        if self.geometry is None or not self.geometry.picture:
            return
        g = self.geometry
        px = self.view.viewPixelSize()[1]  # image pixels per screen pixel
        if not px > 0:
            return
        metrics = QtGui.QFontMetrics(fonts.font(LABEL_PT))
        if g.label / px < metrics.height() + 1:
            form = None
        elif g.w / px >= metrics.horizontalAdvance(f"neuron {g.n - 1}") + 2:
            form = "neuron {}"
        else:
            form = "{}"
        if form == self._label_form:
            return
        self._label_form = form
        self.labels.setTexts([] if form is None else [form.format(j) for j in range(g.n)])

    def _locate(self, pos):
        """``("w", j, k)`` (neuron j's weight from input k) or ``("b", j)`` under scene point ``pos``."""
        g = self.geometry
        if g is None or not self.view.sceneBoundingRect().contains(pos):
            return None
        p = self.view.mapSceneToView(pos)
        hit = g.locate(p.x(), p.y())
        if hit is None:
            return None
        if hit[0] == "tile":
            return ("w", hit[1], hit[2] * g.w + hit[3])
        return ("b", hit[1])

    def _describe(self, snap, key) -> str | None:
        n_in, n = snap.sizes[0], snap.sizes[1]
        delta = self._mode == "delta"
        if key[0] == "b":
            return explain.bias_term(snap, 0, key[1]).text(delta) if key[1] < n else None
        _, j, k = key
        if j >= n or k >= n_in:
            return None
        return explain.weight_term(snap, 0, j, k, self._image_shape).text(delta)

    def _outline(self, key):
        g = self.geometry
        if g is None or key[1] >= g.n:
            return None
        r0, c0 = g.tile_origin(key[1])
        if key[0] == "b":
            return self.view, QtCore.QRectF(c0 - g.tx + g.bx, r0 - g.ty + g.by, g.bw, g.bh)
        r, c = divmod(key[2], g.w)
        return self.view, QtCore.QRectF(c0 + c, r0 + r, 1, 1)

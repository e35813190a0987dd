"""Panels that show the weights (or −∇C, or the last change Δθ) as heatmaps.

* :class:`HiddenWeightsPanel` — the first weight layer ``W[0]`` (``(n_1, 784)``):
  one 28×28 picture per first-layer neuron, all drawn as ONE mosaic image
  (measured ~2 ms/frame vs 7–10 ms for 16 separate image items), with each
  neuron's bias as a small gauge bar under its picture.
* :class:`DeeperLayersPanel` — every further layer ``W[l]`` (``(n_{l+1}, n_l)``)
  as a matrix heatmap (rows = neurons of the layer, columns = inputs from the
  layer before), the bias column ``b[l]`` beside it.

Both use the app's diverging colormap (blue −, white 0, red +) with symmetric,
smoothed levels and a colour bar; NaN values (a diverged run) show as the grey
board. Items are built once per network shape; ``render`` only pushes data.
Axes tick outwards (an axis overlapping an image is repainted with it), and the
neuron labels are one :class:`~gdviz.qt.style.TextsItem` (a TextItem per label
was laid out and re-transformed before every paint).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style

SCROLL_ABOVE = 64  # more first-layer neurons than this: tiles keep a minimum size and scroll
MIN_TILE_PX = 72  # on-screen height of one tile row (picture + label + bias) when scrolling
LABEL_PT = 7.5  # size of the "neuron j" labels above the tiles


def _scale_of(values: np.ndarray, q: float = 99.0) -> float:
    """The colour scale the values ask for: their ``q``-th percentile of |v|, or NaN when
    all are zero (−∇C before the first step), which leaves the smoothed scale alone."""
    return style.robust_max(values, q) if np.any(values) else math.nan


def _board(shape) -> QtWidgets.QGraphicsItem:
    """The grey board behind a heatmap (a QRectF or QPainterPath): shows through NaN pixels."""
    if isinstance(shape, QtGui.QPainterPath):
        item = QtWidgets.QGraphicsPathItem(shape)
    else:
        item = QtWidgets.QGraphicsRectItem(shape)
    item.setPen(pg.mkPen(None))
    item.setBrush(pg.mkBrush(style.BOARD))
    item.setZValue(-10)
    return item


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
        h, w = style.image_shape(n_in, shape)
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


class _ModePanel(QtWidgets.QWidget):
    """Common parts: title, explanation, the weights/−∇C/Δθ switch, hover read-out.

    ``modeChanged(str)`` is emitted when the mode changes (from the panel's own
    toggle or from :meth:`setMode`), so a window can keep other views in step.
    """

    modeChanged = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self._mode = "weights"
        self._snap = None
        self._sizes: tuple[int, ...] | None = None
        self._run_id = None
        self._lay = style.panel_layout(self)
        self.title = style.title_label("")
        self.modes = style.ModeSwitch()
        self.modes.modeChanged.connect(self.setMode)
        self._lay.addLayout(style.header(self.title, self.modes))
        self.note = style.note_label()
        self._lay.addWidget(self.note)
        self.status = style.status_label()

    def mode(self) -> str:
        return self._mode

    def setMode(self, mode: str) -> None:
        """Show ``"weights"``, ``"gradient"`` (−∇C of the last batch) or ``"delta"`` (Δθ)."""
        style.check_mode(mode)
        if mode != self.modes.mode():
            self.modes.setMode(mode)
        if mode == self._mode:
            return
        self._mode = mode
        self._reset_scales()
        self._update_texts()
        if self._snap is not None:
            self.render(self._snap)
        self.modeChanged.emit(mode)

    def _check_run(self, snap) -> bool:
        """True if the layer sizes changed (items must be rebuilt)."""
        if snap.run_id != self._run_id:
            self._run_id = snap.run_id
            self._reset_scales()
        if snap.sizes != self._sizes:
            self._sizes = tuple(snap.sizes)
            self._reset_scales()
            return True
        return False

    def _reset_scales(self) -> None:
        raise NotImplementedError

    def _update_texts(self) -> None:
        raise NotImplementedError


# =====================================================================================
class HiddenWeightsPanel(_ModePanel):
    """One 28×28 picture of weights per first-layer neuron, as a single mosaic image.

    ``render(snap)`` shows ``W[0]`` (or −∇C / Δθ for it, see :meth:`setMode`);
    hovering a pixel shows ``neuron j, pixel (r, c): w = …, bias = …`` in the
    panel's status line.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(320, 300)
        self.canvas = style.plot_widget()
        self.view: pg.ViewBox = self.canvas.addViewBox()
        style.fixed_view(self.view)
        self.view.invertY(True)
        self.image = style.HeatImage(style.argb_table(style.diverging_cmap()))
        self.view.addItem(self.image)
        self._board = None
        # "neuron j" above each tile: one item drawing all the labels.
        self.labels = style.TextsItem(LABEL_PT, anchor=(0.0, 1.0), offset=(0, 0))
        self.labels.setZValue(5)
        # Static text over an image that changes every frame: paint it from a cache.
        self.labels.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.view.addItem(self.labels, ignoreBounds=True)

        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.canvas)

        self.bar_canvas = style.plot_widget()
        self.bar_canvas.setFixedWidth(78)
        self.bar = style.colour_bar()
        self.bar_canvas.addItem(self.bar)
        self.bar_note = style.note_label("", size=8)
        self.bar_note.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter
                                   | QtCore.Qt.AlignmentFlag.AlignTop)
        side = QtWidgets.QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(2)
        self.bar_title = style.note_label("", size=8)
        self.bar_title.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
        self.bar_title.setFixedWidth(78)
        # Fixed size: its text changes with the bias scale and must not relayout the panel.
        self.bar_note.setFixedSize(78, QtGui.QFontMetrics(style.font(8)).lineSpacing() * 3 + 2)
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
        self._W = self._b = None  # what is on screen now, for the hover read-out
        self._broken = False  # NaN/inf on screen (a diverged run)
        self._scale = style.LevelSmoother()
        self._bar_sync = style.BarSync()
        self._bias_scale = style.LevelSmoother(rise=0.5, fall=0.08, tolerance=0.03)
        self.canvas.scene().sigMouseMoved.connect(self._hover)
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
        W, b = style.layer_views(style.mode_vector(snap, self._mode), snap.sizes, 0, negate)
        self._W, self._b = W, b

        # Tiles: one copy of W into the padded tile buffer, one strided copy into the mosaic.
        self._flip ^= 1
        buf = self._bufs[self._flip]
        tiles = self._tiles
        tiles[:g.n] = W.reshape(g.n, g.h, g.w)
        m4 = buf.reshape(g.rows, g.py, g.cols, g.px)
        m4[:, g.ty:g.ty + g.h, :, g.tx:g.tx + g.w] = (
            tiles.reshape(g.rows, g.cols, g.h, g.w).transpose(0, 2, 1, 3))
        m = self._scale.update(_scale_of(W))

        # Bias gauges, in the same image: a bar from the middle, right/red for +,
        # left/blue for −, full length = ±mb. They have their own scale mb, so the
        # value written is b·m/mb: its colour is then that of b on a ±mb colour bar.
        mb = self._bias_scale.update(_scale_of(b, 100.0))
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
            text = f"bias bars:\nends = ±{style.fmt(mb)}"
            if text != self.bar_note.text():
                self.bar_note.setText(text)
        broken = not np.isfinite(W).all()
        if broken != self._broken:
            self._broken = broken
            self.status.setText("Some values are not numbers (training diverged): shown grey."
                                if broken else " ")

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
        h, w = style.image_shape(n_in, getattr(self, "_image_shape", None))
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
        self._board = _board(g.board())
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
        metrics = QtGui.QFontMetrics(style.font(LABEL_PT))
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

    def _hover(self, pos) -> None:
        if self.geometry is None or self._W is None:
            return
        if not self.view.sceneBoundingRect().contains(pos):
            self.status.setText(" ")
            return
        p = self.view.mapSceneToView(pos)
        hit = self.geometry.locate(p.x(), p.y())
        if hit is None:
            self.status.setText(" ")
            return
        sym, bsym = style.MODE_SYMBOL[self._mode], style.MODE_BIAS_SYMBOL[self._mode]
        j = hit[1]
        bias = style.fmt(self._b[j])
        if hit[0] == "tile":
            r, c = hit[2], hit[3]
            k = r * self.geometry.w + c
            where = f"pixel ({r}, {c})" if self.geometry.picture else f"input {k}"
            self.status.setText(f"neuron {j}, {where}: {sym} = {style.fmt(self._W[j, k])}, "
                                f"{bsym} = {bias}")
        else:
            self.status.setText(f"neuron {j}: {bsym} = {bias}")


# =====================================================================================
class DeeperLayersPanel(_ModePanel):
    """Each weight layer after the first as a matrix heatmap with its bias column.

    Rows are the neurons of the layer, columns the inputs from the layer before;
    the last column (``b``) is the bias. One colour scale for all these layers.
    """

    BIAS_GAP = 0.5  # matrix cells between the weights and the bias column

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(360, 240)
        self.canvas = style.plot_widget()
        self.canvas.ci.layout.setSpacing(10)
        self._lay.addWidget(self.canvas, 1)
        self._lay.addWidget(self.status)
        self.plots: list[pg.PlotItem] = []
        self.images: list[tuple[style.HeatImage, style.HeatImage]] = []
        self.bar: pg.ColorBarItem | None = None
        self.empty: pg.LabelItem | None = None
        self._mats: list[tuple[np.ndarray, np.ndarray]] = []
        self._scale = style.LevelSmoother()
        self._bar_sync = style.BarSync()
        self.canvas.scene().sigMouseMoved.connect(self._hover)
        self._update_texts()

    # ------------------------------------------------------------------ public
    def render(self, snap) -> None:
        """Show ``W[1:]`` and ``b[1:]`` of ``snap`` in the current mode."""
        self._snap = snap
        if self._check_run(snap) or (not self.plots and self.empty is None):
            self._build(snap.sizes)
        if not self.plots:
            return
        vec = style.mode_vector(snap, self._mode)
        negate = self._mode == "gradient"
        mats = [style.layer_views(vec, snap.sizes, l, negate)
                for l in range(1, len(snap.sizes) - 1)]
        self._mats = mats
        parts = [a.ravel() for W, b in mats for a in (W, b)]
        m = self._scale.update(_scale_of(np.concatenate(parts)))
        for (img_w, img_b), (W, b) in zip(self.images, mats):
            img_w.setImage(W, levels=(-m, m))
            img_b.setImage(b.reshape(-1, 1), levels=(-m, m))
        self._bar_sync.sync(self.bar, m, snap.running)

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
                color=style.MUTED, size="10pt")
            return
        gap = self.BIAS_GAP
        for l in range(1, n_layers):
            n_out, n_in = sizes[l + 1], sizes[l]
            p = self.canvas.addPlot(row=0, col=l - 1)
            dst = "output" if l + 1 == n_layers else f"layer {l + 1}"
            p.setTitle(f"layer {l} → {dst}", size="9pt", color=style.FOREGROUND)
            vb = p.getViewBox()
            style.fixed_view(vb)
            p.hideButtons()
            vb.invertY(True)
            img_w = style.HeatImage(style.argb_table(style.diverging_cmap()))
            img_b = style.HeatImage(style.argb_table(style.diverging_cmap()))
            img_b.setPos(n_in + gap, 0)  # one image pixel = one matrix cell
            p.addItem(_board(QtCore.QRectF(0, 0, n_in, n_out)))
            p.addItem(_board(QtCore.QRectF(n_in + gap, 0, 1, n_out)))
            p.addItem(img_w)
            p.addItem(img_b)
            out_word = "output neuron (digit)" if l + 1 == n_layers else f"neuron of layer {l + 1}"
            style.style_axis(p.getAxis("left"), out_word)
            style.style_axis(p.getAxis("bottom"), f"input from layer {l}")
            p.getAxis("left").setTicks(style.integer_ticks(n_out))
            xt = style.integer_ticks(n_in)
            room = 1.5 if n_in <= 20 else n_in / 12  # keep the last number clear of "b"
            xt = [[t for t in level if t[0] < n_in + gap + 0.5 - room] for level in xt]
            xt[0] = xt[0] + [(n_in + gap + 0.5, "b")]
            p.getAxis("bottom").setTicks(xt)
            vb.sigResized.connect(self._fit)
            self.canvas.ci.layout.setColumnStretchFactor(l - 1, max(4, min(40, n_in + 2)))
            self.plots.append(p)
            self.images.append((img_w, img_b))
        self._fit()
        self.bar = style.colour_bar(self._bar_label())
        self._bar_sync.reset()
        self.canvas.addItem(self.bar, row=0, col=n_layers - 1)
        self.canvas.ci.layout.setColumnStretchFactor(n_layers - 1, 0)
        self.canvas.ci.layout.setColumnFixedWidth(n_layers - 1, 82)

    def _fit(self, *_args) -> None:
        """Each matrix with a few pixels of margin (its repaints do not reach the axes)."""
        for i, p in enumerate(self.plots):
            n_in, n_out = self._sizes[i + 1], self._sizes[i + 2]
            style.fit_view(p.getViewBox(), 0, n_in + self.BIAS_GAP + 1, 0, n_out)

    def _hover(self, pos) -> None:
        if not self._mats:
            return
        sizes = self._sizes
        n_layers = len(sizes) - 1
        for i, p in enumerate(self.plots):
            vb = p.getViewBox()
            if not vb.sceneBoundingRect().contains(pos):
                continue
            q = vb.mapSceneToView(pos)
            x, y = q.x(), q.y()
            W, b = self._mats[i]
            n_out, n_in = W.shape
            j = int(math.floor(y))
            if not 0 <= j < n_out:
                break
            l = i + 1
            who = f"{style.layer_name(l + 1, n_layers)} neuron {j}"
            if 0 <= x < n_in:
                k = int(x)
                self.status.setText(
                    f"{who} ← {style.layer_name(l, n_layers)} neuron {k}: "
                    f"{style.MODE_SYMBOL[self._mode]} = {style.fmt(W[j, k])}")
                return
            if n_in + self.BIAS_GAP <= x < n_in + self.BIAS_GAP + 1:
                self.status.setText(f"{who}: {style.MODE_BIAS_SYMBOL[self._mode]} = "
                                    f"{style.fmt(b[j])}")
                return
            break
        self.status.setText(" ")

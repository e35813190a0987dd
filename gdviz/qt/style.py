"""The one look of gdviz: colours, the diverging colormap, fonts, level helpers
and the small header widgets the panels share.

Light look throughout (white plots, dark text) so the panels sit well next to
ordinary Qt widgets and read well on a classroom projector. Every signed
quantity (weights, −∇C, Δθ, biases) uses the same diverging colormap:
**blue = negative, near-white = zero, red = positive**, always with symmetric
levels ``(-m, m)`` so zero is the same colour everywhere. Pixels that are not a
number (gaps between tiles, a diverged θ) are transparent and show the grey
"board" behind them.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.core import parameter_layout
from gdviz.render import robust_max  # noqa: F401 - shared with the Qt-free renderer
from gdviz.training.scales import nice_ticks

# ------------------------------------------------------------------ colours
BACKGROUND = "#ffffff"  # plot background
FOREGROUND = "#333333"  # axes, text
MUTED = "#6b6b6b"  # secondary text
BOARD = "#c9c9c9"  # behind heatmaps: gaps between tiles and NaN pixels
POSITIVE = "#b2182b"  # red end of the diverging map
NEGATIVE = "#2166ac"  # blue end
BAR = "#7d93b2"  # ordinary bars
ANSWER_RIGHT = "#1a9850"  # the network's answer when it is right
ANSWER_WRONG = "#e66101"  # ... and when it is wrong
TARGET = "#222222"  # outline of the desired output

# ColorBrewer RdBu (11 classes), reversed: blue (negative) -> white -> red (positive).
_DIVERGING_HEX = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
                  "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
# Sequential map for activations in [0, 1]: pale (off) -> deep teal (on).
_SEQUENTIAL_HEX = ["#f4f4f4", "#ccece6", "#99d8c9", "#66c2a4", "#2ca25f", "#006d2c", "#00441b"]

MODES = ("weights", "gradient", "delta")
MODE_LABELS = {"weights": "weights", "gradient": "−∇C", "delta": "Δθ"}
MODE_TIPS = {
    "weights": "Show the weights and biases themselves.",
    "gradient": "Show −∇C for the last mini-batch: the direction each weight is pushed "
                "to make the cost smaller (red = should grow, blue = should shrink).",
    "delta": "Show Δθ, how much each weight actually changed in the last step "
             "(−η·∇C for plain gradient descent).",
}
# What a single value is called in hover texts, per mode.
MODE_SYMBOL = {"weights": "w", "gradient": "−∂C/∂w", "delta": "Δw"}
MODE_BIAS_SYMBOL = {"weights": "b", "gradient": "−∂C/∂b", "delta": "Δb"}

_cache: dict[str, object] = {}


def _cmap(name: str, hexes: list[str]) -> pg.ColorMap:
    cm = _cache.get(name)
    if cm is None:
        cm = pg.ColorMap(np.linspace(0.0, 1.0, len(hexes)), [pg.mkColor(h) for h in hexes],
                         name=name)
        _cache[name] = cm
    return cm


def diverging_cmap() -> pg.ColorMap:
    """The app's one diverging colormap (blue − / white 0 / red +)."""
    return _cmap("gdviz-diverging", _DIVERGING_HEX)


def sequential_cmap() -> pg.ColorMap:
    """Colormap for activations (pale = off, deep green = on)."""
    return _cmap("gdviz-sequential", _SEQUENTIAL_HEX)


def ink_lut() -> np.ndarray:
    """(256, 4) uint8 grey table showing MNIST ink as dark on white paper."""
    lut = _cache.get("ink-lut")
    if lut is None:
        g = np.arange(255, -1, -1, dtype=np.uint8)
        lut = np.stack([g, g, g, np.full(256, 255, np.uint8)], axis=1)
        _cache["ink-lut"] = lut
    return lut


def apply_pyqtgraph_defaults() -> None:
    """Global pyqtgraph options for the whole app (idempotent)."""
    pg.setConfigOptions(antialias=False, useOpenGL=False, imageAxisOrder="row-major",
                        background=BACKGROUND, foreground=FOREGROUND)


# ------------------------------------------------------------------ fonts
#: Multiplies every size given to :func:`font` (presenter mode sets 1.45).
_FONT_SCALE = 1.0


def font(point_size: float = 9.0, bold: bool = False) -> QtGui.QFont:
    """A font of ``point_size`` points (times the presenter scale)."""
    f = QtGui.QFont()
    f.setPointSizeF(point_size * _FONT_SCALE)
    f.setBold(bold)
    return f


def scaled(f: QtGui.QFont, factor: float) -> QtGui.QFont:
    """A copy of ``f`` ``factor`` times as large (at least 5 pt)."""
    g = QtGui.QFont(f)
    if g.pointSizeF() > 0:
        g.setPointSizeF(max(5.0, g.pointSizeF() * factor))
    elif g.pixelSize() > 0:
        g.setPixelSize(max(5, round(g.pixelSize() * factor)))
    return g


def set_font_scale(scale: float, root: QtWidgets.QWidget | None = None) -> None:
    """Make every text ``scale`` times its normal size (presenter mode).

    Fonts made from now on by :func:`font` follow; under ``root`` the fonts
    already set explicitly on widgets (except the explanatory notes of
    :func:`note_label`, which keep their size so the plots keep their room),
    and those of the axis ticks and text items of pyqtgraph views, are
    rescaled in place (not the value labels of a :class:`TextsItem`, which
    sit side by side at a fixed spacing). Widgets that inherit the
    application font follow that.
    """
    global _FONT_SCALE
    factor = scale / _FONT_SCALE
    _FONT_SCALE = scale
    if root is None or factor == 1.0:
        return
    widgets = [root, *root.findChildren(QtWidgets.QWidget)]
    for w in widgets:
        if w.testAttribute(QtCore.Qt.WidgetAttribute.WA_SetFont) and not w.property("gdviz_note"):
            w.setFont(scaled(w.font(), factor))
            lines = w.property("gdviz_lines")  # a fixed-height label of so many lines
            large = w.property("gdviz_lines_large")  # ...and of so many with large fonts
            if lines:
                n = int(large) if large and _FONT_SCALE > 1 else int(lines)
                w.setFixedHeight(QtGui.QFontMetrics(w.font()).lineSpacing() * n + 2)
    for gv in root.findChildren(pg.GraphicsView):
        for item in gv.scene().items():
            if isinstance(item, pg.AxisItem):
                f = item.style.get("tickFont") or QtWidgets.QApplication.font()
                item.setStyle(tickFont=scaled(f, factor))
            elif isinstance(item, QtWidgets.QGraphicsTextItem):
                item.setFont(scaled(item.font(), factor))


def rel_font(base: QtGui.QFont, factor: float = 1.0, bold: bool = False) -> QtGui.QFont:
    """``base`` scaled by ``factor`` (so the app font — presenter mode — scales everything)."""
    f = QtGui.QFont(base)
    if base.pointSizeF() > 0:
        f.setPointSizeF(base.pointSizeF() * factor)
    elif base.pixelSize() > 0:
        f.setPixelSize(max(1, round(base.pixelSize() * factor)))
    f.setBold(bold)
    return f


def style_axis(axis: pg.AxisItem, label: str | None = None, size: float = 8.5) -> None:
    """Readable tick font and an optional label on a pyqtgraph axis.

    Ticks point outwards and there is no grid: an axis whose rectangle reaches
    into its plot is repainted with every data update (measured: about half of
    a frame's paint time). Use :func:`guide_lines` for reference lines.
    """
    axis.setStyle(tickFont=font(size), tickLength=4, autoExpandTextSpace=True)
    axis.enableAutoSIPrefix(False)
    axis.setPen(pg.mkPen(FOREGROUND))
    axis.setTextPen(pg.mkPen(FOREGROUND))
    if label is not None:
        axis.setLabel(label, **{"font-size": f"{size + 0.5:g}pt", "color": FOREGROUND})


def integer_ticks(n: int, offset: float = 0.5) -> list[list[tuple[float, str]]]:
    """Tick levels for cells/bars 0..n-1 centred at ``k + offset``, for ``AxisItem.setTicks``.

    Major level: 0, 5, 10, … (or a coarser 1-2-5 step for big n); minor level: every
    other number (up to 60). pyqtgraph hides the minor labels when they do not fit.
    """
    major = 5
    for s in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        major = s
        if n / s <= 12:
            break
    levels = [[(k + offset, str(k)) for k in range(0, n, major)]]
    if n <= 60:
        levels.append([(k + offset, str(k)) for k in range(n) if k % major])
    else:
        levels.append([])
    return levels


# ------------------------------------------------------------------ levels
def symmetric_levels(arr, q: float = 99.0) -> tuple[float, float]:
    """``(-m, m)`` with m = :func:`robust_max` — zero always maps to the middle colour."""
    m = robust_max(arr, q)
    return (-m, m)


class LevelSmoother:
    """Smooths a colour scale across frames so it does not flicker.

    Rises quickly (values must not stay saturated), falls slowly, and only
    changes the *shown* value when it moved by more than ``tolerance`` (so the
    colour bar's axis is not rebuilt every frame). A target that is not a positive
    number (e.g. NaN for an all-zero gradient before the first step) keeps the
    scale where it is; before any real value the scale starts at the first one.
    """

    def __init__(self, rise: float = 0.5, fall: float = 0.08, tolerance: float = 0.03):
        self.rise, self.fall, self.tolerance = rise, fall, tolerance
        self.reset()

    def reset(self) -> None:
        self._smooth: float | None = None
        self.value: float = 1.0
        self.changed = True

    def update(self, target: float) -> float:
        if not (target > 0 and math.isfinite(target)):
            if self._smooth is None:
                self.changed = False
                return self.value
            target = self._smooth
        if self._smooth is None:
            self._smooth = target
            self.value = target
            self.changed = True
            return self.value
        rate = self.rise if target > self._smooth else self.fall
        self._smooth += rate * (target - self._smooth)
        self.changed = abs(self._smooth - self.value) > self.tolerance * self.value
        if self.changed:
            self.value = self._smooth
        return self.value


class BarSync:
    """Keeps a colour bar's scale in step with its image's symmetric levels ±m.

    A new range rebuilds the bar's axis (tick layout and text: ~0.25 ms of Python,
    and painting holds the interpreter lock), so while training runs the bar
    follows at most every ``interval`` seconds; the image itself follows every
    frame. When not running (paused, stepping) it follows at once.
    """

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.reset()

    def reset(self) -> None:
        self.shown: float | None = None
        self._at = -math.inf

    def sync(self, bar: pg.ColorBarItem, m: float, running: bool = False) -> bool:
        """Show ±``m`` on ``bar`` if it is due; True when the bar changed."""
        if m == self.shown:
            return False
        now = time.perf_counter()
        if running and now - self._at < self.interval:
            return False
        bar.setLevels((-m, m), update_items=False)
        number_bar(bar, -m, m)
        self.shown, self._at = m, now
        return True


def number_bar(bar: pg.ColorBarItem, lo: float, hi: float) -> None:
    """Numbers on a colour bar for its levels ``(lo, hi)``: ticks at a 1-2-5 step with
    only the digits the step resolves, and an axis wide enough for the widest one."""
    ticks = nice_ticks(lo, hi, 5)
    if not ticks:
        return
    axis = bar.axis
    axis.setTicks([ticks, []])
    fm = QtGui.QFontMetrics(axis.style.get("tickFont") or QtWidgets.QApplication.font())
    wide = max(fm.horizontalAdvance(text) for _, text in ticks)
    width = wide + max(axis.style.get("tickLength", 4), 0) + axis.style.get("tickTextOffset", [5, 2])[0] + 4
    if width != axis.width():
        axis.setWidth(width)


def nice_ceiling(x: float, minimum: float = 1e-6) -> float:
    """Smallest 1-2-5 × 10^k that is ≥ x (a stable axis range); ``minimum`` if x is not usable."""
    if not (math.isfinite(x) and x > minimum):
        return minimum
    e = math.floor(math.log10(x))
    for f in (1.0, 2.0, 5.0, 10.0):
        v = f * 10.0 ** e
        if v >= x * (1 - 1e-9):
            return v
    return 10.0 ** (e + 1)


def fmt(x: float) -> str:
    """A short human number: 0.123, −0.00423, 12.3, 1.23e+04, "not a number"."""
    x = float(x)
    if not math.isfinite(x):
        return "not a number" if math.isnan(x) else ("+∞" if x > 0 else "−∞")
    ax = abs(x)
    if x == 0:
        s = "0"
    elif ax >= 1e4 or ax < 1e-4:
        s = f"{x:.2e}"
    elif ax >= 100:
        s = f"{x:.0f}"
    elif ax >= 10:
        s = f"{x:.1f}".rstrip("0").rstrip(".")
    elif ax >= 1:
        s = f"{x:.2f}".rstrip("0").rstrip(".")
    else:
        s = f"{x:.3g}"
    return s.replace("-", "−")


# ------------------------------------------------------------------ θ helpers
def mode_vector(snap, mode: str) -> np.ndarray:
    """The θ-aligned vector a panel shows in ``mode``: θ, −∇C or Δθ."""
    if mode == "gradient":
        return snap.grad  # negate per layer slice (cheaper than negating all of θ)
    if mode == "delta":
        return snap.delta
    return snap.theta


def layer_views(vec: np.ndarray, sizes: tuple[int, ...], layer: int,
                negate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(W[layer], b[layer])`` of a θ-aligned vector; copies negated when ``negate``."""
    key = ("layout", tuple(sizes))
    layout = _cache.get(key)
    if layout is None:
        layout = _cache[key] = parameter_layout(tuple(sizes))
    sw, sb = layout[2 * layer], layout[2 * layer + 1]
    W = vec[sw.start:sw.stop].reshape(sw.shape)
    b = vec[sb.start:sb.stop]
    if negate:
        W, b = np.negative(W), np.negative(b)
    return W, b


def image_shape(n_in: int, hint: tuple[int, int] | None = None) -> tuple[int, int]:
    """How to lay out ``n_in`` input pixels: ``hint`` (the dataset's (H, W)) if it fits,
    else a square if ``n_in`` is one (784 -> 28×28), else one strip ``(1, n_in)``."""
    if hint is not None and len(hint) == 2 and int(hint[0]) * int(hint[1]) == n_in:
        return int(hint[0]), int(hint[1])
    side = math.isqrt(n_in)
    return (side, side) if side * side == n_in and side > 1 else (1, n_in)


def layer_name(index: int, n_layers: int) -> str:
    """Plain name of layer ``index`` (0 = the input pixels, n_layers = the output)."""
    if index == 0:
        return "the input pixels"
    if index == n_layers:
        return "the output layer"
    return f"hidden layer {index}"


# ------------------------------------------------------------------ cheap plot items
# Painting holds the GIL (pyqtgraph's GraphicsView paints from Python), so every
# millisecond spent here is taken from training. These items replace
# BarGraphItem/TextItem/grids in the live panels: their bounding rectangles are
# fixed (no geometry change per frame), an update repaints only their own area,
# and a repaint is a handful of fillRect/drawStaticText calls.

GUIDE = "#e4e4e4"  # reference lines (opaque: Qt's fast line path)


def guide_lines(view: pg.ViewBox, ys, x0: float, x1: float) -> QtWidgets.QGraphicsPathItem:
    """Faint horizontal reference lines at ``ys`` from ``x0`` to ``x1`` (data units),
    drawn behind the data. Static: unlike an axis grid they are not an axis that
    must be repainted with the data. Call again with the same item to move them."""
    item = QtWidgets.QGraphicsPathItem()
    pen = pg.mkPen(GUIDE, width=1)
    pen.setCosmetic(True)
    item.setPen(pen)
    item.setZValue(-20)
    set_guide_lines(item, ys, x0, x1)
    view.addItem(item, ignoreBounds=True)
    return item


def fit_view(vb: pg.ViewBox, x0: float, x1: float, y0: float, y1: float,
             margins: tuple[float, float, float, float] = (6, 6, 6, 6)) -> None:
    """Show data ``x0..x1`` × ``y0..y1`` with ``margins`` (left, right, bottom, top) in
    screen pixels around it. Call again when the view is resized (``sigResized``).

    A few pixels between the data and the axes keep the data's repaint area off the
    axes, which are then not repainted with every update.
    """
    left, right, bottom, top = margins
    w, h = vb.width(), vb.height()
    sx = (x1 - x0) / max(w - left - right, 0.5 * w, 1.0)
    sy = (y1 - y0) / max(h - bottom - top, 0.5 * h, 1.0)
    vb.setRange(xRange=(x0 - left * sx, x1 + right * sx),
                yRange=(y0 - bottom * sy, y1 + top * sy), padding=0.0)


def set_guide_lines(item: QtWidgets.QGraphicsPathItem, ys, x0: float, x1: float) -> None:
    path = QtGui.QPainterPath()
    for y in ys:
        path.moveTo(x0, float(y))
        path.lineTo(x1, float(y))
    item.setPath(path)


class BarsItem(QtWidgets.QGraphicsItem):
    """Vertical bars at ``x`` with ``height`` (from 0), one colour each, optional outline.

    ``opts["x"]``, ``opts["height"]`` and ``opts["width"]`` hold what is shown (as
    in pyqtgraph's BarGraphItem). :meth:`setData` repaints only when the heights
    or colours changed; the bounding rectangle is fixed by :meth:`setBounds` (the
    panel's view range) so an update never changes the item's geometry.
    """

    def __init__(self, width: float = 0.7, color=BAR, pen: QtGui.QPen | None = None,
                 skip_zero: bool = False):
        super().__init__()
        self.opts = {"x": np.zeros(0), "height": np.zeros(0), "width": float(width)}
        self._colors: list[QtGui.QColor] = []
        self._default = QtGui.QColor(color) if color is not None else None
        self._pen = pen
        self._skip_zero = skip_zero  # outlines: draw nothing for zero height
        self._bounds = QtCore.QRectF()

    def setBounds(self, rect: QtCore.QRectF) -> None:
        """The area the bars may cover (data units); set when the view range changes."""
        rect = QtCore.QRectF(rect)
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect

    def setPositions(self, x) -> None:
        """Bar centres (data units); heights reset to 0."""
        self.opts["x"] = np.asarray(x, dtype=np.float64)
        self.opts["height"] = np.zeros(len(self.opts["x"]))
        self._colors = [self._default] * len(self.opts["x"])
        self.update()

    def setData(self, height, colors: list[QtGui.QColor] | None = None) -> bool:
        """Show ``height`` (and per-bar ``colors``); True if anything changed."""
        h = np.asarray(height, dtype=np.float64)
        same_h = h.shape == self.opts["height"].shape and np.array_equal(h, self.opts["height"])
        same_c = colors is None or colors == self._colors
        if same_h and same_c:
            return False
        if not same_h:
            self.opts["height"] = h.copy()
        if colors is not None:
            self._colors = list(colors)
        self.update()
        return True

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p, *_args) -> None:
        x, h, w = self.opts["x"], self.opts["height"], self.opts["width"]
        colors, pen = self._colors, self._pen
        if pen is not None:
            p.setPen(pen)
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        half = w / 2.0
        bounds = self._bounds
        for i, (xi, hi) in enumerate(zip(x.tolist(), h.tolist())):
            if self._skip_zero and hi == 0.0:
                continue
            # Never outside the bounds (what an update repaints): no stale pixels.
            r = QtCore.QRectF(xi - half, min(0.0, hi), w, abs(hi)).intersected(bounds)
            if pen is not None:
                p.drawRect(r)
            elif colors[i] is not None:
                p.fillRect(r, colors[i])


class TextsItem(QtWidgets.QGraphicsItem):
    """Short texts at points of a view, drawn upright in screen pixels.

    One item for many labels (a pyqtgraph TextItem is a QGraphicsTextItem that is
    laid out again on every change and re-transformed before every paint).
    ``anchor`` is the text's point placed at the position (0..1 of its width and
    height), ``offset`` a shift in screen pixels. Only :meth:`setTexts` with a
    different text repaints.
    """

    def __init__(self, size: float = 7.5, color=FOREGROUND, anchor=(0.5, 1.0), offset=(0, 0)):
        super().__init__()
        self._font = font(size)
        self._color = QtGui.QColor(color)
        self.anchor = anchor
        self.offset = offset
        self._pos: list[tuple[float, float]] = []
        self._texts: list[str] = []
        self._static: list[QtGui.QStaticText] = []
        self._bounds = QtCore.QRectF()

    @property
    def texts(self) -> list[str]:
        return list(self._texts)

    @property
    def positions(self) -> list[tuple[float, float]]:
        return list(self._pos)

    def setBounds(self, rect: QtCore.QRectF) -> None:
        rect = QtCore.QRectF(rect)
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect

    def setPositions(self, points) -> None:
        self._pos = [(float(x), float(y)) for x, y in points]
        self.update()

    def font(self) -> QtGui.QFont:
        return QtGui.QFont(self._font)

    def setFont(self, f: QtGui.QFont) -> None:
        """Use ``f`` for every text (laid out again once)."""
        self._font = QtGui.QFont(f)
        texts, self._texts, self._static = self._texts, [], []
        self.setTexts(texts)

    def setTexts(self, texts) -> bool:
        texts = [str(t) for t in texts]
        if texts == self._texts:
            return False
        old = dict(zip(self._texts, self._static))
        statics = []
        for t in texts:
            st = old.get(t)
            if st is None:
                st = QtGui.QStaticText(t)
                st.setTextFormat(QtCore.Qt.TextFormat.PlainText)
                st.prepare(QtGui.QTransform(), self._font)
            statics.append(st)
        self._texts, self._static = texts, statics
        self.update()
        return True

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p, *_args) -> None:
        if not self._static:
            return
        tr = p.transform()  # item -> device; views only scale and translate
        sx, sy = tr.m11(), tr.m22()
        if sx == 0 or sy == 0:
            return
        p.setFont(self._font)
        p.setPen(self._color)
        ax, ay = self.anchor
        dx, dy = self.offset
        for (x, y), st in zip(self._pos, self._static):
            # Screen-pixel units with the origin at the label's point (also right in
            # an item cache, an export, or a y-inverted view).
            dev = tr.map(QtCore.QPointF(x, y))
            size = st.size()
            left = round(dev.x() - ax * size.width() + dx) - dev.x()
            top = round(dev.y() - ay * size.height() + dy) - dev.y()
            p.setTransform(tr)
            p.translate(x, y)
            p.scale(1.0 / sx, 1.0 / sy)
            p.drawStaticText(QtCore.QPointF(left, top), st)
        p.setTransform(tr)


def argb_table(cmap: pg.ColorMap | None = None, rgba: np.ndarray | None = None) -> np.ndarray:
    """(256,) uint32 premultiplied ARGB colours of ``cmap`` (or of a (256, 4) uint8 RGBA table)."""
    if rgba is None:
        rgba = cmap.getLookupTable(0.0, 1.0, 256, alpha=True)
    rgba = np.asarray(rgba, dtype=np.uint32)
    a = rgba[:, 3]
    r, g, b = ((rgba[:, k] * a + 127) // 255 for k in range(3))  # premultiplied
    return (a << 24) | (r << 16) | (g << 8) | b


class HeatImage(QtWidgets.QGraphicsItem):
    """A 2-D array drawn through a 256-colour table, one data cell per unit square.

    The part of pyqtgraph's ImageItem the panels use, without its overhead
    (measured ~0.2 ms of Python per paint whatever the size; this: ~0.03 ms).
    ``image`` is the array shown (row-major, row 0 at y = 0), ``getLevels()`` the
    colour scale. Values outside the levels take the end colours; NaN/±inf are
    transparent (the board behind shows through).
    """

    def __init__(self, table: np.ndarray):
        super().__init__()
        self.image: np.ndarray | None = None
        self._table = np.asarray(table, dtype=np.uint32)
        self._levels = (0.0, 1.0)
        self._qimage: QtGui.QImage | None = None
        self._argb: np.ndarray | None = None
        self._shape = (0, 0)

    def setTable(self, table: np.ndarray) -> None:
        self._table = np.asarray(table, dtype=np.uint32)
        self._qimage = None
        self.update()

    def getLevels(self) -> tuple[float, float]:
        return self._levels

    def setImage(self, image: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        """Show ``image`` (kept by reference: pass an array nobody will change)."""
        image = np.asarray(image)
        if image.ndim == 1:
            image = image.reshape(1, -1)
        self.image = image
        if levels is not None:
            self._levels = (float(levels[0]), float(levels[1]))
        if image.shape != self._shape:
            self.prepareGeometryChange()
            self._shape = image.shape
        self._qimage = None
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        h, w = self._shape
        return QtCore.QRectF(0.0, 0.0, float(w), float(h))

    def _render(self) -> QtGui.QImage | None:
        data = self.image
        if data is None or data.size == 0:
            return None
        lo, hi = self._levels
        if not (math.isfinite(lo) and math.isfinite(hi)):
            lo, hi = 0.0, 1.0  # (unusable levels, e.g. the scale of an all-NaN array)
        span = hi - lo if hi > lo else 1.0
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            t = np.subtract(data, lo, dtype=np.float32)
            t *= np.float32(256.0 / span)
        np.clip(t, 0.0, 255.0, out=t)
        np.nan_to_num(t, copy=False, nan=0.0)  # NaN data, or ±inf times a scale that underflowed to 0
        argb = self._table[t.astype(np.uint8)]
        if data.dtype.kind == "f":
            bad = ~np.isfinite(data)
            if bad.any():
                argb[bad] = 0
        h, w = argb.shape
        self._argb = argb  # the QImage uses this buffer
        # Premultiplied: the format Qt paints without converting it first.
        return QtGui.QImage(argb.data, w, h, 4 * w, QtGui.QImage.Format.Format_ARGB32_Premultiplied)

    def paint(self, p, *_args) -> None:
        if self._qimage is None:
            self._qimage = self._render()
            if self._qimage is None:
                return
        h, w = self._shape
        p.drawImage(QtCore.QRectF(0.0, 0.0, float(w), float(h)), self._qimage)


def set_color(label: QtWidgets.QLabel, color: str) -> None:
    """A label's text colour through its palette (no style sheet: re-polishing a
    widget's style sheet costs milliseconds). Call only when the colour changes."""
    pal = label.palette()
    pal.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(color))
    label.setPalette(pal)
    label.setProperty("gdviz_muted", color == MUTED)  # presenter mode turns muted text black


# ------------------------------------------------------------------ widgets
def title_label(text: str) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setFont(font(10.5, bold=True))
    lab.setWordWrap(True)
    return lab


def note_label(text: str = "", size: float = 8.5) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setFont(font(size))
    lab.setWordWrap(True)
    lab.setStyleSheet(f"color: {MUTED};")
    lab.setProperty("gdviz_note", True)  # presenter mode leaves these small: the presenter explains
    return lab


def status_label() -> QtWidgets.QLabel:
    """The one-line hover read-out at the bottom of a panel."""
    lab = QtWidgets.QLabel(" ")
    lab.setFont(font(9))
    lab.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    lab.setMinimumWidth(50)
    lab.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
    return lab


def plot_widget() -> pg.GraphicsLayoutWidget:
    """A pyqtgraph canvas in the app's look, without the default frame margins."""
    apply_pyqtgraph_defaults()
    w = pg.GraphicsLayoutWidget()
    w.setBackground(BACKGROUND)
    w.ci.layout.setContentsMargins(2, 2, 2, 2)
    w.ci.layout.setSpacing(4)
    w.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    return w


def fixed_view(vb: pg.ViewBox) -> None:
    """No mouse zoom/pan, no context menu, no auto range: the panel sets the range."""
    vb.setMouseEnabled(x=False, y=False)
    vb.setMenuEnabled(False)
    vb.disableAutoRange()


def colour_bar(label: str = "") -> pg.ColorBarItem:
    """A non-interactive vertical colour bar of the diverging map."""
    bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=diverging_cmap(), interactive=False,
                          width=14, colorMapMenu=False, label=label or None)
    style_axis(bar.axis, size=8)
    bar.axis.setWidth(42)
    if label:
        bar.getAxis("left").setLabel(label, **{"font-size": "8.5pt", "color": FOREGROUND})
    bar.getAxis("left").setWidth(18 if label else 2)
    return bar


class ModeSwitch(QtWidgets.QWidget):
    """Three toggle buttons: weights / −∇C / last change Δθ. Emits the mode name."""

    modeChanged = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self._group = QtWidgets.QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        for i, mode in enumerate(MODES):
            b = QtWidgets.QToolButton()
            b.setText(MODE_LABELS[mode])
            b.setToolTip(MODE_TIPS[mode])
            b.setCheckable(True)
            b.setAutoRaise(False)
            b.setFont(font(8.5))
            b.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                            QtWidgets.QSizePolicy.Policy.Fixed)
            self._group.addButton(b, i)
            lay.addWidget(b)
            self.buttons[mode] = b
        self.buttons["weights"].setChecked(True)
        self._group.idClicked.connect(lambda i: self.modeChanged.emit(MODES[i]))

    def mode(self) -> str:
        return MODES[max(0, self._group.checkedId())]

    def setMode(self, mode: str) -> None:
        self.buttons[mode].setChecked(True)


def header(title: QtWidgets.QLabel,
           right: QtWidgets.QWidget | None = None) -> QtWidgets.QHBoxLayout:
    lay = QtWidgets.QHBoxLayout()
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(title, 1)
    if right is not None:
        lay.addWidget(right, 0, QtCore.Qt.AlignmentFlag.AlignTop)
    return lay


def panel_layout(widget: QtWidgets.QWidget) -> QtWidgets.QVBoxLayout:
    lay = QtWidgets.QVBoxLayout(widget)
    lay.setContentsMargins(6, 6, 6, 4)
    lay.setSpacing(3)
    return lay


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


class QuietLabel(QtWidgets.QWidget):
    """Holds a word-wrapped ``label`` whose text changes with every step, without
    laying out the whole view again each time: the label has a fixed size (so its
    ``setText`` requests no layout), this box follows the layout's size and asks for a
    new layout only when the new text needs another height (another line)."""

    def __init__(self, label: QtWidgets.QLabel):
        super().__init__()
        self.label = label
        label.setParent(self)
        label.move(0, 0)
        self.setSizePolicy(label.sizePolicy())
        self._h = None  # the height the text needs at the current width

    def sizeHint(self) -> QtCore.QSize:
        return self.label.sizeHint()

    def minimumSizeHint(self) -> QtCore.QSize:
        return self.label.minimumSizeHint()

    def heightForWidth(self, w: int) -> int:
        return self.label.heightForWidth(w)

    def resizeEvent(self, ev) -> None:
        self.label.setFixedSize(self.size())
        self._h = self.label.heightForWidth(self.width())
        super().resizeEvent(ev)

    def setText(self, text: str) -> None:
        if self.label.text() == text:
            return
        self.label.setText(text)
        h = self.label.heightForWidth(self.width())
        if h != self._h:
            self._h = h
            self.updateGeometry()


def set_item_text(item: pg.TextItem, text: str, pos: tuple[float, float] | None = None) -> None:
    """Change a TextItem only when its text or position changes (each change lays it out again)."""
    if item.toPlainText() != text:
        item.setText(text)
    if pos is not None and (item.pos().x(), item.pos().y()) != (float(pos[0]), float(pos[1])):
        item.setPos(*pos)

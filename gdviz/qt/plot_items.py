"""Cheap plot items for the live panels: heatmaps, bars, texts and guide lines.

Painting holds the GIL (pyqtgraph's GraphicsView paints from Python), so every
millisecond spent here is taken from training. These items replace
ImageItem/BarGraphItem/TextItem/grids: their bounding rectangles are fixed (no
geometry change per frame), an update repaints only their own area, and a
repaint is a handful of fillRect/drawImage/drawStaticText calls.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.palette import BAR, FOREGROUND, GUIDE
from gdviz.qt.fonts import base_font

__all__ = ["guide_lines", "set_guide_lines", "fit_view", "BarsItem", "TextsItem", "HeatImage",
           "PathCurve", "PixelMarker", "PixelMarkers", "dots_path", "set_item_text"]


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


class _FixedItem(QtWidgets.QGraphicsItem):
    """An item whose bounding rectangle changes only through :meth:`setBounds`."""

    def __init__(self):
        super().__init__()
        self._bounds = QtCore.QRectF()

    def setBounds(self, rect: QtCore.QRectF) -> None:
        """The area the item may cover (data units); set when the view range changes."""
        rect = QtCore.QRectF(rect)
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds


class BarsItem(_FixedItem):
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


class TextsItem(_FixedItem):
    """Short texts at points of a view, drawn upright in screen pixels.

    One item for many labels (a pyqtgraph TextItem is a QGraphicsTextItem that is
    laid out again on every change and re-transformed before every paint).
    ``anchor`` is the text's point placed at the position (0..1 of its width and
    height), ``offset`` a shift in screen pixels. Only :meth:`setTexts` with a
    different text repaints.
    """

    def __init__(self, size: float = 7.5, color=FOREGROUND, anchor=(0.5, 1.0), offset=(0, 0)):
        super().__init__()
        self._font = base_font(size)  # (presenter mode leaves these: they sit side by side)
        self._color = QtGui.QColor(color)
        self.anchor = anchor
        self.offset = offset
        self._pos: list[tuple[float, float]] = []
        self._texts: list[str] = []
        self._static: list[QtGui.QStaticText] = []

    @property
    def texts(self) -> list[str]:
        return list(self._texts)

    @property
    def positions(self) -> list[tuple[float, float]]:
        return list(self._pos)

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

    def clear(self) -> None:
        """Show nothing and hold no array."""
        self.image, self._qimage, self._argb = None, None, None
        if self._shape != (0, 0):
            self.prepareGeometryChange()
            self._shape = (0, 0)
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
        bad = None  # NaN/±inf cells (the only ones that can give NaN below)
        if data.dtype.kind == "f":
            finite = np.isfinite(data)
            if not finite.all():
                bad = ~finite
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            t = np.subtract(data, lo, dtype=np.float32)
            t *= np.float32(256.0 / span)
            t.clip(0.0, 255.0, out=t)  # (methods, not np.clip/np.nan_to_num: a paint's Python)
        if bad is not None:
            t[bad] = 0.0
        argb = self._table[t.astype(np.uint8)]
        if bad is not None:
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


class PathCurve(_FixedItem):
    """A line through ``(x, y)`` (and optional markers), drawn as one prepared QPainterPath.

    The part of pyqtgraph's PlotDataItem the cost panel uses, without its per-paint Python:
    a PlotDataItem recomputes its data bounds and pixel padding in ``boundingRect`` many times
    per paint (each a call into Python that waits for the interpreter lock). Here the path is
    built once per :meth:`setData` and the bounding rectangle (the data's, a few pixels wider,
    within the view of :meth:`attach`) is set then, so a repaint is one ``drawPath`` and stays
    off the axes beside the data. ``opts["symbol"]`` /
    :meth:`setSymbol` draw markers: ``"o"`` and ``"s"`` natively in the same paint, others
    with a child ScatterPlotItem (meant for a few dozen points).
    x must be ascending: with ``clip`` only the part inside the view's x range is drawn.
    """

    def __init__(self, pen=None, *, symbol: str | None = None, symbolSize: float = 5,  # noqa: N803
                 symbolBrush=None, symbolPen=None, clip: bool = False):  # noqa: N803 - pyqtgraph's names
        super().__init__()
        self.opts = {"symbol": None, "symbolSize": symbolSize, "symbolBrush": symbolBrush,
                     "symbolPen": symbolPen}
        self._pen: QtGui.QPen | None = None
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._log_y = False
        self._clip = clip
        self._vb: pg.ViewBox | None = None
        self._path = QtGui.QPainterPath()
        self._dots: pg.ScatterPlotItem | None = None
        self._dot_path = QtGui.QPainterPath()
        self._dot_pens: list[QtGui.QPen] = []
        self.path_builds = 0  # paths built so far (tests count them)
        self.setPen(pen)
        self.setSymbol(symbol)

    def attach(self, vb: pg.ViewBox) -> None:
        """Clip to ``vb``'s view range and pad the bounds in its pixels, now and whenever
        the range or the view's size changes."""
        self._vb = vb
        vb.sigRangeChanged.connect(self._range_changed)
        vb.sigResized.connect(self._range_changed)
        self._range_changed()

    def _range_changed(self, *_args) -> None:
        if self._vb is None:
            return
        if self._clip and len(self._x):
            self._build()
        else:
            self._fit_bounds(*self._shown())

    def _fit_bounds(self, x: np.ndarray, y: np.ndarray) -> None:
        """Bounds: the finite points, widened by the pen and the markers (in pixels)."""
        ok = np.isfinite(x) & np.isfinite(y)
        if self._vb is None or not ok.any():
            self.setBounds(QtCore.QRectF())
            return
        x, y = x[ok], y[ok]
        sx, sy = (abs(v) for v in self._vb.viewPixelSize())
        pad = 2.0 + (self._pen.widthF() / 2.0 if self._pen is not None else 0.0)
        if self.opts["symbol"] is not None:
            pad = max(pad, 2.0 + self.opts["symbolSize"] / 2.0)
        x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
        rect = QtCore.QRectF(x0 - pad * sx, y0 - pad * sy, x1 - x0 + 2 * pad * sx, y1 - y0 + 2 * pad * sy)
        self.setBounds(rect.intersected(self._vb.viewRect()))

    def setPen(self, pen) -> None:  # noqa: N802 - pyqtgraph's name
        self._pen = None if pen is None else pg.mkPen(pen)
        self.update()

    def setSymbol(self, symbol: str | None) -> None:  # noqa: N802
        self.opts["symbol"] = symbol
        if symbol in NATIVE:  # drawn here, natively: no child item, no Python per paint
            if self._dots is not None:
                self._dots.setVisible(False)
            self._dot_pens = _dot_pens(symbol, self.opts["symbolSize"], self.opts["symbolBrush"],
                                       self.opts["symbolPen"])
            self._build()
            return
        if symbol is not None and self._dots is None:
            self._dots = pg.ScatterPlotItem(pen=self.opts["symbolPen"], brush=self.opts["symbolBrush"],
                                            size=self.opts["symbolSize"])
            self._dots.setParentItem(self)
        if self._dots is not None:
            self._dots.setVisible(symbol is not None)
            self._set_dots()
            self._fit_bounds(*self._shown())

    def setLogMode(self, _x: bool, y: bool) -> None:  # noqa: N802 - PlotItem calls it
        if bool(y) != self._log_y:
            self._log_y = bool(y)
            self._build()

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802
        """``(x, y)`` as given to :meth:`setData` (y not in log units)."""
        return self._x, self._y

    def setData(self, x, y) -> None:  # noqa: N802
        """Show the points ``(x, y)`` (float arrays of one length; NaN breaks the line)."""
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        self._build()

    def _shown(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._x, self._y
        if self._log_y and len(y):
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan)
        if self._clip and self._vb is not None and len(x) > 2:
            lo, hi = self._vb.viewRange()[0]
            i0 = max(0, int(np.searchsorted(x, lo, "left")) - 1)
            i1 = min(len(x), int(np.searchsorted(x, hi, "right")) + 1)
            x, y = x[i0:i1], y[i0:i1]
        return x, y

    def _build(self) -> None:
        x, y = self._shown()
        self._path = pg.arrayToQPath(x, y, connect="finite") if len(x) > 1 else QtGui.QPainterPath()
        self.path_builds += 1
        self._fit_bounds(x, y)
        self._set_dots(x, y)
        self.update()

    def _set_dots(self, x=None, y=None) -> None:
        if x is None:
            x, y = self._shown()
        finite = np.isfinite(x) & np.isfinite(y)
        if self.opts["symbol"] in NATIVE:
            self._dot_path = dots_path(x[finite], y[finite])
            return
        self._dot_path = QtGui.QPainterPath()
        if self._dots is None or self.opts["symbol"] is None:
            return
        self._dots.setData(x=x[finite], y=y[finite], symbol=self.opts["symbol"], size=self.opts["symbolSize"])

    def paint(self, p, *_args) -> None:
        if self._pen is not None and not self._path.isEmpty():
            p.setPen(self._pen)
            p.drawPath(self._path)
        if self.opts["symbol"] in NATIVE and not self._dot_path.isEmpty():
            for pen in self._dot_pens:
                p.setPen(pen)
                p.drawPath(self._dot_path)


ROUND = "o"  # the markers PathCurve draws natively (PixelMarker draws all of pyqtgraph's)
SQUARE = "s"
NATIVE = (ROUND, SQUARE)


def dots_path(x: np.ndarray, y: np.ndarray) -> QtGui.QPainterPath:
    """A path of one tiny segment per point (x, y) (data units): stroked with a round-capped
    (square-capped) cosmetic pen of width d, each is a dot (square) d pixels across."""
    path = QtGui.QPainterPath()
    if len(x):
        # (a zero-length one draws nothing: a segment 1e-7 of the data's scale long is a point)
        scale = max(float(np.ptp(x)), float(np.abs(x).max())) or max(float(np.abs(y).max()), 1e-2)
        eps = 1e-7 * scale
        for xi, yi in zip(x.tolist(), y.tolist()):
            path.moveTo(xi, yi)
            path.lineTo(xi + eps, yi)
    return path


def _dot_pens(symbol: str, size: float, brush, pen) -> list[QtGui.QPen]:
    """The pens that draw pyqtgraph's ``symbol`` ("o" or "s") of ``size`` px with ``brush`` and
    outline ``pen`` (None: none, as a ScatterPlotItem given ``pen=None``) along a dots_path."""
    cap = QtCore.Qt.PenCapStyle.RoundCap if symbol == ROUND else QtCore.Qt.PenCapStyle.SquareCap
    fill = pg.mkBrush(brush if brush is not None else (100, 100, 150)).color()
    outline = pg.mkPen(pen)
    pens = []
    width = outline.widthF() or 1.0
    if outline.style() != QtCore.Qt.PenStyle.NoPen:
        pens.append(_dot_pen(outline.color(), size + width, cap))
        size -= width
    pens.append(_dot_pen(fill, size, cap))
    return pens


def _dot_pen(colour: QtGui.QColor, width: float, cap: QtCore.Qt.PenCapStyle) -> QtGui.QPen:
    pen = QtGui.QPen(colour, max(width, 1.0))
    pen.setCapStyle(cap)
    pen.setCosmetic(True)
    return pen


class PixelMarker(QtWidgets.QGraphicsPathItem):
    """One of pyqtgraph's markers (``"o"``, ``"star"``, ``"t"``, ``"+"``…), ``size`` pixels
    across, at a point in data units, painted by Qt alone (a ScatterPlotItem runs Python at
    every paint). ``setData([x], [y])`` places it, ``setData([], [])`` hides it; ``getData()``
    as ScatterPlotItem's."""

    def __init__(self, size: float, symbol: str = ROUND, pen=None, brush=None):
        super().__init__()
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setPath(QtGui.QTransform.fromScale(size, size).map(Symbols[symbol]))  # KeyError: unknown
        self.setPen(pg.mkPen(pen))
        self.setBrush(pg.mkBrush(brush))
        self._xy = (np.zeros(0), np.zeros(0))
        self.setVisible(False)

    def setData(self, x, y) -> None:  # noqa: N802 - ScatterPlotItem's name
        x, y = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
        self._xy = (x, y)
        shown = len(x) > 0 and math.isfinite(x[0]) and math.isfinite(y[0])
        if shown and (self.pos().x(), self.pos().y()) != (x[0], y[0]):
            self.setPos(float(x[0]), float(y[0]))
        if shown != self.isVisible():
            self.setVisible(shown)

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802
        return self._xy


class PixelMarkers:
    """Up to ``most`` :class:`PixelMarker` s of one look in ``view`` (a ViewBox or PlotItem):
    ``setData(x, y)`` places one per point (those beyond ``most`` are dropped) and hides the
    rest; ``getData()`` as ScatterPlotItem's. For a few markers that move every frame (the
    circles on the −∇C pictures), where a ScatterPlotItem would run Python at every paint."""

    def __init__(self, view, most: int, size: float, symbol: str = ROUND, pen=None, brush=None,
                 z: float = 20):
        self.items = [PixelMarker(size, symbol, pen=pen, brush=brush) for _ in range(most)]
        for item in self.items:
            item.setZValue(z)
            view.addItem(item, ignoreBounds=True)
        self._xy = (np.zeros(0), np.zeros(0))

    def setData(self, x, y) -> None:  # noqa: N802 - ScatterPlotItem's name
        x, y = np.array(x, dtype=np.float64)[:len(self.items)], np.array(y, dtype=np.float64)[:len(self.items)]
        self._xy = (x, y)
        for i, item in enumerate(self.items):
            item.setData(x[i:i + 1], y[i:i + 1])

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802
        return self._xy


def set_item_text(item: pg.TextItem, text: str, pos: tuple[float, float] | None = None) -> None:
    """Change a TextItem only when its text or position changes (each change lays it out again)."""
    if item.toPlainText() != text:
        item.setText(text)
    if pos is not None and (item.pos().x(), item.pos().y()) != (float(pos[0]), float(pos[1])):
        item.setPos(*pos)

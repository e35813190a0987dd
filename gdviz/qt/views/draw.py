"""Draw a digit: the network answers live as you draw.

A 280×280 canvas (scaled to fit) takes mouse strokes. Each stroke is drawn
smoothly on screen and rasterised with :func:`gdviz.data.drawing.render_stroke`
into a float canvas; :func:`~gdviz.data.drawing.preprocess_drawing` turns
that into the network's 28×28 input the way MNIST's digits were made (the
digit's bounding box scaled to 20×20, centred by its centre of mass in
28×28). The view shows that input, the ten outputs (the answer highlighted)
and every hidden layer's activations, for θ of the latest snapshot.

The forward pass of one digit takes ~50 µs, so it runs in the GUI thread, on
each mouse move (at most ~30 times a second) and at every new snapshot, on a
private :class:`gdviz.core.Network` (never the session's).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.core import Network, to_unit
from gdviz.data.drawing import preprocess_drawing, render_stroke
from gdviz.qt import style
from gdviz.qt.views import LessonView

__all__ = ["DrawView", "DrawingCanvas", "LayerCells"]

CANVAS = 280  # logical canvas pixels (the model canvas is CANVAS×CANVAS)
PEN = CANVAS / 13.0  # render_stroke's default pen: MNIST-like strokes once scaled to 20 px
THROTTLE_MS = 33  # at most ~30 updates a second while drawing
INPUT_SIDE = 28
ANSWER = "#2d4a73"  # the highlighted answer bar (no right/wrong colour: we do not know the truth)
INK = "#1a1a1a"


# ============================================================================ the canvas
class DrawingCanvas(QtWidgets.QWidget):
    """A square drawing surface of ``CANVAS``×``CANVAS`` logical pixels, scaled to fit.

    Left button draws, right button clears. ``strokes`` holds the points
    (x, y) in canvas pixels; ``ink`` (CANVAS, CANVAS) float32 in [0, 1] is
    the same drawing rasterised by ``render_stroke`` (the model's canvas).
    Signals: ``changed`` (a point was added), ``finished`` (a stroke ended),
    ``cleared``.
    """

    changed = QtCore.Signal()
    finished = QtCore.Signal()
    cleared = QtCore.Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.strokes: list[list[tuple[float, float]]] = []
        self.ink = np.zeros((CANVAS, CANVAS), np.float32)
        self._drawing = False
        self._image: QtGui.QImage | None = None  # the strokes as drawn on screen (a cache)
        self._image_key = None
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)
        self.setCursor(QtCore.Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw one digit (0–9) with the left mouse button, large and in the "
                        "middle. Right-click to clear.")

    # ------------------------------------------------------------------ geometry
    def frame(self) -> tuple[QtCore.QRectF, float]:
        """The square drawing area in widget pixels and its scale (widget px per canvas px)."""
        side = max(1.0, min(self.width(), self.height()) - 2.0)
        x0 = (self.width() - side) / 2
        y0 = 1.0  # at the top, under the Clear button
        return QtCore.QRectF(x0, y0, side, side), side / CANVAS

    def to_canvas(self, pos: QtCore.QPointF) -> tuple[float, float]:
        """Widget pixels -> canvas pixels (clamped to the canvas)."""
        rect, scale = self.frame()
        x = (pos.x() - rect.x()) / scale
        y = (pos.y() - rect.y()) / scale
        return min(max(x, 0.0), float(CANVAS)), min(max(y, 0.0), float(CANVAS))

    def to_widget(self, x: float, y: float) -> QtCore.QPointF:
        """Canvas pixels -> widget pixels."""
        rect, scale = self.frame()
        return QtCore.QPointF(rect.x() + x * scale, rect.y() + y * scale)

    # ------------------------------------------------------------------ drawing
    @property
    def is_empty(self) -> bool:
        return not self.strokes

    def clear(self) -> None:
        self.strokes = []
        self.ink = np.zeros((CANVAS, CANVAS), np.float32)
        self._drawing = False
        self._image = None
        self.update()
        self.cleared.emit()

    def begin_stroke(self, x: float, y: float) -> None:
        self.strokes.append([(x, y)])
        render_stroke([(x, y)], width=PEN, out=self.ink)
        self._drawing = True
        self._paint_segment((x, y), (x, y))
        self.changed.emit()

    def extend_stroke(self, x: float, y: float) -> None:
        if not self._drawing or not self.strokes:
            return
        stroke = self.strokes[-1]
        px, py = stroke[-1]
        if (x - px) ** 2 + (y - py) ** 2 < 0.25:  # under half a canvas pixel: nothing new
            return
        stroke.append((x, y))
        render_stroke([(px, py), (x, y)], width=PEN, out=self.ink)
        self._paint_segment((px, py), (x, y))
        self.changed.emit()

    def end_stroke(self) -> None:
        if self._drawing:
            self._drawing = False
            self.finished.emit()

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, e) -> None:
        if e.button() == QtCore.Qt.MouseButton.LeftButton:
            self.begin_stroke(*self.to_canvas(e.position()))
        elif e.button() == QtCore.Qt.MouseButton.RightButton:
            self.clear()

    def mouseMoveEvent(self, e) -> None:
        if self._drawing:
            self.extend_stroke(*self.to_canvas(e.position()))

    def mouseReleaseEvent(self, e) -> None:
        if e.button() == QtCore.Qt.MouseButton.LeftButton:
            self.end_stroke()

    # ------------------------------------------------------------------ painting
    # The strokes live in an image the size of the drawing area: a new segment is
    # drawn onto it alone (round caps join the segments seamlessly), so a paint
    # costs one image copy however long the drawing is.
    def _pen(self, scale: float) -> QtGui.QPen:
        return QtGui.QPen(QtGui.QColor(INK), PEN * scale, QtCore.Qt.PenStyle.SolidLine,
                          QtCore.Qt.PenCapStyle.RoundCap, QtCore.Qt.PenJoinStyle.RoundJoin)

    def _stroke_image(self) -> QtGui.QImage:
        """The cached strokes image, (re)built for the current size when needed."""
        rect, scale = self.frame()
        dpr = self.devicePixelRatioF()
        key = (round(rect.width() * dpr), dpr)
        if self._image is None or self._image_key != key:
            img = QtGui.QImage(max(1, key[0]), max(1, key[0]),
                               QtGui.QImage.Format.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(dpr)
            img.fill(QtCore.Qt.GlobalColor.transparent)
            p = QtGui.QPainter(img)
            p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            p.setPen(self._pen(scale))
            for stroke in self.strokes:
                pts = [QtCore.QPointF(x * scale, y * scale) for x, y in stroke]
                if len(pts) == 1:
                    p.drawPoint(pts[0])
                    continue
                path = QtGui.QPainterPath(pts[0])
                for q in pts[1:]:
                    path.lineTo(q)
                p.drawPath(path)
            p.end()
            self._image, self._image_key = img, key
        return self._image

    def _paint_segment(self, a, b) -> None:
        rect, scale = self.frame()
        img = self._stroke_image()
        p = QtGui.QPainter(img)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._pen(scale))
        pa, pb = QtCore.QPointF(a[0] * scale, a[1] * scale), QtCore.QPointF(b[0] * scale, b[1] * scale)
        if pa == pb:
            p.drawPoint(pa)
        else:
            p.drawLine(pa, pb)
        p.end()
        r = PEN * scale / 2 + 2
        dirty = QtCore.QRectF(pa, pb).normalized().adjusted(-r, -r, r, r).translated(rect.topLeft())
        self.update(dirty.toAlignedRect())

    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        rect, _ = self.frame()
        p.fillRect(rect, QtGui.QColor("#ffffff"))
        # faint guides: the middle, where the digit should go
        guide = QtGui.QPen(QtGui.QColor("#e4e4e4"), 1, QtCore.Qt.PenStyle.DashLine)
        p.setPen(guide)
        c = rect.center()
        p.drawLine(QtCore.QPointF(c.x(), rect.top() + 6), QtCore.QPointF(c.x(), rect.bottom() - 6))
        p.drawLine(QtCore.QPointF(rect.left() + 6, c.y()), QtCore.QPointF(rect.right() - 6, c.y()))
        p.setPen(QtGui.QPen(QtGui.QColor(style.BOARD), 1.5))
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        if not self.strokes:
            p.setPen(QtGui.QColor(style.MUTED))
            p.setFont(style.rel_font(self.font(), 1.3))
            p.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextWordWrap,
                       "Draw a digit here\nwith the mouse")
        else:
            p.drawImage(rect.topLeft(), self._stroke_image())
        p.end()


# ============================================================================ hidden cells
class LayerCells(QtWidgets.QWidget):
    """Every hidden layer's activations as a row of coloured cells (wrapping past 32).

    ``values`` (list of (n_l,) arrays) is what is shown. Colours: pale = 0,
    dark green = 1 (sigmoid; ReLU up to the largest value); tanh blue/red.
    """

    PER_ROW = 32

    def __init__(self, parent=None):
        super().__init__(parent)
        self.values: list[np.ndarray] = []
        self.activation = "sigmoid"
        self.setMouseTracking(True)
        self.setMinimumHeight(60)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Preferred)

    def set_values(self, values, activation: str) -> None:
        self.values = [np.asarray(v, dtype=np.float64) for v in values]
        self.activation = activation
        self.update()

    def set_layers(self, sizes: tuple[int, ...], activation: str) -> None:
        """Empty cells for these hidden sizes (nothing drawn yet)."""
        self.set_values([np.full(n, np.nan) for n in sizes], activation)
        self.updateGeometry()

    def _layout(self):
        fm = self.fontMetrics()
        label_w = fm.horizontalAdvance("layer 8") + 10
        rows = [max(1, math.ceil(v.size / self.PER_ROW)) for v in self.values]
        per = max([min(v.size, self.PER_ROW) for v in self.values] or [1])
        gap = 6
        cell = (self.width() - label_w - 4) / max(1, per)
        cell = max(6.0, min(cell, 36.0, (self.height() - gap * len(rows)) / max(1, sum(rows))))
        return label_w, cell, rows, gap

    def sizeHint(self) -> QtCore.QSize:
        rows = sum(max(1, math.ceil(v.size / self.PER_ROW)) for v in self.values) or 2
        return QtCore.QSize(300, int(rows * 26 + 8 * len(self.values)))

    def cell_rect(self, layer: int, k: int) -> QtCore.QRectF:
        label_w, cell, rows, gap = self._layout()
        y = sum(rows[:layer]) * cell + layer * gap
        r, c = divmod(k, self.PER_ROW)
        return QtCore.QRectF(label_w + c * cell, y + r * cell, cell, cell)

    def cell_at(self, pos: QtCore.QPointF):
        for layer, v in enumerate(self.values):
            for k in range(v.size):
                if self.cell_rect(layer, k).contains(pos):
                    return layer, k
        return None

    def _colour(self, a: float, top: float) -> QtGui.QColor:
        if not math.isfinite(a):
            return QtGui.QColor(style.BOARD)
        if self.activation == "tanh":
            return style.diverging_cmap().map(0.5 + 0.5 * max(-1.0, min(1.0, a)), mode="qcolor")
        return style.sequential_cmap().map(max(0.0, min(1.0, a / top)), mode="qcolor")

    def top(self) -> float:
        if self.activation in ("sigmoid", "tanh"):
            return 1.0
        finite = [v[np.isfinite(v)] for v in self.values]
        m = max([float(f.max()) for f in finite if f.size] or [1.0])
        return style.nice_ceiling(max(m, 1e-6))

    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        label_w, cell, _, _ = self._layout()
        top = self.top()
        fg = QtGui.QColor(style.FOREGROUND)
        edge = QtGui.QPen(QtGui.QColor("#ffffff"), 1)
        for layer, v in enumerate(self.values):
            first = self.cell_rect(layer, 0)
            p.setPen(fg)
            p.drawText(QtCore.QRectF(0, first.y(), label_w - 6, cell),
                       QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter,
                       f"layer {layer + 1}")
            p.setPen(edge)
            for k, a in enumerate(v):
                p.setBrush(self._colour(float(a), top))
                p.drawRect(self.cell_rect(layer, k))
        p.end()

    def event(self, e) -> bool:
        if e.type() == QtCore.QEvent.Type.ToolTip:
            hit = self.cell_at(QtCore.QPointF(e.pos()))
            if hit is not None:
                layer, k = hit
                a = float(self.values[layer][k])
                QtWidgets.QToolTip.showText(
                    e.globalPos(), f"hidden layer {layer + 1}, neuron {k}: activation "
                                   f"{style.fmt(a)}", self)
            else:
                QtWidgets.QToolTip.showText(e.globalPos(), self.toolTip(), self)
            return True
        return super().event(e)


# ============================================================================ the view
class DrawView(LessonView):
    """Draw a digit and see the network's answer, live.

    Public API beyond :class:`LessonView`: ``canvas`` (the :class:`DrawingCanvas`),
    ``clear()``, ``input`` (the (784,) uint8 network input shown in the
    preview), ``activations`` (every layer's activations for it, or None),
    ``answer`` (the digit, or None), ``bars`` (the output BarGraphItem).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self._snap = None
        self._net: Network | None = None
        self._net_key = None
        self._theta_src = None  # the snapshot θ copied into the private network
        self._usable = True
        self.input = np.zeros(INPUT_SIDE * INPUT_SIDE, np.uint8)
        self.activations: list[np.ndarray] | None = None
        self.answer: int | None = None
        self._value_texts: list[str] = []
        self._answer_bar = None
        self._clock = QtCore.QElapsedTimer()
        self._later = QtCore.QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self.update_input)
        self._build_ui()
        self._apply_fonts()
        self._show_outputs()

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        lay = self.scrolling_body()
        self.title = QtWidgets.QLabel("Draw a digit with the mouse: the network answers as you "
                                      "draw, with the weights it has learnt so far.")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(16)
        lay.addLayout(row, 1)

        # ---- left: canvas
        left = QtWidgets.QVBoxLayout()
        left.setSpacing(4)
        self.canvas = DrawingCanvas()
        buttons = QtWidgets.QHBoxLayout()
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the canvas to draw another digit (or right-click it).")
        self.clear_button.clicked.connect(self.clear)
        self.hint = QtWidgets.QLabel("left button: draw · right-click: clear")
        self.hint.setStyleSheet(f"color: {style.MUTED};")
        self.hint.setToolTip(self.canvas.toolTip())
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.hint, 1)
        left.addLayout(buttons)
        left.addWidget(self.canvas, 1)
        row.addLayout(left, 5)

        # ---- middle: what the network sees
        mid = QtWidgets.QVBoxLayout()
        mid.setSpacing(4)
        self.preview_title = QtWidgets.QLabel("What the network sees")
        self.preview_title.setToolTip(
            "The network's input: 28×28 = 784 pixels, each a number from 0 (white) to 1 (black). "
            "Your drawing is shrunk so its larger side is 20 pixels and placed so that its "
            "centre of mass is in the middle — exactly how the MNIST digits were made.")
        self.preview_canvas = style.plot_widget()
        self.preview_canvas.setToolTip(self.preview_title.toolTip())
        self.preview_view = self.preview_canvas.addViewBox()
        style.fixed_view(self.preview_view)
        self.preview_view.invertY(True)
        self.preview_view.setAspectLocked(True)
        self.preview_view.setRange(xRange=(0, INPUT_SIDE), yRange=(0, INPUT_SIDE), padding=0.01)
        self.preview = pg.ImageItem(axisOrder="row-major")
        self.preview.setLookupTable(style.ink_lut())
        self.preview.setImage(self.input.reshape(INPUT_SIDE, INPUT_SIDE), levels=(0, 255),
                              autoLevels=False)
        self.preview_view.addItem(self.preview)
        frame = QtWidgets.QGraphicsRectItem(QtCore.QRectF(0, 0, INPUT_SIDE, INPUT_SIDE))
        frame.setPen(pg.mkPen(style.BOARD, width=1))
        self.preview_view.addItem(frame)
        # the middle of the field, where the digit's centre of mass goes (pixel 14's centre)
        self.centre_mark = pg.ScatterPlotItem([INPUT_SIDE / 2 + 0.5], [INPUT_SIDE / 2 + 0.5],
                                              symbol="+", size=11, brush=pg.mkBrush(style.POSITIVE),
                                              pen=pg.mkPen(style.POSITIVE, width=1))
        self.preview_view.addItem(self.centre_mark)
        self.preview_note = QtWidgets.QLabel(
            "Your drawing, shrunk so its larger side is 20 pixels and moved so its centre of "
            "mass is at the middle (red +) of 28×28 pixels — how the MNIST digits the network "
            "learnt from were made. These 784 grey levels are the input layer.")
        self.preview_note.setWordWrap(True)
        self.preview_note.setStyleSheet(f"color: {style.MUTED};")
        self.preview_note.setToolTip(self.preview_title.toolTip())
        mid.addWidget(self.preview_title)
        mid.addWidget(self.preview_canvas)
        mid.addWidget(self.preview_note)
        mid.addStretch(1)
        row.addLayout(mid, 0)

        # ---- right: the answer, the outputs, the hidden layers
        right = QtWidgets.QVBoxLayout()
        right.setSpacing(4)
        self.answer_label = QtWidgets.QLabel(" ")
        self.answer_label.setToolTip("The network's answer: the output neuron with the highest "
                                     "activation, and that activation.")
        self.second_label = QtWidgets.QLabel(" ")
        self.second_label.setStyleSheet(f"color: {style.MUTED};")
        self.second_label.setWordWrap(True)
        self.outputs_title = QtWidgets.QLabel("The ten output neurons")
        self.outputs_title.setToolTip("One bar per output neuron: how strongly the network thinks "
                                      "your drawing is that digit (0 = not at all, 1 = sure). "
                                      "The highest bar is its answer.")
        self.plot_canvas = style.plot_widget()
        self.plot_canvas.setToolTip(self.outputs_title.toolTip())
        self.plot_canvas.setMinimumHeight(140)
        # its size hint must not make the tab scroll: it takes the room that is left
        self.plot_canvas.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                       QtWidgets.QSizePolicy.Policy.Ignored)
        self.out_plot = self.plot_canvas.addPlot()
        style.fixed_view(self.out_plot.getViewBox())
        self.out_plot.hideButtons()
        self.out_plot.setMenuEnabled(False)
        self.out_plot.setXRange(-0.7, 9.7, padding=0)
        self.out_plot.setYRange(-0.04, 1.12, padding=0)
        self.out_plot.showGrid(y=True, alpha=0.15)
        self._bar_brush = pg.mkBrush(style.BAR)
        self._answer_brush = pg.mkBrush(ANSWER)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.66,
                                    brush=self._bar_brush, pen=pg.mkPen(None))
        self.out_plot.addItem(self.bars)
        self.value_labels: list[pg.TextItem] = []
        self.hidden_title = QtWidgets.QLabel("The hidden neurons (pale = off, dark = firing)")
        self.hidden_title.setToolTip("The activation of every hidden neuron for your drawing: "
                                     "the features the network found in it. Hover a cell for "
                                     "its value.")
        self.hidden_title.setWordWrap(True)
        self.outputs_title.setWordWrap(True)
        self.answer_label.setWordWrap(True)
        self.hidden = LayerCells()
        self.hidden.setToolTip(self.hidden_title.toolTip())
        right.addWidget(self.answer_label)
        right.addWidget(self.second_label)
        right.addSpacing(4)
        right.addWidget(self.outputs_title)
        right.addWidget(self.plot_canvas, 3)
        right.addWidget(self.hidden_title)
        right.addWidget(self.hidden, 1)
        row.addLayout(right, 4)

        self.footer = QtWidgets.QLabel(" ")
        self.footer.setWordWrap(True)
        self.footer.setStyleSheet(f"color: {style.MUTED};")
        self.footer.setToolTip("The network only knows digits drawn like MNIST's: centred, "
                               "upright, with a thick pen. Unusual shapes fool it.")
        lay.addWidget(self.footer)

        self.canvas.changed.connect(self._stroke_changed)
        self.canvas.finished.connect(self.update_input)
        self.canvas.cleared.connect(self.update_input)
        self._build_outputs(10)

    def _apply_fonts(self) -> None:
        base = self.font()
        pt = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
        self.title.setFont(style.rel_font(base, 1.1, bold=True))
        for w in (self.preview_title, self.outputs_title, self.hidden_title):
            w.setFont(style.rel_font(base, 1.0, bold=True))
        self.answer_label.setFont(style.rel_font(base, 1.9, bold=True))
        self.second_label.setFont(style.rel_font(base, 1.05))
        side = min(210, max(170, round(QtGui.QFontMetrics(base).height() * 14)))
        self.preview_canvas.setFixedSize(side, side)
        self.preview_note.setFixedWidth(side)
        self.preview_title.setFixedWidth(side)
        self.preview_title.setWordWrap(True)
        style.style_axis(self.out_plot.getAxis("left"), "output", size=pt * 0.9)
        style.style_axis(self.out_plot.getAxis("bottom"), "digit", size=pt * 0.9)
        self.out_plot.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
        self.out_plot.getAxis("left").setWidth(round(pt * 5))
        for t in self.value_labels:
            t.setFont(style.rel_font(base, 0.8))

    def changeEvent(self, e) -> None:
        if e.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.ApplicationFontChange):
            self._apply_fonts()
            self._fit_value_labels()
        super().changeEvent(e)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        QtCore.QTimer.singleShot(0, self._fit_value_labels)  # after the layout has settled

    def _fit_value_labels(self) -> None:
        """Show the numbers above the bars only when they fit side by side."""
        if not self.value_labels:
            return
        vb = self.out_plot.getViewBox()
        per_bar = vb.width() / max(1, len(self.value_labels))
        need = QtGui.QFontMetrics(self.value_labels[0].textItem.font()).horizontalAdvance("0.00") + 4
        for t in self.value_labels:
            t.setVisible(per_bar >= need)

    def _build_outputs(self, n_out: int) -> None:
        self.out_plot.setXRange(-0.7, n_out - 0.3, padding=0)
        ticks = [(k, str(k)) for k in range(n_out)] if n_out <= 20 else \
            [(k, str(k)) for k in range(0, n_out, math.ceil(n_out / 20))]
        self.out_plot.getAxis("bottom").setTicks([ticks, []])
        self.bars.setOpts(x=np.arange(n_out), height=np.zeros(n_out), brush=self._bar_brush,
                          brushes=None)
        self._answer_bar = None
        for t in self.value_labels:
            self.out_plot.removeItem(t)
        self.value_labels = []
        if n_out <= 12:
            for _ in range(n_out):
                t = pg.TextItem("", color=style.FOREGROUND, anchor=(0.5, 1.0))
                t.setFont(style.rel_font(self.font(), 0.8))
                self.out_plot.addItem(t)
                self.value_labels.append(t)
        self._value_texts = [""] * len(self.value_labels)

    # ------------------------------------------------------------------ contract
    def render(self, snap) -> None:
        """Take θ of ``snap``; recompute the answer when θ changed and something is drawn."""
        self._snap = snap
        key = (tuple(snap.sizes), snap.activation, snap.cost_name)
        rebuilt = False
        if key != self._net_key:
            self._net_key = key
            self._usable = snap.sizes[0] == INPUT_SIDE * INPUT_SIDE
            self._net = Network(key[0], snap.activation, snap.cost_name)
            self._theta_src = None
            self._build_outputs(snap.sizes[-1])
            self.hidden.set_layers(snap.sizes[1:-1], snap.activation)
            rebuilt = True
        if snap.theta is not self._theta_src:
            self._theta_src = snap.theta
            self._net.theta[...] = snap.theta
            self._forward()
        elif rebuilt:
            self._forward()
        self._update_footer(snap)

    def shutdown(self) -> None:
        self._later.stop()

    def demo(self) -> None:
        """Draw a "7" (for screenshots and first-time users): a bar and a slanted stem."""
        self.canvas.clear()
        for stroke in (((75, 70), (205, 70)), ((205, 70), (170, 140), (140, 215))):
            self.canvas.begin_stroke(*stroke[0])
            for (x0, y0), (x1, y1) in zip(stroke[:-1], stroke[1:]):
                for t in np.linspace(0, 1, 12)[1:]:
                    self.canvas.extend_stroke(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            self.canvas.end_stroke()
        self.update_input()

    # ------------------------------------------------------------------ drawing -> input -> answer
    def clear(self) -> None:
        """Wipe the canvas (and the answer)."""
        self.canvas.clear()  # emits cleared -> update_input

    def _stroke_changed(self) -> None:
        """Throttle: at most one update every THROTTLE_MS, and always one after the last move."""
        if not self._clock.isValid() or self._clock.elapsed() >= THROTTLE_MS:
            self._later.stop()
            self.update_input()
        elif not self._later.isActive():
            self._later.start(max(1, THROTTLE_MS - int(self._clock.elapsed())))

    def update_input(self) -> None:
        """Preprocess the canvas into the network's input, show it, run the network."""
        self._later.stop()
        self._clock.restart()
        self.input = preprocess_drawing(self.canvas.ink)
        self.preview.setImage(self.input.reshape(INPUT_SIDE, INPUT_SIDE), levels=(0, 255),
                              autoLevels=False)
        self._forward()

    def _forward(self) -> None:
        net = self._net
        if net is None or not self._usable or self.canvas.is_empty or not self.input.any():
            self.activations = None
        else:
            with np.errstate(all="ignore"):
                acts = net.forward(to_unit(self.input[None, :], net.dtype))
            self.activations = [np.array(a[0], dtype=np.float64) for a in acts]
        self._show_outputs()

    def _show_outputs(self) -> None:
        acts = self.activations
        n_out = len(self._value_texts) if self._value_texts else 10
        if self._net is not None:
            n_out = self._net.sizes[-1]
        if acts is None:
            out = np.zeros(n_out)
            self.answer = None
            self._set_bars(out, None, finite=np.ones(n_out, bool))
            if self._net is not None:
                sizes = [v.size for v in self.hidden.values]
                if sizes != list(self._net.sizes[1:-1]) or any(np.isfinite(v).any()
                                                               for v in self.hidden.values):
                    self.hidden.set_values([np.full(n, np.nan) for n in self._net.sizes[1:-1]],
                                           self.hidden.activation)
            if self._net is None:
                text, second = "Waiting for the network…", " "
            elif not self._usable:
                text = "Drawing needs 28×28 digits"
                second = (f"This network takes {self._net.sizes[0]:,} inputs, not a 28×28 picture, "
                          "so a drawing cannot be its input.")
            else:
                text, second = "Draw a digit…", "The answer appears as you draw."
            self._set_answer(text, second, style.MUTED)
            return
        out = acts[-1]
        finite = np.isfinite(out)
        self.hidden.set_values(acts[1:-1], self._snap.activation if self._snap else "sigmoid")
        if not finite.all():
            self.answer = None
            self._set_bars(np.zeros_like(out), None, finite)
            self._set_answer("No answer", "The weights are not numbers (training diverged): "
                             "restore the last good weights with a smaller η.", style.ANSWER_WRONG)
            return
        order = np.argsort(-out, kind="stable")
        best = int(order[0])
        self.answer = best
        self._set_bars(out, best, finite)
        conf = float(out[best])
        if conf >= 0.5:
            text = f"I think it's a {best}  ({conf:.2f})"
        else:
            text = f"Not sure… maybe a {best}  ({conf:.2f})"
        if out.size > 1:
            nxt = int(order[1])
            second = f"next best: {nxt} ({float(out[nxt]):.2f})"
        else:
            second = " "
        self._set_answer(text, second, ANSWER)

    def _set_bars(self, out: np.ndarray, best: int | None, finite: np.ndarray) -> None:
        shown = np.where(finite, out, 0.0)
        if best != self._answer_bar:
            brushes = [self._bar_brush] * shown.size
            if best is not None:
                brushes[best] = self._answer_brush
            self.bars.setOpts(height=shown, brushes=brushes)
            self._answer_bar = best
        else:
            self.bars.setOpts(height=shown)
        draw_values = self.activations is not None
        for k, t in enumerate(self.value_labels):
            s = f"{out[k]:.2f}" if draw_values and finite[k] else ""
            if s != self._value_texts[k]:
                self._value_texts[k] = s
                t.setText(s)
                t.setPos(k, min(float(shown[k]), 1.0))

    def _set_answer(self, text: str, second: str, colour: str) -> None:
        if self.answer_label.text() != text:
            self.answer_label.setText(text)
            self.answer_label.setStyleSheet(f"color: {colour};")
        if self.second_label.text() != second:
            self.second_label.setText(second)

    def _update_footer(self, snap) -> None:
        ev = snap.last_eval
        acc = (f", test accuracy {100 * ev.test_accuracy:.1f} %"
               if ev is not None and math.isfinite(ev.test_accuracy) else "")
        text = (f"The network as it is at step {snap.step:,}{acc}. It learnt from MNIST's digits "
                "(centred, upright, thick pen): draw large and in the middle. Keep training "
                "and draw again — its answers change as it learns.")
        if self.footer.text() != text:
            self.footer.setText(text)

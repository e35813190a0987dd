"""The surface a digit is drawn on with the mouse (the Draw view's left part).

The strokes and their rasterised ink live in a
:class:`gdviz.training.drawn_digit.Drawing`; this widget turns mouse events into
its strokes and paints them smoothly on screen.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style
from gdviz.training.drawn_digit import CANVAS, PEN, Drawing

__all__ = ["DrawingCanvas"]

INK = "#1a1a1a"
PLACEHOLDER = "Draw a digit here\nwith the mouse"


class DrawingCanvas(QtWidgets.QWidget):
    """A square drawing surface of ``CANVAS``×``CANVAS`` logical pixels, scaled to fit.

    Left button draws, right button clears. ``drawing`` holds the strokes:
    ``strokes`` the points (x, y) in canvas pixels, ``ink`` (CANVAS, CANVAS)
    float32 in [0, 1] the same drawing rasterised (the model's canvas).
    Signals: ``changed`` (a point was added), ``finished`` (a stroke ended),
    ``cleared``. The placeholder text shows only while nothing is drawn.
    """

    changed = QtCore.Signal()
    finished = QtCore.Signal()
    cleared = QtCore.Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.drawing = Drawing()
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
    def strokes(self) -> list[list[tuple[float, float]]]:
        return self.drawing.strokes

    @property
    def ink(self):
        return self.drawing.ink

    @property
    def is_empty(self) -> bool:
        return self.drawing.is_empty

    def clear(self) -> None:
        self.drawing.clear()
        self._drawing = False
        self._image = None
        self.update()
        self.cleared.emit()

    def begin_stroke(self, x: float, y: float) -> None:
        first = self.drawing.is_empty
        self.drawing.begin(x, y)
        self._drawing = True
        self._paint_segment((x, y), (x, y))
        if first:  # the placeholder goes: all of the surface, not only the new dot
            self.update()
        self.changed.emit()

    def extend_stroke(self, x: float, y: float) -> None:
        if not self._drawing or self.drawing.is_empty:
            return
        px, py = self.drawing.strokes[-1][-1]
        if self.drawing.extend(x, y):
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
                       PLACEHOLDER)
        else:
            p.drawImage(rect.topLeft(), self._stroke_image())
        p.end()

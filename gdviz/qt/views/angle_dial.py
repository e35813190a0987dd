"""Two arrows from one point, turned by the angle between two directions (GD vs SGD)."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import style

__all__ = ["AngleDial"]


class AngleDial(QtWidgets.QWidget):
    """Two arrows from one point: the full gradient's direction (right) and the
    mini-batch's, turned by the angle between them (NaN: only the first)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.degrees = float("nan")
        self.setMinimumSize(150, 96)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        self.setToolTip("The angle between the two directions: green, the way all the training "
                        "data says is downhill; blue, the way the last step's gradient pointed.")

    def setAngle(self, degrees: float) -> None:
        if degrees != self.degrees and not (math.isnan(degrees) and math.isnan(self.degrees)):
            self.degrees = degrees
            self.update()

    def paintEvent(self, _ev) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        font = style.font(8.5)
        p.setFont(font)
        fm = QtGui.QFontMetrics(font)
        label_w = fm.horizontalAdvance("last step") + 8
        d = self.degrees  # 0..180: the origin sits bottom left, or bottom centre past 90°
        cy = h - fm.height() - 4
        if math.isfinite(d) and d > 90:
            cx = w / 2
            r = min(w / 2 - label_w, cy - fm.height() - 4)
        else:
            cx = 10.0
            r = min(w - cx - label_w, cy - fm.height() - 4)
        r = max(16.0, r)

        def arrow(deg: float, colour: str, text: str) -> None:
            a = math.radians(deg)
            x, y = cx + r * math.cos(a), cy - r * math.sin(a)
            p.setPen(QtGui.QPen(QtGui.QColor(colour), 2.5))
            p.drawLine(QtCore.QPointF(cx, cy), QtCore.QPointF(x, y))
            for side in (-1, 1):
                b = a + math.pi + side * 0.45
                p.drawLine(QtCore.QPointF(x, y),
                           QtCore.QPointF(x + 9 * math.cos(b), y - 9 * math.sin(b)))
            tw = fm.horizontalAdvance(text)
            tx = x + 5 if math.cos(a) > 0.3 else x - tw / 2 if math.cos(a) > -0.3 else x - tw - 5
            if abs(math.sin(a)) < 0.5:
                ty = y + fm.ascent() / 2
            else:
                ty = y - 5 if math.sin(a) > 0 else y + fm.ascent() + 3
            tx = min(max(2.0, tx), w - tw - 2.0)
            ty = min(max(fm.ascent() + 1.0, ty), h - 2.0)
            p.drawText(QtCore.QPointF(tx, ty), text)

        arrow(0.0, style.ANSWER_RIGHT, "all data")
        if math.isfinite(d):
            p.setPen(QtGui.QPen(QtGui.QColor(style.MUTED), 1))
            rr = r * 0.3
            p.drawArc(QtCore.QRectF(cx - rr, cy - rr, 2 * rr, 2 * rr), 0, round(d * 16))
            arrow(d, style.NEGATIVE, "last step")
        p.end()

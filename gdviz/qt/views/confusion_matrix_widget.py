"""The test set's confusion matrix, painted: row = the true digit, column = the answer."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui

from gdviz.qt import style

__all__ = ["ConfusionMatrixWidget", "mix"]

GRID = "#d9d9d9"


def mix(c0: QtGui.QColor, c1: QtGui.QColor, t: float) -> QtGui.QColor:
    """The colour a share ``t`` (0..1) of the way from ``c0`` to ``c1``."""
    t = min(1.0, max(0.0, t))
    return QtGui.QColor(round(c0.red() + (c1.red() - c0.red()) * t),
                        round(c0.green() + (c1.green() - c0.green()) * t),
                        round(c0.blue() + (c1.blue() - c0.blue()) * t))


class ConfusionMatrixWidget(style.CellsWidget):
    """A painted n×n heatmap of counts: row = true digit, column = the answer.

    Diagonal cells (right answers) are green, darker the larger the share of
    their row; the others orange, darker the more of that row they take.
    ``cellClicked(row, col)`` on a click. ``counts`` is what is shown.
    """

    cellClicked = QtCore.Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts: np.ndarray | None = None
        self.message = "computing…"
        self.selected: tuple[int, int] | None = None
        self._hover: tuple[int, int] | None = None
        self.setMinimumSize(230, 230)
        self._right = QtGui.QColor(style.ANSWER_RIGHT)
        self._wrong = QtGui.QColor(style.ANSWER_WRONG)
        self._white = QtGui.QColor("#ffffff")

    # ------------------------------------------------------------------ public
    def set_counts(self, counts: np.ndarray | None, message: str = "") -> None:
        self.counts = counts
        self.message = message
        self.update()

    def set_selected(self, cell: tuple[int, int] | None) -> None:
        if cell != self.selected:
            self.selected = cell
            self.update()

    @property
    def n(self) -> int:
        return 10 if self.counts is None else int(self.counts.shape[0])

    def geometry_(self) -> tuple[float, float, float]:
        """``(x0, y0, cell)``: top-left of the grid and the side of one cell, in pixels."""
        fm = self.fontMetrics()
        n = self.n
        left = fm.height() + fm.horizontalAdvance("00") + 10
        top = fm.height() * 2 + 6
        right = fm.horizontalAdvance("100 %") + 10
        bottom = 4
        cell = max(4.0, min((self.width() - left - right) / n, (self.height() - top - bottom) / n))
        x0 = left + max(0.0, (self.width() - left - right - n * cell) / 2)
        return x0, float(top), cell

    def cell_rect(self, row: int, col: int) -> QtCore.QRectF:
        x0, y0, cell = self.geometry_()
        return QtCore.QRectF(x0 + col * cell, y0 + row * cell, cell, cell)

    def cell_at(self, pos: QtCore.QPointF) -> tuple[int, int] | None:
        x0, y0, cell = self.geometry_()
        c, r = math.floor((pos.x() - x0) / cell), math.floor((pos.y() - y0) / cell)
        return (r, c) if 0 <= r < self.n and 0 <= c < self.n else None

    def describe(self, row: int, col: int) -> str:
        if self.counts is None:
            return ""
        k = int(self.counts[row, col])
        total = int(self.counts[row].sum())
        share = f" ({100 * k / total:.1f} % of them)" if total else ""
        if row == col:
            return (f"{k:,} of the {total:,} test {row}s are answered {col}: right{share}.")
        return (f"{k:,} of the {total:,} test {row}s are answered {col}: mistakes{share}."
                + ("\nClick to see them in the gallery." if k else ""))

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        fm = self.fontMetrics()
        n = self.n
        x0, y0, cell = self.geometry_()
        side = n * cell
        fg, muted = QtGui.QColor(style.FOREGROUND), QtGui.QColor(style.MUTED)
        counts = self.counts
        valid = counts is not None

        # axis titles and digit labels
        p.setPen(fg)
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(QtCore.QRectF(x0 + side / 2 - self.width(), 0, 2 * self.width(), fm.height() + 2),
                   QtCore.Qt.AlignmentFlag.AlignCenter, "the network's answer →")
        p.save()
        p.translate(2, y0 + side / 2)
        p.rotate(-90)
        p.drawText(QtCore.QRectF(-side / 2, 0, side, fm.height() + 2),
                   QtCore.Qt.AlignmentFlag.AlignCenter, "← the true digit")
        p.restore()
        p.setFont(self.font())
        for k in range(n):
            p.drawText(QtCore.QRectF(x0 + k * cell, fm.height() + 2, cell, fm.height() + 2),
                       QtCore.Qt.AlignmentFlag.AlignCenter, str(k))
            p.drawText(QtCore.QRectF(fm.height() + 2, y0 + k * cell, fm.horizontalAdvance("00") + 4,
                                     cell), QtCore.Qt.AlignmentFlag.AlignCenter, str(k))
        p.setPen(muted)
        p.drawText(QtCore.QRectF(x0 + side + 4, fm.height() + 2, self.width() - x0 - side - 4,
                                 fm.height() + 2),
                   QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter, "right")

        # cells
        widest = "8888" if not valid or counts.max() >= 1000 else "888"
        key = (cell, widest, self.font().key())
        if getattr(self, "_cell_font", (None, None))[0] != key:  # (measured once per size)
            cell_font = QtGui.QFont(self.font())
            px = max(6, int(cell * 0.36))
            cell_font.setPixelSize(px)
            while px > 6 and QtGui.QFontMetrics(cell_font).horizontalAdvance(widest) > cell * 0.92:
                px -= 1
                cell_font.setPixelSize(px)
            self._cell_font = (key, cell_font)
        cell_font = self._cell_font[1]
        board = QtGui.QColor(style.BOARD)
        # (fills first, then the counts a pen colour at a time: few painter state changes)
        texts: dict[bool, list] = {True: [], False: []}  # white text? -> [(rect, text)]
        counts_l = counts.tolist() if valid else None
        empty = mix(board, self._white, 0.6)
        for r in range(n):
            row = counts_l[r] if valid else None
            total = sum(row) if valid else 0
            for c in range(n):
                rect = QtCore.QRectF(x0 + c * cell, y0 + r * cell, cell, cell)
                if not valid:
                    p.fillRect(rect, empty)
                    continue
                k = int(row[c])
                share = k / total if total else 0.0
                if r == c:
                    strength = 0.12 + 0.88 * share
                    colour = mix(self._white, self._right, strength)
                elif k:
                    strength = 0.15 + 0.85 * min(1.0, share / 0.2) ** 0.7
                    colour = mix(self._white, self._wrong, strength)
                else:
                    strength, colour = 0.0, self._white
                p.fillRect(rect, colour)
                if k or r == c:
                    texts[strength > 0.62].append((rect, f"{k}"))
        p.setFont(cell_font)
        for white, items in texts.items():
            if items:
                p.setPen(self._white if white else fg)
                for rect, text in items:
                    p.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, text)
        # grid
        p.setPen(QtGui.QPen(QtGui.QColor(GRID), 1))
        lines = []
        for k in range(n + 1):
            lines.append(QtCore.QLineF(x0 + k * cell, y0, x0 + k * cell, y0 + side))
            lines.append(QtCore.QLineF(x0, y0 + k * cell, x0 + side, y0 + k * cell))
        p.drawLines(lines)
        # the diagonal: outlined
        p.setPen(QtGui.QPen(mix(self._right, QtGui.QColor("#000000"), 0.35), 1.6))
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.drawRects([QtCore.QRectF(x0 + k * cell + 1, y0 + k * cell + 1, cell - 2, cell - 2)
                     for k in range(n)])
        # each row's share of right answers
        p.setFont(self.font())
        if valid:
            p.setPen(fg)
            for r in range(n):
                total = sum(counts_l[r])
                text = f"{100 * counts_l[r][r] / total:.0f} %" if total else "—"
                p.drawText(QtCore.QRectF(x0 + side + 4, y0 + r * cell, self.width(), cell),
                           QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
                           text)
        for cell_rc, colour, width in ((self._hover, "#555555", 1.5), (self.selected, "#111111", 3.0)):
            if cell_rc is not None:
                p.setPen(QtGui.QPen(QtGui.QColor(colour), width))
                r, c = cell_rc
                p.drawRect(QtCore.QRectF(x0 + c * cell, y0 + r * cell, cell, cell))
        if not valid and self.message:
            p.setPen(fg)
            p.setFont(self.font())
            p.drawText(QtCore.QRectF(x0, y0, side, side),
                       QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextWordWrap,
                       self.message)
        p.end()

    # ------------------------------------------------------------------ CellsWidget
    def cell_under(self, pos: QtCore.QPointF) -> tuple[int, int] | None:
        return self.cell_at(pos)

    def tip(self, cell: tuple[int, int]) -> str:
        return self.describe(*cell)

    def activate(self, cell: tuple[int, int]) -> None:
        self.cellClicked.emit(*cell)

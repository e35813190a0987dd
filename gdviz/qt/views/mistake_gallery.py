"""Thumbnails of the test digits the network gets wrong, most confident first."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui

from gdviz.qt import style

__all__ = ["GALLERY_MAX", "MistakeGallery"]

GALLERY_MAX = 24  # thumbnails shown at most
PINNED_BG = "#ffd36b"  # as the output panel's pin strip
PINNED_EDGE = "#b8860b"


@dataclass(frozen=True)
class _Thumb:
    index: int  # into the test set
    label: int
    top3: tuple[int, ...]
    acts: tuple[float, ...]
    image: QtGui.QImage


class MistakeGallery(style.CellsWidget):
    """Thumbnails of misclassified test digits; ``thumbnailClicked(test_index)``.

    Under each: "true 4 → said 9" and "0.83 · then 7, 4" (the answer's output
    and the next two guesses). As many as fit are shown (at most ``GALLERY_MAX``).
    """

    thumbnailClicked = QtCore.Signal(int)
    HAND = True

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[_Thumb] = []
        self.message = "computing…"
        self.pinned: int | None = None
        self._hover: int | None = None
        self.setMinimumSize(240, 150)

    # ------------------------------------------------------------------ public
    def set_items(self, indices, labels, top3, acts, images, message: str = "") -> None:
        """``indices`` (m,) test indices, ``labels`` (m,), ``top3``/``acts`` (m, 3),
        ``images`` (m, 784) uint8 (ink = high)."""
        items = []
        for i, lab, t3, a3, img in zip(indices, labels, top3, acts, images):
            h, w = style.image_shape(int(np.size(img)))
            ink = np.ascontiguousarray(255 - np.asarray(img, np.uint8).reshape(h, w))
            qimg = QtGui.QImage(ink.data, w, h, w, QtGui.QImage.Format.Format_Grayscale8).copy()
            items.append(_Thumb(int(i), int(lab), tuple(int(v) for v in t3),
                                tuple(float(v) for v in a3), qimg))
        self.items = items
        self.message = message
        self._hover = None
        self.update()

    def set_pinned(self, test_index: int | None) -> None:
        if test_index != self.pinned:
            self.pinned = test_index
            self.update()

    def layout_(self) -> tuple[int, int, int, int, int, float]:
        """``(cols, rows, thumb, cell_w, cell_h, x0)`` for the current size."""
        fm = self.fontMetrics()
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        text_w = max(fm.horizontalAdvance("true 8 → ") + QtGui.QFontMetrics(bold).horizontalAdvance("said 8"),
                     fm.horizontalAdvance("(0.88) then 8, 8")) + 14
        lines = 2 * fm.height() + 6
        n = max(1, min(len(self.items), GALLERY_MAX))
        W, H = max(1, self.width()), max(1, self.height())
        best = None
        for thumb in range(92, 43, -4):  # the largest thumbnails that show them all; else 44 px
            cell_w = max(thumb + 12, text_w)
            cell_h = thumb + lines + 8
            cols, rows = max(1, W // cell_w), max(1, H // cell_h)
            best = (cols, rows, thumb, cell_w, cell_h)
            if cols * rows >= n:
                break
        cols, rows, thumb, cell_w, cell_h = best
        cols = min(cols, n) if len(self.items) else cols
        x0 = max(0.0, (W - cols * cell_w) / 2)
        return cols, rows, thumb, cell_w, cell_h, x0

    @property
    def visible_count(self) -> int:
        cols, rows, *_ = self.layout_()
        return min(len(self.items), cols * rows, GALLERY_MAX)

    def cell_rect(self, k: int, lay=None) -> QtCore.QRect:
        cols, _, _, cell_w, cell_h, x0 = lay or self.layout_()
        r, c = divmod(k, cols)
        return QtCore.QRect(round(x0 + c * cell_w), r * cell_h, cell_w, cell_h)

    def thumbnail_rect(self, k: int, lay=None) -> QtCore.QRect:
        """Where the ``k``-th thumbnail's picture is drawn (widget pixels)."""
        lay = lay or self.layout_()
        _, _, thumb, cell_w, _, _ = lay
        cell = self.cell_rect(k, lay)
        return QtCore.QRect(cell.x() + (cell_w - thumb) // 2, cell.y() + 4, thumb, thumb)

    def item_at(self, pos: QtCore.QPointF) -> int | None:
        lay = self.layout_()
        cols, rows = lay[0], lay[1]
        for k in range(min(len(self.items), cols * rows, GALLERY_MAX)):
            if self.cell_rect(k, lay).contains(pos.toPoint()):
                return k
        return None

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        fg, muted = QtGui.QColor(style.FOREGROUND), QtGui.QColor(style.MUTED)
        wrong = QtGui.QColor(style.ANSWER_WRONG)
        fm = self.fontMetrics()
        if not self.items:
            p.setPen(muted)
            p.drawText(self.rect().adjusted(8, 8, -8, -8),
                       QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextWordWrap,
                       self.message)
            p.end()
            return
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        bold_fm = QtGui.QFontMetrics(bold)
        lay = self.layout_()  # (once per paint: it asks Qt for font metrics)
        font = self.font()
        # Boxes and pictures first, then the texts a font and pen at a time (few painter
        # state changes: each is a call into Qt).
        heads, tails, seconds, frames = [], [], [], []
        for k in range(min(len(self.items), lay[0] * lay[1], GALLERY_MAX)):
            it = self.items[k]
            cell = self.cell_rect(k, lay)
            box = cell.adjusted(2, 1, -2, -2)
            if it.index == self.pinned:
                p.setPen(QtGui.QPen(QtGui.QColor(PINNED_EDGE), 1.5))
                p.setBrush(QtGui.QColor(PINNED_BG))
                p.drawRoundedRect(QtCore.QRectF(box), 4, 4)
            elif k == self._hover:
                p.setPen(QtGui.QPen(QtGui.QColor("#9a9a9a"), 1))
                p.setBrush(QtGui.QColor("#f2f2f2"))
                p.drawRoundedRect(QtCore.QRectF(box), 4, 4)
            tr = self.thumbnail_rect(k, lay)
            p.drawImage(tr, it.image)
            frames.append(QtCore.QRectF(tr).adjusted(-0.5, -0.5, 0.5, 0.5))
            # line 1: "true 4 → said 9", the answer in the "wrong" colour
            y1 = tr.bottom() + 3
            head, tail = f"true {it.label} → ", f"said {it.top3[0]}"
            w_head = fm.horizontalAdvance(head)
            w_tail = bold_fm.horizontalAdvance(tail)
            x = cell.x() + (cell.width() - w_head - w_tail) / 2
            heads.append((QtCore.QRectF(x, y1, w_head + 2, fm.height()), head))
            tails.append((QtCore.QRectF(x + w_head, y1, w_tail + 4, fm.height()), tail))
            # line 2: its output and the next guesses
            nxt = ", ".join(str(d) for d in it.top3[1:])
            conf = f"{it.acts[0]:.2f}" if math.isfinite(it.acts[0]) else "?"
            seconds.append((QtCore.QRectF(cell.x(), y1 + fm.height(), cell.width(), fm.height() + 2),
                            f"({conf}) then {nxt}"))
        p.setPen(QtGui.QPen(wrong, 1.5))
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.drawRects(frames)
        left, centre = QtCore.Qt.AlignmentFlag.AlignLeft, QtCore.Qt.AlignmentFlag.AlignHCenter
        for f, pen, texts, align in ((font, fg, heads, left), (bold, wrong, tails, left),
                                     (font, muted, seconds, centre)):
            p.setFont(f)
            p.setPen(pen)
            for rect, text in texts:
                p.drawText(rect, align, text)
        p.end()

    def describe(self, k: int) -> str:
        it = self.items[k]
        guesses = ", ".join(f"{d} ({a:.2f})" for d, a in zip(it.top3[1:], it.acts[1:]))
        return (f"Test digit #{it.index}: it is a {it.label}, but the network said {it.top3[0]} "
                f"(output {it.acts[0]:.2f}).\nIts next guesses: {guesses}.\n"
                "Click to make it the current example (the output panel and the "
                "other tabs then show this digit).")

    # ------------------------------------------------------------------ CellsWidget
    def cell_under(self, pos: QtCore.QPointF) -> int | None:
        return self.item_at(pos)

    def tip(self, k: int) -> str:
        return self.describe(k)

    def activate(self, k: int) -> None:
        self.thumbnailClicked.emit(self.items[k].index)

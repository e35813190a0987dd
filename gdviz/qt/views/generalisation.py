"""Generalisation: does the network work on digits it has never trained on?

Four parts, one tab:

* a **confusion matrix** of the test set (row = the true digit, column = the
  network's answer, the count in each cell, the diagonal = right answers);
  click a cell to see those mistakes in the gallery;
* a **gallery of mistakes**, the most confident first, each with the true
  digit, the network's answer and its next two guesses; click one to make it
  the session's current example (``session.pin_example``);
* **training vs test accuracy** over the run (from the session's periodic
  evaluations), the gap between them shaded;
* one-click **experiments**: train on a small subset (more overfitting), with
  shuffled labels (only memorising is possible), and back to the full data.

The matrix and the mistakes come from a :class:`LatestJob` (never the GUI
thread): a private :class:`gdviz.core.Network` evaluates θ of the snapshot
(``Network.evaluate`` → ``confusion_matrix``, ``misclassified``) at most twice
a second while training, and at every new step while paused. While training
runs, ``render`` draws one of ``PARTS`` (the matrix, the gallery, the curve) per
call, only if it has something new, and the curve at most twice a second; a
stopped run draws everything at once, and a timer completes what is pending.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.core import Network
from gdviz.qt import style
from gdviz.qt.background import LatestJob
from gdviz.qt.views import LessonView
from gdviz.training.analysis import (
    Misclassified,
    accuracy_gap,
    confusion_matrix,
    misclassified,
    shuffled_labels_dataset,
    subset_dataset,
)
from gdviz.training.session import TRAIN_EVAL_MAX

__all__ = ["ConfusionMatrixWidget", "GeneralisationResult", "GeneralisationView", "MistakeGallery"]

GALLERY_MAX = 24  # thumbnails shown at most
UPDATE_INTERVAL = 0.5  # seconds between recomputations while training (≤ 2 Hz)
POLL_MS = 40  # how often a pending result is looked for when no render comes
SUBSET_SIZES = (500, 1000, 2000)
# What render draws, one part per call while training runs (all of them otherwise): each
# GUI frame pays for about a third of the view (the trainer holds the GIL between the GUI
# thread's calls into Qt and NumPy, so a whole-view frame kept the GUI thread busy for
# 20-30 ms); a timer draws the parts still pending when no newer snapshot follows.
PARTS = ("matrix", "gallery", "curve")
CATCH_UP_MS = 250
CURVE_INTERVAL = 0.5  # seconds between redraws of the accuracy curve while training
TRAIN_COLOUR = (33, 102, 172)  # as the cost panel: blue = training
TEST_COLOUR = (200, 30, 45)  # red = test
PINNED_BG = "#ffd36b"  # as the output panel's pin strip
PINNED_EDGE = "#b8860b"
GRID = "#d9d9d9"


def _mix(c0: QtGui.QColor, c1: QtGui.QColor, t: float) -> QtGui.QColor:
    t = min(1.0, max(0.0, t))
    return QtGui.QColor(round(c0.red() + (c1.red() - c0.red()) * t),
                        round(c0.green() + (c1.green() - c0.green()) * t),
                        round(c0.blue() + (c1.blue() - c0.blue()) * t))


def _axis_ceiling(x: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k that is ≥ x (steps the axis in small jumps)."""
    e = math.floor(math.log10(x))
    for f in (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if f * 10.0 ** e >= x:
            return f * 10.0 ** e
    return 10.0 ** (e + 1)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %" if math.isfinite(x) else "—"


# ============================================================================ the computation
@dataclass(frozen=True)
class GeneralisationResult:
    """What the background job found for one θ (all arrays read-only).

    ``counts`` (10, 10) the confusion matrix of the test set; ``accuracy`` its
    trace / total (= ``Network.evaluate``'s accuracy); ``mistakes`` every
    wrong test answer, most confident first; ``train_accuracy`` on the first
    ``TRAIN_EVAL_MAX`` training digits (as the session measures it).
    """

    token: int  # which dataset (context) it belongs to
    step: int
    run_id: int
    counts: np.ndarray
    accuracy: float
    test_cost: float
    train_accuracy: float
    mistakes: Misclassified
    finite: bool


class _Evaluator:
    """The job's function; owns a private Network (only the job thread touches it)."""

    def __init__(self):
        self._net: Network | None = None
        self._key = None

    def network(self, sizes, activation, cost_name) -> Network:
        key = (tuple(sizes), activation, cost_name)
        if key != self._key:
            self._net = Network(key[0], activation, cost_name)
            self._key = key
        return self._net

    def __call__(self, token, step, run_id, theta, sizes, activation, cost_name,
                 test_x, test_y, train_x, train_y) -> GeneralisationResult:
        net = self.network(sizes, activation, cost_name)
        with np.errstate(all="ignore"):
            test_cost, acc, preds = net.evaluate(test_x, test_y, theta=theta)
            counts = confusion_matrix(test_y, preds, n=sizes[-1])
            wrong = misclassified(net, theta, test_x, test_y, max_n=len(test_y))
            n_tr = min(TRAIN_EVAL_MAX, len(train_y))
            train_acc = (net.evaluate(train_x[:n_tr], train_y[:n_tr], theta=theta)[1]
                         if n_tr else float("nan"))
        return GeneralisationResult(token, step, run_id, counts, float(acc), float(test_cost),
                                    float(train_acc), wrong, bool(np.isfinite(theta).all()))


# ============================================================================ confusion matrix
class ConfusionMatrixWidget(QtWidgets.QWidget):
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
        self.setMouseTracking(True)
        self.setMinimumSize(230, 230)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)
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
        empty = _mix(board, self._white, 0.6)
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
                    colour = _mix(self._white, self._right, strength)
                elif k:
                    strength = 0.15 + 0.85 * min(1.0, share / 0.2) ** 0.7
                    colour = _mix(self._white, self._wrong, strength)
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
        p.setPen(QtGui.QPen(_mix(self._right, QtGui.QColor("#000000"), 0.35), 1.6))
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

    # ------------------------------------------------------------------ mouse
    def event(self, e) -> bool:
        if e.type() == QtCore.QEvent.Type.ToolTip:
            rc = self.cell_at(QtCore.QPointF(e.pos()))
            text = self.describe(*rc) if rc is not None else ""
            if text:
                QtWidgets.QToolTip.showText(e.globalPos(), text, self)
            else:
                QtWidgets.QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def mouseMoveEvent(self, e) -> None:
        rc = self.cell_at(e.position())
        if rc != self._hover:
            self._hover = rc
            self.update()

    def leaveEvent(self, _e) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()

    def mousePressEvent(self, e) -> None:
        if e.button() == QtCore.Qt.MouseButton.LeftButton:
            rc = self.cell_at(e.position())
            if rc is not None:
                self.cellClicked.emit(*rc)


# ============================================================================ gallery
@dataclass(frozen=True)
class _Thumb:
    index: int  # into the test set
    label: int
    top3: tuple[int, ...]
    acts: tuple[float, ...]
    image: QtGui.QImage


class MistakeGallery(QtWidgets.QWidget):
    """Thumbnails of misclassified test digits; ``thumbnailClicked(test_index)``.

    Under each: "true 4 → said 9" and "0.83 · then 7, 4" (the answer's output
    and the next two guesses). As many as fit are shown (at most ``GALLERY_MAX``).
    """

    thumbnailClicked = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[_Thumb] = []
        self.message = "computing…"
        self.pinned: int | None = None
        self._hover: int | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(240, 150)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)

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

    # ------------------------------------------------------------------ mouse
    def event(self, e) -> bool:
        if e.type() == QtCore.QEvent.Type.ToolTip:
            k = self.item_at(QtCore.QPointF(e.pos()))
            if k is not None:
                QtWidgets.QToolTip.showText(e.globalPos(), self.describe(k), self)
            else:
                QtWidgets.QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def mouseMoveEvent(self, e) -> None:
        k = self.item_at(e.position())
        if k != self._hover:
            self._hover = k
            self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor if k is not None
                           else QtCore.Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, _e) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()

    def mousePressEvent(self, e) -> None:
        if e.button() == QtCore.Qt.MouseButton.LeftButton:
            k = self.item_at(e.position())
            if k is not None:
                self.thumbnailClicked.emit(self.items[k].index)


# ============================================================================ the view
EXPECT = {
    "full": ("Training on all {n:,} training digits. Training and test accuracy rise together "
             "and stay close: what the network learns from these digits also works on digits "
             "it has never seen. That is generalising."),
    "subset": ("Training on only {n:,} digits (from step 0). Expect the training accuracy to "
               "climb higher than the test accuracy: the gap that opens is overfitting — "
               "the network partly memorises its few examples instead of learning what "
               "digits look like. Fewer digits, bigger gap. Press Run."),
    "shuffled": ("The {n:,} training labels are shuffled: a picture of a 3 may be labelled 7. "
                 "There is nothing general left to learn, so the network can only memorise: "
                 "training accuracy creeps up (faster with fewer digits), test accuracy stays "
                 "at about 10 % — guessing. Press Run."),
}


class GeneralisationView(LessonView):
    """Test-set confusion matrix, the most confident mistakes, the train/test gap,
    and overfitting experiments.

    Public API beyond :class:`LessonView`:

    * ``set_dataset_callback(fn)`` — ``fn(dataset)`` switches the window to a
      dataset (the experiments call it; without it ``session.set_dataset``).
    * ``ingest(snap)`` — cheap, no drawing: records the evaluations a snapshot
      carries. Call it for every snapshot (``render`` does it too) so the
      accuracy curve is complete even while this tab is hidden.
    * ``run_experiment(n, shuffled)`` — ``n`` training digits (None = all) of
      the full data, labels shuffled or not.
    * ``result`` — the :class:`GeneralisationResult` on show (or None).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self.window_set_dataset = None
        self.result: GeneralisationResult | None = None
        self._job = LatestJob(_Evaluator(), name="gdviz-generalisation")
        self._token = 0
        self._submitted_key = None
        self._last_submit = -math.inf
        self._shown_seq = -1
        self._snap = None
        self._filter: tuple[int, int] | None = None
        # the run's evaluations (accuracy curve)
        self._run_id = None
        self._seq = -1
        self._evals: list = []
        self._evals_changed = True
        self._x_top = None
        # experiments
        self._base = None  # the full dataset the experiments start from
        self._made: dict[tuple, object] = {}  # (n, shuffled) -> the dataset made for it
        self._exp: tuple[int | None, bool] = (None, False)
        self._part = None  # the part drawn last while running; None: draw all next time
        self._dirty: set[str] = set(PARTS)  # parts showing less than they should
        self._curve_drawn = -math.inf  # when (perf_counter) the curve was redrawn last
        self._build_ui()
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_result)
        self._catch_up = QtCore.QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.setInterval(CATCH_UP_MS)
        self._catch_up.timeout.connect(self._finish)
        self._apply_fonts()

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        lay = self.scrolling_body()
        self.title = QtWidgets.QLabel(
            "Does it work on digits it has never seen? The test digits are never trained on: "
            "they show whether the network learnt what digits look like, or only memorised "
            "its training examples.")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)

        top, bottom = QtWidgets.QHBoxLayout(), QtWidgets.QHBoxLayout()
        top.setSpacing(14)
        bottom.setSpacing(14)
        lay.addLayout(top, 5)
        lay.addLayout(bottom, 3)

        # ---- confusion matrix
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(2)
        self.matrix_title = QtWidgets.QLabel("Which digits does it confuse? (test set)")
        self.matrix_title.setWordWrap(True)
        self.matrix_note = QtWidgets.QLabel("…")
        self.matrix_note.setWordWrap(True)
        self.matrix = ConfusionMatrixWidget()
        self.matrix.setToolTip("")
        self.matrix_title.setToolTip(
            "A confusion matrix: each row is one true digit, each column one answer of the "
            "network. The numbers count test digits; the green diagonal counts right answers, "
            "the orange cells mistakes. Hover a cell for details, click it to see those mistakes.")
        self.matrix_note.setToolTip(self.matrix_title.toolTip())
        box.addWidget(self.matrix_title)
        box.addWidget(style.QuietLabel(self.matrix_note))
        box.addWidget(self.matrix, 1)
        top.addLayout(box, 4)

        # ---- gallery
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(2)
        head = QtWidgets.QHBoxLayout()
        self.gallery_title = QtWidgets.QLabel(
            "Its most confident mistakes — click one to make it the current example")
        self.gallery_title.setWordWrap(True)
        self.gallery_title.setToolTip(
            "Test digits the network gets wrong, those where its wrong answer's output is "
            "highest first. Click one: it becomes the current example, shown in the output "
            "panel and in the other tabs, so you can watch the network learn it.")
        self.show_all = QtWidgets.QPushButton("Show all mistakes")
        self.show_all.setToolTip("Stop filtering: show the most confident mistakes of every digit.")
        self.show_all.clicked.connect(lambda: self._set_filter(None))
        self.show_all.hide()
        head.addWidget(self.gallery_title, 1)
        head.addWidget(self.show_all, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.gallery_note = QtWidgets.QLabel("…")
        self.gallery_note.setWordWrap(True)
        self.gallery_note.setToolTip(self.gallery_title.toolTip())
        self.gallery = MistakeGallery()
        box.addLayout(head)
        box.addWidget(style.QuietLabel(self.gallery_note))
        box.addWidget(self.gallery, 1)
        top.addLayout(box, 5)

        # ---- accuracy gap
        box = QtWidgets.QVBoxLayout()
        box.setSpacing(2)
        r, g, b = TRAIN_COLOUR
        r2, g2, b2 = TEST_COLOUR
        self.gap_title = QtWidgets.QLabel(
            f"Accuracy on <span style='color: rgb({r},{g},{b})'>■ training digits</span> vs "
            f"<span style='color: rgb({r2},{g2},{b2})'>■ test digits</span>: "
            "a gap means memorising")
        self.gap_title.setWordWrap(True)
        self.gap_title.setToolTip(
            "Blue: the share of training digits the network gets right; red: the share of "
            "test digits (never trained on). Measured every so often during the run. "
            "The shaded band between them is the gap: the part of the training accuracy that "
            "does not carry over to new digits.")
        self.gap_note = QtWidgets.QLabel("…")
        self.gap_note.setWordWrap(True)
        self.gap_note.setToolTip(self.gap_title.toolTip())
        self.plot_canvas = style.plot_widget()
        self.plot_canvas.setMinimumHeight(110)
        self.plot_canvas.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                       QtWidgets.QSizePolicy.Policy.Ignored)
        self.plot_canvas.setToolTip(self.gap_title.toolTip())
        self.plot = self.plot_canvas.addPlot()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        style.fixed_view(self.plot.getViewBox())
        self.plot.setYRange(-4, 104, padding=0)
        self.plot.setXRange(0, 10, padding=0.02)
        self.plot.getAxis("left").setTicks([[(v, f"{v}") for v in (0, 25, 50, 75, 100)], []])
        self.plot.showGrid(y=True, alpha=0.15)
        self.plot.getAxis("left").setWidth(44)
        self.train_curve = self.plot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2))
        self.test_curve = self.plot.plot(pen=pg.mkPen(TEST_COLOUR, width=2))
        # The dots: a scatter per curve, its child (drawn above its line, as a PlotDataItem's
        # own symbols), that new measurements are appended to (setData would rebuild them all).
        self.train_dots = pg.ScatterPlotItem(symbol="o", size=5, brush=pg.mkBrush(TRAIN_COLOUR),
                                             pen=None)
        self.test_dots = pg.ScatterPlotItem(symbol="s", size=5, brush=pg.mkBrush(TEST_COLOUR),
                                            pen=None)
        self.train_dots.setParentItem(self.train_curve)
        self.test_dots.setParentItem(self.test_curve)
        self._n_dots = 0  # measurements in the dots
        self.gap_fill = pg.FillBetweenItem(self.train_curve, self.test_curve,
                                           brush=pg.mkBrush(200, 30, 45, 40))
        self.plot.addItem(self.gap_fill)
        # one path update per curve redraw (after the test curve), not one per curve
        self.train_curve.sigPlotChanged.disconnect(self.gap_fill.curveChanged)
        self.chance = pg.InfiniteLine(pos=10, angle=0, movable=False,
                                      pen=pg.mkPen(style.MUTED, width=1,
                                                   style=QtCore.Qt.PenStyle.DashLine),
                                      label="guessing: 10 %",
                                      labelOpts={"position": 0.92, "color": style.MUTED,
                                                 "anchors": [(1, 1), (1, 1)]})
        self.plot.addItem(self.chance)
        box.addWidget(self.gap_title)
        box.addWidget(self.plot_canvas, 1)
        box.addWidget(style.QuietLabel(self.gap_note))
        bottom.addLayout(box, 4)

        # ---- experiments
        frame = QtWidgets.QFrame()
        frame.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        frame.setObjectName("experiments")
        frame.setStyleSheet("QFrame#experiments { background: #f7f7f2; border: 1px solid #dddddd;"
                            " border-radius: 4px; }")
        box = QtWidgets.QVBoxLayout(frame)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(5)
        self.exp_title = QtWidgets.QLabel("Experiments: make it overfit (each one restarts "
                                          "training from step 0)")
        self.exp_title.setWordWrap(True)
        self.exp_title.setToolTip("Change what the network trains on and watch the two "
                                  "accuracies on the left. The test digits stay the same.")
        box.addWidget(self.exp_title)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(4)
        self.subset_label = QtWidgets.QLabel("Train on")
        row.addWidget(self.subset_label)
        self.size_group = QtWidgets.QButtonGroup(self)
        self.size_group.setExclusive(True)
        self.size_buttons: dict[int | None, QtWidgets.QPushButton] = {}
        for n in (*SUBSET_SIZES, None):
            b = QtWidgets.QPushButton(f"{n:,}" if n else "all")
            b.setCheckable(True)
            b.setToolTip(f"Train on a smaller subset: only {n:,} of the training digits (each digit "
                         f"in its usual proportion). Less data: more overfitting." if n else
                         "Train on all the training digits.")
            b.clicked.connect(lambda _=False, n=n: self.run_experiment(n, self._exp[1]))
            self.size_group.addButton(b)
            self.size_buttons[n] = b
            row.addWidget(b)
        self.digits_label = QtWidgets.QLabel("digits")
        row.addWidget(self.digits_label)
        row.addStretch(1)
        box.addLayout(row)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(4)
        self.shuffle_button = QtWidgets.QPushButton("Shuffle the labels")
        self.shuffle_button.setCheckable(True)
        self.shuffle_button.setToolTip(
            "Give every training digit a random label (the test labels stay true). "
            "Nothing general is left to learn: the network can only memorise.")
        self.shuffle_button.clicked.connect(lambda on: self.run_experiment(self._exp[0], bool(on)))
        self.back_button = QtWidgets.QPushButton("Back to the full data")
        self.back_button.setToolTip("All the training digits with their true labels, from step 0.")
        self.back_button.clicked.connect(lambda: self.run_experiment(None, False))
        row.addWidget(self.shuffle_button)
        row.addWidget(self.back_button)
        row.addStretch(1)
        box.addLayout(row)
        self.expect = QtWidgets.QLabel("")
        self.expect.setWordWrap(True)
        self.expect.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.expect.setToolTip("What to expect from the data the network trains on now.")
        box.addWidget(self.expect)
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.readout.setToolTip("The network right now: the share of training digits and of test "
                                "digits it gets right, and the difference between them.")
        box.addWidget(style.QuietLabel(self.readout))
        self.tip = QtWidgets.QLabel(
            "Try it: press 500, then Run for a few epochs and watch the blue line pull away "
            "from the red one. Then compare with 2,000 digits — more data, smaller gap.")
        self.tip.setWordWrap(True)
        self.tip.setStyleSheet(f"color: {style.MUTED};")
        self.tip.setToolTip("Each experiment restarts training from step 0 with the same settings.")
        box.addWidget(self.tip)
        box.addStretch(1)
        bottom.addWidget(frame, 5)

        for w in (self.matrix_note, self.gallery_note, self.gap_note):
            w.setStyleSheet(f"color: {style.MUTED};")
        self.matrix.cellClicked.connect(self._cell_clicked)
        self.gallery.thumbnailClicked.connect(self.pin_example)
        self._set_experiment_widgets()

    def _apply_fonts(self) -> None:
        base = self.font()
        self.title.setFont(style.rel_font(base, 1.1, bold=True))
        self.readout.setFont(style.rel_font(base, 1.35))
        for w in (self.matrix_title, self.gallery_title, self.gap_title, self.exp_title):
            w.setFont(style.rel_font(base, 1.0, bold=True))
        pt = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
        for side in ("left", "bottom"):
            style.style_axis(self.plot.getAxis(side), size=pt * 0.9)
        style.style_axis(self.plot.getAxis("left"), "accuracy %", size=pt * 0.9)
        style.style_axis(self.plot.getAxis("bottom"), "step", size=pt * 0.9)
        self.chance.label.setFont(style.rel_font(base, 0.85))
        self.plot.getAxis("left").setWidth(round(pt * 5.5))
        for lab in (self.readout, self.matrix_note, self.gallery_note, self.gap_note):
            box = lab.parentWidget()
            if isinstance(box, style.QuietLabel):  # another font: another height for the text
                box._h = None
                box.updateGeometry()

    def changeEvent(self, e) -> None:
        if e.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.ApplicationFontChange):
            self._apply_fonts()
        super().changeEvent(e)

    # ------------------------------------------------------------------ contract
    def set_context(self, session, dataset) -> None:
        changed = dataset is not self.dataset
        if session is not self.session:  # another session: its seq and run_id start again
            self._run_id, self._seq, self._evals = None, -1, []
            self._evals_changed = True
        super().set_context(session, dataset)
        if not changed:
            return
        mine = next((k for k, d in self._made.items() if d is dataset), None)
        if mine is not None:
            self._exp = mine
        else:  # a dataset from elsewhere: the new full data of the experiments
            self._base = dataset
            self._made = {}
            self._exp = (None, False)
        self._token += 1
        self._submitted_key = None
        self._filter = None
        self.result = None
        self.matrix.set_selected(None)
        self.matrix.set_counts(None, "computing…")
        self.gallery.set_items([], [], [], [], [], "computing…")
        self._set_experiment_widgets()
        if self._snap is not None:
            self._maybe_submit(self._snap)

    def set_dataset_callback(self, fn) -> None:
        """``fn(dataset)``: how the experiments switch the window's data (None: the session's)."""
        self.window_set_dataset = fn

    def render(self, snap) -> None:
        self._snap = snap
        self.ingest(snap)
        self._maybe_submit(snap)
        self._take_result()
        self._catch_up.stop()
        if snap.running and snap.step > 0 and self._part is not None:
            # While training runs, one part per call (the matrix, the gallery, the curve),
            # in turn: each part is redrawn VIEW_HZ / 3 times a second at most, and only
            # when it has something new. A stopped run and a run's first frame draw all.
            self._part = PARTS[(PARTS.index(self._part) + 1) % len(PARTS)]
            if self._part != "curve" or time.perf_counter() - self._curve_drawn >= CURVE_INTERVAL:
                self._draw_part(self._part)  # (the curve at ≤ 2 Hz: a new point or two each time)
            if self._dirty:
                self._catch_up.start()  # the others, if no newer snapshot comes
        else:
            self._part = PARTS[-1]
            self._finish()
        src = snap.example_source
        pinned = int(src.rsplit("#", 1)[1]) if src.startswith("test digit #") else None
        self.gallery.set_pinned(pinned)

    def shutdown(self) -> None:
        self._poll.stop()
        self._catch_up.stop()
        self._job.stop()

    def _draw_part(self, part: str) -> None:
        """Draw one of ``PARTS`` if it has something new to show."""
        if part not in self._dirty:
            return
        self._dirty.discard(part)
        if part == "matrix":
            self._show_matrix()
        elif part == "gallery":
            self._fill_gallery()
        else:
            self._curve_drawn = time.perf_counter()
            self._draw_curve()

    def _finish(self) -> None:
        """Draw every part still pending."""
        for part in PARTS:
            self._draw_part(part)

    # ------------------------------------------------------------------ commands
    def pin_example(self, test_index: int) -> None:
        """Make test digit ``test_index`` the session's current example."""
        if self.session is not None:
            self.session.pin_example(int(test_index))
        self.gallery.set_pinned(int(test_index))

    def run_experiment(self, n: int | None, shuffled: bool) -> None:
        """Train (from step 0) on ``n`` digits of the full data (None: all), labels
        shuffled or not."""
        base = self._base if self._base is not None else self.dataset
        if base is None:
            return
        if n is not None and n >= len(base.train_labels):
            n = None
        key = (n, bool(shuffled))
        if key == (None, False):
            ds = base
        else:
            ds = self._made.get(key)
            if ds is None:
                ds = subset_dataset(base, n) if n is not None else base
                if shuffled:
                    ds = shuffled_labels_dataset(ds)
                self._made[key] = ds
        self._exp = key
        if self.window_set_dataset is not None:
            self.window_set_dataset(ds)
        elif self.session is not None:
            self.session.set_dataset(ds)
        self.set_context(self.session, ds)  # (a no-op if the window already did it)
        self._set_experiment_widgets()

    def _set_experiment_widgets(self) -> None:
        base = self._base if self._base is not None else self.dataset
        n_all = len(base.train_labels) if base is not None else 0
        n, shuffled = self._exp
        for size, b in self.size_buttons.items():
            b.blockSignals(True)
            b.setChecked(size == n)
            b.blockSignals(False)
            if size is None:
                b.setText(f"all {n_all:,}" if n_all else "all")
            else:
                b.setEnabled(size < n_all)
        self.shuffle_button.blockSignals(True)
        self.shuffle_button.setChecked(shuffled)
        self.shuffle_button.blockSignals(False)
        changed = n is not None or shuffled
        self.back_button.setEnabled(changed)
        kind = "shuffled" if shuffled else ("subset" if n is not None else "full")
        count = n if n is not None else n_all
        self.expect.setText(EXPECT[kind].format(n=count) if base is not None else "")
        self.back_button.setToolTip("All the training digits with their true labels, from step 0."
                                    if changed else "Already training on the full data.")

    # ------------------------------------------------------------------ history of evaluations
    def ingest(self, snap) -> None:
        """Record the evaluations ``snap`` carries (cheap; safe for every snapshot)."""
        if snap.run_id != self._run_id:
            self._run_id = snap.run_id
            self._seq = -1
            self._evals = []
            self._evals_changed = True
            self._n_dots = -1  # the dots: all again
            self._dirty.add("curve")
        if snap.seq <= self._seq:
            return
        self._seq = snap.seq
        last = self._evals[-1].step if self._evals else -1
        for ev in (*snap.new_evals, snap.last_eval):
            if ev is not None and ev.step > last:
                self._evals.append(ev)
                last = ev.step
                self._evals_changed = True
                self._dirty.add("curve")

    @property
    def evaluations(self) -> tuple:
        """The run's evaluations the accuracy curve shows."""
        return tuple(self._evals)

    def _draw_curve(self) -> None:
        if not self._evals_changed:
            return
        self._evals_changed = False
        gap = accuracy_gap(self._evals)
        x = gap.step.astype(np.float64)
        tr = 100.0 * gap.train_accuracy
        te = 100.0 * gap.test_accuracy
        ok = np.isfinite(tr) & np.isfinite(te)
        self.train_curve.setData(x[ok], tr[ok])
        self.test_curve.setData(x[ok], te[ok])  # (updates the gap fill)
        xs, trs, tes = x[ok], tr[ok], te[ok]
        if self._n_dots < 0 or xs.size < self._n_dots:
            self.train_dots.setData(x=xs, y=trs)
            self.test_dots.setData(x=xs, y=tes)
        elif xs.size > self._n_dots:
            k = self._n_dots
            self.train_dots.addPoints(x=xs[k:], y=trs[k:])
            self.test_dots.addPoints(x=xs[k:], y=tes[k:])
        self._n_dots = int(xs.size)
        top = _axis_ceiling(max(10.0, float(x.max()) if x.size else 10.0) * 1.05)
        if top != self._x_top:
            self._x_top = top
            self.plot.setXRange(0, top, padding=0.02)
        self._update_gap_note()

    def _update_gap_note(self) -> None:
        res = self.result
        if res is not None and res.finite and math.isfinite(res.train_accuracy):
            r, g, b = TRAIN_COLOUR
            r2, g2, b2 = TEST_COLOUR
            gap = 100 * (res.train_accuracy - res.accuracy)
            self.readout.parentWidget().setText(
                f"Now: <b style='color: rgb({r},{g},{b})'>training {_pct(res.train_accuracy)}</b>"
                f" &nbsp; <b style='color: rgb({r2},{g2},{b2})'>test {_pct(res.accuracy)}</b>"
                f" &nbsp; gap <b>{gap:.1f}</b> points")
        else:
            self.readout.parentWidget().setText(" ")
        if self._evals:
            text = ("Each dot is one measurement during this run; the shaded band between the "
                    "lines is the gap.")
        else:
            text = "The curve starts at the next measurement (made every so often while training)."
        if self.gap_note.text() != text:
            self.gap_note.parentWidget().setText(text)

    # ------------------------------------------------------------------ background job
    def _maybe_submit(self, snap) -> None:
        ds = self.dataset
        if ds is None or snap.n_test != len(ds.test_labels) or snap.n_train != len(ds.train_labels):
            return  # the snapshot is from other data (a switch in progress)
        digest = hashlib.blake2b(snap.theta.tobytes(), digest_size=8).digest()
        key = (self._token, snap.run_id, snap.step, tuple(snap.sizes), snap.activation,
               snap.cost_name, digest)
        if key == self._submitted_key:
            return
        now = time.perf_counter()
        if snap.running and now - self._last_submit < UPDATE_INTERVAL and self.result is not None:
            return
        self._submitted_key = key
        self._last_submit = now
        self._job.submit(self._token, snap.step, snap.run_id, snap.theta, tuple(snap.sizes),
                         snap.activation, snap.cost_name, ds.test_images, ds.test_labels,
                         ds.train_images, ds.train_labels)
        if not self._poll.isActive():
            self._poll.start()

    def _take_result(self) -> bool:
        """Take a new result of the job, if there is one; its parts are then pending."""
        got = self._job.result()
        if not self._job.busy:
            self._poll.stop()
        if got is None or got[0] == self._shown_seq:
            return False
        self._shown_seq, res = got
        if res.token != self._token:
            return False
        self.result = res
        self._dirty.update(("matrix", "gallery"))
        return True

    def _poll_result(self) -> None:
        """The poll timer: a result that came between renders. While training runs
        the next render draws it (a part at a time); otherwise it is drawn now."""
        if not self._take_result():
            return
        snap = self._snap
        if snap is not None and snap.running and snap.step > 0 and self._part is not None:
            self._catch_up.start()  # if no render comes soon
        else:
            self._finish()

    def _show_result(self) -> None:
        """Take a new result and draw all it changes at once."""
        if self._take_result():
            self._finish()

    def _show_matrix(self) -> None:
        res = self.result
        if res is None:
            return
        n = int(res.counts.sum())
        if res.finite:
            right = int(np.trace(res.counts))
            self.matrix.set_counts(res.counts)
            self.matrix_note.parentWidget().setText(
                f"Test accuracy {_pct(res.accuracy)} ({right:,} of {n:,} right). The green "
                "diagonal counts right answers. Click a cell to see its mistakes.")
        else:
            self.matrix.set_counts(None, "The weights are not numbers (training diverged): "
                                         "the network has no answers.")
            self.matrix_note.parentWidget().setText("Restore the last good weights with a smaller η.")
        self._update_gap_note()

    # ------------------------------------------------------------------ gallery and filter
    def _cell_clicked(self, row: int, col: int) -> None:
        if row == col or self._filter == (row, col):
            self._set_filter(None)
        else:
            self._set_filter((row, col))

    def _set_filter(self, cell: tuple[int, int] | None) -> None:
        self._filter = cell
        self.matrix.set_selected(cell)
        self.show_all.setVisible(cell is not None)
        self._fill_gallery()

    def _fill_gallery(self) -> None:
        res, ds = self.result, self.dataset
        if res is None or ds is None:
            return
        if not res.finite:
            self.gallery.set_items([], [], [], [], [], "No answers to show: the weights are not numbers.")
            self.gallery_note.parentWidget().setText(" ")
            return
        m = res.mistakes
        sel = np.arange(m.indices.size)
        if self._filter is not None:
            r, c = self._filter
            sel = sel[(m.labels == r) & (m.top3[:, 0] == c)]
        sel = sel[:GALLERY_MAX]
        idx = m.indices[sel]
        if m.n_wrong == 0:
            empty = "No mistakes at all on the test set!"
        elif self._filter is not None:
            empty = f"No test {self._filter[0]} is answered {self._filter[1]}."
        else:
            empty = ""
        self.gallery.set_items(idx, m.labels[sel], m.top3[sel], m.top3_activations[sel],
                               ds.test_images[idx], empty)
        shown = min(len(idx), self.gallery.visible_count)
        if self._filter is not None:
            r, c = self._filter
            total = int(res.counts[r, c])
            self.gallery_note.parentWidget().setText(
                f"The test {r}s it calls {c}: {total:,}"
                + (f", the {shown} most confident shown." if shown < total else "."))
        else:
            self.gallery_note.parentWidget().setText(
                f"{m.n_wrong:,} of the {m.n:,} test digits are wrong; the {shown} it is surest "
                "about. Under each: its answer (and that output), then its next two guesses.")

    # ------------------------------------------------------------------ layout changes
    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        if self.result is not None:
            QtCore.QTimer.singleShot(0, self._fill_gallery)  # the note counts what fits

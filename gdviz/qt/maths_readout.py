"""The maths of the live panels with live numbers (#13): pointing at a hidden
neuron, an output bar or a weight shows its formula with the current numbers
in a card over the panel's plot; a click keeps it shown (a projector has no
hover the class can see) until a click elsewhere in the plots or Escape.

The card is re-evaluated from every snapshot the panel renders, so it follows
training. The numbers and words come from :mod:`gdviz.training.explain`; here
they are only placed: the card spans the plot's visible width, on the side of
the plot away from the item it explains, and never asks the panel to lay out
again (it is not in a layout).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.qt import fonts

__all__ = ["MathsCard", "MathsReadout", "MathsSelection", "CARD_PT"]

CARD_PT = 10.5  # the card's text size (presenter mode makes it 1.45 times larger)
SMALLEST = 7.5  # the smallest the card's text gets to fit in a small panel (times presenter's scale)
MARGIN = 3  # pixels between the card and the edge of the plot
MARKER = "#111111"  # outline of the selected item
RING_PAD, RING_PX = 2, 12  # the outline: pixels around the item, smallest size in pixels

Key = Hashable
#: ``(view box, rectangle in its data coordinates)`` of an item.
Outline = tuple[pg.ViewBox, QtCore.QRectF]


class MathsCard(QtWidgets.QLabel):
    """A word-wrapped plain-text card floating over a panel (mouse events pass through)."""

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.setObjectName("MathsCard")
        self.setFont(fonts.font(CARD_PT))
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setMargin(5)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel#MathsCard { background: #fffbea; color: #111111;"
                           " border: 1px solid #9c8a3c; border-radius: 3px; }")
        self.hide()


class MathsReadout(QtCore.QObject):
    """One panel's maths card and its selection.

    ``locate(scene_pos)`` names the item under a point of ``canvas``'s scene (any
    hashable key) or returns None; ``describe(snap, key)`` is the card's text for
    that item (None: no such item now); ``outline(key)`` is where the item is
    drawn, for the selection marker and to keep the card off it. The panel calls
    :meth:`refresh` with each snapshot it renders.
    """

    def __init__(self, panel: QtWidgets.QWidget, canvas: pg.GraphicsView,
                 locate: Callable[[QtCore.QPointF], Key | None],
                 describe: Callable[[object, Key], str | None],
                 outline: Callable[[Key], Outline | None]):
        super().__init__(panel)
        # Weak: the panel holds this read-out, which must not keep the panel alive (a
        # cycle is cleared by the garbage collector while Qt still sends it events).
        self._panel = weakref.ref(panel)
        self.canvas = canvas
        self._calls = tuple(weakref.WeakMethod(f) if hasattr(f, "__self__") else (lambda f=f: f)
                            for f in (locate, describe, outline))
        self.card = MathsCard(panel)
        self.snap = None
        self.hovered: Key | None = None
        self.selected: Key | None = None
        self.group: MathsSelection | None = None
        self._marker: QtWidgets.QGraphicsRectItem | None = None
        self._marker_vb: pg.ViewBox | None = None
        self._fits: dict[tuple, tuple[float, int]] = {}  # see _fit_font
        canvas.scene().sigMouseMoved.connect(self._moved)
        canvas.scene().sigMouseClicked.connect(self._clicked)
        canvas.viewport().installEventFilter(self)

    @property
    def panel(self) -> QtWidgets.QWidget:
        return self._panel()

    def _locate(self, pos):
        f = self._calls[0]()
        return None if f is None else f(pos)

    def _describe(self, snap, key):
        f = self._calls[1]()
        return None if f is None else f(snap, key)

    def _outline(self, key):
        f = self._calls[2]()
        return None if f is None else f(key)

    # ------------------------------------------------------------------ public
    def text(self) -> str:
        """The card's text, or "" when no card is shown."""
        return self.card.text() if not self.card.isHidden() else ""

    def forget(self) -> None:
        """Let go of the snapshot (the panel is hidden and the window moved to another run)."""
        self.snap = None

    def refresh(self, snap=None) -> None:
        """Show the card of the selected (else the hovered) item for ``snap`` (default: the last)."""
        if snap is not None:
            self.snap = snap
        self._show()

    def select(self, key: Key | None) -> None:
        """Keep ``key``'s card shown (None: let go)."""
        if key is not None and self.group is not None:
            self.group.selecting(self)
        self.selected = key
        self._show()

    def let_go(self) -> None:
        if self.selected is not None:
            self.selected = None
            self._show()

    # ------------------------------------------------------------------ events
    def _moved(self, pos) -> None:
        key = self._locate(pos)
        if key != self.hovered:
            self.hovered = key
            if self.selected is None:
                self._show()

    def _clicked(self, ev) -> None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        key = self._locate(ev.scenePos())
        if self.group is not None:
            self.group.selecting(self)  # a click anywhere in the plots lets go of the others
        self.selected = None if key is None or key == self.selected else key
        self._show()

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QtCore.QEvent.Type.Leave and self.hovered is not None:
            self.hovered = None
            if self.selected is None:
                self._show()
        return False

    # ------------------------------------------------------------------ drawing
    def _show(self) -> None:
        key = self.selected if self.selected is not None else self.hovered
        if key is None and self._marker is None and self.card.isHidden():
            return
        text = None if key is None or self.snap is None else self._describe(self.snap, key)
        if text is None and self.selected is not None:  # the item is gone (a new network)
            self.selected = None
            key = self.hovered
            text = None if key is None or self.snap is None else self._describe(self.snap, key)
        where = self._outline(key) if text is not None else None
        self._mark(where if self.selected is not None else None)
        if text is None:
            self.card.hide()
            return
        if text != self.card.text():
            self.card.setText(text)
        self._place(where)

    def _mark(self, where: Outline | None) -> None:
        """The selection marker: a dark outline around the selected item."""
        vb = None if where is None else where[0]
        if self._marker is not None and vb is not self._marker_vb:
            try:
                if self._marker.scene() is not None:
                    self._marker.scene().removeItem(self._marker)
            except RuntimeError:  # its view box was deleted with its plot
                pass
            self._marker = self._marker_vb = None
        if vb is None:
            return
        if self._marker is None:
            self._marker = QtWidgets.QGraphicsRectItem()
            self._marker.setPen(pg.mkPen(MARKER, width=3))
            self._marker.setBrush(QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
            self._marker.setZValue(50)
            vb.addItem(self._marker, ignoreBounds=True)
            self._marker_vb = vb
        rect = _ring(vb, where[1])
        if self._marker.rect() != rect:
            self._marker.setRect(rect)

    def _place(self, where: Outline | None) -> None:
        """The card across the plot's visible width, below or above the item it explains:
        over the plot if it fits there, else also over the panel's title, else on the
        side with more room."""
        panel, canvas = self.panel, self.canvas
        if panel is None:
            return
        seen = canvas.visibleRegion().boundingRect()
        if seen.isEmpty():
            seen = canvas.rect()
        top_left = canvas.mapTo(panel, seen.topLeft())
        shown = panel.visibleRegion().boundingRect()
        if shown.isEmpty():
            shown = panel.rect()
        top, bottom = shown.top() + MARGIN, shown.bottom() - MARGIN
        plot_top = max(top, top_left.y() + MARGIN)
        w = max(80, seen.width() - 2 * MARGIN)
        h = self._fit_font(w, bottom - top + 1)
        y = plot_top
        if where is not None:
            vb, rect = where
            item = canvas.mapFromScene(vb.mapViewToScene(_ring(vb, rect)).boundingRect()).boundingRect()
            item_top = canvas.mapTo(panel, item.topLeft()).y()
            item_bottom = canvas.mapTo(panel, item.bottomLeft()).y()
            below, above = bottom - h + 1, min(plot_top, item_top - h - 1)
            if below > item_bottom:
                y = below
            elif plot_top + h < item_top:
                y = plot_top
            elif above >= top:
                y = above
            elif bottom - item_bottom > item_top - top:
                y = below
        geometry = QtCore.QRect(top_left.x() + MARGIN, max(0, y), w, h)
        if geometry != self.card.geometry():
            self.card.setGeometry(geometry)
        if self.card.isHidden():
            self.card.raise_()
            self.card.show()

    def _fit_font(self, width: int, room: int) -> int:
        """The card's height at ``width`` in its normal size, or in a smaller one (down to
        ``SMALLEST``) when it would not fit in ``room`` pixels of height.

        Remembered per width, room, scale and length of text: the text changes with
        every snapshot, and measuring it in several sizes each time is not free."""
        card = self.card
        scale = fonts.font_scale()
        key = (width, room, scale, len(card.text()))
        pt, h = self._fits.get(key, (None, None))
        if pt is None:
            pt, smallest = CARD_PT * scale, SMALLEST * scale
            while True:
                self._set_pt(pt)
                h = card.heightForWidth(width)
                if h <= 0:
                    h = card.sizeHint().height()
                if h <= room or pt <= smallest:
                    break
                pt = max(smallest, pt * 0.9)
            if len(self._fits) > 256:
                self._fits.clear()
            self._fits[key] = (pt, h)
        self._set_pt(pt)
        return h

    def _set_pt(self, pt: float) -> None:
        if abs(self.card.font().pointSizeF() - pt) > 0.01:
            self.card.setFont(fonts.font(pt / fonts.font_scale()))


def _ring(vb: pg.ViewBox, rect: QtCore.QRectF) -> QtCore.QRectF:
    """``rect`` with a few screen pixels around it (the item's colour stays visible inside
    the marker), and at least ``RING_PX`` pixels wide and high (a single weight is tiny)."""
    sx, sy = (abs(v) for v in vb.viewPixelSize())
    if not (sx > 0 and sy > 0):
        return rect
    w = max(rect.width() + 2 * RING_PAD * sx, RING_PX * sx)
    h = max(rect.height() + 2 * RING_PAD * sy, RING_PX * sy)
    c = rect.center()
    return QtCore.QRectF(c.x() - w / 2, c.y() - h / 2, w, h)


class MathsSelection(QtCore.QObject):
    """The panels' read-outs together: one selection at a time, and Escape lets go of it.

    Escape is read by an event filter on the window (:meth:`watch`), not a shortcut:
    a shortcut would take Escape from a text field being edited (where it puts the
    old value back), and the window sees only the Escapes nobody else wanted.
    ``parent`` is the widget the panels are in: Escape acts while it is visible.
    """

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.readouts: list[MathsReadout] = []
        self._watched = None

    def watch(self, window: QtWidgets.QWidget) -> None:
        """Let go of the selection when Escape reaches ``window`` (once per window)."""
        if window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched = window

    def eventFilter(self, obj, ev) -> bool:
        if (ev.type() == QtCore.QEvent.Type.KeyPress and ev.key() == QtCore.Qt.Key.Key_Escape
                and self.selected() and self.parent().isVisible()):
            self.clear()
            return True
        return False

    def add(self, readout: MathsReadout) -> None:
        readout.group = self
        self.readouts.append(readout)

    def selecting(self, source: MathsReadout) -> None:
        """A click in ``source``'s plot: every other panel lets go of its selection."""
        for r in self.readouts:
            if r is not source:
                r.let_go()

    def clear(self) -> None:
        for r in self.readouts:
            r.let_go()

    def selected(self) -> list[tuple[MathsReadout, Key]]:
        return [(r, r.selected) for r in self.readouts if r.selected is not None]

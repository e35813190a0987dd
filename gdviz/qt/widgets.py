"""Small widgets the panels share: titles, notes, hover read-outs, a plot canvas
in the app's look, a colour bar, the weights / −∇C / Δθ switch, and a label
whose text changes every step without relaying out its view."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.palette import BACKGROUND, FOREGROUND, MUTED
from gdviz.qt.colours import apply_pyqtgraph_defaults, diverging_cmap
from gdviz.qt.fonts import base_font, font, style_axis
from gdviz.training.theta import MODES, check_mode

__all__ = ["ShortTitle", "MODE_LABELS", "MODE_TIPS", "MODE_SYMBOL", "MODE_BIAS_SYMBOL", "title_label", "heading",
           "note_label", "status_label", "words_label", "plot_widget", "fixed_view", "fixed_plot", "plot_grid",
           "colour_bar", "ModeSwitch", "header", "panel_layout", "spin_box", "alive", "QuietLabel", "CellsWidget"]

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


def title_label(text: str) -> QtWidgets.QLabel:
    """A panel's bold title (word-wrapped)."""
    lab = QtWidgets.QLabel(text)
    lab.setFont(font(10.5, bold=True))
    lab.setWordWrap(True)
    return lab


class ShortTitle(QtWidgets.QLabel):
    """A one-line title that gives way to a ``short`` form when the full one does not fit
    its width (the full title is then the tooltip); without a short form it wraps."""

    def __init__(self, text: str = "", short: str = ""):
        super().__init__()
        self.setFont(font(10.5, bold=True))
        self._full, self._short = text, short
        self._show()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self._show()

    def set_short(self, short: str) -> None:
        self._short = short
        self._show()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt's name
        if not self._short:
            return super().minimumSizeHint()
        fm = self.fontMetrics()
        return QtCore.QSize(fm.horizontalAdvance(self._short) + 4, fm.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show()

    def _show(self) -> None:
        short = bool(self._short) and (
            self.fontMetrics().horizontalAdvance(self._full) + 4 > self.contentsRect().width())
        text = self._short if short else self._full
        if self.wordWrap() != (not self._short):  # (setWordWrap relays the window out, even unchanged)
            self.setWordWrap(not self._short)
        if self.text() != text:
            super().setText(text)
        self.setToolTip(self._full if short else "")


def heading(text: str, tip: str = "", wrap: bool = False) -> QtWidgets.QLabel:
    """The bold heading of one part of a panel."""
    lab = QtWidgets.QLabel(text)
    lab.setFont(font(9.5, bold=True))
    lab.setWordWrap(wrap)
    if tip:
        lab.setToolTip(tip)
    return lab


def note_label(text: str = "", size: float = 8.5) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    lab.setFont(base_font(size))  # (made in presenter mode too: its size when shown again)
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


def words_label(size: float = 10.5, min_height: int = 0) -> QtWidgets.QLabel:
    """A word-wrapped rich-text label for the sentences a view writes under its plot."""
    lab = QtWidgets.QLabel(" ")
    lab.setFont(font(size))
    lab.setWordWrap(True)
    lab.setTextFormat(QtCore.Qt.TextFormat.RichText)
    if min_height:
        lab.setMinimumHeight(min_height)
    return lab


def plot_widget() -> pg.GraphicsLayoutWidget:
    """A pyqtgraph canvas in the app's look, without the default frame margins."""
    apply_pyqtgraph_defaults()
    w = pg.GraphicsLayoutWidget()
    # pyqtgraph caches each canvas's background in a pixmap of the canvas's size (4 bytes a pixel),
    # kept while the canvas is hidden: 8-12 such pixmaps, ~20 MB, sized by whatever the window last
    # was. Filling the background with its colour costs no more than copying that pixmap.
    w.setCacheMode(QtWidgets.QGraphicsView.CacheModeFlag.CacheNone)
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


def fixed_plot(canvas: pg.GraphicsLayoutWidget, bottom: str | None = None, left: str | None = None,
               *, tick_length: int = 4, **where) -> pg.PlotItem:
    """A plot added to ``canvas`` (at ``where``: row, col…) with no menu, no buttons and the
    range set by the panel (:func:`fixed_view`). An axis given a name (``""``: none) is
    styled with :func:`~gdviz.qt.fonts.style_axis`; an axis given None is left as it is."""
    plot = canvas.addPlot(**where)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    fixed_view(plot.getViewBox())
    for side, label in (("bottom", bottom), ("left", left)):
        if label is not None:
            style_axis(plot.getAxis(side), label or None, tick_length=tick_length)
    return plot


def plot_grid(canvas: pg.GraphicsLayoutWidget, axes, stretch, *, spacing: int, across: bool = True,
              tick_length: int = 4) -> tuple[pg.PlotItem, ...]:
    """:func:`fixed_plot` s in one row (``across``) or one column of ``canvas``: ``axes``
    names each plot's (bottom, left) axes, ``stretch`` its share of the row or column."""
    layout = canvas.ci.layout
    layout.setSpacing(spacing)
    share = layout.setColumnStretchFactor if across else layout.setRowStretchFactor
    plots = []
    for k, (names, part) in enumerate(zip(axes, stretch)):
        plots.append(fixed_plot(canvas, *names, tick_length=tick_length,
                                **({"row": 0, "col": k} if across else {"row": k, "col": 0})))
        share(k, part)
    return tuple(plots)


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
        """Check ``mode``'s button (no signal); a ValueError names the modes if it is none."""
        self.buttons[check_mode(mode)].setChecked(True)


def header(title: QtWidgets.QLabel,
           right: QtWidgets.QWidget | None = None) -> QtWidgets.QHBoxLayout:
    lay = QtWidgets.QHBoxLayout()
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(title, 1)
    if right is not None:
        lay.addWidget(right, 0, QtCore.Qt.AlignmentFlag.AlignTop)
    return lay


def panel_layout(widget: QtWidgets.QWidget, title: str = "", note: str = "") -> QtWidgets.QVBoxLayout:
    """``widget``'s vertical layout in the panels' margins, opening with a title and a
    note when given."""
    lay = QtWidgets.QVBoxLayout(widget)
    lay.setContentsMargins(6, 6, 6, 4)
    lay.setSpacing(3)
    if title:
        lay.addWidget(title_label(title))
    if note:
        lay.addWidget(note_label(note))
    return lay


def spin_box(lo: float, hi: float, value: float, *, decimals: int, step: float, prefix: str,
             tip: str) -> QtWidgets.QDoubleSpinBox:
    """A number box from ``lo`` to ``hi`` showing ``prefix`` before the number."""
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    box.setPrefix(prefix)
    box.setToolTip(tip)
    return box


def alive(widget: QtWidgets.QWidget) -> bool:
    """False once Qt has deleted ``widget`` (its Python wrapper outlives it)."""
    try:
        widget.isVisible()
        return True
    except RuntimeError:
        return False


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
        # Width: 0, not the label's (its width is fixed to ours, so the layout could never
        # narrow us again), but a ShortTitle's short form. Height: what the text needs at our
        # width (a layout that ignores heightForWidth, as a splitter's, still gives its lines).
        w = self.label.minimumSizeHint().width() if isinstance(self.label, ShortTitle) else 0
        return QtCore.QSize(w, max(self._h or 0, self.label.fontMetrics().height()))

    def heightForWidth(self, w: int) -> int:
        return self.label.heightForWidth(w)

    def resizeEvent(self, ev) -> None:
        self.label.setFixedSize(self.size())
        h = self.label.heightForWidth(self.width())
        if h != self._h:
            self._h = h
            self.updateGeometry()  # (another width, another number of lines)
        super().resizeEvent(ev)

    def setText(self, text: str) -> None:
        if self.label.text() == text:
            return
        self.label.setText(text)
        h = self.label.heightForWidth(self.width())
        if h != self._h:
            self._h = h
            self.updateGeometry()



class CellsWidget(QtWidgets.QWidget):
    """A painted widget of cells a person points at and clicks. It keeps ``_hover`` (the
    cell under the mouse, or None; repainted when it changes), shows ``tip(cell)`` as
    the tooltip and calls ``activate(cell)`` on a left click. A subclass implements
    ``cell_under(pos)``, ``tip`` and ``activate``; ``HAND`` shows a pointing hand over a cell."""

    HAND = False

    def __init__(self, parent=None):
        super().__init__(parent)
        self._hover = None
        self.setMouseTracking(True)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Expanding)

    def cell_under(self, pos: QtCore.QPointF):
        raise NotImplementedError

    def tip(self, cell) -> str:
        raise NotImplementedError

    def activate(self, cell) -> None:
        raise NotImplementedError

    def event(self, e) -> bool:
        if e.type() == QtCore.QEvent.Type.ToolTip:
            cell = self.cell_under(QtCore.QPointF(e.pos()))
            text = self.tip(cell) if cell is not None else ""
            if text:
                QtWidgets.QToolTip.showText(e.globalPos(), text, self)
            else:
                QtWidgets.QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def mouseMoveEvent(self, e) -> None:
        cell = self.cell_under(e.position())
        if cell != self._hover:
            self._hover = cell
            if self.HAND:
                self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor if cell is not None
                               else QtCore.Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, _e) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()

    def mousePressEvent(self, e) -> None:
        if e.button() == QtCore.Qt.MouseButton.LeftButton:
            cell = self.cell_under(e.position())
            if cell is not None:
                self.activate(cell)

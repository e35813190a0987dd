"""Fonts and axes: sizes that follow presenter mode's scale, and the look of a
pyqtgraph axis (outward ticks, readable tick font, integer ticks for cells)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdviz.palette import FOREGROUND

__all__ = ["font", "base_font", "scaled", "fit_width", "set_font_scale", "font_scale", "rel_font", "style_axis", "integer_ticks"]

#: Multiplies every size given to :func:`font` (presenter mode sets 1.45).
_FONT_SCALE = 1.0


def font(point_size: float = 9.0, bold: bool = False) -> QtGui.QFont:
    """A font of ``point_size`` points (times the presenter scale)."""
    f = QtGui.QFont()
    f.setPointSizeF(point_size * _FONT_SCALE)
    f.setBold(bold)
    return f


def base_font(point_size: float = 9.0) -> QtGui.QFont:
    """A font of ``point_size`` points whatever presenter mode's scale (for texts that keep
    their size: the explanatory notes, the value labels drawn side by side in a plot)."""
    f = QtGui.QFont()
    f.setPointSizeF(point_size)
    return f


def scaled(f: QtGui.QFont, factor: float) -> QtGui.QFont:
    """A copy of ``f`` ``factor`` times as large (at least 5 pt)."""
    g = QtGui.QFont(f)
    if g.pointSizeF() > 0:
        g.setPointSizeF(max(5.0, g.pointSizeF() * factor))
    elif g.pixelSize() > 0:
        g.setPixelSize(max(5, round(g.pixelSize() * factor)))
    return g



def font_scale() -> float:
    """The scale :func:`font` applies now (1.0, or presenter mode's)."""
    return _FONT_SCALE

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
            if w.property("gdviz_fit_text"):
                fit_width(w, w.property("gdviz_fit_text"), w.property("gdviz_min_width"))
    for gv in root.findChildren(pg.GraphicsView):
        for item in gv.scene().items():
            if isinstance(item, pg.AxisItem):
                f = item.style.get("tickFont") or QtWidgets.QApplication.font()
                item.setStyle(tickFont=scaled(f, factor))
            elif isinstance(item, QtWidgets.QGraphicsTextItem):
                item.setFont(scaled(item.font(), factor))


def fit_width(widget: QtWidgets.QWidget, text: str, at_least: int = 0) -> None:
    """Fix ``widget``'s width to hold ``text`` on one line in its font (at least ``at_least``
    px); :func:`set_font_scale` keeps it so when presenter mode changes the font."""
    widget.setProperty("gdviz_fit_text", text)
    widget.setProperty("gdviz_min_width", int(at_least))
    need = QtGui.QFontMetrics(widget.font()).horizontalAdvance(text) + 6
    widget.setFixedWidth(max(int(at_least), need))


def rel_font(base: QtGui.QFont, factor: float = 1.0, bold: bool = False) -> QtGui.QFont:
    """``base`` scaled by ``factor`` (so the app font — presenter mode — scales everything)."""
    f = QtGui.QFont(base)
    if base.pointSizeF() > 0:
        f.setPointSizeF(base.pointSizeF() * factor)
    elif base.pixelSize() > 0:
        f.setPixelSize(max(1, round(base.pixelSize() * factor)))
    f.setBold(bold)
    return f


def style_axis(axis: pg.AxisItem, label: str | None = None, size: float = 8.5,
               tick_length: int = 4) -> None:
    """Readable tick font and an optional label on a pyqtgraph axis.

    Ticks point outwards and there is no grid: an axis whose rectangle reaches
    into its plot is repainted with every data update (measured: about half of
    a frame's paint time). Use :func:`guide_lines` for reference lines.
    """
    axis.setStyle(tickFont=font(size), tickLength=tick_length, autoExpandTextSpace=True,
                  autoReduceTextSpace=False)
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


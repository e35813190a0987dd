"""Plot items of the One example view: its colour map, bars and heat images that skip
updates which change nothing, and plot titles that change often without a new layout."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from gdviz.qt import style

__all__ = ["Bars", "Heat", "same", "set_title", "set_y", "wish_cmap"]

_WISH_HEX = ["#a50026", "#d73027", "#f46d43", "#fdae61", "#fee08b", "#f7f7f7",
             "#d9ef8b", "#a6d96a", "#66bd63", "#1a9850", "#006837"]


def wish_cmap() -> pg.ColorMap:
    """Red (wants down) → near-white (no wish) → green (wants up)."""
    hexes = list(_WISH_HEX)
    hexes[4], hexes[6] = "#fddbc7", "#d9f0d3"  # no yellow tint near zero
    return pg.ColorMap(np.linspace(0, 1, len(hexes)), [pg.mkColor(h) for h in hexes])


def same(a, b) -> bool:
    """``a == b`` as one bool (False when they cannot be compared so)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class Bars(style.BarsItem):
    """:class:`~gdviz.qt.style.BarsItem` that also lists its brushes in ``opts["brushes"]``
    (as pyqtgraph's BarGraphItem does) and spans its plot's whole y range."""

    def setPositions(self, x) -> None:
        super().setPositions(x)
        self.opts["brushes"] = [QtGui.QBrush(c) if c is not None else QtGui.QBrush()
                                for c in self._colors]
        self._fit_x()

    def _fit_x(self, y0: float | None = None, y1: float | None = None) -> None:
        x = self.opts["x"]
        b = self.boundingRect()
        if y0 is None:
            y0, y1 = b.top(), b.bottom()
        if x.size:
            half = self.opts["width"] / 2.0 + (0.1 if self._pen is not None else 0.0)
            self.setBounds(QtCore.QRectF(float(x.min()) - half, y0,
                                         float(x.max() - x.min()) + 2 * half, y1 - y0))

    def paint(self, p, *args) -> None:
        if self._pen is None:
            super().paint(p, *args)
            return
        # Outlines: also the zero-height ones, a dashed line on the axis (as BarGraphItem).
        p.setPen(self._pen)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        half = self.opts["width"] / 2.0
        for xi, hi in zip(self.opts["x"].tolist(), self.opts["height"].tolist()):
            p.drawRect(QtCore.QRectF(xi - half, min(0.0, hi), 2 * half, abs(hi)))

    def set_bars(self, height, colours=None) -> None:
        qc = [QtGui.QColor(c) for c in colours] if colours else None
        if self.setData(height, qc) and qc is not None:
            self.opts["brushes"] = [QtGui.QBrush(c) for c in qc]


def set_y(plot, y0: float, y1: float, *bars: Bars) -> None:
    """The plot's y range, and the area its bars may cover."""
    plot.setYRange(y0, y1, padding=0)
    for b in bars:
        b._fit_x(float(y0), float(y1))


class Heat(style.HeatImage):
    """:class:`~gdviz.qt.style.HeatImage` that can also show nothing."""

    def clear(self) -> None:
        self.setImage(np.zeros((0, 0), dtype=np.float32))


def _recentre(lab: pg.LabelItem) -> None:
    """Centre a title's text in its box, as ``LabelItem.resizeEvent`` does for a centred
    label, without its ``updateMin``, which relays the plot out even when nothing grew."""
    lab.item.setPos(0, 0)
    bounds = lab.itemRect()
    bounds.moveCenter(lab.rect().center())
    lab.item.setPos(bounds.topLeft() - lab.itemRect().topLeft())


def set_title(memo: dict, plot, text: str, color: str) -> None:
    """A plot title whose text changes often: re-lays out the plot only when it must grow.
    ``memo`` remembers the colour each title was set with."""
    lab = plot.titleLabel
    if lab.text == text and plot.titleLabel.isVisible():
        return
    if lab.text is None or not plot.titleLabel.isVisible() or memo.get(id(lab)) != color:
        memo[id(lab)] = color
        plot.setTitle(text, size="8.5pt", color=color)
        return
    old = lab.text
    lab.text = text
    lab.item.setHtml(f"<span style='color: {pg.mkColor(color).name(QtGui.QColor.NameFormat.HexArgb)}; "
                     f"font-size: 8.5pt'>{text}</span>")
    br = lab.item.boundingRect()
    if br.width() > lab.minimumWidth() or br.height() > lab.minimumHeight():
        lab.text = old
        plot.setTitle(text, size="8.5pt", color=color)
    else:
        _recentre(lab)  # centred again, same size

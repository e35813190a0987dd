"""Markers painted by Qt alone: the step-size view's η and best-step markers
(PixelMarker) and PathCurve's round dots. A ScatterPlotItem ran ~0.3 ms of Python at
every paint of its plot; these must still be drawn where the data says."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

from gdviz.qt.plot_items import PathCurve, PixelMarker  # noqa: E402
from qt_helpers import pixels  # noqa: E402

RED = (255, 0, 0)


def _plot(qtbot):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(300, 300)
    w.setBackground("w")
    w.hideAxis("left")
    w.hideAxis("bottom")
    w.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    w.show()
    qtbot.waitExposed(w)
    return w


def _reddish_at(w, x: float, y: float, right: int = 0, down: int = 0) -> bool:
    """Is the pixel at data point (x, y), moved ``right`` and ``down`` screen pixels, red?"""
    QtWidgets.QApplication.processEvents()
    px = pixels(w)
    pt = w.mapFromScene(w.getPlotItem().vb.mapViewToScene(QtCore.QPointF(x, y)))
    b, g, r = (int(v) for v in px[pt.y() + down, pt.x() + right])  # (B, G, R: the bytes of Format_RGB32)
    return r > 200 and g < 80 and b < 80


def _dotted_curve(qtbot, symbol: str, size: float):
    """A plot and, in it, a PathCurve drawing only red ``symbol`` markers of ``size`` px."""
    w = _plot(qtbot)
    curve = PathCurve(None, symbol=symbol, symbolSize=size, symbolBrush=RED, symbolPen=None)
    w.addItem(curve, ignoreBounds=True)
    curve.attach(w.getPlotItem().vb)
    return w, curve


def test_pixel_marker_has_no_python_paint():
    assert "paint" not in PixelMarker.__dict__
    assert "boundingRect" not in PixelMarker.__dict__
    assert issubclass(PixelMarker, QtWidgets.QGraphicsPathItem)


@pytest.mark.parametrize("symbol", ["o", "star"])
def test_pixel_marker_is_drawn_at_its_point_and_hidden_without_one(qtbot, symbol):
    w = _plot(qtbot)
    m = PixelMarker(16, symbol, pen=None, brush=RED)
    w.getPlotItem().vb.addItem(m, ignoreBounds=True)
    assert not _reddish_at(w, 3, 7)
    m.setData([3.0], [7.0])
    assert _reddish_at(w, 3, 7)
    assert not _reddish_at(w, 7, 3)
    x, y = m.getData()
    assert (x.tolist(), y.tolist()) == ([3.0], [7.0])
    m.setData([7.0], [3.0])
    assert _reddish_at(w, 7, 3) and not _reddish_at(w, 3, 7)
    m.setData([], [])
    assert not _reddish_at(w, 7, 3)
    m.setData([np.nan], [1.0])  # a point off the plot's numbers is not drawn
    assert not m.isVisible()


@pytest.mark.parametrize("symbol", ["o", "s"])
def test_dots_of_a_path_curve_are_drawn_in_its_own_paint(qtbot, symbol):
    w, curve = _dotted_curve(qtbot, symbol, 8)
    curve.setData([2.0, 5.0, 8.0], [2.0, np.nan, 8.0])
    assert _reddish_at(w, 2, 2) and _reddish_at(w, 8, 8)
    assert not _reddish_at(w, 5, 5)  # between the dots: no line (no pen), no dot at NaN
    assert not [it for it in w.scene().items() if isinstance(it, pg.ScatterPlotItem)]
    curve.setSymbol(None)
    assert not _reddish_at(w, 2, 2)
    curve.setSymbol(symbol)
    assert _reddish_at(w, 8, 8)


@pytest.mark.parametrize("symbol, corner_red", [("o", False), ("s", True)])
def test_square_dots_have_corners_and_round_ones_do_not(qtbot, symbol, corner_red):
    w, curve = _dotted_curve(qtbot, symbol, 12)
    curve.setData([5.0], [5.0])
    assert _reddish_at(w, 5, 5, right=5, down=5) == corner_red  # 5 px right and down: a corner


@pytest.mark.parametrize("symbol", ["o", "s"])
def test_a_lone_dot_at_x_zero_is_drawn(qtbot, symbol):
    """The untrained network's one evaluation sits at step 0: its dot must show."""
    w, curve = _dotted_curve(qtbot, symbol, 8)
    w.setRange(xRange=(-1, 9), yRange=(0, 10), padding=0)
    curve.setData([0.0], [2.4])
    assert _reddish_at(w, 0, 2.4)

"""The live tab on a small projector: axis titles give way to short titles (not "…"),
the output panel's charts take the room first when it is short (no legend line, no
duplicate digit row, no pin strip), and presenter mode (F5) gives the output panel
more of its column, then gives it back."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gdviz.qt import axis_fit, colours  # noqa: E402
from gdviz.qt.output import COMPACT_PX, LEGEND, STRIP_CANVAS_PX, OutputPanel  # noqa: E402
from layout_check import elided_title  # noqa: E402
from qt_helpers import trained  # noqa: E402


def _drawn(axis: pg.AxisItem) -> str:
    return axis.label.toPlainText().strip()


def test_a_short_title_replaces_an_elided_one_and_the_full_one_comes_back(qtbot):
    colours.apply_pyqtgraph_defaults()
    canvas = pg.GraphicsLayoutWidget()
    qtbot.addWidget(canvas)
    plot = canvas.addPlot()
    axis = plot.getAxis("left")
    axis_fit.set_short_titles(axis, "output a", "a")
    plot.setLabel("left", "output a")
    canvas.resize(300, 300)
    canvas.show()
    QApplication.processEvents()
    assert _drawn(axis) == "output a" and axis.label.toolTip() == ""
    canvas.resize(300, 62)
    QApplication.processEvents()
    assert _drawn(axis) == "a" and axis.label.toolTip() == "output a"
    assert elided_title(axis) is None
    # without a short title the checker calls the elided one clipped
    plot.setLabel("left", "a title with no short form")
    QApplication.processEvents()
    assert "…" in _drawn(axis) or _drawn(axis) == ""
    assert "drawn as" in elided_title(axis)
    plot.setLabel("left", "output a")
    canvas.resize(300, 300)
    QApplication.processEvents()
    assert _drawn(axis) == "output a"


def test_output_panel_gives_a_short_chart_area_to_the_bars(qtbot, tiny):
    _, snap = trained(tiny)
    p = OutputPanel()
    qtbot.addWidget(p)
    p.set_test_digits(tiny.test_images, tiny.test_labels)
    p.resize(620, 560)
    p.show()
    qtbot.waitExposed(p)
    p.render(snap)
    QApplication.processEvents()
    assert p.canvas.height() >= COMPACT_PX
    assert p.out_plot.titleLabel.text == LEGEND and p.canvas.toolTip() == ""
    assert p.out_plot.getAxis("bottom").style["showValues"]
    assert p.pin_box.isVisible()
    tall_bars = p.out_plot.getViewBox().height()

    for _ in range(2):  # (the second time, without the strip's minimum height)
        p.resize(620, 280)  # a projector's share of the window
        QApplication.processEvents()
    assert p.canvas.height() < COMPACT_PX
    assert not p.pin_box.isVisible()  # the strip gave way before the charts went under their floor
    assert p.out_plot.titleLabel.text in ("", None) or not p.out_plot.titleLabel.isVisible()
    assert "desired output" in p.canvas.toolTip()
    assert not p.out_plot.getAxis("bottom").style["showValues"]  # the (a − y)² chart names the digits
    assert p.term_plot.getAxis("bottom").style["showValues"]
    assert p.term_plot.getViewBox().height() < p.out_plot.getViewBox().height()

    p.resize(620, 560)
    QApplication.processEvents()
    assert p.out_plot.titleLabel.text == LEGEND and p.pin_box.isVisible()
    assert p.canvas.height() >= STRIP_CANVAS_PX
    assert abs(p.out_plot.getViewBox().height() - tall_bars) <= 2



"""The 1-D and 2-D intuition views, driven by mouse and keyboard: each step is
exactly η·slope (η·∇C), a click starts elsewhere, a large η says it diverges."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from gdviz.qt.views import create_view
from gdviz.training.intuition import BOWLS, CURVE

LEFT = QtCore.Qt.MouseButton.LeftButton


def shown(qtbot, name):
    v = create_view(name)
    qtbot.addWidget(v)
    v.resize(1000, 650)
    v.show()
    qtbot.waitExposed(v)
    return v


def click_plot_at(view, x, y):
    """A left click on the plot where the data point (x, y) is drawn."""
    vb = view.plot.getViewBox()
    scene = vb.mapViewToScene(QtCore.QPointF(x, y))
    pos = view.canvas.mapFromScene(scene)
    QTest.mouseClick(view.canvas.viewport(), LEFT, QtCore.Qt.KeyboardModifier.NoModifier, pos)


def type_into(spin, text):
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, QtCore.Qt.Key.Key_Return)


def test_curve_steps_are_eta_times_the_slope(qtbot):
    v = shown(qtbot, "curve")
    type_into(v.lr_spin, "0.2")
    x0 = float(v.path.points[-1, 0])
    for _ in range(5):
        QTest.mouseClick(v.step_button, LEFT)
    x = v.path.points[:, 0]
    assert v.path.steps == 5
    np.testing.assert_array_equal(x[1:], x[:-1] - 0.2 * CURVE.slope(x[:-1]))
    assert x[0] == x0
    assert "5 steps so far" in v.words.text()
    v.shutdown()


def test_a_click_on_the_curve_starts_there_and_reaches_another_valley(qtbot):
    v = shown(qtbot, "curve")
    click_plot_at(v, -3.2, float(CURVE.cost(-3.2)))
    assert v.option("start") == pytest.approx(-3.2, abs=0.05)
    assert v.path.steps == 0
    for _ in range(60):
        QTest.mouseClick(v.step_button, LEFT)
    assert float(v.path.points[-1, 0]) == pytest.approx(CURVE.minima()[0], abs=0.01)
    v.shutdown()


def test_a_huge_eta_diverges_and_says_so(qtbot):
    v = shown(qtbot, "curve")
    v.set_option("lr", 4.0)
    assert "too large" in v.words.text()  # read before any step: η past 2/C″
    for _ in range(40):
        QTest.mouseClick(v.step_button, LEFT)
    assert v.path.diverged
    assert "flies off" in v.words.text()
    QTest.mouseClick(v.again_button, LEFT)
    assert not v.path.diverged and v.path.steps == 0
    v.shutdown()


def test_rolling_steps_by_itself_and_stops_at_the_bottom(qtbot):
    v = shown(qtbot, "curve")
    v.set_option("lr", 0.35)
    QTest.mouseClick(v.roll_button, LEFT)
    assert v.roll_button.isChecked()
    qtbot.waitUntil(lambda: not v.roll_button.isChecked(), timeout=30000)
    assert float(v.path.points[-1, 0]) == pytest.approx(CURVE.valley_of(1.0), abs=1e-3)
    v.shutdown()


def test_bowl_steps_are_eta_times_the_gradient_and_the_valley_zigzags(qtbot):
    v = shown(qtbot, "bowl")
    v.bowl_box.setFocus()
    QTest.keyClick(v.bowl_box, QtCore.Qt.Key.Key_Down)  # the narrow valley
    assert v.option("bowl") == "valley"
    type_into(v.lr_spin, "0.12")
    for _ in range(12):
        QTest.mouseClick(v.step_button, LEFT)
    bowl, p = BOWLS["valley"], v.path.points
    np.testing.assert_array_equal(p[1:], [q - 0.12 * bowl.gradient(q) for q in p[:-1]])
    d = np.diff(p, axis=0)
    assert np.sum(np.einsum("ij,ij->i", d[1:], d[:-1]) < 0) >= 8  # wall to wall
    v.shutdown()


def test_bowl_click_starts_there_and_past_two_over_lambda_it_diverges(qtbot):
    v = shown(qtbot, "bowl")
    v.set_option("bowl", "valley")
    click_plot_at(v, 1.5, -1.0)
    np.testing.assert_allclose(v.path.points[0], [1.5, -1.0], atol=0.05)
    v.set_option("lr", 0.14)  # 2/15 = 0.133
    assert "too large" in v.words.text()
    for _ in range(200):
        QTest.mouseClick(v.step_button, LEFT)
        if v.path.diverged:
            break
    assert v.path.diverged and "flies out" in v.words.text()
    v.shutdown()

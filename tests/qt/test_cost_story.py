"""The cost plot tells the story from step 0 (driven by keys on the real window): the untrained
network's cost is a point, one step draws something, the first costs are in range, and the
smoothed line starts from the data."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt

from qt_helpers import key, pixels

WAIT = 15_000


def colour_pixels(widget, rgb, tol=12) -> int:
    px = pixels(widget).astype(int)[..., ::-1]  # (Format_RGB32 is B, G, R in memory)
    return int((np.abs(px - np.array(rgb)).max(axis=2) <= tol).sum())


def test_the_cost_plot_tells_the_story_from_step_0(qtbot, window, tmp_path):
    from gdviz.qt import cost_panel as cp_mod

    panel = window.cost_panel
    # step 0: the untrained network's cost is a point (its evaluation at step 0)
    qtbot.waitUntil(lambda: panel.evals.n == 1, timeout=WAIT)
    x, y = panel.test_cost_curve.getData()
    assert list(x) == [0.0] and 2.0 < y[0] < 3.0
    assert panel.test_cost_curve.opts["symbol"] is not None
    top = panel.cost_plot.vb.viewRange()[1][1]
    assert top >= y[0]
    assert "(step 0)" in window.status.accuracy.text()
    qtbot.waitUntil(lambda: colour_pixels(panel.graphics, cp_mod.TEST) > 5, timeout=WAIT)

    # one step (→): something is drawn for it
    key(qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: panel.steps.n == 1, timeout=WAIT)
    window.render(window.last_snapshot)
    assert panel.raw_curve.opts["symbol"] == "o"
    qtbot.waitUntil(lambda: colour_pixels(panel.graphics, cp_mod.RAW_DOT) > 5, timeout=WAIT)
    first_cost = float(panel.steps.view("cost")[0])
    assert panel.steps.view("ema")[0] == pytest.approx(first_cost)  # the smoothed line starts at the data
    panel.window().grab().save(str(tmp_path / "one-step.png"))

    # a run: the first costs (~2.4) stay in range while the cost falls
    window.controls.set_pace(0.0)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.last_snapshot.step > 300, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.session.busy and not window.last_snapshot.running, timeout=WAIT)
    window.render(window.last_snapshot)
    costs, smooth = panel.steps.view("cost"), panel.steps.view("ema")
    assert panel.cost_plot.vb.viewRange()[1][1] >= max(costs[:5].max(), 2.0)
    assert smooth[-1] < smooth[0]  # it learned
    # never above every point: each smoothed value lies within the costs seen so far
    running_max = np.maximum.accumulate(costs)
    assert np.all(smooth <= running_max + 1e-9)
    assert panel.raw_curve.opts["symbol"] is None  # a long run is a line again

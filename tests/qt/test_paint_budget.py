"""What a frame of the live panels may cost, in counts (never in time): changing colour
levels does not lay the deeper layers' plots out again, and while training their colour
bar's ticks are rebuilt at most once per BarSync interval."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtWidgets  # noqa: E402

from gdviz.qt.deeper_layers import DeeperLayersPanel  # noqa: E402
from qt_helpers import settle  # noqa: E402
from gdviz.training.config import TrainConfig  # noqa: E402
from gdviz.training.session import TrainingSession  # noqa: E402


def snaps(dataset, n: int) -> list:
    s = TrainingSession(dataset, TrainConfig())
    out = []
    for _ in range(n):
        s.train_step()
        out.append(s.snapshot())
    return out


def test_deeper_layers_new_levels_do_not_relayout_the_plots(qtbot, tiny, monkeypatch):
    import pyqtgraph as pg

    rebuilt = []
    orig = pg.AxisItem.generateDrawSpecs
    monkeypatch.setattr(pg.AxisItem, "generateDrawSpecs", lambda self, p: rebuilt.append(self) or orig(self, p))
    p = DeeperLayersPanel()
    qtbot.addWidget(p)
    p.resize(620, 360)
    p.show()
    qtbot.waitExposed(p)
    p.setMode("gradient")  # the gradient's scale changes with every mini-batch
    frames = snaps(tiny, 12)
    p.render(frames[0])
    p.grab()  # every axis drawn once: what a frame may rebuild is counted from here
    settle(qtbot, rebuilt)  # (the first layout, and the colour bar's column fitted after it)
    moved = []
    for plot in p.plots:
        plot.geometryChanged.connect(lambda: moved.append(1))
    rebuilt.clear()
    shown = []
    for snap in frames[1:]:  # paused: the bar follows every new scale at once
        p.render(snap)
        QtWidgets.QApplication.processEvents()
        shown.append(p.bar.levels())
    assert len(set(shown)) > 3  # the levels did change ...
    assert moved == []  # ... and the matrices were not laid out again
    plot_axes = {id(plot.getAxis(s)) for plot in p.plots for s in ("left", "bottom")}
    assert not [a for a in rebuilt if id(a) in plot_axes]
    # Training: the bar's ticks at most once per interval, however fast the frames come.
    rebuilt.clear()
    from dataclasses import replace

    start = time.monotonic()
    for snap in frames[1:]:
        p.render(replace(snap, running=True))
        QtWidgets.QApplication.processEvents()
    intervals = (time.monotonic() - start) / p._bar_sync.interval  # (a loaded machine may span several)
    assert len([a for a in rebuilt if a is p.bar.axis]) <= 1 + int(intervals)
    assert np.isfinite(p.images[0][0].getLevels()).all()

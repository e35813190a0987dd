"""The cost panel's per-frame cost: throttled redraws while training, and
level-of-detail curves whose tail is drawn from the finer pyramid levels."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest


def snap(seq, start, k, *, running=True, run_id=1, evals=()):
    steps = np.arange(start, start + k, dtype=np.int64)
    rng = np.random.default_rng(seq)
    return SimpleNamespace(run_id=run_id, seq=seq, step=int(steps[-1]), epoch=0,
                           epoch_fraction=int(steps[-1]) * 10 / 8000, batch_size=10, n_train=8000,
                           optimizer="sgd", new_steps=steps, new_costs=rng.random(k) + 0.5,
                           new_epoch_costs=(), new_evals=tuple(evals), running=running)


@pytest.fixture
def panel(qtbot):
    from gdviz.qt.cost_panel import CostPanel

    cp = CostPanel()
    qtbot.addWidget(cp)
    cp.resize(1000, 300)
    cp.show()
    return cp


def drawn_steps(cp) -> int:
    x, _ = cp.raw_curve.getData()
    return 0 if x is None or not len(x) else int(x[-1])


def test_redraw_is_throttled_while_training_and_catches_up(qtbot, panel):
    cp = panel
    cp.ingest(snap(1, 1, 50))
    cp.redraw()  # the first draw is at once
    assert drawn_steps(cp) == 50
    cp.ingest(snap(2, 51, 50))
    cp.redraw()  # too soon after the last draw: held back ...
    assert cp.steps.n == 100  # ... but every step is ingested
    assert drawn_steps(cp) == 50
    # ... and drawn a little later even when no further redraw() comes.
    qtbot.waitUntil(lambda: drawn_steps(cp) == 100, timeout=2000)
    assert not cp._changed


def test_redraw_draws_at_the_throttled_rate(qtbot, panel):
    cp = panel
    cp.ingest(snap(1, 1, 10))
    cp.redraw()
    qtbot.wait(int(1000 / cp.REDRAW_HZ) + 20)
    cp.ingest(snap(2, 11, 10))
    cp.redraw()  # a draw period has passed: drawn by this call
    assert drawn_steps(cp) == 20


def test_paused_snapshots_and_render_draw_at_once(qtbot, panel):
    from gdviz.training import Evaluation

    cp = panel
    cp.ingest(snap(1, 1, 50))
    cp.redraw()
    cp.ingest(snap(2, 51, 50, running=False))
    cp.redraw()  # paused: the user waits for exactly this frame
    assert drawn_steps(cp) == 100
    cp.render(snap(3, 101, 50, evals=[Evaluation(150, 0.2, 0.9, 0.5, 0.8, 0.55)]))  # running, but render() draws now
    assert drawn_steps(cp) == 150
    x, y = cp.test_acc_curve.getData()
    assert list(x) == [150] and y[0] == pytest.approx(50.0)


def test_level_of_detail_tail_uses_finer_blocks_and_keeps_every_peak():
    from gdviz.training.series import GrowingSeries, PeakPyramid

    rng = np.random.default_rng(0)
    for n in (16, 17, 255, 4095, 4097, 70_001, 300_007):
        s = GrowingSeries(("step", "epoch", "cost", "ema"), 16)
        st = np.arange(1, n + 1, dtype=np.float64)
        cost = rng.random(n)
        s.extend(step=st, epoch=st / 800, cost=cost, ema=np.cumsum(cost) / st)
        p = PeakPyramid()
        p.update(s)
        for level in range(PeakPyramid.LEVELS):
            xr, yr, xe, ye = p.curves(s, level, "step")
            assert len(xr) == len(yr) and len(xe) == len(ye)
            assert np.all(np.diff(xr) >= 0) and np.all(np.diff(xe) > 0)
            assert yr.max() == cost.max() and yr.min() == cost.min()  # no peak lost
            assert xe[-1] == n and ye[-1] == s.last("ema")  # ends at the newest step
            # at most the level's blocks, then fewer than FACTOR blocks of each finer level, then steps
            bound = 2 * (n // p.block(level) + (PeakPyramid.FACTOR - 1) * level) + PeakPyramid.FACTOR - 1
            assert len(xr) <= bound


def test_long_run_draws_few_points(qtbot, panel):
    cp = panel
    cp.render(snap(1, 1, 130_000))
    assert cp.display_level is not None
    x, _ = cp.raw_curve.getData()
    xe, _ = cp.ema_curve.getData()
    assert len(x) <= 2 * cp.pyramid.MAX_POINTS + 100 and len(xe) <= cp.pyramid.MAX_POINTS + 50


def test_new_steps_redraw_the_curves_without_rebuilding_the_axes(qtbot, panel, monkeypatch):
    """Within one doubling of the x range a frame only rebuilds the curves' paths and repaints
    the data area: the axes are not repainted, and their ticks (a costly rebuild in a paint)
    are made again only when the range doubles."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from gdviz.training import Evaluation

    rebuilt, painted = [], []
    orig = pg.AxisItem.generateDrawSpecs
    monkeypatch.setattr(pg.AxisItem, "generateDrawSpecs", lambda self, p: rebuilt.append(self) or orig(self, p))
    orig_paint = pg.AxisItem.paint
    monkeypatch.setattr(pg.AxisItem, "paint", lambda self, *a: painted.append(self) or orig_paint(self, *a))
    cp = panel
    ev = Evaluation(70, 0.1, 0.9, 0.5, 0.8, 0.55)
    cp.render(snap(1, 1, 70, evals=[ev]))  # x range 0..128
    qtbot.wait(100)
    cp.grab()  # every axis drawn once: what a frame may rebuild is counted from here
    QApplication.processEvents()
    rebuilt.clear()
    painted.clear()
    builds = cp.raw_curve.path_builds
    for i in range(2, 8):  # up to step 120: the same x range
        cp.render(snap(i, 70 + (i - 2) * 8 + 1, 8, evals=[Evaluation(70 + (i - 1) * 8, 0.1, 0.9, 0.5, 0.8, 0.6)]))
        QApplication.processEvents()
    assert cp.raw_curve.path_builds == builds + 6
    assert drawn_steps(cp) == 118
    axes = [plot.getAxis(side) for plot in (cp.cost_plot, cp.acc_plot) for side in ("left", "bottom")]
    assert not [a for a in rebuilt if any(a is b for b in axes)]
    assert not [a for a in painted if any(a is b for b in axes)]  # the curves' repaints stay off the axes
    cp.render(snap(9, 119, 20))  # past 128: the x range doubles, the two x axes are rebuilt once
    QApplication.processEvents()
    bottoms = [cp.cost_plot.getAxis("bottom"), cp.acc_plot.getAxis("bottom")]
    assert sorted(id(a) for a in rebuilt if any(a is b for b in axes)) == sorted(id(b) for b in bottoms)


def test_log_scale_and_zoom_draw_the_part_shown(qtbot, panel):
    """The curves follow the log scale and, zoomed in, draw only the steps in view."""
    cp = panel
    cp.render(snap(1, 1, 1000, running=False))
    cp.setLogScale(True)
    path_top = cp.raw_curve._path.boundingRect()
    assert path_top.bottom() <= np.log10(1.5) + 1e-6 and path_top.top() >= np.log10(0.5) - 1e-6
    cp.setLogScale(False)
    cp.setFollow(False)
    cp.cost_plot.setXRange(100, 200, padding=0)
    r = cp.raw_curve._path.boundingRect()
    assert 98 <= r.left() <= 100 and 200 <= r.right() <= 202  # (one point beyond each side)

"""The landscape view: the heatmap is exactly the engine's landscape on the
view's plane, θ now sits at the centre of a fresh map, the path is the
engine's projection in a frozen frame, the map is recomputed only when it
should be (never while hidden), and a diverged θ renders."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gdviz.core import to_unit  # noqa: E402
from gdviz.qt.views import landscape as mod  # noqa: E402
from gdviz.qt.views.landscape import EVAL_N, GRID_N, LandscapeView  # noqa: E402
from gdviz.training.analysis import (  # noqa: E402
    fixed_eval_batch,
    landscape,
    project_path,
    top_parameters,
)
from gdviz.training.cost_around import map_display  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from reference import reference_gradient  # noqa: E402
from qt_helpers import drawn_tick_labels, pixels, render_until, shown_numbers, trained as _trained  # noqa: E402


def trained(dataset, steps: int = 15, **config):
    return _trained(dataset, steps, **config)
@pytest.fixture
def view(show_view, monkeypatch):
    monkeypatch.setattr(mod, "BUDGET_S", None)  # always whole maps, however busy the machine
    return show_view("landscape", (1030, 650))


def frame_for(qtbot, view, snap, **want):
    """Render ``snap`` until a map computed at ``snap`` (and matching ``want``) is shown."""
    return render_until(qtbot, view, snap, "frame", timeout=20_000, key=view.settings_key(), **want)


def test_heatmap_is_the_engines_landscape_on_the_gradient_plane(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    f = frame_for(qtbot, view, snap)
    batch = fixed_eval_batch(tiny, n=EVAL_N)
    net, g = reference_gradient(snap, batch)
    # the plane: d1 = −∇C/|∇C| of the evaluation digits at θ, d2 ⟂ d1
    np.testing.assert_allclose(f.plane.d1, -g / np.linalg.norm(g), atol=1e-6)
    assert abs(float(np.dot(f.plane.d1, f.plane.d2))) < 1e-5
    # extent "5 steps" = 5 η|∇C|
    assert f.extent == pytest.approx(5 * snap.lr * np.linalg.norm(g.astype(np.float64)), rel=1e-5)
    ref = landscape(net, snap.theta, f.plane.d1, f.plane.d2, batch.images, batch.labels,
                    f.extent, n=GRID_N)
    assert view.image.image.shape == (GRID_N, GRID_N) and f.land.complete
    np.testing.assert_allclose(view.image.image, ref.costs, rtol=1e-9)
    assert f.land.center_cost == pytest.approx(ref.center_cost)
    # the image covers exactly [−e, e]² at pixel centres
    r = view.image.mapRectToParent(view.image.boundingRect())
    d = 2 * f.extent / (GRID_N - 1)
    assert r.left() == pytest.approx(-f.extent - d / 2) and r.right() == pytest.approx(f.extent + d / 2)
    # the step from the centre: lands at α = η|∇C|, at the cost of θ − η∇C
    assert f.next_ab[0] == pytest.approx(snap.lr * np.linalg.norm(g), rel=1e-4)
    assert abs(f.next_ab[1]) < 1e-4 * f.extent
    X = to_unit(batch.images, np.float32)
    Y = np.eye(10, dtype=np.float32)[batch.labels]
    assert f.cost_next == pytest.approx(net.cost_of(X, Y, theta=snap.theta - snap.lr * g), rel=1e-6)
    # contour lines are drawn, inside the map
    cx, cy = view.contour.getData()
    assert cx.size > 10 and np.all(np.abs(cx) <= f.extent + 1e-9) and np.all(np.abs(cy) <= f.extent + 1e-9)
    px = pixels(view)
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 20
    assert view.render_seconds < 0.5  # sanity only; the report gives the measured time


def test_current_theta_is_at_the_centre(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    f = frame_for(qtbot, view, snap)
    pts = view.path_coords()
    np.testing.assert_allclose(pts[-1], (0.0, 0.0), atol=1e-6 * f.extent)
    x, y = view.now_marker.getData()
    assert abs(x[0]) < 1e-6 * f.extent and abs(y[0]) < 1e-6 * f.extent
    assert list(view.centre.getData()[0]) == [0.0]


def test_path_is_projected_in_a_frozen_frame(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.set_option("extent", "± 20")  # wide: the next steps stay on the map
    f = frame_for(qtbot, view, snap)
    thetas = [snap.theta]
    for _ in range(6):
        s.train_step()
        snap = s.snapshot()
        thetas.append(snap.theta)
        view.render(snap)
        assert view.frame is f  # paused and inside the map: no new map
    ref = project_path(np.stack(thetas), f.theta0, f.plane.d1, f.plane.d2)
    np.testing.assert_allclose(view.path_coords(), ref, rtol=1e-9, atol=1e-12)
    x, y = view.path_line.getData()
    np.testing.assert_allclose(np.c_[x, y], ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.c_[view.now_marker.getData()], ref[-1:], atol=1e-12)
    # a new map, centred on θ now: the path is re-projected onto it
    view.recompute()
    f2 = frame_for(qtbot, view, snap)
    assert f2 is not f
    ref2 = project_path(np.stack(thetas), f2.theta0, f2.plane.d1, f2.plane.d2)
    np.testing.assert_allclose(view.path_coords(), ref2, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(view.path_coords()[-1], (0, 0), atol=1e-9)


def test_recentres_when_theta_leaves_the_map(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5, lr=3.0)
    view.set_context(s, tiny)
    view.set_option("extent", "± 0.1")  # tiny: one step of η = 3 leaves it
    f = frame_for(qtbot, view, snap)
    s.train_step()
    snap = s.snapshot()
    f2 = frame_for(qtbot, view, snap)
    assert f2.step == snap.step and f2 is not f
    np.testing.assert_allclose(view.path_coords()[-1], (0, 0), atol=1e-9)


def test_follows_theta_every_two_seconds_while_training(qtbot, view, tiny, monkeypatch):
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.set_option("extent", "± 20")
    f = frame_for(qtbot, view, snap)
    clock = [time.perf_counter() + 1000.0]  # later than any request made so far
    monkeypatch.setattr(mod, "_clock", lambda: clock[0])
    view.job.submitted_at = clock[0]
    s.train_step()
    run = replace(s.snapshot(), running=True)
    view.render(run)
    assert view.job.key[2] == snap.step  # too soon
    clock[0] += mod.FOLLOW_S + 0.01
    f2 = frame_for(qtbot, view, run)
    assert f2 is not f and view.job.key[2] == run.step
    view.set_option("follow", False)
    clock[0] += 10 * mod.FOLLOW_S
    s.train_step()
    view.render(replace(s.snapshot(), running=True))
    assert view.job.key[2] == run.step  # not following, θ still on the map: no new map


def test_weights_plane_top_two(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    frame_for(qtbot, view, snap)
    view.set_option("plane", "weights")  # first time: the two largest components of ∇C
    batch = fixed_eval_batch(tiny, n=EVAL_N)
    net, g = reference_gradient(snap, batch)
    top = top_parameters(net, g, 2)
    assert view.weights() == (top[0].index, top[1].index)
    f = frame_for(qtbot, view, snap)
    i, j = view.weights()
    assert f.plane.kind == "weights" and f.plane.d1[i] == 1 and f.plane.d2[j] == 1
    assert np.count_nonzero(f.plane.d1) == 1
    ref = landscape(net, snap.theta, f.plane.d1, f.plane.d2, batch.images, batch.labels,
                    f.extent, n=GRID_N)
    np.testing.assert_allclose(view.image.image, ref.costs, rtol=1e-9)
    assert f.step_len == pytest.approx(snap.lr * np.hypot(g[i], g[j]), rel=1e-5)
    assert "W" in view.plot.getAxis("bottom").labelText or "b" in view.plot.getAxis("bottom").labelText
    # choose others
    view.setWeights(5, 7)
    f = frame_for(qtbot, view, snap)
    assert f.plane.d1[5] == 1 and f.plane.d2[7] == 1
    assert "pixel" in view.weights_desc.text()


def test_log_colours_show_log10_cost(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    f = frame_for(qtbot, view, snap)
    view.set_option("log_colours", True)
    np.testing.assert_allclose(view.image.image, np.log10(f.land.costs), rtol=1e-12)
    lo, _ = view.image.getLevels()
    assert lo == pytest.approx(np.log10(np.nanmin(f.land.costs)))
    view.set_option("contours", False)
    assert view.contour.getData()[0] is None or view.contour.getData()[0].size == 0


def test_nan_theta_renders(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    frame_for(qtbot, view, snap)
    nan = frozen(np.full(snap.n_params, np.nan, np.float32))
    bad = replace(snap, theta=nan, grad=nan, step=snap.step + 1)
    view.render(bad)  # the old map with a θ that left every map
    assert "not a number" in view.info.text()
    view.grab()
    view.recompute()
    f = frame_for(qtbot, view, bad)
    assert np.isnan(f.land.center_cost) and np.all(np.isnan(view.image.image))
    assert "not a number" in view.info.text()
    view.set_option("log_colours", True)
    view.set_option("plane", "weights")
    frame_for(qtbot, view, bad)
    view.grab()
    assert view.job.error == ""


def test_hidden_view_does_nothing(qtbot, tiny):
    v = LandscapeView()
    qtbot.addWidget(v)
    try:
        s, snap = trained(tiny, steps=2)
        v.set_context(s, tiny)
        v.render(snap)
        v.recompute()
        assert v.job.key is None and not v.job.pending and v.path_coords().size == 0
    finally:
        v.shutdown()


def test_new_run_clears_the_path(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    frame_for(qtbot, view, snap)
    s.train_step()
    view.render(s.snapshot())
    assert len(view.path_coords()) == 2
    s.reset()
    s.train_step()
    snap = s.snapshot()
    f = frame_for(qtbot, view, snap)
    assert f.run_id == snap.run_id and len(view.path_coords()) == 1


def test_a_map_out_of_time_says_so(qtbot, view, tiny, monkeypatch):
    monkeypatch.setattr(mod, "BUDGET_S", 0.0)  # only the first chunk of rows
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    f = frame_for(qtbot, view, snap)
    assert not f.land.complete and np.isnan(view.image.image).any()
    assert "out of time" in view.progress.text()
    view.grab()


def _press(qtbot, win, key):
    from PySide6.QtCore import Qt

    qtbot.keyClick(win, key, Qt.KeyboardModifier.AltModifier)


def test_opened_again_it_maps_theta_now(qtbot, lesson_window):
    """Following θ, the map shown when the tab is opened again is the map of θ now,
    not the one left behind when the tab was hidden (opened through the window's keys)."""
    from PySide6.QtCore import Qt

    win = lesson_window
    _press(qtbot, win, Qt.Key.Key_3)
    view = win.current_view()
    assert isinstance(view, LandscapeView) and view.option("follow")
    view.set_option("extent", "± 20")  # wide: θ after a few steps stays on the old map
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.key == view.settings_key(),
                    timeout=20000)
    assert view.frame.step == 0 and "Map of step 0" in view.progress.text()
    _press(qtbot, win, Qt.Key.Key_0)  # the live network; the landscape is hidden
    assert win.current_view() is None
    win.session.step(6)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 6, timeout=15000)
    _press(qtbot, win, Qt.Key.Key_3)
    assert win.current_view() is view
    qtbot.waitUntil(lambda: view.frame.step == 6, timeout=20000)
    qtbot.waitUntil(lambda: "Map of step 6" in view.progress.text(), timeout=5000)
    np.testing.assert_allclose(view.path_coords()[-1], (0.0, 0.0), atol=1e-9)


def test_hidden_it_lets_go_of_a_run_the_window_left(qtbot, lesson_window):
    """Mapped and with a path, then hidden: after Ctrl+R (a new run) the view holds no θ,
    map or snapshot of the old run (a 784-1024-10 path is ~10 MB a point); shown again, it
    maps the new run."""
    from PySide6.QtCore import Qt

    win = lesson_window
    _press(qtbot, win, Qt.Key.Key_3)
    view = win.current_view()
    assert isinstance(view, LandscapeView)
    win.session.step(3)
    qtbot.waitUntil(lambda: view.frame is not None and len(view.path_coords()) >= 2, timeout=20000)
    old = win.last_snapshot.run_id
    _press(qtbot, win, Qt.Key.Key_0)  # the live network; the landscape is hidden
    qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # reset: a new run
    qtbot.waitUntil(lambda: win.last_snapshot.run_id != old, timeout=15000)
    assert view.snap is None and view.frame is None and len(view._ring) == 0
    assert view.job.take() is None
    _press(qtbot, win, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: view.frame is not None and view.frame.run_id == win.last_snapshot.run_id,
                    timeout=30000)


def test_the_colour_bar_has_numbers_even_on_flat_ground(qtbot, view, tiny):
    """The colour bar is numbered within the map's levels; a map that changes by only
    5·10⁻¹⁴ (a saturated network) gets a readable scale, numbers with few decimals
    and no contour lines tracing the rounding noise."""
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    f = frame_for(qtbot, view, snap)
    lo, hi = view.image.getLevels()
    shown = shown_numbers(qtbot, view.bar.axis)
    assert all(lo - 1e-9 <= v <= hi + 1e-9 for v in shown) and len(shown) >= 2
    noise = np.random.default_rng(1).uniform(0.0, 5e-14, f.land.costs.shape)
    costs = frozen(0.45 + noise, np.float64)
    flat = replace(f, land=replace(f.land, costs=costs, center_cost=0.45), step=f.step + 1,
                   shown={log: map_display(costs, log, f.extent, flat=True) for log in (False, True)})
    assert flat.flat
    view.result_ready(view.job, flat)  # as a finished job hands it over
    lo, hi = view.image.getLevels()
    assert hi - lo >= 1e-3 * 0.45
    shown = shown_numbers(qtbot, view.bar.axis)
    assert min(shown) < 0.45 < max(shown)
    assert all(len(t.split(".")[1]) <= 5 for t in drawn_tick_labels(view.bar.axis) if "." in t)
    assert view.contour.getData()[0] is None or view.contour.getData()[0].size == 0
    assert "does not change anywhere" in view.info.text()

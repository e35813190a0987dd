"""The step-size view: it plots exactly C(θ − s·∇C) of the engine, the cost it
marks at s = η is the cost after a real plain-SGD step on the same digits, it
says in words when η overshoots or goes uphill, it keeps its rate, and it
sends η to the session."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gdviz.core import Network, to_unit  # noqa: E402
from gdviz.data import Dataset  # noqa: E402
from gdviz.qt.views import step_size as mod  # noqa: E402
from gdviz.qt.views.step_size import EVAL_N, StepSizeView, slider_to_lr  # noqa: E402
from gdviz.training.analysis import fixed_eval_batch, step_size_slice  # noqa: E402
from gdviz.training.config import SettingError  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from reference import reference_gradient  # noqa: E402
from qt_helpers import drawn_tick_labels, pixels, render_until, trained as _trained  # noqa: E402


def trained(dataset, steps: int = 15, **config):
    return _trained(dataset, steps, **config)
@pytest.fixture
def view(show_view):
    return show_view("step-size", (1030, 650))


def shown_for(qtbot, view, snap, slope=None, lr=None):
    """Render ``snap`` until the view shows the slice computed for it."""
    want = {"lr": snap.lr if lr is None else lr} | ({} if slope is None else {"slope": slope})
    return render_until(qtbot, view, snap, "shown", **want)


def test_plots_the_engines_slice_along_the_eval_gradient(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    r = shown_for(qtbot, view, snap)
    assert r.slope == "eval"
    batch = fixed_eval_batch(tiny, n=EVAL_N)
    net, g = reference_gradient(snap, batch)
    ref = step_size_slice(net, snap.theta, g, batch.images, batch.labels, lr=snap.lr)
    x, y = view.curve.getData()
    np.testing.assert_allclose(x, np.log10(ref.s))
    np.testing.assert_allclose(y, ref.costs, rtol=1e-6)
    # η marker: at s = η, at the cost the next step reaches
    ex, ey = view.eta_marker.getData()
    assert ex[0] == pytest.approx(np.log10(snap.lr))
    assert ey[0] == pytest.approx(ref.cost_at_lr, rel=1e-6)
    assert view.eta_line.value() == pytest.approx(np.log10(snap.lr))
    # C(θ) now and the best s
    assert view.now_line.value() == pytest.approx(ref.cost0, rel=1e-6)
    # the pink "uphill" zone: from C(θ) now to the top of the plot, across it
    zone = view.uphill.rect()
    (x_lo, x_hi), (_, y_hi) = view.plot.getViewBox().viewRange()
    assert view.uphill.isVisible() and zone.top() == pytest.approx(ref.cost0, rel=1e-6)
    assert (zone.left(), zone.right(), zone.bottom()) == pytest.approx((x_lo, x_hi, y_hi))
    bx, by = view.best_marker.getData()
    assert bx[0] == pytest.approx(np.log10(ref.best_s))
    assert by[0] == pytest.approx(ref.best_cost, rel=1e-6)
    text = view.verdict_text()
    assert f"η = {mod.style.fmt(snap.lr)}" in text and mod.style.fmt(ref.cost_at_lr) in text
    assert "digits at θ now" in text
    px = pixels(view)
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 20
    assert view.render_seconds < 0.5  # sanity only; the report gives the measured time


def test_cost_at_eta_is_the_cost_after_a_real_sgd_step(qtbot, view, sample):
    # A training set that IS the evaluation batch, trained with full batches of it.
    ds = Dataset(name="five hundred", train_images=sample.train_images[:EVAL_N],
                 train_labels=sample.train_labels[:EVAL_N], test_images=sample.test_images[:50],
                 test_labels=sample.test_labels[:50], description="500 digits")
    s, snap = trained(ds, steps=4, batch_size=EVAL_N, optimizer="sgd", lr=3.0)
    view.set_context(s, ds)
    r = shown_for(qtbot, view, snap)
    assert r.slice.n_examples == EVAL_N
    plotted = view.eta_marker.getData()[1][0]
    s.train_step()  # the real step: θ ← θ − η∇C on all 500 digits (in another order)
    X = to_unit(ds.train_images, np.float32)
    Y = np.eye(10, dtype=np.float32)[ds.train_labels]
    after = s.net.cost_of(X, Y)
    assert plotted == pytest.approx(after, rel=2e-5)
    assert plotted < r.slice.cost0  # η = 3 goes downhill here


def test_last_batch_slope_uses_snap_grad(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    view.set_option("slope", "batch")
    r = shown_for(qtbot, view, snap, slope="batch")
    batch = fixed_eval_batch(tiny, n=EVAL_N)
    net = Network(snap.sizes)
    ref = step_size_slice(net, snap.theta, snap.grad, batch.images, batch.labels, lr=snap.lr)
    np.testing.assert_allclose(view.curve.getData()[1], ref.costs, rtol=1e-6)
    assert r.slice.cost_at_lr == pytest.approx(ref.cost_at_lr, rel=1e-6)
    assert "last mini-batch" in view.verdict_text()
    if not np.any(ref.costs < ref.cost0):  # the usual case: the last step already went that way
        assert "No step along this direction goes downhill" in view.verdict_text()
        assert view.best_marker.getData()[0].size == 0


def test_log_axis_shows_log10_of_the_cost(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    r = shown_for(qtbot, view, snap)
    view.set_option("log_cost", True)
    np.testing.assert_allclose(view.curve.getData()[1], np.log10(r.slice.costs), rtol=1e-9)
    assert view.eta_marker.getData()[1][0] == pytest.approx(np.log10(r.slice.cost_at_lr))
    view.set_option("log_cost", False)
    np.testing.assert_allclose(view.curve.getData()[1], r.slice.costs)


def test_says_overshoot_and_uphill_in_words(qtbot, view, tiny):
    s, snap = trained(tiny, steps=30)
    view.set_context(s, tiny)
    r = shown_for(qtbot, view, snap)
    sl = r.slice
    # the first s past the best one whose step still goes downhill: an overshoot
    past = np.flatnonzero((sl.s > sl.best_s * 1.5) & (sl.costs < sl.cost0) & (sl.costs > sl.best_cost))
    assert past.size, "this run should have a valley with a far slope"
    lr = float(sl.s[past[0]])
    r = shown_for(qtbot, view, replace(snap, lr=lr), lr=lr)
    assert "overshoots the valley" in view.verdict_text()
    assert "uphill" not in view.verdict_text().split("Best")[0]
    # a step far too big: uphill, in red
    uphill = np.flatnonzero((sl.s > sl.best_s) & (sl.costs > sl.cost0))
    assert uphill.size
    lr = float(sl.s[uphill[-1]])
    r = shown_for(qtbot, view, replace(snap, lr=lr), lr=lr)
    assert r.slice.cost_at_lr > r.slice.cost0
    assert "this step would go uphill" in view.verdict_text().lower()
    assert "#b2182b" in view.verdict.text()
    brush = view.eta_marker.brush().color()
    assert (brush.red(), brush.green(), brush.blue()) == mod.UPHILL
    # a small safe step
    lr = float(sl.s[np.flatnonzero(sl.s < sl.best_s / 3)[-1]])
    shown_for(qtbot, view, replace(snap, lr=lr), lr=lr)
    assert "before the bottom of the valley" in view.verdict_text()


def test_every_step_when_paused_and_at_most_4_hz_while_running(qtbot, view, tiny, monkeypatch):
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    shown_for(qtbot, view, snap)
    clock = [time.perf_counter() + 1000.0]  # later than any request made so far
    monkeypatch.setattr(mod, "_clock", lambda: clock[0])
    # paused, stepping: every new step is computed
    for _ in range(3):
        s.train_step()
        snap = s.snapshot()
        shown_for(qtbot, view, snap)
    # running: a new step within 1/4 s is not submitted; after it, it is
    run = replace(snap, running=True, step=snap.step + 1)
    view.render(run)
    key = view.job.key
    view.render(replace(run, step=run.step + 1))
    assert view.job.key == key  # within 1/LIVE_HZ of the last request
    clock[0] += 1.0 / mod.LIVE_HZ + 1e-3
    view.render(replace(run, step=run.step + 2))
    assert view.job.key[1] == run.step + 2
    sent = view.job.submitted_at
    # the same snapshot again: nothing new to compute
    view.render(replace(run, step=run.step + 2))
    clock[0] += 1.0
    view.render(replace(run, step=run.step + 2))
    assert view.job.submitted_at == sent


def test_while_running_a_new_slice_is_drawn_one_part_per_render(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    shown_for(qtbot, view, snap)
    drawn = []
    orig = view.draw_part
    view.draw_part = lambda part, r: (drawn.append(part), orig(part, r))
    s.train_step()
    run = replace(s.snapshot(), running=True)
    # rendered until the slice is asked for (≤ LIVE_HZ while running); drawn when it comes
    qtbot.waitUntil(lambda: (view.render(run), view.job.key[1] == run.step)[1], timeout=3000)
    qtbot.waitUntil(lambda: view.shown.step == run.step, timeout=15000)
    assert drawn == [view.PARTS[0]]  # the curve first, the rest on the next renders
    _, y = view.curve.getData()
    np.testing.assert_allclose(y, view.shown.slice.costs, rtol=1e-6)
    view.render(run)
    assert drawn == list(view.PARTS[:2])
    # no further render: the timer draws what is left
    qtbot.waitUntil(lambda: drawn == list(view.PARTS), timeout=2000)
    _, ey = view.eta_marker.getData()
    assert ey[0] == pytest.approx(view.shown.slice.cost_at_lr, rel=1e-6)
    assert "η = " in view.verdict_text()
    # paused: everything at once
    drawn.clear()
    s.train_step()
    shown_for(qtbot, view, s.snapshot())
    assert drawn == list(view.PARTS)


def test_hidden_view_submits_nothing(qtbot, tiny):
    v = StepSizeView()
    qtbot.addWidget(v)
    try:
        s, snap = trained(tiny, steps=2)
        v.set_context(s, tiny)
        v.render(snap)
        assert v.job.key is None and not v.job.pending
    finally:
        v.shutdown()


def test_slider_sends_the_learning_rate(qtbot, view, tiny):
    s, snap = trained(tiny, steps=2)
    view.set_context(s, tiny)
    view.render(snap)
    assert slider_to_lr(view.lr_slider.value()) == pytest.approx(snap.lr)
    view.lr_slider.setValue(view.lr_slider.value() - 10)  # one decade down
    qtbot.waitUntil(lambda: not view._lr_timer.isActive(), timeout=3000)
    s.train_step()
    assert s.config.lr == pytest.approx(snap.lr / 10)
    assert f"{snap.lr / 10:g}" in view.status.text()
    # a snapshot still carrying the old η does not yank the slider back
    view.render(snap)
    assert slider_to_lr(view.lr_slider.value()) == pytest.approx(snap.lr / 10)
    view.render(s.snapshot())
    assert slider_to_lr(view.lr_slider.value()) == pytest.approx(snap.lr / 10)


def test_slider_reports_a_refused_learning_rate_in_words(qtbot, view, tiny):
    class Refusing:
        def set_lr(self, lr):
            raise SettingError("the learning rate must be between 0.0001 and 100")

    view.set_context(Refusing(), tiny)
    view.lr_slider.setValue(50)
    qtbot.waitUntil(lambda: not view._lr_timer.isActive(), timeout=3000)
    assert "Cannot use this η" in view.status.text()
    assert "between 0.0001 and 100" in view.status.text()


def test_nan_theta_renders_and_says_so(qtbot, view, tiny):
    s, snap = trained(tiny, steps=2)
    view.set_context(s, tiny)
    nan = frozen(np.full(snap.n_params, np.nan, np.float32))
    bad = replace(snap, theta=nan, grad=nan, step=snap.step + 1)
    for slope in ("eval", "batch"):
        view.set_option("slope", slope)
        shown_for(qtbot, view, bad, slope=slope)
        assert "not a number" in view.verdict_text()
        view.grab()
    assert view.job.error == ""


def test_new_dataset_new_batch(qtbot, view, tiny, sample):
    s, _ = trained(tiny, steps=2)
    view.set_context(s, tiny)
    b1 = view.batch
    view.set_context(s, tiny)
    assert view.batch is b1  # built once per dataset
    view.set_context(s, sample)
    assert view.batch is not b1 and view.batch.n == EVAL_N


def test_a_rise_of_5e_minus_14_is_flat_and_the_axis_prints_few_digits(qtbot, view, tiny):
    """A saturated network's slice that changes by 5·10⁻¹⁴ is drawn as a flat line on an
    axis of at least a thousandth of the cost, labelled with a handful of decimals."""
    s, snap = trained(tiny, steps=2)
    view.set_context(s, tiny)
    r = shown_for(qtbot, view, snap)
    sl = r.slice
    costs = frozen(np.full(sl.s.size, 0.45) + np.linspace(0.0, 5e-14, sl.s.size), np.float64)
    flat = replace(r, slice=replace(sl, costs=costs, cost0=0.45, cost_at_lr=0.45 + 5e-14,
                                    best_s=float(sl.s[0]), best_cost=0.45), step=r.step + 1)
    view.result_ready(view.job, flat)  # as a finished job hands it over
    lo, hi = view.plot.getViewBox().viewRange()[1]
    assert hi - lo >= 1e-3 * 0.45
    axis = view.plot.getAxis("left")
    qtbot.waitUntil(lambda: len(drawn_tick_labels(axis)) >= 2, timeout=2000)
    labels = drawn_tick_labels(axis)
    assert all(len(t.split(".")[1]) <= 5 for t in labels if "." in t), labels
    assert "ground is flat" in view.verdict_text()
    assert view.best_marker.getData()[0].size == 0  # no "best step" on flat ground
    brush = view.eta_marker.brush().color()
    assert (brush.red(), brush.green(), brush.blue()) == mod.ETA  # not "uphill" either


# ---------------------------------------------------------------- the cost axis in the window
def test_the_cost_axis_stays_while_the_curve_moves_inside_it_and_follows_when_it_leaves(qtbot, window):
    """A new range rebuilds the axis and lays the plot out again: stepping keeps it while
    the curve stays inside it; when the curve leaves it (here: Reset, back to the
    untrained cost) or it is far too tall, it fits the curve again (paused: at once)."""
    from PySide6.QtCore import Qt

    from gdviz.training.cost_around import cost_axis_fit, cost_axis_range
    from qt_helpers import key

    view = window.show_view("step-size")
    vb = view.plot.getViewBox()
    changes = []
    vb.sigYRangeChanged.connect(lambda *_: changes.append(tuple(vb.viewRange()[1])))

    def shown(step: int, run=None):
        qtbot.waitUntil(lambda: window.last_snapshot.step == step
                        and window.last_snapshot.run_id != run, timeout=30_000)
        now = window.last_snapshot.run_id
        qtbot.waitUntil(lambda: view.shown is not None and view.shown.step == step
                        and view.shown.run_id == now and not view.pending_parts(), timeout=30_000)
        sl = view.shown.slice
        return sl, cost_axis_fit(sl.costs, sl.cost0, sl.cost_at_lr, log=False)

    def fits(sl):
        return pytest.approx(cost_axis_range(sl.costs, sl.cost0, sl.cost_at_lr, log=False))

    key(qtbot, Qt.Key.Key_Right)  # a step, as a person takes it
    shown(1)
    key(qtbot, Qt.Key.Key_Right)
    sl, _ = shown(2)
    assert tuple(vb.viewRange()[1]) == fits(sl)
    y_range = tuple(vb.viewRange()[1])
    changes.clear()
    kept = 0
    for step in range(3, 9):
        key(qtbot, Qt.Key.Key_Right)
        new, ((f_lo, f_hi), (lo, hi)) = shown(step)
        np.testing.assert_allclose(view.curve.getData()[1], new.costs, rtol=1e-6)
        assert new.cost0 != sl.cost0  # the curve moved
        if not (y_range[0] <= lo and hi <= y_range[1] and y_range[1] - y_range[0] <= 2 * (f_hi - f_lo)):
            break  # it left the range (or the range is far too tall)
        assert changes == [], (step, y_range, changes)  # inside: the axis stays
        kept += 1
    assert kept >= 2, "this test needs a curve that stays inside for a few steps"
    # Reset: the cost is back where it started, far above the range: the range follows
    run = window.last_snapshot.run_id
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    sl, ((lo, hi), _) = shown(0, run)
    assert hi > y_range[1]
    assert changes and tuple(vb.viewRange()[1]) == fits(sl)
    assert vb.viewRange()[1][0] < sl.cost0 < vb.viewRange()[1][1]

"""GD vs SGD: the cosine between the last step's gradient and the full-data
gradient is exactly 1 for full-batch gradient descent and below 1 for
mini-batches; the switch sends the session the update rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtCore  # noqa: E402

from gdviz.core import Network  # noqa: E402
from gdviz.data import Dataset  # noqa: E402
from gdviz.qt import style  # noqa: E402
from gdviz.qt.views.sgd_vs_gd import SUBSET, SgdVsGdView  # noqa: E402
from gdviz.training.analysis import full_gradient, gradient_cosine  # noqa: E402
from gdviz.training.batch_vs_full import theta_before  # noqa: E402
from gdviz.training.config import TrainConfig  # noqa: E402
from gdviz.training.session import TrainingSession  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from qt_helpers import assert_drawn, pixels, trained  # noqa: E402


def show_result(qtbot, view, snap) -> None:
    """Render ``snap`` until the view shows the measurement of its step."""
    def done():
        view.render(snap)
        c = view.comparison
        assert c is not None and c.step == snap.step and c.run_id == snap.run_id
    qtbot.waitUntil(done, timeout=10_000)


@pytest.fixture
def view(show_view):
    return show_view("sgd-vs-gd")


def test_full_batch_gradient_descent_gives_cosine_one(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3, optimizer="gd")
    view.set_context(s, tiny)
    show_result(qtbot, view, snap)
    assert abs(view.cosine - 1.0) < 1e-4
    assert view.big.text() == "cos = 1.000"
    assert view.gd_radio.isChecked() and not view.sgd_radio.isChecked()
    assert "exactly downhill" in view.words.text()
    assert view.comparison.n == len(tiny.train_labels)
    steps, cos = view.cos_curve.getData()
    np.testing.assert_array_equal(steps, [3])
    assert abs(cos[0] - 1) < 1e-4
    # both pictures are the same neuron's −∇C, and the dots sit on the diagonal
    bt, ft = view.displayed_tiles
    np.testing.assert_allclose(bt, ft, rtol=1e-3, atol=1e-6 * np.abs(ft).max())
    x, y = view.scatter_xy
    np.testing.assert_allclose(x, y, atol=1e-5)


def test_mini_batches_point_roughly_downhill(qtbot, view, tiny):
    s, snap = trained(tiny, steps=40, batch_size=10)
    view.set_context(s, tiny)
    show_result(qtbot, view, snap)
    # the full gradient over all training digits at θ before the step, independently
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    th = theta_before(snap.theta, snap.delta)
    np.testing.assert_allclose(th, s.last_finite_theta(), atol=1e-6)
    fg = full_gradient(net, s.last_finite_theta(), tiny.train_images, tiny.train_labels)
    expected = gradient_cosine(snap.grad, fg.grad)
    assert view.cosine == pytest.approx(expected, abs=1e-5)
    assert view.cosine < 0.99
    assert view.big.text() == f"cos = {view.cosine:.3f}".replace("-", "−")
    assert "roughly, not exactly, downhill" in view.words.text() or view.cosine <= 0
    # the pictures: neuron j's −∇C, mini-batch and full
    j = view.neuron
    W0b, _ = style.layer_views(snap.grad, snap.sizes, 0)
    W0f, _ = style.layer_views(fg.grad, snap.sizes, 0)
    bt, ft = view.displayed_tiles
    np.testing.assert_array_equal(bt, -W0b[j].reshape(28, 28))
    np.testing.assert_allclose(ft, -W0f[j].reshape(28, 28), rtol=1e-4,
                               atol=1e-6 * np.abs(W0f).max())
    assert j == int(np.argmax(np.linalg.norm(W0f, axis=1)))  # "pushed hardest"
    view.neuron_spin.setValue(3)
    assert view.neuron == 3
    np.testing.assert_array_equal(view.displayed_tiles[0], -W0b[3].reshape(28, 28))
    # the scatter: the same fixed components of both, scaled to length 1
    idx = view._scatter_idx[1]
    x, y = view.scatter_xy
    np.testing.assert_allclose(y, -snap.grad[idx] / np.linalg.norm(snap.grad.astype(np.float64)),
                               rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(x, -fg.grad[idx] / np.linalg.norm(fg.grad.astype(np.float64)),
                               rtol=1e-3, atol=1e-7)
    qtbot.wait(30)
    assert_drawn(view)


def test_cosines_over_time_are_typically_well_below_one(qtbot, view, tiny):
    s, _ = trained(tiny, steps=60, batch_size=10)
    view.set_context(s, tiny)
    for _ in range(8):
        s.train_step()
        show_result(qtbot, view, s.snapshot())
    steps, cos = view.cos_curve.getData()
    assert steps.size == 8 and np.all(np.diff(steps) > 0)
    assert 0.0 < float(np.mean(cos)) < 0.9
    assert "Average of the last 8 measured" in view.detail.text()
    s.reset()
    s.train_step()
    show_result(qtbot, view, s.snapshot())
    assert view.cos_curve.getData()[0].size == 1  # a new run, a new line


def test_switch_sends_the_update_rule_and_keeps_momentum(qtbot, view, tiny):
    s, snap = trained(tiny, steps=2, optimizer="momentum")
    view.set_context(s, tiny)
    view.render(snap)
    assert view.sgd_radio.isChecked() and "momentum" in view.sgd_radio.text()
    assert "momentum" in view.now.text()
    qtbot.mouseClick(view.gd_radio, QtCore.Qt.MouseButton.LeftButton)
    s.train_step()  # applies the command
    assert s.config.optimizer == "gd"
    snap = s.snapshot()
    view.render(snap)
    assert view.gd_radio.isChecked()
    qtbot.mouseClick(view.sgd_radio, QtCore.Qt.MouseButton.LeftButton)
    s.train_step()
    assert s.config.optimizer == "momentum"  # back to the mini-batch rule chosen before
    s2, snap2 = trained(tiny, steps=2, optimizer="sgd")
    view.set_context(s2, tiny)
    view.render(snap2)
    qtbot.mouseClick(view.gd_radio, QtCore.Qt.MouseButton.LeftButton)
    s2.train_step()
    assert s2.config.optimizer == "gd"
    qtbot.mouseClick(view.sgd_radio, QtCore.Qt.MouseButton.LeftButton)
    s2.train_step()
    assert s2.config.optimizer == "sgd"
    for w in (view.gd_radio, view.sgd_radio, view.neuron_spin, view.big):
        assert w.toolTip()


def test_big_training_sets_use_a_fixed_subset_and_say_so(qtbot, view, sample):
    n = SUBSET + 500
    reps = -(-n // len(sample.train_labels))
    big = Dataset(name="big", train_images=np.tile(sample.train_images, (reps, 1))[:n],
                  train_labels=np.tile(sample.train_labels, reps)[:n],
                  test_images=sample.test_images[:100], test_labels=sample.test_labels[:100],
                  description="the sample repeated")
    s, snap = trained(big, steps=2)
    view.set_context(s, big)
    show_result(qtbot, view, snap)
    assert view.comparison.n == SUBSET
    assert f"a fixed {SUBSET:,} of the {n:,}" in view.data_note.text()
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    fg = full_gradient(net, theta_before(snap.theta, snap.delta),
                       big.train_images[:SUBSET], big.train_labels[:SUBSET])
    assert view.cosine == pytest.approx(gradient_cosine(snap.grad, fg.grad), abs=1e-5)
    # full gradient descent measures on all of them (its steps take that long anyway)
    s.set_optimizer("gd")
    s.train_step()
    snap = s.snapshot()
    show_result(qtbot, view, snap)
    assert view.comparison.n == n and abs(view.cosine - 1) < 1e-4


def test_step_zero_diverged_shapes_and_shutdown(qtbot, view, tiny):
    s = TrainingSession(tiny, TrainConfig())
    view.set_context(s, tiny)
    view.render(s.snapshot())
    assert view.comparison is None and view.big.text() == "—"
    assert not view.job.busy  # nothing asked at step 0
    for _ in range(3):
        s.train_step()
    snap = s.snapshot()
    nan = np.full_like(snap.theta, np.nan)
    bad = replace(snap, seq=snap.seq + 1, step=snap.step + 1, theta=frozen(nan),
                  grad=frozen(nan), delta=frozen(nan), diverged=True)
    show_result(qtbot, view, bad)
    assert np.isnan(view.cosine) and view.big.text() == "cos = ?"
    qtbot.wait(10)
    pixels(view)
    for hidden in [(5,), (32, 24, 16), ()]:
        s2, snap2 = trained(tiny, steps=3, hidden=hidden)
        view.set_context(s2, tiny)
        show_result(qtbot, view, snap2)
        assert view.displayed_tiles[0].shape == (28, 28)
        assert view.neuron_spin.maximum() == snap2.sizes[1] - 1
    view.shutdown()
    assert not view.job._job._thread.is_alive()


def test_keeps_measuring_while_hidden_so_the_line_is_whole_when_shown_again(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3, batch_size=10)
    view.set_context(s, tiny)
    show_result(qtbot, view, snap)
    view.hide()  # another tab: the window only ingests snapshots now
    view.hidden_interval = 0.0  # (every snapshot here; about once a second in the app)
    for _ in range(5):
        s.train_step()
        snap = s.snapshot()

        def measured():  # the window ingests every snapshot it takes; here: the same again
            view.ingest(snap)
            return view.history.last("step") == snap.step
        qtbot.waitUntil(measured, timeout=10_000)
    assert view.history.view("step").tolist() == [3, 4, 5, 6, 7, 8]
    view.show()
    qtbot.waitExposed(view)
    view.render(snap)
    steps, _ = view.cos_curve.getData()
    assert steps.tolist() == [3, 4, 5, 6, 7, 8]
    assert view.comparison.step == 8 and "angle" in view.angle.text()


def test_hidden_measurements_are_throttled(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3, batch_size=10)
    view.set_context(s, tiny)
    show_result(qtbot, view, snap)
    view.hide()
    view.hidden_interval = 3600.0
    sent = []
    real = view.job.submit
    view.job.submit = lambda *a, **kw: sent.append(real(*a, **kw)) or sent[-1]
    for _ in range(4):
        s.train_step()
        view.ingest(s.snapshot())
    assert sent == [False] * 4  # asked each time, sent none: too soon after the last
    assert view.history.view("step").tolist() == [3]


def test_a_late_view_says_from_which_step_its_line_starts(qtbot, tiny):
    s, snap = trained(tiny, steps=40, batch_size=10)
    v = SgdVsGdView()
    qtbot.addWidget(v)
    v.set_context(s, tiny)
    v.ingest(snap)  # as the window does when it makes the view
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    show_result(qtbot, v, snap)
    assert "since step 40" in v.cos_plot.titleLabel.text
    s.reset()
    s.train_step()
    show_result(qtbot, v, s.snapshot())  # a new run: its line starts at its first step
    assert "since step" not in v.cos_plot.titleLabel.text
    v.shutdown()

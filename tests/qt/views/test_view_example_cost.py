"""One example's cost and wishes: the view shows example_wishes of the digit on
show, which agree with the engine's own gradient for that one example."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtCore  # noqa: E402

from gdviz.core import Network  # noqa: E402
from gdviz.qt import style  # noqa: E402
from gdviz.qt.views.example_cost import DOWN, UP  # noqa: E402
from gdviz.training.analysis import example_wishes  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from qt_helpers import assert_drawn, pixels, trained as _trained  # noqa: E402


def trained(dataset, steps: int = 30, **config):
    return _trained(dataset, steps, **config)
def brush_colours(bars) -> list[str]:
    return [b.color().name() for b in bars.opts["brushes"]]


@pytest.fixture
def view(show_view):
    return show_view("example-cost")


def test_bars_and_matrix_are_the_examples_wishes(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    view.render(snap)
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    w = example_wishes(net, snap.theta, snap.example_image, snap.example_label)
    a = w.activations[-1]
    # the same example, at θ now
    np.testing.assert_allclose(a, snap.example_activations[-1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(view.digit.image.ravel(), snap.example_image)
    np.testing.assert_allclose(view.out_bars.opts["height"], a)
    np.testing.assert_array_equal(view.target_bars.opts["height"], w.target)
    assert w.target[snap.example_label] == 1 and w.target.sum() == 1
    # the ten cost terms and their sum, = the snapshot's own terms
    np.testing.assert_allclose(view.term_bars.opts["height"], (a - w.target) ** 2)
    np.testing.assert_allclose(view.term_bars.opts["height"], snap.example_cost_terms,
                               rtol=1e-4, atol=1e-7)
    assert f"C = <b>{style.fmt(w.cost)}</b>" in view.term_plot.titleLabel.text
    assert view.compare_bars.opts["width"][0] == pytest.approx(w.cost)
    # each output's wish: −∂C/∂a = −2(a − y), green up / red down
    np.testing.assert_allclose(view.wish_bars.opts["height"], -2 * (a - w.target))
    assert brush_colours(view.wish_bars) == [UP if v >= 0 else DOWN for v in w.output_wishes]
    assert brush_colours(view.wish_bars)[snap.example_label] == UP  # the right digit wants up
    # passed back: the 10×16 matrix and its column sums
    np.testing.assert_allclose(view.contrib_image.image, w.contributions, rtol=1e-6)
    assert view.contrib_image.image.shape == (10, 16)
    np.testing.assert_allclose(view.hidden_bars.opts["height"], w.hidden_wishes)
    np.testing.assert_allclose(w.contributions.sum(axis=0), w.hidden_wishes)
    lo, hi = view.contrib_image.getLevels()
    assert lo == -hi > -np.inf
    # in words
    assert view.wish_text.text().startswith(f"The {snap.example_label} wants to go up")
    assert f"neuron {int(np.argmax(w.hidden_wishes))} should become more active" in \
        view.hidden_text.text()
    qtbot.wait(30)
    assert_drawn(view)


def test_wishes_agree_with_the_engine_gradient_of_that_example(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    view.render(snap)
    w = view.wishes
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    x = snap.example_image[None, :].astype(np.float32) / 255.0
    y = np.zeros((1, 10), np.float32)
    y[0, snap.example_label] = 1.0
    cost, g = net.gradient(x, y, theta=snap.theta)
    assert cost == pytest.approx(w.cost, rel=1e-4)
    Ws, bs = net.split(g.astype(np.float64))
    tol = {"rtol": 2e-3, "atol": 1e-6}
    # output layer: ∂C/∂b = δ, the opposite of the wish on z; ∂C/∂W = δ·a_hiddenᵀ
    np.testing.assert_allclose(-bs[-1], w.bias_wishes, **tol)
    np.testing.assert_allclose(-Ws[-1], w.weight_wishes, **tol)
    # the last hidden layer: ∂C/∂b = σ'(z)·∂C/∂a, and −∂C/∂a is what the bars show
    ah = w.activations[-2]
    np.testing.assert_allclose(-bs[-2], view.hidden_bars.opts["height"] * ah * (1 - ah), **tol)


def test_average_cost_and_the_comparison(qtbot, view, tiny):
    s, snap = trained(tiny, steps=50)  # an epoch of tiny is 60 steps
    view.set_context(s, tiny)
    view.render(snap)
    recent = np.asarray(snap.new_costs)
    assert view.average_cost == pytest.approx(recent.mean())
    np.testing.assert_allclose(view.compare_bars.opts["width"][:2],
                               [view.wishes.cost, recent.mean()])
    assert snap.last_eval is not None and snap.last_eval.step == 0  # only the untrained network's
    assert view.compare_bars.opts["width"][2] == pytest.approx(snap.last_eval.train_cost)
    for _ in range(250):  # past the end of an epoch: the session evaluates
        s.train_step()
    snap = s.snapshot()
    view.render(snap)
    assert snap.last_eval is not None
    assert view.average_cost == pytest.approx(np.asarray(snap.new_costs)[-200:].mean())
    assert view.compare_bars.opts["width"][2] == pytest.approx(snap.last_eval.train_cost)
    assert "the average" in view.cmp_text.text()
    s.reset()
    s.train_step()
    view.render(s.snapshot())
    assert len(view._recent) == 1  # a new run starts a new average


def test_pin_a_test_digit_and_follow_training_again(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    view.render(snap)
    assert view.pin_spin.maximum() == len(tiny.test_labels) - 1
    view.pin_spin.setValue(7)
    qtbot.mouseClick(view.pin_button, QtCore.Qt.MouseButton.LeftButton)
    s.train_step()  # the session applies the command before the next batch
    snap = s.snapshot()
    assert snap.example_source == "test digit #7"
    view.render(snap)
    np.testing.assert_array_equal(view.digit.image.ravel(), tiny.test_images[7])
    assert view.wishes.label == int(tiny.test_labels[7])
    assert "pinned" in view.source.text()
    qtbot.mouseClick(view.follow_button, QtCore.Qt.MouseButton.LeftButton)
    s.train_step()
    assert s.snapshot().example_source.startswith("training")
    for wdg in (view.pin_spin, view.pin_button, view.follow_button):
        assert wdg.toolTip()


def test_cross_entropy_other_shapes_and_nan(qtbot, view, tiny):
    s, snap = trained(tiny, steps=10, cost="ce", lr=0.5)
    view.set_context(s, tiny)
    view.render(snap)
    w = view.wishes
    np.testing.assert_allclose(view.wish_bars.opts["height"], w.target - w.activations[-1])
    assert "ln aⱼ" in view.term_plot.titleLabel.text
    assert "cross-entropy" in view.intro.text()
    for hidden in [(5,), (32, 24, 16), ()]:
        s2, snap2 = trained(tiny, steps=3, hidden=hidden)
        view.set_context(s2, tiny)
        view.render(snap2)
        if hidden:
            assert view.contrib_image.image.shape == (10, hidden[-1])
            np.testing.assert_allclose(view.hidden_bars.opts["height"], view.wishes.hidden_wishes)
        else:
            assert "No hidden layer" in view.back_head.text()
        qtbot.wait(10)
        pixels(view)
    _, snap3 = trained(tiny, steps=3)
    bad = replace(snap3, seq=snap3.seq + 1, theta=frozen(np.full_like(snap3.theta, np.nan)),
                  diverged=True)
    view.render(snap3)
    view.render(bad)
    assert "not numbers" in view.wish_text.text()
    assert "network gives no answer" in view.answer.text()
    qtbot.wait(10)
    pixels(view)


def test_the_digits_cost_is_one_number_while_training_runs(qtbot, view, tiny):
    """"sum C" under the cost terms and the digit's bar beside the averages are drawn
    together: while training runs (a part per render) they never show two digits."""
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.render(snap)
    for _ in range(8):
        s.train_step()
        snap = replace(s.snapshot(), running=True)  # each step: another training digit
        view.render(snap)
        c = float(view.compare_bars.opts["width"][0])
        assert f"C = <b>{style.fmt(c)}</b>" in view.term_plot.titleLabel.text
        assert view.cmp_labels[0].toPlainText() == style.fmt(c)
    qtbot.waitUntil(lambda: not view.pending_parts(), timeout=2000)  # the catch-up
    assert view.compare_bars.opts["width"][0] == pytest.approx(view.wishes.cost)
    assert f"step {snap.step:,}" in view.source.text()


def test_every_bar_of_the_comparison_has_its_name(qtbot, view, tiny):
    """A name wider than the axis is not drawn at all: the axis grows to fit the names."""
    from PySide6 import QtGui

    s, snap = trained(tiny, steps=5, eval_every=5)
    snap = replace(snap, last_eval=replace(snap.last_eval, step=123_456))  # a long lesson
    view.set_context(s, tiny)
    view.render(snap)
    qtbot.wait(20)
    axis = view.cmp_plot.getAxis("left")
    img = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    p = QtGui.QPainter(img)
    try:
        drawn = {spec[2] for spec in axis.generateDrawSpecs(p)[2]}
    finally:
        p.end()
    assert len(drawn) == 3
    assert {"this digit (sum C)", "training data, step 123,456"} <= drawn

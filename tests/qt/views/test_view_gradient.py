"""The −∇C view shows exactly −∇C of the engine: in the first-layer pictures, the
deeper matrices, the sorted sizes, the histogram, the norms and the top-ten table."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtCore  # noqa: E402

from gdviz.core import Network  # noqa: E402
from gdviz.qt import style  # noqa: E402
from gdviz.qt.views.gradient import GradientView  # noqa: E402
from gdviz.training.analysis import (  # noqa: E402
    full_gradient,
    top_parameters,
    gradient_histogram,
    gradient_norms,
    sorted_magnitudes,
)
from gdviz.training.config import TrainConfig  # noqa: E402
from gdviz.training.session import TrainingSession  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from layout_check import table_cells_cut  # noqa: E402
from qt_helpers import assert_drawn, pixels, shown_numbers, trained  # noqa: E402


@pytest.fixture
def view(show_view):
    return show_view("gradient")


def test_pictures_matrices_and_table_are_minus_the_engine_gradient(qtbot, view, tiny):
    s, snap = trained(tiny, steps=20)
    view.set_context(s, tiny)
    view.render(snap)
    g = snap.grad
    assert np.any(g != 0)

    # first layer: one 28×28 picture per neuron = −∂C/∂W0[j]
    W0, _ = style.layer_views(g, snap.sizes, 0)
    for j in range(snap.sizes[1]):
        np.testing.assert_array_equal(view.first.tile(j), -W0[j].reshape(28, 28))
    # deeper layers: matrices and bias columns
    for i, (img_w, img_b) in enumerate(view.deeper.images):
        W, b = style.layer_views(g, snap.sizes, i + 1)
        np.testing.assert_array_equal(img_w.image, -W)
        np.testing.assert_array_equal(img_b.image[:, 0], -b)

    # the ten that matter most: the largest |∇C_i|, value −∇C_i, in the table
    order = np.argsort(-np.abs(g.astype(np.float64)), kind="stable")[:10]
    assert [p.index for p in view.top] == [int(i) for i in order]
    for r, p in enumerate(view.top):
        assert p.value == pytest.approx(-float(g[p.index]))
        assert view.table.item(r, 0).text() == style.fmt(p.value)
        assert view.table.item(r, 1).text() == f"{p.kind}{p.layer}"
        if p.layer == 0 and p.kind == "W":
            assert view.table.item(r, 3).text() == f"pixel ({p.input // 28}, {p.input % 28})"
        way = "grow" if p.value > 0 else "shrink"
        assert view.table.item(r, 4).text().startswith(f"should {way}")

    # sizes, sorted: the curve is log10 of the sorted magnitudes (exact zeros on the bottom row)
    sm = sorted_magnitudes(g)
    x, y = view.sorted_curve.getData()
    np.testing.assert_array_equal(x, sm.rank + 1)
    pos = sm.magnitude > 0
    np.testing.assert_allclose(y[pos], np.log10(sm.magnitude[pos]))
    assert np.all(y[~pos] < y[pos].min())
    # the histogram and the zeros, in bars and in words
    lo, hi = view._hist.edges[0], view._hist.edges[-1]
    h = gradient_histogram(g, bins=len(view._hist.counts), log_range=(lo, hi))
    np.testing.assert_array_equal(view.hist_bars.opts["width"], h.counts)
    n_zero = int(np.count_nonzero(g == 0))
    assert view.zero_bar.opts["width"][0] == n_zero == h.n_zero
    assert f"{n_zero:,}" in view.zeros_text.text()
    blank = int(np.count_nonzero(np.all(W0 == 0, axis=0)))
    assert f"{blank:,} pixels were blank" in view.zeros_text.text()

    # norms: per layer as bars, the whole vector in the curve
    norms = gradient_norms(snap.sizes, g)
    np.testing.assert_allclose(view.layer_bars.opts["height"], norms.norms)
    s.train_step()
    snap2 = s.snapshot()
    view.render(snap2)
    steps, vals = view.norm_curve.getData()
    np.testing.assert_array_equal(steps, [snap.step, snap2.step])
    np.testing.assert_allclose(vals, [np.linalg.norm(g.astype(np.float64)),
                                      np.linalg.norm(snap2.grad.astype(np.float64))])
    view.render(snap2)  # the same snapshot again adds nothing
    assert view.norm_curve.getData()[0].size == 2

    # first-layer entries of the top ten are circled on their pixel
    n_first = sum(p.layer == 0 and p.kind == "W" for p in view.top)
    assert len(view.markers.getData()[0]) == n_first
    assert sum(m.isVisible() for m in view.markers.items) == n_first
    qtbot.wait(30)
    assert_drawn(view)


def test_it_is_the_gradient_of_the_sessions_own_batch(qtbot, view, tiny):
    """One mini-batch of all 600 digits: the pictures equal −(the gradient of those
    600 digits at the initial θ), computed independently by full_gradient."""
    s = TrainingSession(tiny, TrainConfig(batch_size=len(tiny.train_labels)))
    theta0 = s.initial_theta.copy()
    s.train_step()
    snap = s.snapshot()
    view.set_context(s, tiny)
    view.render(snap)
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    fg = full_gradient(net, theta0, tiny.train_images, tiny.train_labels)
    tol = 1e-5 * float(np.abs(fg.grad).max())
    W0, _ = style.layer_views(fg.grad, snap.sizes, 0)
    for j in range(snap.sizes[1]):
        np.testing.assert_allclose(view.first.tile(j), -W0[j].reshape(28, 28), atol=tol, rtol=1e-4)
    for i, (img_w, img_b) in enumerate(view.deeper.images):
        W, b = style.layer_views(fg.grad, snap.sizes, i + 1)
        np.testing.assert_allclose(img_w.image, -W, atol=tol, rtol=1e-4)
        np.testing.assert_allclose(img_b.image[:, 0], -b, atol=tol, rtol=1e-4)
    for p in view.top:
        assert p.value == pytest.approx(-float(fg.grad[p.index]), rel=1e-3, abs=tol)
    assert "all 600 digits of this mini-batch" in view.zeros_text.text()


def test_switch_shows_delta_and_weights(qtbot, view, tiny):
    s, snap = trained(tiny, steps=10)
    view.set_context(s, tiny)
    view.render(snap)
    qtbot.mouseClick(view.modes.buttons["delta"], QtCore.Qt.MouseButton.LeftButton)
    assert view.mode() == "delta" and view.first.mode() == "delta" == view.deeper.mode()
    W0, _ = style.layer_views(snap.delta, snap.sizes, 0)
    np.testing.assert_array_equal(view.first.tile(4), W0[4].reshape(28, 28))
    W1, _ = style.layer_views(snap.delta, snap.sizes, 1)
    np.testing.assert_array_equal(view.deeper.images[0][0].image, W1)
    view.setMode("weights")
    W0, _ = style.layer_views(snap.theta, snap.sizes, 0)
    np.testing.assert_array_equal(view.first.tile(4), W0[4].reshape(28, 28))
    assert view.modes.mode() == "weights"
    # the numbers on the right stay −∇C
    assert view.top[0].value == pytest.approx(-float(snap.grad[view.top[0].index]))
    # the panels' own switches are hidden: one switch for the view
    assert not view.first.modes.isVisible() and not view.deeper.modes.isVisible()
    for b in view.modes.buttons.values():
        assert b.toolTip()


def test_a_new_run_clears_the_norm_history(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.render(snap)
    s.train_step()
    view.render(s.snapshot())
    assert view.norm_curve.getData()[0].size == 2
    s.reset()
    s.train_step()
    snap = s.snapshot()
    view.render(snap)
    steps, _ = view.norm_curve.getData()
    np.testing.assert_array_equal(steps, [1])


def test_the_norm_history_keeps_growing_while_the_view_is_hidden(qtbot, view, tiny):
    s, snap = trained(tiny, steps=3)
    view.set_context(s, tiny)
    view.render(snap)
    view.hide()  # another tab: the window only hands over snapshots with ingest()
    expected = {3: float(np.linalg.norm(snap.grad))}
    for _ in range(4):
        s.train_step()
        hidden = s.snapshot()
        view.ingest(hidden)
        expected[hidden.step] = float(np.linalg.norm(hidden.grad))
    view.show()
    view.render(hidden)
    steps, norms = view.norm_curve.getData()
    np.testing.assert_array_equal(steps, [3, 4, 5, 6, 7])
    np.testing.assert_allclose(norms, [expected[k] for k in range(3, 8)], rtol=1e-6)


def test_step_zero_diverged_and_other_shapes(qtbot, view, tiny):
    s = TrainingSession(tiny, TrainConfig())
    view.set_context(s, tiny)
    view.render(s.snapshot())  # no step yet: all zeros
    assert view.top == () and "No step yet" in view.zeros_text.text()
    for _ in range(3):
        s.train_step()
    snap = s.snapshot()
    nan = np.full_like(snap.theta, np.nan)
    bad = replace(snap, seq=snap.seq + 1, theta=frozen(nan), grad=frozen(nan), delta=frozen(nan),
                  diverged=True)
    view.render(snap)
    view.render(bad)
    assert "not a number" in view.zeros_text.text()
    qtbot.wait(10)
    pixels(view)
    for hidden in [(5,), (32, 24, 16), ()]:
        s2, snap2 = trained(tiny, steps=3, hidden=hidden)
        view.set_context(s2, tiny)
        view.render(snap2)
        W0, _ = style.layer_views(snap2.grad, snap2.sizes, 0)
        np.testing.assert_array_equal(view.first.tile(0), -W0[0].reshape(28, 28))
        assert len(view.deeper.plots) == len(hidden)
        qtbot.wait(10)
        pixels(view)


def test_while_running_one_part_is_drawn_per_render_and_the_rest_catches_up(qtbot, view, tiny):
    """A running session's snapshots are drawn a quarter of the view per render (the
    GUI thread pays for a quarter per frame); when no newer snapshot follows, the
    other parts catch up, and every snapshot's |∇C| is in the history."""
    PARTS = view.PARTS
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.render(snap)  # stopped: everything at once
    assert view.pending_parts() == []
    top0 = tuple(p.index for p in view.top)
    snaps = []
    for k in range(len(PARTS)):
        s.train_step()
        snaps.append(replace(s.snapshot(), running=True))
        view.render(snaps[-1])
        # only PARTS[k] shows the newest snapshot
        assert view.pending_parts() == [p for p in PARTS if p != PARTS[k]]
        if k == 0:  # the first-layer pictures are new, the table not yet
            W0, _ = style.layer_views(snaps[-1].grad, snaps[-1].sizes, 0)
            np.testing.assert_array_equal(view.first.tile(0), -W0[0].reshape(28, 28))
            assert tuple(p.index for p in view.top) == top0
    last = snaps[-1]
    qtbot.waitUntil(lambda: view.pending_parts() == [], timeout=2000)
    W0, _ = style.layer_views(last.grad, last.sizes, 0)
    np.testing.assert_array_equal(view.first.tile(0), -W0[0].reshape(28, 28))
    order = np.argsort(-np.abs(last.grad.astype(np.float64)), kind="stable")[:10]
    assert [p.index for p in view.top] == [int(i) for i in order]
    steps, _ = view.norm_curve.getData()
    np.testing.assert_array_equal(steps, [snap.step] + [x.step for x in snaps])
    # a stopped run's snapshot is drawn whole at once
    s.train_step()
    done = s.snapshot()
    assert not done.running
    view.render(done)
    assert view.pending_parts() == []
    np.testing.assert_array_equal(view.first.tile(0), -style.layer_views(done.grad, done.sizes, 0)[0][0]
                                  .reshape(28, 28))


def test_labels_grow_when_their_text_needs_more_lines(qtbot, view, tiny):
    """The summary and the words under the sizes change every step without laying the
    view out again, but still get the height a longer text needs."""
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    view.render(snap)
    qtbot.wait(20)
    for label in (view.summary, view.zeros_text):
        box = label.parentWidget()
        assert label.size() == box.size()
        h0 = box.height()
        box.setText(label.text() + " More words." * 60)
        qtbot.waitUntil(lambda b=box, h=h0: b.height() > h, timeout=2000)
        assert label.size() == box.size()
        assert label.height() >= label.heightForWidth(label.width())


def test_colour_scale_follows_the_gradient_from_the_first_step(qtbot, lesson_window):
    """Opened before the first step (−∇C all zeros), then one step with →: the pictures'
    colour scale is the gradient's own (its 99th percentile of |g|, not ±1 left from
    the zeros), and both colour bars print numbers on both sides of zero."""
    from PySide6.QtCore import Qt

    win = lesson_window
    qtbot.keyClick(win, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    view = win.current_view()
    assert isinstance(view, GradientView)
    qtbot.waitUntil(lambda: view.snap is not None and view.snap.step == 0, timeout=5000)
    qtbot.keyClick(win, Qt.Key.Key_Right)  # one step
    qtbot.waitUntil(lambda: view.snap is not None and view.snap.step == 1
                    and not view.pending_parts(), timeout=15000)
    snap = view.snap
    W0, _ = style.layer_views(snap.grad, snap.sizes, 0, negate=True)
    deep = np.concatenate([a.ravel() for l in range(1, len(snap.sizes) - 1)
                           for a in style.layer_views(snap.grad, snap.sizes, l, negate=True)])
    for panel, image, values in ((view.first, view.first.image, W0),
                                 (view.deeper, view.deeper.images[0][0], deep)):
        lo, hi = image.getLevels()
        m = style.robust_max(values)
        assert lo == -hi and 0.7 * m <= hi <= 1.5 * m, (hi, m)
        shown = shown_numbers(qtbot, panel.bar.axis, at_least=3)
        assert min(shown) < 0 < max(shown), shown  # numbers below and above zero
        assert max(abs(v) for v in shown) <= hi * 1.001
        assert max(abs(v) for v in shown) >= 0.4 * hi


@pytest.mark.parametrize("scale", [1.0, 1.45], ids=["normal", "presenter"])
def test_the_table_words_are_as_long_as_fit_and_never_cut(qtbot, tiny, scale):
    """Wide, the whole sentence; narrower, the short form; narrow, "should grow": always
    every cell whole, in normal and presenter fonts (the font set anew as F5 does)."""
    from gdviz.qt.views.top_changes import TopChangesTable

    s, snap = trained(tiny, steps=20)
    top = top_parameters(snap.sizes, snap.grad, 10)
    table = TopChangesTable(10)
    qtbot.addWidget(table)
    table.setFont(style.scaled(table.font(), scale))
    table.show()
    forms = []
    for width in (1400, 520, 300):
        table.resize(width, 400)
        table.show_changes(top, (28, 28), len(snap.sizes) - 1, snap.sizes)
        qtbot.wait(1)
        assert table_cells_cut(table) == [], (width, table_cells_cut(table))
        assert table.rowHeight(0) >= table.fontMetrics().height()
        words = [table.item(r, 4).text() for r in range(10)]
        assert all(w.startswith(("should grow", "should shrink")) for w in words)
        forms.append(table.words_form)
        if table.words_form == 2:
            assert set(words) <= {"should grow", "should shrink"}
    assert forms == sorted(forms) and forms[0] == 0 and forms[-1] == 2
    assert "the weight from" in table.item(3, 0).toolTip() or "the bias of" in table.item(3, 0).toolTip()

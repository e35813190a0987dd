"""The Generalisation view: its confusion matrix and mistakes are the engine's,
a click on a mistake pins that test digit, the experiments switch the data,
and the accuracy curve collects the run's evaluations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6 import QtCore  # noqa: E402

from gdviz.core import Network  # noqa: E402
from gdviz.training.analysis import accuracy_gap, confusion_matrix, misclassified  # noqa: E402
from gdviz.training.config import TrainConfig  # noqa: E402
from gdviz.training.session import TrainingSession  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402
from qt_helpers import assert_drawn, render_until, trained as _trained  # noqa: E402


@pytest.fixture
def view(show_view):
    return show_view("generalisation")


def trained(dataset, steps: int = 40, **config):
    return _trained(dataset, steps, **config)
def show(qtbot, view, snap):
    """Render ``snap`` until the background result for its step is on screen."""
    return render_until(qtbot, view, snap, "result", timeout=10_000)


def test_confusion_matrix_and_mistakes_are_the_engines(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    res = show(qtbot, view, snap)
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    _, acc, preds = net.evaluate(tiny.test_images, tiny.test_labels, theta=snap.theta)
    counts = view.matrix.counts
    assert counts.shape == (10, 10)
    assert counts.sum() == len(tiny.test_labels) == 200
    np.testing.assert_array_equal(counts, confusion_matrix(tiny.test_labels, preds))
    assert np.trace(counts) / counts.sum() == pytest.approx(acc)
    assert res.accuracy == pytest.approx(acc)
    # the training accuracy shown is the session's own measure at this θ
    n_tr = min(len(tiny.train_labels), 2000)
    assert res.train_accuracy == pytest.approx(
        net.evaluate(tiny.train_images[:n_tr], tiny.train_labels[:n_tr], theta=snap.theta)[1])
    # the gallery: the most confident mistakes, in the engine's order
    wrong = misclassified(net, snap.theta, tiny.test_images, tiny.test_labels, max_n=200)
    k = len(view.gallery.items)
    assert 0 < k <= 24 and view.gallery.visible_count > 0
    assert [it.index for it in view.gallery.items] == list(wrong.indices[:k])
    for it, t3 in zip(view.gallery.items, wrong.top3[:k]):
        assert it.top3 == tuple(int(v) for v in t3)
        assert it.label != it.top3[0]
    qtbot.wait(10)
    assert_drawn(view)
    assert_drawn(view.matrix)
    assert_drawn(view.gallery)


def test_clicking_a_mistake_pins_that_test_digit(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    show(qtbot, view, snap)
    k = 2
    idx = view.gallery.items[k].index
    rect = view.gallery.thumbnail_rect(k)
    qtbot.mouseClick(view.gallery, QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    s.train_step()  # the session applies the command before the next mini-batch
    snap2 = s.snapshot()
    assert snap2.example_source == f"test digit #{idx}"
    assert snap2.example_label == int(tiny.test_labels[idx])
    np.testing.assert_array_equal(snap2.example_image, tiny.test_images[idx])
    view.render(snap2)
    assert view.gallery.pinned == idx


def test_a_matrix_cell_filters_the_gallery(qtbot, view, tiny):
    s, snap = trained(tiny)
    view.set_context(s, tiny)
    show(qtbot, view, snap)
    counts = view.matrix.counts
    off = counts.copy()
    np.fill_diagonal(off, 0)
    r, c = np.unravel_index(np.argmax(off), off.shape)
    assert off[r, c] > 0
    rect = view.matrix.cell_rect(int(r), int(c))
    qtbot.mouseClick(view.matrix, QtCore.Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert view.matrix.selected == (r, c)
    items = view.gallery.items
    assert len(items) == min(24, off[r, c])
    assert all(it.label == r and it.top3[0] == c for it in items)
    assert not view.show_all.isHidden()
    view.show_all.click()
    assert view.matrix.selected is None
    assert len(view.gallery.items) == min(24, off.sum())


def test_subset_button_switches_the_data(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    show(qtbot, view, snap)
    # without a window callback: the session itself is told
    view.size_buttons[500].click()
    assert view.dataset.n_train == 500 and view.dataset.n_test == tiny.n_test
    s.train_step()
    assert s.dataset is view.dataset
    snap2 = s.snapshot()
    assert snap2.n_train == 500 and snap2.run_id != snap.run_id
    res = show(qtbot, view, snap2)
    assert res.counts.sum() == tiny.n_test
    assert view.size_buttons[500].isChecked()
    assert "500" in view.expect.text()

    # with the window's callback: it gets the dataset (shuffled labels of the 500)
    got = []
    view.set_dataset_callback(got.append)
    view.shuffle_button.click()
    assert len(got) == 1 and got[0].n_train == 500
    assert got[0] is view.dataset
    sub = s.dataset
    np.testing.assert_array_equal(got[0].train_images, sub.train_images)
    assert np.array_equal(np.sort(got[0].train_labels), np.sort(sub.train_labels))
    assert not np.array_equal(got[0].train_labels, sub.train_labels)
    assert view.shuffle_button.isChecked()
    assert "10 %" in view.expect.text()
    # the window then calls set_context with it: nothing is lost
    view.set_context(s, got[0])
    assert view.shuffle_button.isChecked() and view.size_buttons[500].isChecked()
    # back to the full data: the original dataset itself
    view.back_button.click()
    assert got[-1] is tiny
    assert view.size_buttons[None].isChecked() and not view.shuffle_button.isChecked()
    assert not view.back_button.isEnabled()


def test_accuracy_curve_collects_the_runs_evaluations(qtbot, view, tiny):
    s = TrainingSession(tiny, TrainConfig(eval_every=10))
    view.set_context(s, tiny)
    for _ in range(25):
        s.train_step()
    first = s.snapshot()  # carries the evaluations at steps 0 (the untrained network), 10 and 20
    view.render(first)
    for _ in range(10):
        s.train_step()
        view.ingest(s.snapshot())  # while the tab is hidden, the window only ingests
    evals = view.evaluations
    assert [e.step for e in evals] == [0, 10, 20, 30]
    gap = accuracy_gap(evals)
    view.render(s.snapshot())
    x, y = view.train_curve.getData()
    np.testing.assert_allclose(x, gap.step)
    np.testing.assert_allclose(y, 100 * gap.train_accuracy)
    np.testing.assert_allclose(view.test_curve.getData()[1], 100 * gap.test_accuracy)
    # a new run clears it
    s.reset()
    s.train_step()
    view.render(s.snapshot())
    assert [e.step for e in view.evaluations] == [0]  # only the new run's untrained network
    x, _ = view.train_curve.getData()
    assert x is not None and list(x) == [0]


def test_a_view_shown_late_starts_from_the_last_evaluation(qtbot, view, tiny):
    s = TrainingSession(tiny, TrainConfig(eval_every=10))
    for _ in range(25):
        s.train_step()
    s.snapshot()  # taken by someone else: its evaluations are gone
    s.train_step()
    view.set_context(s, tiny)
    view.render(s.snapshot())
    assert [e.step for e in view.evaluations] == [20]


def test_a_diverged_theta_renders_without_error(qtbot, view, tiny):
    s, snap = trained(tiny, steps=5)
    view.set_context(s, tiny)
    bad = replace(snap, theta=frozen(np.full(snap.theta.shape, np.nan, np.float32)), diverged=True,
                  step=snap.step + 1)
    res = show(qtbot, view, bad)
    assert not res.finite
    assert view.matrix.counts is None
    assert view.gallery.items == []
    qtbot.wait(10)
    assert_drawn(view)


def test_recomputes_at_most_twice_a_second_while_training_and_every_step_when_paused(
        qtbot, view, tiny, monkeypatch):
    import gdviz.qt.views.generalisation as mod

    class Clock:
        now = 1000.0

        def perf_counter(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr(mod, "time", clock)
    submitted = []
    real_submit = view.job.submit

    def submit(key, *args, **kw):
        sent = real_submit(key, *args, **kw)
        if sent:
            submitted.append(key[1])  # the step
        return sent

    monkeypatch.setattr(view.job, "submit", submit)
    s, snap = trained(tiny, steps=2)
    view.set_context(s, tiny)
    show(qtbot, view, snap)  # the first result comes at once
    assert submitted == [snap.step]
    running = []
    for k in range(4):  # new steps 0.1 s apart while training: none recomputed yet
        s.train_step()
        running.append(replace(s.snapshot(), running=True))
        clock.now += 0.1
        view.render(running[-1])
    assert submitted == [snap.step]
    clock.now += 0.2  # 0.6 s after the last computation
    view.render(running[-1])
    assert submitted == [snap.step, running[-1].step]
    for k in range(3):  # paused: every new step, at once
        s.train_step()
        view.render(s.snapshot())
    assert submitted[-3:] == [running[-1].step + 1, running[-1].step + 2, running[-1].step + 3]
    view.render(s.snapshot())  # the same step again: nothing new to compute
    assert len(submitted) == 5


def test_its_numbers_are_the_sessions_at_the_same_step_and_name_it(qtbot, view, tiny):
    """The status bar shows the session's last evaluation; at that step this tab shows
    the very same numbers, and every number says which step it belongs to."""
    s = TrainingSession(tiny, TrainConfig(eval_every=10, lr=3.0))
    view.set_context(s, tiny)
    for _ in range(10):
        s.train_step()
    snap = s.snapshot()
    ev = snap.last_eval
    assert ev.step == snap.step == 10
    res = show(qtbot, view, snap)
    assert res.evaluation == ev  # one source: the session's evaluation of this step
    assert f"{100 * ev.test_accuracy:.1f} %" in view.matrix_note.text()
    assert "at step 10:" in view.matrix_note.text()
    assert "At step 10:" in view.readout.text()
    assert f"test {100 * ev.test_accuracy:.1f} %" in view.readout.text()
    # a few steps later (paused between evaluations): measured here, the same way
    for _ in range(3):
        s.train_step()
    snap = s.snapshot()
    res = show(qtbot, view, snap)
    assert res.step == 13 and snap.last_eval.step == 10
    assert "at step 13:" in view.matrix_note.text() and "At step 13:" in view.readout.text()
    assert "the last at step 10" in view.gap_note.text()


def test_opened_first_in_presenter_mode_it_fits_without_scrolling(qtbot, make_window):
    """F5 at 1280x720, then Alt+6: the view made with presenter mode's fonts shows all of
    itself (the explanatory notes make way), nothing clipped."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from gdviz.qt.views import VIEWS
    from layout_check import layout_problems

    win = make_window(size=(1280, 720), engine="thread")
    QTest.keyClick(win, QtCore.Qt.Key.Key_F5)
    assert win.presenter.active
    QTest.keyClick(win, QtCore.Qt.Key.Key_0 + 1 + list(VIEWS).index("generalisation"),
                   QtCore.Qt.KeyboardModifier.AltModifier)
    view = win.current_view()
    qtbot.waitUntil(lambda: view.result is not None and view.result.step == win.last_snapshot.step,
                    timeout=15_000)
    for _ in range(3):  # what it shows drawn, and the layout its new texts ask for done
        win.render(win.last_snapshot)
        qtbot.wait(20)
        QApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
    try:
        assert not view.scroll.verticalScrollBar().isVisible(), view.scroll.verticalScrollBar().maximum()
        assert not view.gap_note.isVisible() and not view.tip.isVisible()  # presenter mode's notes
        assert view.matrix_note.isVisible() and "Test accuracy at step" in view.matrix_note.text()
        assert layout_problems(win) == []
    finally:
        QTest.keyClick(win, QtCore.Qt.Key.Key_F5)
    assert view.gap_note.isVisible() and view.tip.isVisible()

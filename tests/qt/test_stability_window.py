"""The stability meter in the window: beside the cost, in the Step-size view, per run
(kept while hidden, new after Reset), outlined by a lesson chapter, and throttled."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtWidgets  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from gdviz.qt.fitting_label import FittingLabel  # noqa: E402
from gdviz.qt.menus import find_action, find_menu  # noqa: E402
from gdviz.qt.stability import DUTY, StabilityMonitor  # noqa: E402
from gdviz.training.config import TrainConfig  # noqa: E402
from gdviz.training.lesson import parse_lesson  # noqa: E402
from gdviz.training.session import TrainingSession  # noqa: E402
from gdviz.training.sharpness import SharpnessMeter  # noqa: E402

from layout_check import clipped_texts  # noqa: E402

Key = QtCore.Qt.Key
WAIT = 30_000


def _press(win, key, modifier=QtCore.Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(win.focusWidget() or win, key, modifier)
    QtWidgets.QApplication.processEvents()


def _xs(panel) -> list:
    x = panel.lam_curve.getData()[0]
    return [] if x is None else [float(v) for v in x]


def _measured(qtbot, win, step: int):
    """Wait until the meter holds an estimate of ``step`` of the run shown; ``(step, λ, η)``."""
    h = win.stability.history

    def done():
        last = h.last()
        return (last is not None and last[0] == step and h.run is not None
                and h.run[0] == win.last_snapshot.run_id)

    qtbot.waitUntil(done, timeout=WAIT)
    return h.last()


def test_the_panel_beside_the_cost_shows_lambda_of_the_steps_taken(qtbot, window):
    live = window.live
    assert "stability" in window.panels and "stability" in window.frames_by_panel
    assert live.bottom_split.indexOf(window.frames_by_panel["cost"]) == 0
    assert live.bottom_split.indexOf(window.frames_by_panel["stability"]) == 1
    _press(window, Key.Key_Right)  # one step, as a person does
    qtbot.waitUntil(lambda: window.last_snapshot.step == 1, timeout=WAIT)
    step, lam, lr = _measured(qtbot, window, 1)
    snap = window.last_snapshot
    ds = window.session.dataset
    ref = SharpnessMeter(snap.sizes, snap.activation, snap.cost_name, ds.train_images[:500],
                         ds.train_labels[:500]).estimate(snap.theta, tol=1e-8)
    assert lam == pytest.approx(ref.lam, rel=2e-2)
    panel = window.stability_panel
    qtbot.waitUntil(lambda: f"η·λ_max = {lr:.3g} × {lam:.3g} = {lr * lam:.2f}" in panel.words.text(),
                    timeout=WAIT)
    assert panel.words.text().endswith("< 2: stable" if lr * lam < 2 else "is stable")
    x, y = panel.lam_curve.getData()
    assert x[-1] == 1 and y[-1] == pytest.approx(lam)
    # with a single estimate the 2/η line (and the red zone above it) still crosses the plot
    lx, ly = panel.limit_curve.getData()
    x_lo, x_hi = panel.plot.viewRange()[0]
    assert lx[-1] - lx[0] >= 0.9 * (x_hi - x_lo) and ly[-1] == pytest.approx(min(2 / lr, panel._top))
    for name in ("cost", "stability"):  # (the whole window at every size: test_layout_sizes)
        assert clipped_texts(window.frames_by_panel[name]) == []


def test_the_history_is_kept_while_hidden_and_starts_again_after_reset(qtbot, window):
    _press(window, Key.Key_Right)
    _measured(qtbot, window, 1)
    # hide the panel from the View menu, and show another tab: the meter keeps measuring
    panels = find_menu(window, "View").actions()
    menu = next(a.menu() for a in panels if a.menu() is not None and "Panels" in a.text())
    action = find_action(menu, "Stability")
    action.trigger()
    assert not window.frames_by_panel["stability"].isVisible()
    window.show_view("gradient")
    _press(window, Key.Key_Right)
    _measured(qtbot, window, 2)
    assert list(window.stability.history.steps) == [0.0, 1.0, 2.0]  # opened, then each step
    window.show_view("live")
    action.trigger()
    panel = window.stability_panel
    qtbot.waitUntil(lambda: _xs(panel) == [0.0, 1.0, 2.0], timeout=WAIT)  # drawn when shown again
    # Reset: a new run, a new history
    old_run = window.last_snapshot.run_id
    _press(window, Key.Key_R, QtCore.Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != old_run, timeout=WAIT)
    _measured(qtbot, window, 0)
    assert list(window.stability.history.steps) == [0.0]
    qtbot.waitUntil(lambda: _xs(panel) == [0.0], timeout=WAIT)


def test_the_step_size_view_marks_two_over_lambda_and_says_eta_lambda(qtbot, window):
    view = window.show_view("step-size")
    _press(window, Key.Key_Right)
    step, lam, _ = _measured(qtbot, window, 1)
    lr = window.last_snapshot.lr

    def says():
        view.render(window.last_snapshot)
        return f"η·λ_max = {lr * lam:.2f}" in view.stability.text()

    qtbot.waitUntil(says, timeout=WAIT)
    assert "stable below 2" in view.stability.text()
    assert view.limit_line.isVisible()
    assert view.limit_line.value() == pytest.approx(math.log10(2 / lam))
    assert "2/λ_max" in view.limit_line.label.format
    assert clipped_texts(view) == []


def test_a_larger_eta_is_called_unstable_at_once(qtbot, window):
    _, lam, _ = _measured(qtbot, window, 0)  # the untrained network, measured as the window opens
    assert 8.0 * lam >= 2  # (λ_max ≈ 0.8 on these digits)
    edit = window.controls.lr_edit  # η typed as a person does, while paused
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, "8")
    QTest.keyClick(edit, Key.Key_Return)
    qtbot.waitUntil(lambda: window.last_snapshot.lr == 8.0, timeout=WAIT)
    panel = window.stability_panel  # the same θ, another η: no new estimate needed
    qtbot.waitUntil(lambda: f"η·λ_max = 8 × {lam:.3g}" in panel.words.text(), timeout=WAIT)
    assert f"≥ 2: unstable; η < {2 / lam:.3g} is stable" in panel.words.text()
    assert panel.limit_curve.getData()[1][-1] == pytest.approx(min(2 / 8, panel._top))
    view = window.show_view("step-size")

    def says():
        view.render(window.last_snapshot)
        return "unstable" in view.stability.text()

    qtbot.waitUntil(says, timeout=WAIT)
    assert f"η·λ_max = {8 * lam:.2f} ≥ 2" in view.stability.text()
    assert len(window.stability.history) == 1


def test_a_chapter_about_eta_outlines_the_stability_panel(qtbot, window):
    lesson = parse_lesson('title = "η"\n[[chapter]]\ntitle = "The learning rate η"\n'
                          'text = "η times the curvature must stay below 2."\n'
                          'view = "live"\npanel = "stability"\n')
    window.lesson.start(lesson, 0)
    qtbot.waitUntil(lambda: window.lesson.controller.ready, timeout=WAIT)
    frame = window.frames_by_panel["stability"]
    assert "e66101" in frame.styleSheet()
    sizes = window.live.bottom_split.sizes()
    assert sizes[1] >= 0.4 * sum(sizes)  # the chapter's panel gets room
    for name in ("cost", "stability"):
        assert clipped_texts(window.frames_by_panel[name]) == []


# ---------------------------------------------------------------- the meter alone
def test_the_newest_theta_is_measured_after_a_burst_of_steps(qtbot, tiny):
    s = TrainingSession(tiny, TrainConfig())
    mon = StabilityMonitor(digits=100, hz=1e6)  # no throttle: only "busy" holds requests back
    mon.set_dataset(tiny)
    for _ in range(6):
        s.train_step()
        mon.observe(s.snapshot())  # while the first estimate runs, the later ones wait
    qtbot.waitUntil(lambda: mon.history.last() is not None and mon.history.last()[0] == 6, timeout=WAIT)
    assert mon.history.steps[0] == 1  # the first step was measured, then the newest
    qtbot.waitUntil(lambda: not mon.pending, timeout=WAIT)
    mon.shutdown()


def test_the_rate_is_held_whatever_the_session_does(qtbot, tiny):
    s = TrainingSession(tiny, TrainConfig())
    mon = StabilityMonitor(digits=100, hz=1e-3)  # one estimate in 1,000 s at most
    mon.set_dataset(tiny)
    s.train_step()
    with qtbot.waitSignal(mon.updated, timeout=WAIT):
        mon.observe(s.snapshot())
    for _ in range(3):  # paused single steps and a long Step both wait for the interval
        s.train_step()
        mon.observe(s.snapshot())
    qtbot.wait(300)
    assert list(mon.history.steps) == [1.0]
    assert mon.pending  # it comes back for the newest θ once the interval has passed
    mon.shutdown()


def test_an_expensive_estimate_lengthens_the_interval():
    mon = StabilityMonitor(hz=1.0)
    assert mon.interval() == 1.0
    mon.cpu_per_estimate = 0.06
    assert mon.interval() == pytest.approx(0.06 / DUTY)
    mon.shutdown()


# ---------------------------------------------------------------- the fitting legend
def test_the_legend_shortens_then_disappears_rather_than_clip(qtbot):
    lab = FittingLabel(["<b>a long legend with many words</b>", "short", ""])
    qtbot.addWidget(lab)
    lab.show()
    full = lab.sizeHint().width()
    lab.resize(full + 10, 20)
    assert lab.current() == 0
    lab.resize(full // 2, 20)
    assert lab.current() == 1 and lab.text() == "short"
    lab.resize(3, 20)
    assert lab.text() == ""
    assert clipped_texts(lab.parentWidget() or lab) == []
    assert lab.minimumSizeHint().width() == 0 and lab.sizeHint().width() == full
    np.testing.assert_equal(lab.sizeHint().width(), full)  # (not the text shown)

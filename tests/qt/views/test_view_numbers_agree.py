"""Driven as a person would: the Generalisation tab and the status bar say which step
their accuracy belongs to, and at the same step they say the same number."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

WAIT = 15_000  # ms


@pytest.fixture
def window(make_window):
    return make_window(size=(1600, 1000))


def step_to(qtbot, win, step: int) -> None:
    while win.last_snapshot.step < step:
        now = win.last_snapshot.step
        qtbot.keyClick(win, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda: win.last_snapshot.step == now + 1, timeout=WAIT)


def test_generalisation_and_the_status_bar_agree_at_a_paused_step(qtbot, window):
    every = window.controls.config.eval_every
    assert every > 0
    step_to(qtbot, window, every)  # the session measures at this step
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier)
    view = window.views["generalisation"]
    assert window.current_view() is view
    qtbot.waitUntil(lambda: view.result is not None and view.result.step == every, timeout=WAIT)
    ev = window.last_snapshot.last_eval
    acc = f"{100 * ev.test_accuracy:.1f}"
    assert window.status.accuracy.text() == f"test accuracy {acc}% (step {every:,})"
    qtbot.waitUntil(lambda: f"At step {every:,}:" in view.readout.text(), timeout=WAIT)
    assert f"test {acc} %" in view.readout.text()
    assert f"at step {every:,}: {acc} %" in view.matrix_note.text()
    # three steps on: the tab measures θ now and says so; the session evaluates the step
    # training stopped at, so the status bar names that step too
    step_to(qtbot, window, every + 3)
    qtbot.waitUntil(lambda: view.result.step == every + 3, timeout=WAIT)
    qtbot.waitUntil(lambda: f"At step {every + 3:,}:" in view.readout.text(), timeout=WAIT)
    assert f"at step {every + 3:,}:" in view.matrix_note.text()
    qtbot.waitUntil(lambda: window.status.accuracy.text().endswith(f"(step {every + 3:,})"), timeout=WAIT)

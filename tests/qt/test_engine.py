"""The window and its training process: never frozen by it, honest about it,
and back where the user was when it has to be replaced."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from gdviz.qt.engine import NOT_RESPONDING_TEXT

from process_helpers import Stopped

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP/SIGKILL")

WAIT = 30_000  # ms


@pytest.fixture
def win(qtbot, tiny):
    """A shown window training in a child process that has answered at least once."""
    from gdviz.qt.window import MainWindow

    w = MainWindow(tiny, None, engine="process")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.session.process.is_alive() and w.session.reply_age is not None, timeout=WAIT)
    yield w
    w.close()
    for box in w.message_boxes:
        box.close()
    assert not w.thread.isRunning()


def status_texts(w) -> list[str]:
    """What the status bar shows: its message and every visible label."""
    sb = w.statusBar()
    return [sb.currentMessage()] + [lab.text() for lab in sb.findChildren(QLabel) if lab.isVisible()]


def says_not_responding(w) -> bool:
    return any(NOT_RESPONDING_TEXT in t for t in status_texts(w))


def drag(qtbot, slider, to_x: int) -> None:
    """Press on the slider's handle and drag it to ``to_x`` in small moves."""
    y = slider.height() // 2
    span = slider.maximum() - slider.minimum()
    x = round((slider.value() - slider.minimum()) / span * (slider.width() - 1))
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    step = 1 if to_x > x else -1
    for px in range(x, to_x, step):
        QTest.mouseMove(slider, QPoint(px, y))
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(to_x, y))


def test_a_stopped_training_process_never_freezes_the_window(qtbot, win, tmp_path):
    """While the process is stopped, η slider drags and keys return at once
    (the process is still stopped when they are done), the status bar says
    "Training process not responding", and the words go away once it goes on;
    then it trains with the η the slider shows."""
    assert not says_not_responding(win)
    slider = win.controls.lr_slider
    with Stopped(win.session.process.pid) as stopped:
        moved = []
        slider.valueChanged.connect(moved.append)
        drag(qtbot, slider, 5)
        drag(qtbot, slider, slider.width() - 5)
        slider.setFocus()
        for key in [Qt.Key.Key_Down, Qt.Key.Key_Up] * 200 + [Qt.Key.Key_PageDown] * 2:
            QTest.keyClick(slider, key)
        qtbot.keyClick(win, Qt.Key.Key_Right)  # one step
        assert len(moved) > 300
        assert not stopped.fired.is_set()  # all of it done while the process was stopped
        qtbot.waitUntil(lambda: says_not_responding(win), timeout=WAIT)
        win.grab().save(str(tmp_path / "not-responding.png"))
        wanted = win.controls.config.lr
        assert win.session.config.lr == wanted
    qtbot.waitUntil(lambda: not says_not_responding(win), timeout=WAIT)
    qtbot.waitUntil(lambda: not win.session.busy and win.last_snapshot.step == 1, timeout=WAIT)
    assert win.last_snapshot.lr == wanted


def test_a_killed_process_is_replaced_and_keeps_training(qtbot, win):
    """Running stays running, with the same η and network, from the weights shown last."""
    c = win.controls
    c.lr_edit.setFocus()
    c.lr_edit.selectAll()
    qtbot.keyClicks(c.lr_edit, "0.5")
    qtbot.keyClick(c.lr_edit, Qt.Key.Key_Return)
    win.setFocus()
    qtbot.keyClick(win, Qt.Key.Key_Space)  # run
    qtbot.waitUntil(lambda: win.last_snapshot.running and win.last_snapshot.step > 5, timeout=WAIT)
    assert win.last_snapshot.lr == 0.5
    shown = [(win.session, win.last_snapshot)]  # (session, snapshot) of every frame from now on
    win.frameRendered.connect(lambda _step: shown.append((win.session, win.last_snapshot)))
    old = win.session
    sizes = win.last_snapshot.sizes
    os.kill(old.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: win.session is not old, timeout=WAIT)
    last_shown = [snap for session, snap in shown if session is old][-1]
    new = win.session
    assert np.array_equal(new.initial_theta, last_shown.theta)
    assert "stopped unexpectedly" in win.message_boxes[-1].windowTitle()
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.running
                    and win.last_snapshot.step > 3, timeout=WAIT)
    snap = win.last_snapshot
    assert snap.lr == 0.5 and snap.sizes == sizes and new.process.is_alive()
    assert c.run_action.isChecked()


def test_a_killed_process_is_replaced_and_stays_paused(qtbot, win):
    c = win.controls
    c.nudge_lr(-1)
    lr = c.config.lr
    win.session.pin_example(7)
    win.setFocus()
    for _ in range(4):
        qtbot.keyClick(win, Qt.Key.Key_Right)  # four steps
    qtbot.waitUntil(lambda: win.last_snapshot.step == 4 and not win.session.busy, timeout=WAIT)
    old, theta = win.session, win.last_snapshot.theta
    os.kill(old.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: win.session is not old and win.last_snapshot is not None, timeout=WAIT)
    # (the pin is the last command the new process applies)
    qtbot.waitUntil(lambda: not win.session.busy and win.last_snapshot is not None
                    and win.last_snapshot.example_source == "test digit #7", timeout=WAIT)
    snap = win.last_snapshot
    assert not snap.running and snap.step == 0 and snap.lr == lr
    assert np.array_equal(snap.theta, theta) and snap.example_source == "test digit #7"
    assert not c.run_action.isChecked()

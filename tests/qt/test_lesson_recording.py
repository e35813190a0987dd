"""Recording a lesson: Record from step 0, Reset while recording asks (save / record on /
cancel), and no empty "0 steps" file is ever saved. Keys and clicks as a teacher would."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from gdviz.training.recording import open_recording

from qt_helpers import key

WAIT = 15_000


def steps(qtbot, window, n):
    """n presses of →, each waited for."""
    for _ in range(n):
        start = window.last_snapshot.step
        key(qtbot, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda: window.last_snapshot.step == start + 1, timeout=WAIT)


def train(qtbot, window, more_than):
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.last_snapshot.step > more_than, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.session.busy and not window.last_snapshot.running, timeout=WAIT)


def answer(qtbot, window, button: str):
    box = window.lesson_recording.question
    assert box is not None and box.isVisible()
    qtbot.mouseClick(box.findChild(QPushButton, button), Qt.MouseButton.LeftButton)
    assert window.lesson_recording.question is None
    window.activateWindow()  # (the window manager's part, offscreen)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)


def test_record_from_step_0_records_the_whole_run(qtbot, window, tmp_path):
    train(qtbot, window, 40)  # the class has played a little first
    path = tmp_path / "lesson.gdvrec"
    assert "Record from &step 0…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert window.lesson_recording.record_from_step_0(path)
    qtbot.waitUntil(lambda: window.replay.recorder is not None, timeout=WAIT)
    assert window.last_snapshot.step == 0
    train(qtbot, window, 30)
    n = window.last_snapshot.step
    assert window.replay.stop_recording() == path
    with open_recording(path) as rec:
        assert rec.start_step == 0 and rec.n_steps == n and rec.steps.tolist() == list(range(1, n + 1))
        assert rec.theta_steps[0] == 0


def test_reset_while_recording_asks_and_saves(qtbot, window, tmp_path):
    path = tmp_path / "run.gdvrec"
    assert window.replay.start_recording(path)
    steps(qtbot, window, 4)
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Ctrl+R
    assert window.session.step_count == 4  # nothing reset yet: the question is open
    answer(qtbot, window, "SaveThenReset")
    qtbot.waitUntil(lambda: window.last_snapshot.step == 0, timeout=WAIT)
    assert window.replay.recorder is None
    with open_recording(path) as rec:
        assert rec.n_steps == 4


def test_reset_while_recording_can_record_on_into_a_second_file(qtbot, window, tmp_path):
    path = tmp_path / "run.gdvrec"
    assert window.replay.start_recording(path)
    steps(qtbot, window, 3)
    qtbot.mouseClick(window.controls.reset_button, Qt.MouseButton.LeftButton)
    answer(qtbot, window, "RecordNewRun")
    qtbot.waitUntil(lambda: window.replay.recorder is not None and window.last_snapshot.step == 0, timeout=WAIT)
    assert window.replay.recorder.path == tmp_path / "run-2.gdvrec"
    steps(qtbot, window, 2)
    assert window.replay.stop_recording() == tmp_path / "run-2.gdvrec"
    with open_recording(path) as first, open_recording(tmp_path / "run-2.gdvrec") as second:
        assert first.n_steps == 3
        assert second.start_step == 0 and second.steps.tolist() == [1, 2]


def test_cancel_keeps_recording_and_the_run(qtbot, window, tmp_path):
    assert window.replay.start_recording(tmp_path / "run.gdvrec")
    steps(qtbot, window, 2)
    qtbot.mouseClick(window.controls.lesson_button, Qt.MouseButton.LeftButton)  # a preset resets too
    answer(qtbot, window, "CancelReset")
    assert window.replay.recorder is not None and window.session.step_count == 2
    steps(qtbot, window, 1)
    assert window.replay.recorder.n_costs == 3


def test_no_empty_file_is_saved(qtbot, window, tmp_path):
    path = tmp_path / "empty.gdvrec"
    assert window.replay.start_recording(path)
    assert window.replay.stop_recording() is None
    assert not path.exists() and not Path(str(path) + ".part").exists()
    assert "no step was recorded" in window.statusBar().currentMessage()
    # reset before the first step: no question, the recording starts again at the new step 0
    assert window.replay.start_recording(path)
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.lesson_recording.question is None
    qtbot.waitUntil(lambda: window.replay.recorder is not None, timeout=WAIT)
    steps(qtbot, window, 2)
    assert window.replay.stop_recording() == path
    with open_recording(path) as rec:
        assert rec.start_step == 0 and rec.n_steps == 2

"""One truth for every number: the status bar, the dock and the panels show the same
snapshot's η, accuracy and step, and a message about old settings does not outlive them."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt

from gdviz.training import LESSON  # noqa: E402
from qt_helpers import key, type_lr  # noqa: E402

WAIT = 15_000


def test_after_the_lesson_preset_the_dock_no_longer_speaks_of_the_old_eta(qtbot, window):
    c = window.controls
    type_lr(qtbot, window, "100")
    assert "η = 100 from the next step" in c.message_label.text()
    qtbot.waitUntil(lambda: window.status.lr.text() == "η = 100", timeout=WAIT)
    qtbot.mouseClick(c.lesson_button, Qt.MouseButton.LeftButton)
    eta = f"{LESSON.lr:g}"
    assert c.lr_edit.text() == eta
    assert "100" not in c.message_label.text()
    assert f"η = {eta}" in c.message_label.text()
    qtbot.waitUntil(lambda: window.last_snapshot.lr == LESSON.lr and window.status.lr.text() == f"η = {eta}",
                    timeout=WAIT)


def test_paused_numbers_name_the_step_they_belong_to(qtbot, window):
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.last_snapshot.step > 40, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.session.busy and not window.last_snapshot.running
                    and window.last_snapshot.last_eval.step == window.last_snapshot.step, timeout=WAIT)
    snap = window.last_snapshot
    window.render(snap)
    ev = snap.last_eval
    assert window.status.step.text() == f"step {snap.step:,}"
    assert window.status.accuracy.text() == f"test accuracy {100 * ev.test_accuracy:.1f}% (step {snap.step:,})"
    assert window.status.lr.text() == f"η = {LESSON.lr:g}"
    # the cost panel's newest evaluation is the same one
    assert window.cost_panel.evals.last("step") == snap.step
    assert window.cost_panel.evals.last("test_acc") == pytest.approx(100 * ev.test_accuracy)
    assert window.controls.lr_edit.text() == f"{LESSON.lr:g}"

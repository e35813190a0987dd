"""One truth for every number: the status bar, the dock and the panels show the same
snapshot's η, accuracy and step, and a message about old settings does not outlive them."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt

from qt_helpers import key, type_lr

WAIT = 15_000


def test_after_the_lesson_preset_the_dock_no_longer_speaks_of_the_old_eta(qtbot, window):
    c = window.controls
    type_lr(qtbot, window, "100")
    assert "η = 100 from the next step" in c.message_label.text()
    qtbot.waitUntil(lambda: window.status.lr.text() == "η = 100", timeout=WAIT)
    qtbot.mouseClick(c.lesson_button, Qt.MouseButton.LeftButton)
    assert c.lr_edit.text() == "3"
    assert "100" not in c.message_label.text()
    assert "η = 3" in c.message_label.text()
    qtbot.waitUntil(lambda: window.last_snapshot.lr == 3.0 and window.status.lr.text() == "η = 3", timeout=WAIT)


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
    assert window.status.lr.text() == "η = 3"
    # the cost panel's newest evaluation is the same one
    assert window.cost_panel.evals.last("step") == snap.step
    assert window.cost_panel.evals.last("test_acc") == pytest.approx(100 * ev.test_accuracy)
    assert window.controls.lr_edit.text() == "3"

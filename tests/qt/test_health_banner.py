"""A banner when training has gone wrong: η = 100 typed with the keyboard, Space, and the
window says in plain words that the network is saturated, with the fix; Reset clears it."""

from __future__ import annotations

import pytest

from gdviz.qt.control_values import format_lr
from gdviz.training.config import LESSON

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt

from qt_helpers import key, type_lr

WAIT = 30_000


def run_at_eta_100(qtbot, window):
    type_lr(qtbot, window, "100")
    key(qtbot, Qt.Key.Key_Space)
    banner = window.health_banner
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=WAIT)
    return banner


def test_eta_100_brings_a_banner_in_plain_words_and_reset_clears_it(qtbot, window, tmp_path):
    assert not window.health_banner.isVisible()
    banner = run_at_eta_100(qtbot, window)
    text = banner.label.text()
    assert ("saturated" in text or "stuck" in text) and "Lower η" in text and "Reset" in text
    assert "η = 100" in text
    key(qtbot, Qt.Key.Key_Space)  # pause
    window.grab().save(str(tmp_path / "health-banner.png"))
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Ctrl+R
    qtbot.waitUntil(lambda: window.last_snapshot.step == 0, timeout=WAIT)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT)


def test_the_banners_fix_lowers_eta_and_resets(qtbot, window):
    banner = run_at_eta_100(qtbot, window)
    qtbot.mouseClick(banner.fix_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    assert window.controls.lr_edit.text() == format_lr(LESSON.lr)
    qtbot.waitUntil(lambda: window.last_snapshot.step == 0 and window.last_snapshot.lr == LESSON.lr
                    and not window.last_snapshot.running, timeout=WAIT)


def test_a_healthy_lesson_run_has_no_banner(qtbot, window):
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.last_snapshot.step > 400, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    assert not window.health_banner.isVisible()

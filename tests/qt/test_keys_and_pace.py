"""Keys that always work and a pace a class can watch, driven as a user would: QTest key
presses and mouse clicks on the real window."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from gdviz.training.config import DEFAULT_PACE, LESSON

from qt_helpers import key

WAIT = 15_000  # ms


@pytest.fixture
def window(make_window):
    return make_window(size=(1280, 720))


def type_into(qtbot, field, text):
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


# ---------------------------------------------------------------- keys
def test_enter_in_the_eta_field_gives_space_back_to_the_window(qtbot, window):
    c = window.controls
    type_into(qtbot, c.lr_edit, "0.5")
    assert QApplication.focusWidget() is c.lr_edit
    key(qtbot, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is not c.lr_edit
    qtbot.waitUntil(lambda: window.last_snapshot.lr == 0.5, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.last_snapshot.running, timeout=WAIT)
    assert c.lr_edit.text() == "0.5"  # no spaces typed into it
    assert " " not in c.lr_edit.text()
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.session.running, timeout=WAIT)
    step = window.session.step_count
    key(qtbot, Qt.Key.Key_Right)  # → one step
    qtbot.waitUntil(lambda: window.last_snapshot.step == step + 1 and not window.session.busy, timeout=WAIT)


def test_escape_in_the_eta_field_puts_back_its_value_and_gives_the_keys_back(qtbot, window):
    c = window.controls
    type_into(qtbot, c.lr_edit, "7")
    key(qtbot, Qt.Key.Key_Escape)
    assert c.lr_edit.text() == f"{LESSON.lr:g}" and c.config.lr == LESSON.lr
    assert QApplication.focusWidget() is not c.lr_edit
    key(qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.last_snapshot.step == 1, timeout=WAIT)
    assert window.last_snapshot.lr == LESSON.lr


def test_enter_in_the_batch_box_and_the_hidden_field_gives_the_keys_back(qtbot, window):
    c = window.controls
    type_into(qtbot, c.batch_spin, "25")
    key(qtbot, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is not c.batch_spin
    key(qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.last_snapshot.step == 1, timeout=WAIT)
    assert window.last_snapshot.batch_size == 25
    type_into(qtbot, c.hidden_edit, "20")
    key(qtbot, Qt.Key.Key_Return)
    assert c.hidden_edit.text() == "20"
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Ctrl+R: reset with the new network
    qtbot.waitUntil(lambda: window.last_snapshot.sizes == (784, 20, 10), timeout=WAIT)


def test_space_and_right_reach_the_window_from_every_widget_but_a_text_field(qtbot, window):
    """Buttons, sliders, combo boxes, the tab bar, plots and every view: the window's keys work."""
    from gdviz.qt.views import VIEWS

    for name in VIEWS:
        window.show_view(name)
        qtbot.wait(10)
    window.show_view("live")
    c = window.controls
    fired = []
    c.run_action.toggled.connect(lambda on: fired.append("space"))
    c.step_action.triggered.connect(lambda: fired.append("right"))
    tried = 0
    for w in window.findChildren(QWidget):
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus or isinstance(w, QLineEdit):
            continue
        tabs = window.tabs
        pages = [tabs.widget(i) for i in range(tabs.count()) if tabs.widget(i).isAncestorOf(w)]
        tabs.setCurrentWidget(pages[0]) if pages else tabs.setCurrentIndex(0)
        if not w.isVisible():
            continue
        w.setFocus()
        if QApplication.focusWidget() is not w:
            continue
        if w.property("gdviz_keys_installed"):  # a text field (spin box): typing, then Enter
            key(qtbot, Qt.Key.Key_Return)
        fired.clear()
        key(qtbot, Qt.Key.Key_Space)
        key(qtbot, Qt.Key.Key_Right)
        assert fired[:1] == ["space"] and "right" in fired, (type(w).__name__, w.objectName(), fired)
        tried += 1
    assert tried >= 20
    window.show_view("live")


# ---------------------------------------------------------------- pace
def test_a_fresh_start_runs_at_a_watchable_pace_and_f_fast_forwards(qtbot, make_window):
    window = make_window(size=(1280, 720), restore_settings=True)
    c = window.controls
    assert c.config.steps_per_second == DEFAULT_PACE
    assert c.speed_combo.currentText() == "10 steps / s"
    qtbot.waitUntil(lambda: "10 steps/s" in window.status.speed.text(), timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.last_snapshot.running and window.last_snapshot.step >= 3, timeout=WAIT)
    qtbot.waitUntil(lambda: window.last_snapshot.samples_per_s > 0, timeout=WAIT)
    # samples/s agrees with the pace (10 steps/s of 10 digits), not with the computer's top speed
    assert 0 < window.last_snapshot.samples_per_s < 130  # (a loaded machine may be slower, never faster)
    qtbot.waitUntil(lambda: "samples/s" in window.status.speed.text()
                    and "— samples/s" not in window.status.speed.text(), timeout=WAIT)  # (10 Hz status)
    assert window.session.step_count < 200
    key(qtbot, Qt.Key.Key_F)  # fast-forward
    assert c.fast_action.isChecked() and c.speed_combo.currentData() == 0.0
    qtbot.waitUntil(lambda: window.last_snapshot.steps_per_second == 0.0
                    and "max speed" in window.status.speed.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: window.session.step_count > 500, timeout=WAIT)
    key(qtbot, Qt.Key.Key_F)  # and back to the pace
    assert not c.fast_action.isChecked() and c.speed_combo.currentData() == DEFAULT_PACE
    qtbot.waitUntil(lambda: "10 steps/s" in window.status.speed.text(), timeout=WAIT)
    assert window.last_snapshot.running


def test_the_fast_button_starts_a_paused_run_and_the_pace_is_remembered(qtbot, make_window):
    from gdviz.qt import settings as settings_mod

    window = make_window(size=(1280, 720), restore_settings=True)
    c = window.controls
    c.set_pace(2.0)
    qtbot.mouseClick(c.fast_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.last_snapshot.running and window.last_snapshot.steps_per_second == 0,
                    timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)  # Shift+Space: back to 2 steps/s
    assert c.speed_combo.currentData() == 2.0
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.session.running, timeout=WAIT)
    key(qtbot, Qt.Key.Key_F)
    window.save_settings()  # while fast-forwarding: the pace to come back to is what is kept
    assert settings_mod.load_settings(QSettings("gdviz", "gdviz")).pace == 2.0

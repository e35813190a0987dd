"""The first ten minutes of a lesson, as a teacher gives them (#9): step once, run at the
default pace, type an η and press Space, push η to 100 and see the warning, reset, visit
every tab, presenter mode at 1280×720, draw a digit, record from step 0 and replay it.

Driven with keys and the mouse through Qt's test API on the real window, with training in
its own process as `gdviz` starts it. It asserts what a person would see: numbers that
agree with the step they belong to, nothing blank, nothing clipped.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from gdviz.qt.views import VIEWS
from gdviz.training.recording import open_recording

from layout_check import clipped_texts
from qt_helpers import assert_drawn, key, type_lr

WAIT = 30_000
ALT, SHIFT = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ShiftModifier


def status_numbers(win) -> dict:
    s = win.status
    return {"step": int(s.step.text().split()[1].replace(",", "")),
            "lr": s.lr.text().split("= ")[1]}


def numbers_agree(win) -> None:
    """The status bar, the dock and the snapshot on screen tell the same step and η."""
    snap = win.last_snapshot
    shown = status_numbers(win)
    assert shown["step"] == snap.step
    assert float(shown["lr"]) == pytest.approx(snap.lr, rel=1e-3)
    acc = win.status.accuracy.text()
    if snap.last_eval is not None:
        m = re.search(r"\(step ([\d,]+)\)", acc)
        assert m and int(m.group(1).replace(",", "")) == snap.last_eval.step


def settle(qtbot, win):
    qtbot.waitUntil(lambda: not win.last_snapshot.running and not win.session.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: win.status.step.text() == f"step {win.last_snapshot.step:,}", timeout=WAIT)


@pytest.fixture
def window(make_window, sample):
    # as `gdviz` opens it: fresh settings (a temporary XDG_CONFIG_HOME), training in its own process
    return make_window(sample, size=(1280, 720), restore_settings=True)


@pytest.mark.slow
def test_the_first_ten_minutes(qtbot, window, tmp_path, monkeypatch):
    win = window
    assert not clipped_texts(win.controls_dock) and not clipped_texts(win.statusBar())

    # 1. one step with →: the cost plot has the untrained point and the first step
    key(qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 1, timeout=WAIT)
    settle(qtbot, win)
    numbers_agree(win)
    assert_drawn(win.cost_panel)

    # 2. Space: the default pace is one a class can follow, and it is shown
    pace = win.last_snapshot.steps_per_second
    assert 0 < pace <= 30
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.last_snapshot.step >= 10, timeout=WAIT)
    assert "steps/s" in win.status.speed.text() or "step" in win.status.speed.text()
    key(qtbot, Qt.Key.Key_Space)
    settle(qtbot, win)
    numbers_agree(win)

    # 3. a typed η, Enter, Space: it trains at that η; no space typed into the field
    type_lr(qtbot, win, "0.5")
    start = win.last_snapshot.step
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.last_snapshot.step > start + 3 and win.last_snapshot.lr == 0.5, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    settle(qtbot, win)
    assert win.controls.lr_edit.text() == "0.5"
    numbers_agree(win)

    # 4. η = 100 at full speed: a banner says what went wrong, in words, with the fix
    type_lr(qtbot, win, "100")
    key(qtbot, Qt.Key.Key_F)  # fast-forward (runs)
    qtbot.waitUntil(lambda: win.health_banner.isVisible(), timeout=60_000)
    assert "Lower η" in win.health_banner.label.text()
    key(qtbot, Qt.Key.Key_Space)
    settle(qtbot, win)

    # 5. Ctrl+R: back to step 0, the banner goes
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 0, timeout=WAIT)
    qtbot.waitUntil(lambda: not win.health_banner.isVisible(), timeout=WAIT)
    type_lr(qtbot, win, "1.5")
    key(qtbot, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: win.last_snapshot.step >= 300, timeout=60_000)
    key(qtbot, Qt.Key.Key_Space)
    settle(qtbot, win)
    numbers_agree(win)

    # 6. every tab, by its Alt+number key: drawn, and the status bar still agrees
    for i, name in enumerate(VIEWS, start=1):
        if i > 9:
            break
        key(qtbot, getattr(Qt.Key, f"Key_{i}"), ALT)
        qtbot.waitUntil(lambda n=name: win.views.get(n) is not None and win.views[n].isVisible(), timeout=WAIT)
        view = win.views[name]
        if name == "draw":
            continue  # empty until a digit is drawn (below)
        qtbot.waitUntil(lambda v=view: not v.jobs_pending(), timeout=60_000)
        qtbot.wait(300)
        assert_drawn(view)
        numbers_agree(win)
    key(qtbot, Qt.Key.Key_0, ALT)

    # 7. presenter mode at 1280×720: the read-outs a class needs stay in sight
    key(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: win.presenter_bar.isVisible(), timeout=WAIT)
    qtbot.wait(200)
    for label in (win.status.step, win.status.lr, win.status.accuracy, win.output_panel.answer):
        assert label.isVisible() and label.width() > 20
    assert not clipped_texts(win.statusBar())
    assert_drawn(win.output_panel)
    key(qtbot, Qt.Key.Key_F5)

    # 8. draw a digit: the network answers
    draw_key = list(VIEWS).index("draw") + 1
    key(qtbot, getattr(Qt.Key, f"Key_{draw_key}"), ALT)
    view = win.views["draw"]
    canvas = view.canvas
    qtbot.waitUntil(lambda: canvas.isVisible(), timeout=WAIT)
    pts = [(100, 60), (100, 120), (100, 200)]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(*pts[0]).toPoint())
    for p in pts[1:]:
        qtbot.mouseMove(canvas, canvas.to_widget(*p).toPoint())
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(*pts[-1]).toPoint())
    qtbot.waitUntil(lambda: view.answer is not None, timeout=WAIT)
    assert str(view.answer) in view.answer_label.text()
    key(qtbot, Qt.Key.Key_0, ALT)

    # 9. record from step 0, train, stop; then replay the file
    path = tmp_path / "lesson.gdvrec"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    win.lesson_recording.action.trigger()  # File ▸ Record from step 0… (the menu is a popup)
    qtbot.waitUntil(lambda: win.replay.recorder is not None and win.last_snapshot.step == 0, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.last_snapshot.step >= 20, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Space)
    settle(qtbot, win)
    n = win.last_snapshot.step
    win.replay.stop_record_action.trigger()
    with open_recording(path) as rec:
        assert rec.start_step == 0 and rec.n_steps == n
    key(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | SHIFT)  # Open recording…
    qtbot.waitUntil(lambda: win.replay.active, timeout=WAIT)
    assert_drawn(win.cost_panel)

"""What fast-forward costs the GUI thread, in counts per frame (never in time): the
display timer ticks twice a frame, a snapshot is ingested at most once a frame (the
ones published meanwhile merge in the mailbox), and every step's cost still reaches
the cost curve."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from gdviz.training.session import TrainingSession  # noqa: E402


def test_snapshots_published_twice_a_frame_are_ingested_once_a_frame(window, tiny, monkeypatch):
    from gdviz.qt import window as window_mod

    window.timer.stop()  # the test ticks the display itself, on a clock of its own
    clock = [window_mod.time.perf_counter() + 10.0]
    monkeypatch.setattr(window_mod.time, "perf_counter", lambda: clock[0])
    tick = 1.0 / (window.fps * len(window_mod.RENDER_GROUPS))
    trainer = TrainingSession(tiny, window.session.config, publish_hz=0)
    assert trainer.snapshot().run_id == window.last_snapshot.run_id
    ingests0, drawn0 = window.frames, dict(window.panel_frames)
    ticks = 120  # 60 frames: 2 s of display at 30 fps
    for _ in range(ticks):
        for _ in range(2):  # training publishes at 60 Hz: one snapshot per tick
            trainer.train_step()
            trainer.train_step()
            window.session.mailbox.put(replace(trainer.snapshot(), running=True))
        window.poll()
        clock[0] += tick
    frames = ticks // len(window_mod.RENDER_GROUPS)
    assert window.frames - ingests0 == frames  # once a frame, not once a tick
    for name in ("cost", "output", "deeper_layers"):
        assert window.panel_frames[name] - drawn0[name] == frames, name  # each panel once a frame
    window.session.mailbox.put(replace(trainer.snapshot(), running=False))
    window.poll()
    steps = window.cost_panel.steps
    assert steps.n == trainer.step_count == 4 * ticks  # every step's cost reached the curve
    assert list(steps.view("step")[-3:]) == [4 * ticks - 2, 4 * ticks - 1, 4 * ticks]


def test_fast_forward_through_the_keys_draws_and_keeps_every_step(qtbot, window):
    QTest.keyClick(window, Qt.Key.Key_Space)  # Run
    QTest.keyClick(window, Qt.Key.Key_F)  # as fast as possible
    qtbot.waitUntil(lambda: window.last_snapshot.running and window.last_snapshot.step > 50, timeout=15000)
    frames0, ingests0 = window.panel_frames["output"], window.frames
    qtbot.waitUntil(lambda: window.panel_frames["output"] >= frames0 + 5, timeout=15000)
    QTest.keyClick(window, Qt.Key.Key_Space)  # Pause
    assert window.frames - ingests0 <= window.panel_frames["output"] - frames0 + 3
    qtbot.waitUntil(lambda: not window.session.busy and not window.last_snapshot.running, timeout=15000)
    qtbot.waitUntil(lambda: window.session.mailbox.peek() is window.last_snapshot, timeout=15000)
    assert window.cost_panel.steps.n == window.last_snapshot.step

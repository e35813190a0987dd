"""What fast-forward costs the GUI thread, in counts per frame (never in time): the
display timer ticks twice a frame, a snapshot is ingested at most once a frame (the
ones published meanwhile merge in the mailbox), every step's cost still reaches the
cost curve, and new values in labels repaint them once without a relayout."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QEvent, QObject, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gdviz.training.config import TrainConfig  # noqa: E402
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


class _Events(QObject):
    """Counts events of the given types per receiver, on the whole application."""

    def __init__(self, *kinds):
        super().__init__()
        self.kinds, self.seen = kinds, []

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() in self.kinds:
            self.seen.append((event.type(), obj))
        return False

    def count(self, kind, obj) -> int:
        return sum(1 for k, o in self.seen if k == kind and o is obj)


def _frames(tiny, n):
    s = TrainingSession(tiny, TrainConfig(), publish_hz=0)
    out = []
    for _ in range(n):
        s.train_step()
        out.append(replace(s.snapshot(), running=True))
    return out


def test_the_cost_line_repaints_once_per_new_value_and_asks_no_relayout(qtbot, tiny):
    from gdviz.qt.output import OutputPanel

    panel = OutputPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 520)
    panel.show()
    qtbot.waitExposed(panel)
    frames = _frames(tiny, 12)
    panel.render(frames[0])
    qtbot.wait(50)
    events = _Events(QEvent.Type.Paint, QEvent.Type.LayoutRequest)
    QApplication.instance().installEventFilter(events)
    try:
        shown = set()
        for snap in frames[1:]:
            panel.render(snap)
            shown.add(panel.cost.text())
            QApplication.processEvents()
    finally:
        QApplication.instance().removeEventFilter(events)
    assert len(shown) > 5  # the value did change ...
    assert events.count(QEvent.Type.Paint, panel.cost.label) <= len(frames) - 1  # ... one paint each
    assert events.count(QEvent.Type.LayoutRequest, panel.cost) == 0


def test_status_readouts_change_without_laying_out_the_window(qtbot, window, tiny):
    frames = _frames(tiny, 30)
    for snap in frames[:3]:  # (the labels take the width of their widest text)
        window.status.show(snap)
    qtbot.wait(300)  # (and the window its first layouts)
    events = _Events(QEvent.Type.LayoutRequest)
    QApplication.instance().installEventFilter(events)
    try:
        steps = set()
        for snap in frames[3:]:
            window.status.show(snap)
            steps.add(window.status.step.text())
            QApplication.processEvents()
    finally:
        QApplication.instance().removeEventFilter(events)
    assert len(steps) == len(frames) - 3
    # (a label widens, once, when a text needs more room than any before: "step 10")
    assert events.count(QEvent.Type.LayoutRequest, window.statusBar()) <= 2
    assert events.count(QEvent.Type.LayoutRequest, window) <= 2
    # ... and the text still fits its label
    for label in (window.status.step, window.status.epoch, window.status.speed, window.status.accuracy):
        assert label.sizeHint().width() <= label.width(), label.text()


@pytest.mark.parametrize("name", ["live", "landscape", "sgd-vs-gd", "example-cost"])
def test_training_shown_in_a_view_lays_nothing_out_again(qtbot, window, name):
    """While training runs, new numbers and words repaint; they do not lay out the tabs
    or a plot again each frame (a relayout of the window costs ~1-2 ms of the frame).
    Before: landscape 9-18, GD vs SGD ~5, one example ~4.5 relayouts a second."""
    from PySide6.QtWidgets import QGraphicsWidget

    from gdviz.qt.views import VIEWS

    index = 0 if name == "live" else 1 + list(VIEWS).index(name)
    QTest.keyClick(window, Qt.Key.Key_0 + index, Qt.KeyboardModifier.AltModifier)
    assert window.tabs.current_name() == name
    QTest.keyClick(window, Qt.Key.Key_Space)  # Run
    QTest.keyClick(window, Qt.Key.Key_F)  # as fast as possible
    start = window.frames
    qtbot.waitUntil(lambda: window.frames >= start + 15, timeout=30_000)  # (first layouts, axes widening)
    events = _Events(QEvent.Type.LayoutRequest)
    QApplication.instance().installEventFilter(events)
    try:
        start = window.frames
        qtbot.waitUntil(lambda: window.frames >= start + 45, timeout=60_000)
    finally:
        QApplication.instance().removeEventFilter(events)
        QTest.keyClick(window, Qt.Key.Key_Space)
    relayouts = [o for _k, o in events.seen if o is window.tabs or isinstance(o, QGraphicsWidget)]
    assert len(relayouts) <= 4, [type(o).__name__ for o in relayouts]

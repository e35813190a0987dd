"""Record the live run, replay it in the window, overlay other runs.

Offscreen (tests/conftest.py). The window is built as in tests/test_qt_window.py
and the replay controller attached with ``gdviz.qt.replay.attach(window)``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton

from gdviz.training import LESSON, TrainingSession
from gdviz.training.recording import Recorder, open_recording
from qt_helpers import wait_idle  # noqa: E402
from reference import fresh_run  # noqa: E402

WAIT = 15_000
CFG = replace(LESSON, eval_every=15)  # what the window sets for the tiny data (600 / 10 / 4)
SHOT_DIR = os.environ.get("GDVIZ_TEST_SHOTS")  # keep the replay screenshot here when set


# ---------------------------------------------------------------- helpers
def wait_step(qtbot, win, step):
    """Until the window shows step ``step`` with the session paused there."""
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.step == step
                    and not win.last_snapshot.running and not win.session.busy, timeout=WAIT)
    return win.last_snapshot


def record_sync(path, dataset, config, n, snap_every=50):
    """A recording made without a window (as the lead's tests do)."""
    s = TrainingSession(dataset, config, publish_hz=0)
    rec = Recorder.from_session(path, s)
    for i in range(n):
        s.train_step()
        rec.on_step(s.step_count, s.net.theta)
        if i % snap_every == 0:
            rec.record_snapshot(s.snapshot())
    rec.record_snapshot(s.snapshot())
    rec.close()
    return path


def pixel_variety(widget) -> int:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.bytesPerLine() * h // 4)
    return len(np.unique(arr.reshape(h, img.bytesPerLine() // 4)[:, :w]))


@pytest.fixture
def window(make_window):
    win = make_window()
    win._test_replay = win.replay  # attached by MainWindow itself
    yield win
    win.replay.on_close()


@pytest.fixture
def recorded(qtbot, window, tmp_path):
    """A real windowed run of 250 steps recorded from step 0; (window, controller, path, n)."""
    ctl = window._test_replay
    path = tmp_path / "live.gdvrec"
    assert ctl.start_recording(path)
    window.session.step(250)
    wait_step(qtbot, window, 250)
    assert ctl.stop_recording() == path
    return window, ctl, path, 250


# ---------------------------------------------------------------- recording
def test_menu_entries_and_rec_status(qtbot, window, tmp_path):
    from gdviz.qt.menus import find_menu

    texts = [a.text() for a in find_menu(window, "File").actions()]
    for t in ("&Record this run…", "Stop recording", "Open &recording…", "&Compare with recording…",
              "&Back to live training"):
        assert t in texts
    assert texts[-1] == "&Quit"
    ctl = window._test_replay
    assert not ctl.stop_record_action.isEnabled() and not ctl.live_action.isEnabled()
    assert ctl.start_recording(tmp_path / "r.gdvrec")
    assert window.session.recorder is ctl.recorder
    qtbot.waitUntil(lambda: ctl.rec_label.isVisible(), timeout=WAIT)
    assert ctl.rec_label.text().startswith("● REC ") and ctl.rec_label.text().endswith(" MB")
    assert not ctl.record_action.isEnabled() and ctl.stop_record_action.isEnabled()
    window.session.step(5)
    wait_step(qtbot, window, 5)
    path = ctl.stop_recording()
    assert window.session.recorder is None and not ctl.rec_label.isVisible()
    assert path.exists() and not Path(str(path) + ".part").exists()
    with open_recording(path) as rec:
        assert rec.n_steps == 5 and rec.steps.tolist() == [1, 2, 3, 4, 5]


def test_record_replay_is_bitwise(qtbot, recorded, tiny):
    """θ at every recorded step and every step's cost equal a fresh deterministic run's."""
    window, ctl, path, n = recorded
    thetas, costs, _ = fresh_run(tiny, CFG, n)
    assert ctl.open_recording(path)
    assert ctl.active and ctl.dock.isVisible()
    rec = ctl.recording
    assert rec.theta_steps.tolist() == [0, 64, 128, 192, 250]
    np.testing.assert_array_equal(rec.costs, costs)  # (bitwise: float64 equality)
    # Scrub forwards, backwards and to the same θ record again.
    for step in (0, 64, 250, 128, 192, 0, 250, 64):
        snap = ctl.seek(step)
        shown = window.last_snapshot
        assert shown is snap and shown.step == step
        np.testing.assert_array_equal(shown.theta, thetas[step])
        np.testing.assert_array_equal(shown.theta, rec.theta_at(step)[1])
        h = window.cost_panel.history()
        assert h["steps"].tolist() == list(range(1, step + 1))
        np.testing.assert_array_equal(h["costs"], costs[:step])
        assert window.status.step.text() == f"step {step:,}"
    # Between θ records the panels show the last recorded θ, and say so.
    snap = ctl.seek(100)
    np.testing.assert_array_equal(snap.theta, thetas[64])
    assert "recorded at step 64" in snap.message
    # evaluations made while recording are in the cost panel (the window's eval_every is 15)
    assert window.cost_panel.evals.n == len(rec.evals_until(100)) > 0


def test_replay_freezes_live_and_back_to_live_restores(qtbot, recorded):
    window, ctl, path, n = recorded
    live_hist = window.cost_panel.history()
    assert live_hist["steps"].size == n
    theta_live = window.last_snapshot.theta.copy()
    window.controls.run()
    qtbot.waitUntil(lambda: window.last_snapshot.step > n + 5, timeout=WAIT)
    assert ctl.open_recording(path)
    # the live run is paused and nothing of it is drawn while replaying
    qtbot.waitUntil(lambda: not window.session.running, timeout=WAIT)
    assert not window.timer.isActive() and not window.controls.isEnabled()
    assert not window.controls.run_action.isEnabled()
    step_paused = window.session.step_count
    ctl.seek(200)
    qtbot.wait(200)
    assert window.last_snapshot.step == 200 and window.session.step_count == step_paused
    assert ctl.back_to_live()
    assert not ctl.active and not ctl.dock.isVisible()
    assert window.timer.isActive() and window.controls.isEnabled() and window.controls.run_action.isEnabled()
    # the live history is back, and the run (which was running) goes on
    h = window.cost_panel.history()
    assert h["steps"][:n].tolist() == live_hist["steps"].tolist()
    qtbot.waitUntil(lambda: window.last_snapshot.step > step_paused + 5, timeout=WAIT)
    h = window.cost_panel.history()
    assert h["steps"].tolist() == list(range(1, h["steps"].size + 1))  # no step lost or repeated
    window.controls.pause()
    wait_idle(qtbot, window)
    assert not np.array_equal(window.last_snapshot.theta, theta_live)


def test_play_pause_speed_and_theta_steps(qtbot, recorded):
    window, ctl, path, n = recorded
    assert ctl.open_recording(path)
    assert ctl.step == 0
    ctl.step_theta(+1)
    assert ctl.step == 64
    ctl.step_theta(+1)
    assert ctl.step == 128
    ctl.step_theta(-1)
    assert ctl.step == 64
    ctl.seek(100)
    ctl.step_theta(-1)
    assert ctl.step == 64
    # the slider and the step box move the replay (the slider coalesces a drag)
    ctl.timeline.slider.setValue(150)
    qtbot.waitUntil(lambda: ctl.step == 150, timeout=WAIT)
    ctl.timeline.spin.setValue(30)
    assert ctl.step == 30 and ctl.timeline.slider.value() == 30
    ctl.set_speed(4000)
    assert ctl.speed() == 4000.0
    ctl.play()
    assert ctl.playing
    qtbot.waitUntil(lambda: not ctl.playing, timeout=WAIT)
    assert ctl.step == n and window.last_snapshot.step == n
    assert window.cost_panel.history()["steps"].size == n
    assert ctl.timeline.play_button.text() == "▶ Play"


def test_replay_panels_render_non_blank(qtbot, recorded, tmp_path):
    window, ctl, path, n = recorded
    assert ctl.open_recording(path, 192)
    window.resize(1600, 1000)
    qtbot.wait(100)
    ctl.show_step(192)
    qtbot.wait(50)
    for name, panel in window.panels.items():
        assert window.panel_frames[name] > 0
        assert pixel_variety(panel) > 40, name
    out = window.save_screenshot(tmp_path / "replay.png")
    img = QImage(str(out))
    assert img.width() == window.width() and img.height() == window.height()
    if SHOT_DIR:
        Path(SHOT_DIR).mkdir(parents=True, exist_ok=True)
        window.save_screenshot(Path(SHOT_DIR) / "replay-window.png")


def test_pinning_a_digit_in_replay(qtbot, recorded):
    window, ctl, path, n = recorded
    assert ctl.open_recording(path, 128)
    window.output_panel.pinRequested.emit(7)
    assert window.last_snapshot.example_source == "test digit #7"
    assert window.last_snapshot.step == 128


# ---------------------------------------------------------------- bad files
@pytest.mark.parametrize("damage", ["truncated", "corrupted", "not a recording", "empty"])
def test_bad_recording_is_refused_and_nothing_changes(qtbot, recorded, tmp_path, damage):
    window, ctl, path, n = recorded
    data = path.read_bytes()
    bad = tmp_path / f"bad-{damage.replace(' ', '-')}.gdvrec"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "corrupted":
        b = bytearray(data)
        b[len(b) // 2] ^= 0xFF  # inside a θ record
        bad.write_bytes(bytes(b))
    elif damage == "not a recording":
        bad.write_bytes(b"PK\x03\x04 this is something else entirely")
    else:
        bad.write_bytes(b"")
    snap, session, theta = window.last_snapshot, window.session, window.session.net.theta.copy()
    assert not ctl.open_recording(bad)
    box = window.message_boxes[-1]
    assert bad.name in box.text()
    expected = {"truncated": "truncated", "corrupted": "damaged", "not a recording": "not a gdviz recording",
                "empty": "empty"}[damage]
    assert expected in box.text()
    box.close()
    assert not ctl.active and not ctl.dock.isVisible() and window.timer.isActive()
    assert window.session is session and window.last_snapshot is snap
    np.testing.assert_array_equal(window.session.net.theta, theta)
    # ... and while replaying, a bad file keeps the replay as it was
    assert ctl.open_recording(path, 64)
    assert not ctl.open_recording(bad)
    window.message_boxes[-1].close()
    assert ctl.active and ctl.recording.path == path and window.last_snapshot.step == 64


def test_recording_of_another_dataset_replays_on_the_sample(qtbot, window, tmp_path, sample):
    from gdviz.data import Dataset

    other = Dataset(name="letters", train_images=sample.train_images[:300], train_labels=sample.train_labels[:300],
                    test_images=sample.test_images[:50], test_labels=sample.test_labels[:50],
                    description="another data set")
    path = record_sync(tmp_path / "other.gdvrec", other, CFG, 70)
    ctl = window._test_replay
    assert ctl.open_recording(path)
    box = window.message_boxes[-1]
    assert "embedded sample" in box.text() and "letters" in box.text()
    box.close()
    assert ctl._dataset.name == "sample"
    snap = ctl.seek(70)
    assert snap.example_image.shape == (784,)
    ctl.back_to_live()
    assert window.output_panel is not None


# ---------------------------------------------------------------- the run changes while recording
def test_reset_ends_the_recording(qtbot, window, tmp_path):
    ctl = window._test_replay
    assert ctl.start_recording(tmp_path / "r.gdvrec")
    window.session.step(70)
    wait_step(qtbot, window, 70)
    window.controls.reset()  # asks first (gdviz.qt.lesson_recording): save, then reset
    box = window.lesson_recording.question
    qtbot.mouseClick(box.findChild(QPushButton, "SaveThenReset"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.recorder is None, timeout=WAIT)
    assert "reset" in window.statusBar().currentMessage()
    with open_recording(tmp_path / "r.gdvrec") as rec:
        assert rec.n_steps == 70 and rec.steps.size == 70


def test_on_close_finishes_the_recording(qtbot, window, tmp_path):
    ctl = window._test_replay
    assert ctl.start_recording(tmp_path / "c.gdvrec")
    window.session.step(10)
    wait_step(qtbot, window, 10)
    ctl.on_close()
    with open_recording(tmp_path / "c.gdvrec") as rec:
        assert rec.n_steps == 10


# ---------------------------------------------------------------- overlays
def test_compare_runs_overlay_named_coloured_smoothed(qtbot, window, tmp_path, tiny):
    from gdviz.training.series import ema

    ctl = window._test_replay
    a = record_sync(tmp_path / "eta3.gdvrec", tiny, CFG, 120)
    b = record_sync(tmp_path / "eta05.gdvrec", tiny, replace(CFG, lr=0.5), 90)
    name_a = ctl.compare_with(a)
    assert ctl.compare_with(b, name="η = 0.5") == "η = 0.5"
    cp = window.cost_panel
    assert list(cp.overlays()) == [name_a, "η = 0.5"]
    assert f"η = {CFG.lr:g}" in name_a and "eta3" in name_a
    assert len(set(cp.overlays().values())) == 2  # two colours
    assert [label.text for _, label in cp.overlay_legend.items] == [name_a, "η = 0.5"]
    assert cp.overlay_legend.isVisible()
    with open_recording(b) as rec:
        x, y = cp.overlay_data("η = 0.5")
        np.testing.assert_array_equal(x, rec.steps)
        np.testing.assert_allclose(y, ema(np.asarray(rec.costs), None))
    cp.setXInEpochs(True)
    x, _ = cp.overlay_data("η = 0.5")
    assert x[-1] == pytest.approx(90 * 10 / 600)
    cp.setXInEpochs(False)
    # overlays stay when the live history is cleared (reset), and in replay mode
    window.controls.reset()
    qtbot.wait(100)
    assert len(cp.overlays()) == 2
    assert ctl.open_recording(a)
    assert ctl.compare_live() is None or "live run" in cp.overlays()
    ctl.clear_comparisons()
    assert cp.overlays() == {} and not cp.overlay_legend.isVisible()
    # a bad file is refused with a message
    bad = tmp_path / "bad.gdvrec"
    bad.write_bytes(b"nope")
    assert ctl.compare_with(bad) is None
    assert "bad.gdvrec" in window.message_boxes[-1].text()


def test_compare_with_the_live_run_in_replay(qtbot, recorded, tmp_path, tiny):
    window, ctl, path, n = recorded
    other = record_sync(tmp_path / "o.gdvrec", tiny, replace(CFG, lr=1.0), 100)
    assert ctl.open_recording(other)
    assert ctl.compare_live() == "live run"
    x, y = window.cost_panel.overlay_data("live run")
    assert x[-1] == n and y.size == n


@pytest.mark.parametrize("alpha", [0.02, 0.3, 0.9, 1.0])
def test_vectorised_ema_matches_the_step_by_step_definition(alpha):
    """The cost panel's EMA (vectorised: a replay hands it 60,000 steps at once)."""
    import math

    from gdviz.training.series import ema

    def reference(values, start, count):
        out, m, beta, k = np.empty(len(values)), 0.0 if start is None else start, 1 - alpha, count
        raw = m * (1 - beta**k) if k else 0.0
        for i, v in enumerate(values.tolist()):
            if not math.isfinite(v):
                out[i] = out[i - 1] if i else m
                continue
            raw = beta * raw + alpha * v
            k += 1
            out[i] = raw / (1 - beta**k)
        return out

    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 2047, 2048, 2049, 9000):
        for start, count in ((None, 0), (0.7, 10), (2.0, 100_000)):
            x = rng.random(n) * 3
            if n > 10:
                x[[0, 3, n // 2, n - 1]] = [np.nan, np.inf, -np.inf, np.nan]
            np.testing.assert_allclose(ema(x, start, alpha, count), reference(x, start, count),
                                       rtol=1e-11, atol=1e-14)
    np.testing.assert_array_equal(ema(np.full(4, np.nan), 0.3, alpha), [0.3] * 4)

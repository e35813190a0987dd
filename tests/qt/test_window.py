"""The main window: worker thread, controls -> session commands, panels, shutdown.

Offscreen (tests/conftest.py sets QT_QPA_PLATFORM=offscreen); waits use
``qtbot.waitUntil`` / ``qtbot.wait`` (which keep the event loop running).
"""

from __future__ import annotations

import functools
import os
import http.server
import threading
from pathlib import Path

import time

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from gdviz.training import LESSON, TrainConfig
from qt_helpers import wait_idle  # noqa: E402

WAIT = 15_000  # ms


# ---------------------------------------------------------------- helpers
def snap_of(win):
    return win.last_snapshot


def wait_step(qtbot, win, step, timeout=WAIT):
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.step == step, timeout=timeout)
    return win.last_snapshot


def type_lr(qtbot, win, text):
    edit = win.controls.lr_edit
    edit.setFocus()
    edit.selectAll()
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def pixel_variety(widget) -> int:
    """Number of distinct colours in a grab of ``widget``."""
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint32, count=img.bytesPerLine() * h // 4)
    arr = arr.reshape(h, img.bytesPerLine() // 4)[:, :w]
    return len(np.unique(arr))


@pytest.fixture
def window(make_window):
    return make_window()


# ---------------------------------------------------------------- start
def test_opens_paused_on_lesson_network(window):
    snap = window.last_snapshot
    assert snap.step == 0 and not snap.running
    assert snap.sizes == (784, 16, 16, 10)
    assert snap.activation == "sigmoid" and snap.cost_name == "mse"
    assert snap.lr == LESSON.lr and snap.batch_size == 10
    assert window.status.params.text() == "13,002 parameters"
    assert "step 0" in window.status.step.text()
    assert window.controls.run_action.text() == "Run"
    assert "gdviz" in window.windowTitle()
    # About a quarter of an epoch between test evaluations (600 digits / batch 10 / 4).
    assert window.controls.config.eval_every == 15


def test_default_size_and_app_name(window):
    from PySide6.QtWidgets import QApplication

    window.resize(1600, 1000)
    assert window.width() == 1600
    assert window.minimumWidth() <= 1280 and window.minimumHeight() <= 800
    assert QApplication.instance() is not None


# ---------------------------------------------------------------- run / pause / step
def test_pause_stops_the_step_count(qtbot, window):
    window.controls.run()
    qtbot.waitUntil(lambda: window.last_snapshot.step > 20, timeout=WAIT)
    window.controls.pause()
    snap = wait_idle(qtbot, window)
    stopped = snap.step
    qtbot.wait(300)  # the event loop runs on; the session must not move
    assert window.session.step_count == stopped
    assert window.last_snapshot.step == stopped
    assert window.controls.run_action.text() == "Run"


def test_step_advances_exactly_one_mini_batch(qtbot, window):
    before = wait_idle(qtbot, window)
    qtbot.mouseClick(window.controls.step_button, Qt.MouseButton.LeftButton)
    snap = wait_step(qtbot, window, before.step + 1)
    assert snap.examples_seen == before.examples_seen + before.batch_size
    qtbot.wait(200)
    assert window.session.step_count == before.step + 1
    assert not window.last_snapshot.running


def test_step_epoch_finishes_the_epoch(qtbot, window):
    window.controls.step_epoch()
    snap = wait_step(qtbot, window, 60)  # 600 digits / 10
    assert snap.epoch == 1 and snap.examples_seen == 600
    assert snap.last_eval is not None


def test_space_runs_and_pauses_right_arrow_steps(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.last_snapshot.running and window.last_snapshot.step > 5, timeout=WAIT)
    assert window.controls.run_action.text() == "Pause"
    qtbot.keyClick(window, Qt.Key.Key_Space)
    before = wait_idle(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    wait_step(qtbot, window, before.step + 1)


def test_new_lr_is_used_by_the_very_next_step(qtbot, window):
    window.controls.step_once()
    before = wait_step(qtbot, window, 1)
    type_lr(qtbot, window, "0.5")
    assert not window.controls.lr_error
    window.controls.step_once()
    snap = wait_step(qtbot, window, 2)
    assert snap.lr == 0.5
    # Plain SGD: Δθ = −η ∇C exactly (same float32 arithmetic).
    np.testing.assert_array_equal(snap.delta, np.multiply(snap.grad, -0.5))
    np.testing.assert_allclose(snap.theta - before.theta, -0.5 * snap.grad, rtol=1e-5, atol=1e-6)


def test_slider_and_keys_change_lr(qtbot, window):
    c = window.controls
    c.lr_slider.setValue(c.lr_slider.value() - 100)  # one decade down
    assert c.config.lr == pytest.approx(LESSON.lr / 10, rel=0.05)
    c.lr_edit.setFocus()
    qtbot.keyClick(c.lr_edit, Qt.Key.Key_Up)
    assert c.config.lr > LESSON.lr / 10
    qtbot.keyClick(c.lr_edit, Qt.Key.Key_PageUp)
    assert c.lr_edit.text() == f"{c.config.lr:g}"
    c.step_once()
    snap = wait_step(qtbot, window, 1)
    assert snap.lr == c.config.lr


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1e9", "nan", ""])
def test_bad_lr_is_refused_visibly_and_training_continues(qtbot, window, bad):
    window.controls.run()
    qtbot.waitUntil(lambda: window.last_snapshot.step > 5, timeout=WAIT)
    type_lr(qtbot, window, bad)
    c = window.controls
    assert c.lr_error
    assert "e0464e" in c.lr_edit.styleSheet()  # red field
    assert "learning rate" in c.lr_message.text()
    assert c.lr_message.isVisible()
    assert "learning rate" in window.statusBar().currentMessage()
    assert c.config.lr == LESSON.lr
    step = window.last_snapshot.step
    qtbot.waitUntil(lambda: window.last_snapshot.step > step + 5, timeout=WAIT)
    assert window.last_snapshot.lr == LESSON.lr and window.last_snapshot.running
    type_lr(qtbot, window, "2")  # a good value clears the error
    assert not c.lr_error and c.lr_edit.styleSheet() == "" and not c.lr_message.isVisible()


def test_batch_size_and_update_rule_apply_at_next_step(qtbot, window):
    c = window.controls
    c.batch_spin.setValue(25)
    c.step_once()
    snap = wait_step(qtbot, window, 1)
    assert snap.batch_size == 25 and snap.examples_seen == 25
    assert c.config.eval_every == 6  # 600 / 25 / 4
    c.optimizer_combo.setCurrentIndex(c.optimizer_combo.findData("gd"))
    assert not c.batch_spin.isEnabled()
    c.step_once()
    snap = wait_step(qtbot, window, 2)
    assert snap.optimizer == "gd" and snap.examples_seen == 25 + 600


def test_speed_limit(qtbot, window):
    c = window.controls
    c.speed_combo.setCurrentIndex(c.speed_combo.findData(10.0))
    c.run()
    qtbot.waitUntil(lambda: window.last_snapshot.step >= 3, timeout=WAIT)
    step0, t0 = window.last_snapshot.step, time.perf_counter()
    qtbot.wait(600)
    qtbot.waitUntil(lambda: window.last_snapshot.step > step0, timeout=WAIT)
    steps, seconds = window.last_snapshot.step - step0, time.perf_counter() - t0
    assert window.last_snapshot.steps_per_second == 10.0
    # a pace is an upper bound: a loaded machine may train slower, never faster (not thousands/s)
    assert steps <= 10 * seconds + 3, (steps, seconds)
    c.pause()


# ---------------------------------------------------------------- reset / seed / network
def test_reset_restores_the_initial_theta_bitwise(qtbot, window):
    initial = window.session.initial_theta.copy()
    run_id = window.last_snapshot.run_id
    window.controls.run()
    qtbot.waitUntil(lambda: window.last_snapshot.step > 30, timeout=WAIT)
    assert not np.array_equal(window.last_snapshot.theta, initial)
    qtbot.mouseClick(window.controls.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != run_id, timeout=WAIT)
    snap = wait_idle(qtbot, window)
    assert snap.step == 0 and not snap.running
    assert np.array_equal(snap.theta, window.session.initial_theta)
    assert np.array_equal(snap.theta, initial)
    assert window.cost_panel.steps.n == 0  # history cleared on the new run
    assert window.controls.run_action.text() == "Run"


def test_new_seed_gives_new_initial_weights(qtbot, window):
    initial = window.session.initial_theta.copy()
    run_id = window.last_snapshot.run_id
    window.controls.reseed()
    qtbot.waitUntil(lambda: window.last_snapshot.run_id != run_id, timeout=WAIT)
    snap = window.last_snapshot
    assert snap.step == 0 and snap.seed == window.controls.config.seed
    assert not np.array_equal(snap.theta, initial)


def test_network_settings_apply_on_reset(qtbot, window):
    c = window.controls
    c.hidden_edit.setText("30")
    c.activation_combo.setCurrentIndex(c.activation_combo.findData("tanh"))
    c.cost_combo.setCurrentIndex(c.cost_combo.findData("ce"))
    assert "Reset" in c.network_label.text()
    qtbot.wait(100)
    assert window.last_snapshot.sizes == (784, 16, 16, 10)  # not before Reset
    c.reset()
    qtbot.waitUntil(lambda: window.last_snapshot.sizes == (784, 30, 10), timeout=WAIT)
    snap = window.last_snapshot
    assert snap.activation == "tanh" and snap.cost_name == "ce"
    assert window.status.params.text() == f"{784 * 30 + 30 + 30 * 10 + 10:,} parameters"
    c.step_once()
    wait_step(qtbot, window, 1)  # panels cope with the new shape


def test_bad_hidden_sizes_are_refused(qtbot, window):
    c = window.controls
    c.hidden_edit.setText("16,x")
    assert "e0464e" in c.hidden_edit.styleSheet()
    c.reset()
    assert "not changed" in c.message_label.text()
    qtbot.wait(100)
    assert window.last_snapshot.sizes == (784, 16, 16, 10)


# ---------------------------------------------------------------- divergence
def test_divergence_shows_banner_and_restores(qtbot, window):
    c = window.controls
    # A deep ReLU net at η = 100 overflows within a few steps (the lesson's
    # sigmoid net stays finite even at η = 100).
    c.hidden_edit.setText("64,64,64,64")
    c.activation_combo.setCurrentIndex(c.activation_combo.findData("relu"))
    c.cost_combo.setCurrentIndex(c.cost_combo.findData("ce"))
    c.reset()
    type_lr(qtbot, window, "100")
    c.run()
    qtbot.waitUntil(lambda: window.last_snapshot.diverged, timeout=WAIT)
    assert window.banner.isVisible()
    assert "smaller" in window.banner.label.text()
    assert not window.last_snapshot.running
    assert window.controls.run_action.text() == "Run"
    qtbot.mouseClick(window.banner.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.last_snapshot.diverged, timeout=WAIT)
    assert not window.banner.isVisible()
    assert np.all(np.isfinite(window.last_snapshot.theta))


# ---------------------------------------------------------------- panels
def test_every_panel_renders_non_blank_content(qtbot, window):
    window.session.step(25)
    wait_step(qtbot, window, 25)
    qtbot.waitUntil(window.up_to_date, timeout=WAIT)
    for name, panel in window.panels.items():
        assert panel.isVisible(), name
        assert pixel_variety(panel) >= 12, f"{name} looks blank"
    assert window.cost_panel.steps.n == 25


def test_cost_panel_keeps_every_step(qtbot, window):
    window.session.step(200)
    wait_step(qtbot, window, 200)
    cp = window.cost_panel
    assert cp.steps.n == 200
    np.testing.assert_array_equal(cp.steps.view("step"), np.arange(1, 201))
    assert np.all(np.isfinite(cp.steps.view("ema")))
    # step 0, the epoch ends and the last step; of the grid (every 15 steps), what the session's
    # cadence kept at full speed (tests/training/test_eval_cadence.py)
    ev_steps = cp.evals.view("step").tolist()
    assert {0, 60, 120, 180, 200} <= set(ev_steps) and all(k % 15 == 0 or k % 60 == 0 or k == 200 for k in ev_steps)
    assert cp.epochs.n == 3  # 200 steps = 3 epochs of 60
    # Epoch positions: step 60 ends epoch 1.
    assert cp.steps.view("epoch")[59] == pytest.approx(1.0, abs=1e-9)
    cp.setXInEpochs(True)
    assert window.epochs_action.isChecked()
    cp.setLogScale(True)
    assert window.log_action.isChecked()
    # The x range grows in doublings and covers the run.
    _, hi = cp.cost_plot.vb.viewRange()[0]
    assert hi >= cp.steps.last("epoch")


def test_hiding_a_panel_and_weights_mode(qtbot, window):
    window.show_panel("activations", False)
    assert not window.frames_by_panel["activations"].isVisible()
    window.session.step(3)
    wait_step(qtbot, window, 3)
    window.show_panel("activations", True)
    window.set_weights_mode("gradient")
    assert window.hidden_weights.mode() == "gradient" == window.deeper_layers.mode()
    from gdviz.qt.window import RENDER_GROUPS

    window.set_display_rate(60)
    assert window.timer.interval() == 1000 // (60 * len(RENDER_GROUPS))
    assert window.rate_actions[60].isChecked()


def test_pinning_a_test_digit(qtbot, window):
    window.output_panel.pinRequested.emit(7)
    qtbot.waitUntil(lambda: window.last_snapshot.example_source == "test digit #7", timeout=WAIT)
    window.output_panel.pinRequested.emit(-1)
    qtbot.waitUntil(lambda: window.last_snapshot.example_source != "test digit #7", timeout=WAIT)


# ---------------------------------------------------------------- files
def test_save_and_open_checkpoint(qtbot, window, tmp_path):
    pytest.importorskip("gdviz.training.checkpoint")
    window.session.step(10)
    saved = wait_step(qtbot, window, 10)
    path = window.save_checkpoint(tmp_path / "c.npz")
    assert path is not None and path.exists()
    old_session = window.session
    assert window.load_checkpoint(path)
    assert window.session is not old_session
    qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.step == 0, timeout=WAIT)
    np.testing.assert_array_equal(window.last_snapshot.theta, saved.theta)
    window.controls.step_once()
    wait_step(qtbot, window, 1)  # controls drive the new session
    assert window.session.config.eval_every == 15


def test_bad_checkpoint_leaves_the_session_untouched(qtbot, window, tmp_path):
    pytest.importorskip("gdviz.training.checkpoint")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint")
    session = window.session
    assert not window.load_checkpoint(bad)
    assert window.session is session and window.thread.isRunning()
    box = window.message_boxes[-1]
    assert "bad.npz" in box.text()
    box.close()
    window.controls.step_once()
    wait_step(qtbot, window, 1)


def test_screenshot_action(window, tmp_path):
    out = window.save_screenshot(tmp_path / "w.png")
    img = QImage(str(out))
    assert img.width() == window.width() and img.height() == window.height()


# ---------------------------------------------------------------- data
def test_download_offline_shows_message_and_keeps_data(qtbot, window, tmp_path):
    dl = window.use_full_mnist(cache_dir=tmp_path, mirrors=["http://127.0.0.1:9/"], show_dialog=False)
    qtbot.waitUntil(lambda: dl.finished, timeout=60_000)
    box = window.message_boxes[-1]
    assert "MNIST" in box.text() and "sample" in box.text()
    assert window.session.dataset.name == "tiny"
    assert window.data.sample_action.isChecked() is False  # tiny is "other" data


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a cancelled download resets the connection: expected


@pytest.fixture
def mnist_server(mnist_dir):
    handler = functools.partial(_QuietHandler, directory=str(mnist_dir))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


def local_job(folder, server, mnist_dir):
    """A DownloadJob fetching the shared (re-compressed) copy from a local server."""
    import dataclasses
    import hashlib

    from gdviz.data import MNIST_FILES, load_idx_dir
    from gdviz.qt.downloader import DownloadJob

    files = {f: "md5:" + hashlib.md5((mnist_dir / f).read_bytes()).hexdigest() for f in MNIST_FILES}
    return DownloadJob(folder, mirrors=[server], files=files,
                       loader=lambda d: dataclasses.replace(load_idx_dir(d), name="mnist"))


def test_download_with_progress_then_train(qtbot, window, tmp_path, mnist_server, mnist_dir):
    job = local_job(tmp_path, mnist_server, mnist_dir)
    dl = window.use_full_mnist(job=job, show_dialog=False)
    seen = []
    dl.timer.timeout.connect(lambda: seen.append(job.progress().done_bytes))
    qtbot.waitUntil(lambda: dl.finished, timeout=120_000)
    assert job.error is None
    qtbot.waitUntil(lambda: window.last_snapshot.n_train == 60_000, timeout=60_000)
    assert window.data.mnist_action.isChecked()
    assert (Path(tmp_path) / "train-images-idx3-ubyte.gz").exists()
    p = job.progress()
    assert p.phase == "done" and p.done_bytes == p.total_bytes > 11_000_000


def test_download_cancel_discards_result(qtbot, window, tmp_path, mnist_server, mnist_dir):
    job = local_job(tmp_path, mnist_server, mnist_dir)
    dl = window.use_full_mnist(job=job, show_dialog=False)
    dl.cancel()
    assert dl.finished and dl.job.cancelled
    assert dl.job.join(60)
    qtbot.wait(300)
    assert window.session.dataset.name == "tiny"
    assert window.data.download is None


# ---------------------------------------------------------------- shutdown
def test_closing_during_training_leaves_no_thread(qtbot, tiny):
    from gdviz.qt.window import MainWindow

    baseline = threading.active_count()
    win = MainWindow(tiny)
    qtbot.addWidget(win)
    win.show()
    win.controls.run()
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.step > 50, timeout=WAIT)
    assert win.thread.isRunning()
    win.close()
    assert not win.thread.isRunning() and win.thread.isFinished()
    assert threading.active_count() <= baseline
    assert not win.timer.isActive()


def test_closing_while_paused_or_never_shown(qtbot, tiny):
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny)
    qtbot.addWidget(win)
    win.close()  # never shown: closeEvent still stops the thread
    win.shutdown()
    assert not win.thread.isRunning()


def test_screenshot_entry_point(tmp_path):
    from gdviz.qt.app import screenshot

    out = screenshot(tmp_path / "s.png", steps=30, size=(1280, 800))
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 800)
    with pytest.raises(ValueError):
        screenshot(tmp_path / "t.png", steps=1, view="nope")


def test_screenshot_of_a_view_in_presenter_mode_shows_that_view(tmp_path):
    """``--view gradient --presenter`` used to picture the live network in presenter mode."""
    from PySide6.QtCore import QSettings

    from gdviz.qt.app import screenshot

    QSettings("gdviz", "gdviz").clear()  # what earlier tests left (a hidden panel, a tab) is not the default

    def pixels(path):
        img = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
        rows = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        return rows[:, :img.width()].copy()  # a copy: the view dies with ``img`` (it read freed memory)

    live = pixels(screenshot(tmp_path / "live.png", steps=20, size=(1280, 720), view="presenter"))
    grad = pixels(screenshot(tmp_path / "grad.png", steps=20, size=(1280, 720), view="gradient", presenter=True))
    plain = pixels(screenshot(tmp_path / "plain.png", steps=20, size=(1280, 720), view="gradient"))
    other_tab, other_mode = np.mean(live != grad), np.mean(grad != plain)
    # (the bug gave identical pictures, 0.000; the right ones differ by 0.54 and 0.62)
    assert other_tab > 0.2, f"presenter −∇C vs presenter live: {other_tab:.3f} of the pixels differ"
    assert other_mode > 0.2, f"presenter −∇C vs normal −∇C: {other_mode:.3f} of the pixels differ"


def test_config_for_run_app():
    from gdviz.qt.app import _config

    assert _config(None).hidden == (16, 16)
    assert _config({"hidden": "30", "lr": 0.5}).hidden == (30,)
    assert _config(TrainConfig(lr=1.0)).lr == 1.0


# ---------------------------------------------------------------- cost panel (no window)
def fake_snap(run_id, seq, start, k, *, step=None, evals=(), epochs=(), n_train=8000, batch=10, rng=None):
    from types import SimpleNamespace

    rng = rng or np.random.default_rng(seq)
    steps = np.arange(start, start + k, dtype=np.int64)
    last = int(steps[-1]) if k else (step or 0)
    return SimpleNamespace(run_id=run_id, seq=seq, step=last, epoch=0, epoch_fraction=last * batch / n_train,
                           batch_size=batch, n_train=n_train, optimizer="sgd", new_steps=steps,
                           new_costs=rng.random(k) + 0.5, new_epoch_costs=tuple(epochs), new_evals=tuple(evals))


def test_growing_series_doubles_and_keeps_values():
    from gdviz.training.series import GrowingSeries

    g = GrowingSeries(("a", "b"), capacity=4)
    for i in range(10):
        g.extend(a=np.arange(i * 3, i * 3 + 3, dtype=float), b=np.ones(3))
    assert g.n == 30 and g.capacity == 32
    np.testing.assert_array_equal(g.view("a"), np.arange(30))
    g.clear()
    assert g.n == 0 and len(g.view("a")) == 0


def test_ema_continues_across_chunks():
    from gdviz.training.series import ema

    x = np.random.default_rng(0).random(500)
    whole = ema(x, None)
    first = ema(x[:123], None)
    rest = ema(x[123:], first[-1], count=123)
    np.testing.assert_allclose(np.concatenate([first, rest]), whole, rtol=1e-12)
    assert whole[0] == pytest.approx(x[0])  # bias-corrected start


def test_peak_pyramid_matches_block_min_max():
    from gdviz.training.series import GrowingSeries, PeakPyramid

    steps = GrowingSeries(("step", "epoch", "cost", "ema"), 16)
    pyr = PeakPyramid()
    rng = np.random.default_rng(1)
    n = 0
    for k in rng.integers(1, 3000, 60):  # ragged chunks
        s = np.arange(n + 1, n + 1 + k, dtype=float)
        steps.extend(step=s, epoch=s / 800, cost=rng.random(k), ema=rng.random(k))
        pyr.update(steps)
        n += k
    cost = steps.view("cost")
    for level in range(pyr.LEVELS):
        b = pyr.block(level)
        lvl = pyr.levels[level]
        assert lvl.n == n // b
        m = lvl.n * b
        np.testing.assert_array_equal(lvl.view("lo"), cost[:m].reshape(-1, b).min(axis=1))
        np.testing.assert_array_equal(lvl.view("hi"), cost[:m].reshape(-1, b).max(axis=1))
        np.testing.assert_array_equal(lvl.view("step1"), steps.view("step")[b - 1:m:b])
    level = pyr.level_for(n)
    assert level is not None
    xr, yr, xe, ye = pyr.curves(steps, level, "step")
    assert len(xr) == len(yr) and len(xe) == len(ye)
    assert yr.max() == cost.max() and yr.min() == cost.min()  # peaks survive decimation
    assert xe[-1] == n and ye[-1] == steps.view("ema")[-1]


def test_cost_panel_history_run_change_and_long_runs(qtbot):
    from gdviz.qt.cost_panel import CostPanel
    from gdviz.training import Evaluation

    cp = CostPanel()
    qtbot.addWidget(cp)
    cp.resize(1000, 300)
    cp.show()
    snap = fake_snap(1, 1, 1, 100)
    cp.render(snap)
    cp.render(snap)  # the same snapshot again adds nothing
    assert cp.steps.n == 100
    evals = [Evaluation(100, 0.125, 0.9, 0.5, 0.8, 0.55)]
    cp.render(fake_snap(1, 2, 101, 100, evals=evals, epochs=[(1, 200, 0.7)]))
    assert cp.steps.n == 200 and cp.evals.n == 1 and cp.epochs.n == 1
    assert cp.test_acc_curve.opts["symbol"] == "s"
    lo, hi = cp.cost_plot.vb.viewRange()[0]
    assert lo < 0 and 200 <= hi <= 260  # x grows in doublings from 64 (with a small margin)
    # A new run clears everything.
    cp.render(fake_snap(2, 3, 1, 10))
    assert cp.steps.n == 10 and cp.evals.n == 0 and cp.epochs.n == 0
    # A long run draws a decimated curve, keeping the peaks.
    big = fake_snap(2, 4, 11, 200_000)
    cp.render(big)
    assert cp.display_level is not None
    x, y = cp.raw_curve.getData()
    assert len(x) < 5000 and y.max() == pytest.approx(big.new_costs.max())
    # Zooming in (follow off) draws every step of the range shown.
    cp.setFollow(False)
    cp.cost_plot.setXRange(1000, 1500, padding=0)
    assert cp.display_level is None
    cp.setFollow(True)
    assert cp.display_level is not None
    cp.setLogScale(True)
    lo, hi = cp.cost_plot.vb.viewRange()[1]
    assert lo <= np.log10(big.new_costs.min()) and hi >= np.log10(big.new_costs.max())


def test_lr_slider_mapping_round_trips():
    from gdviz.qt.controls import lr_to_slider, nice_lr_steps, slider_to_lr
    from gdviz.training import LR_MAX, LR_MIN

    assert slider_to_lr(0) == LR_MIN and slider_to_lr(lr_to_slider(LR_MAX)) == LR_MAX
    for lr in nice_lr_steps():
        assert slider_to_lr(lr_to_slider(lr)) == pytest.approx(lr, rel=0.05)
    steps = nice_lr_steps()
    assert steps == sorted(steps) and 3.0 in steps and steps[0] == LR_MIN and steps[-1] == LR_MAX


def test_eval_interval():
    from gdviz.qt.controls import eval_interval

    assert eval_interval(8000, 10) == 200
    assert eval_interval(60000, 10) == 1500
    assert eval_interval(600, 10) == 15
    assert eval_interval(10, 100) == 1
    assert eval_interval(8000, 10, "gd") == 0


def test_download_dialog_cancel_button(qtbot, window, tmp_path, mnist_server, mnist_dir):
    job = local_job(tmp_path, mnist_server, mnist_dir)
    dl = window.use_full_mnist(job=job, show_dialog=True)
    dialog = dl.dialog
    assert dialog.isVisible()
    from PySide6.QtWidgets import QPushButton

    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dl.finished and job.cancelled
    assert not dialog.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()
    assert job.join(60)
    assert window.session.dataset.name == "tiny"


def test_run_app_opens_and_quits(qtbot, tmp_path):
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from gdviz.qt.app import run_app
    from gdviz.qt.window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    seen = {"ticks": 0}

    def check_and_close():
        """Close the window once it shows its first snapshot (at most ~60 s: a loaded machine)."""
        seen["ticks"] += 1
        wins = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["windows"] = len(wins)
        if wins and wins[0].last_snapshot is None and seen["ticks"] < 600:
            return
        poll.stop()
        if wins:
            win = wins[0]
            seen["snap"] = win.last_snapshot
            seen["thread"] = win.thread
            win.close()
        else:
            QApplication.quit()

    poll = QTimer()
    poll.timeout.connect(check_and_close)
    poll.start(100)
    assert run_app(data="sample", config={"lr": 0.5}) == 0
    assert seen["windows"] == 1
    assert seen["snap"] is not None and seen["snap"].step == 0 and seen["snap"].lr == 0.5
    assert not seen["thread"].isRunning()


def test_space_and_arrows_type_into_text_fields(qtbot, window):
    """Shortcuts must not steal keys from a field being edited."""
    edit = window.controls.hidden_edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=WAIT)
    edit.setText("16,16")
    edit.setCursorPosition(0)
    qtbot.keyClick(edit, Qt.Key.Key_Right)
    qtbot.keyClick(edit, Qt.Key.Key_Space)
    assert edit.text() == "1 6,16"
    qtbot.wait(200)
    assert window.session.step_count == 0 and not window.session.running


def test_menus_and_view_actions(qtbot, window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Data", "&Training", "&View", "&Help"]
    assert window.save_action.shortcut().toString() == "Ctrl+S"
    assert window.data.mnist_action.text().startswith("&Full MNIST (download, 11 MB)")
    window.log_action.trigger()
    assert window.cost_panel.logScale() and window.cost_panel.log_box.isChecked()
    window.epochs_action.trigger()
    assert window.cost_panel.xInEpochs()
    window.mode_actions["delta"].trigger()
    assert window.hidden_weights.mode() == "delta"
    window.rate_actions[15].trigger()
    assert window.fps == 15
    window.controls.faster_action.trigger()
    assert window.controls.config.lr == 1.5  # (1, 1.5, 2, 3, 5, 7 × 10^k)
    window.controls.slower_action.trigger()
    assert window.controls.config.lr == LESSON.lr
    from gdviz.qt.help import show_shortcuts

    show_shortcuts(window).close()


def test_window_training_matches_headless_bitwise(qtbot, window, tiny):
    """Same seed and settings: the same θ after N steps with or without the GUI."""
    from gdviz.training import LESSON, TrainingSession

    window.controls.run()
    qtbot.waitUntil(lambda: window.last_snapshot.step > 10, timeout=WAIT)
    window.controls.pause()
    snap = wait_idle(qtbot, window)
    headless = TrainingSession(tiny, LESSON)
    for _ in range(snap.step):
        headless.train_step()
    np.testing.assert_array_equal(snap.theta, headless.net.theta)


# ---------------------------------------------------------------- teaching views and presenter mode
def test_lesson_tabs_are_created_lazily_and_drawn_only_when_shown(window, qtbot):
    from gdviz.qt.views import VIEWS

    assert window.tabs.count() == 1 + len(VIEWS)
    assert window.views == {}  # nothing built until asked for
    window.session.step(3)
    qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.step == 3, timeout=10000)
    view = window.show_view("gradient")
    assert window.current_view() is view and "gradient" in window.views
    frames = dict(window.panel_frames)
    window.session.step(2)
    qtbot.waitUntil(lambda: window.last_snapshot.step == 5, timeout=10000)
    for _ in range(5):
        window.poll()
    assert window.panel_frames == frames  # the live panels are hidden: not drawn
    window.show_view("live")
    assert window.current_view() is None
    with pytest.raises(ValueError):
        window.show_view("nonsense")


def test_presets_and_presenter_mode(window, qtbot):
    from PySide6.QtWidgets import QApplication

    window.apply_preset("best")
    qtbot.waitUntil(lambda: window.session.config.activation == "relu", timeout=10000)
    assert window.session.config.cost == "ce" and window.session.config.optimizer == "momentum"
    window.controls.lesson_button.click()
    qtbot.waitUntil(lambda: window.session.config.activation == "sigmoid", timeout=10000)
    cfg = window.session.config
    assert (cfg.hidden, cfg.cost, cfg.lr, cfg.batch_size) == ((16, 16), "mse", LESSON.lr, 10)
    before = QApplication.instance().font().pointSizeF()
    titles = [lab for lab in window.findChildren(type(window.presenter_bar))  # QLabels with their own font
              if lab.testAttribute(Qt.WidgetAttribute.WA_SetFont) and not lab.property("gdviz_note")]
    assert len(titles) > 5
    sizes = [lab.font().pointSizeF() for lab in titles]
    window.presenter_action.setChecked(True)
    assert QApplication.instance().font().pointSizeF() > 1.3 * before
    assert window.presenter_bar.isVisibleTo(window)
    # the panels' own titles and notes grow too, not only the inherited fonts
    grown = [lab.font().pointSizeF() for lab in titles]
    assert all(g == pytest.approx(1.45 * s) or g == pytest.approx(5.0) for g, s in zip(grown, sizes))
    window.set_presenter_mode(False)
    assert QApplication.instance().font().pointSizeF() == pytest.approx(before)
    assert not window.presenter_bar.isVisibleTo(window)
    assert [lab.font().pointSizeF() for lab in titles] == pytest.approx(sizes)


# ---------------------------------------------------------------- the training engine
def test_the_window_trains_in_a_child_process_by_default(qtbot, make_window):
    from gdviz.training.remote import RemoteSession

    win = make_window()
    assert win.engine == "process" and isinstance(win.session, RemoteSession)
    proc = win.session.process
    qtbot.waitUntil(proc.is_alive, timeout=WAIT)  # started by the worker thread, after the first paint
    assert proc.pid != os.getpid()
    win.session.step(3)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 3, timeout=WAIT)
    win.close()
    assert not proc.is_alive() and proc.exitcode == 0


def test_a_dead_training_process_is_reported_and_replaced(qtbot, make_window):
    import signal

    win = make_window()
    win.session.step(5)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 5 and not win.session.busy, timeout=WAIT)
    theta = win.last_snapshot.theta.copy()
    old = win.session
    os.kill(old.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: win.session is not old, timeout=WAIT)
    box = win.message_boxes[-1]
    assert "stopped unexpectedly" in box.windowTitle()
    assert "new one has started" in box.text()
    # the new engine starts from the weights shown last, and trains
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.run_id, timeout=WAIT)
    assert np.array_equal(win.session.initial_theta, theta)
    win.session.step(2)
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.step == 2, timeout=WAIT)
    assert win.session.process.is_alive()


def test_the_thread_engine_can_be_chosen(qtbot, make_window, monkeypatch):
    from gdviz.training.session import TrainingSession

    monkeypatch.setenv("GDVIZ_ENGINE", "thread")
    win = make_window()
    assert win.engine == "thread" and type(win.session) is TrainingSession
    win.session.step(2)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 2, timeout=WAIT)


def test_a_misspelt_engine_in_the_environment_still_opens_the_window(qtbot, make_window, monkeypatch):
    monkeypatch.setenv("GDVIZ_ENGINE", "proccess")
    with pytest.warns(UserWarning, match="GDVIZ_ENGINE"):
        win = make_window()
    assert win.engine == "process"
    with pytest.raises(ValueError):
        from gdviz.qt.worker import engine_choice

        engine_choice("gpu")


def test_the_gradient_view_opened_late_shows_norms_since_the_run_began(qtbot, make_window):
    win = make_window()
    for k in (10, 20, 30):
        win.session.step(10)
        qtbot.waitUntil(lambda k=k: win.last_snapshot.step == k and not win.session.busy, timeout=WAIT)
    seen = len(win.norm_history)
    assert seen >= 3  # snapshots taken while only the live panels were shown
    view = win.show_view("gradient")
    qtbot.waitUntil(lambda: view.norm_curve.getData()[0] is not None
                    and len(view.norm_curve.getData()[0]) >= seen, timeout=WAIT)
    steps, norms = view.norm_curve.getData()
    assert steps[0] < 30 and steps[-1] == 30
    assert norms[-1] == pytest.approx(float(np.linalg.norm(win.last_snapshot.grad.astype(np.float64))))


def test_no_training_process_means_training_in_a_thread(qtbot, monkeypatch):
    from gdviz.training import remote
    from gdviz.training.session import TrainingSession

    def refuse(self):
        raise remote.EngineStartError("could not start the training process: not allowed here")

    monkeypatch.setattr(remote.RemoteSession, "start", refuse)
    from gdviz.qt.window import MainWindow

    win = MainWindow(None, None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine == "thread" and win.last_snapshot is not None, timeout=WAIT)
    assert type(win.session) is TrainingSession and "not allowed here" in win.engine_note
    win.session.step(3)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 3, timeout=WAIT)
    win.close()
    assert not win.thread.isRunning()


def test_the_status_bar_names_an_experiment_in_words(qtbot, make_window, sample):
    from gdviz.training.analysis import shuffled_labels_dataset, subset_dataset

    win = make_window(sample)
    assert win.status.data.text() == "embedded sample: 8,000 / 2,000"
    win.set_dataset(subset_dataset(sample, 500))
    assert win.status.data.text() == "embedded sample, only 500 training digits: 500 / 2,000"
    win.set_dataset(shuffled_labels_dataset(sample))
    assert win.status.data.text() == "embedded sample, labels shuffled: 8,000 / 2,000"
    assert win.data.sample_action.isChecked()


def test_presenter_mode_on_a_small_screen_gives_the_room_to_the_panels(qtbot, make_window):
    from PySide6.QtWidgets import QLabel

    win = make_window()
    win.resize(1280, 720)
    qtbot.waitUntil(lambda: win.width() == 1280, timeout=WAIT)
    notes = [lab for lab in win.findChildren(QLabel) if lab.property("gdviz_note") and not lab.isHidden()]
    assert len(notes) > 3 and win.controls_dock.isVisible()
    win.set_presenter_mode(True)
    assert all(lab.isHidden() for lab in notes)
    assert not win.controls_dock.isVisible()  # Ctrl+K brings it back
    view = win.show_view("gradient")  # a view opened in presenter mode hides its notes too
    assert all(lab.isHidden() for lab in view.findChildren(QLabel) if lab.property("gdviz_note"))
    win.set_presenter_mode(False)
    assert not any(lab.isHidden() for lab in notes)
    assert win.controls_dock.isVisible()


def test_presenter_mode_keeps_the_networks_answer_readable(qtbot, make_window):
    from PySide6.QtGui import QFontMetrics

    win = make_window()
    win.session.step(3)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 3, timeout=WAIT)
    label = win.output_panel.answer
    win.set_presenter_mode(True)
    win.render(win.last_snapshot)
    fm = QFontMetrics(label.font())
    text = label.text()
    # the whole text fits in the label's box, on as many lines as it needs
    needed = fm.boundingRect(0, 0, label.width(), 10_000, int(label.alignment()) | 0x1000, text).height()
    assert text.startswith("answer: ") and needed <= label.height()
    win.set_presenter_mode(False)
    assert label.height() < fm.lineSpacing() * 2


def test_presenter_mode_keeps_the_answers_right_or_wrong_colour(qtbot, make_window):
    from qt_helpers import pixels

    win = make_window()
    win.session.step(3)
    qtbot.waitUntil(lambda: win.last_snapshot.step == 3, timeout=WAIT)
    win.set_presenter_mode(True)
    win.render(win.last_snapshot)
    px = pixels(win.output_panel.answer).astype(int)
    saturation = np.max(px, axis=2) - np.min(px, axis=2)
    assert saturation.max() > 80  # green (right) or red (wrong) text, not black

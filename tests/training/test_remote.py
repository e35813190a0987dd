"""The training process: same commands, same bits, clean ends (no Qt)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from gdviz.training.config import LESSON, SettingError, TrainConfig
from gdviz.training.remote import EngineError, RemoteSession
from gdviz.training.session import TrainingSession

from remote_helpers import WAIT, _serve, idle, wait_until  # noqa: F401


def test_steps_are_bitwise_those_of_the_in_process_session(served, tiny):
    remote = served()
    remote.step(37)
    snap = idle(remote)
    local = TrainingSession(tiny, LESSON)
    for _ in range(37):
        local.train_step()
    assert snap.step == remote.step_count == 37
    assert np.array_equal(snap.theta, local.net.theta)
    assert np.array_equal(remote.initial_theta, local.initial_theta)
    # every step's cost arrived, in order, although snapshots were merged on the way
    costs = np.concatenate([snap.new_costs])
    assert len(costs) == 37 and np.isfinite(costs).all()


def test_every_step_cost_arrives_while_running(served):
    remote = served()
    steps, costs = [], []
    remote.run()
    end = time.monotonic() + 60.0  # (the training process runs niced: slow on a loaded machine)
    while time.monotonic() < end and len(steps) <= 50:
        snap = remote.mailbox.take()
        if snap is not None:
            steps.extend(snap.new_steps.tolist())
            costs.extend(snap.new_costs.tolist())
        time.sleep(0.01)
    remote.pause()
    idle(remote)
    snap = remote.mailbox.take()
    if snap is not None:
        steps.extend(snap.new_steps.tolist())
    assert steps == list(range(1, remote.step_count + 1))
    assert remote.step_count > 50


def test_bad_values_are_refused_in_the_callers_thread(served):
    remote = served()
    with pytest.raises(SettingError):
        remote.set_lr(-1)
    with pytest.raises(SettingError):
        remote.set_batch_size(0)
    with pytest.raises(SettingError):
        remote.load_theta(np.zeros(5, np.float32))
    remote.step(3)
    snap = idle(remote)
    assert snap.step == 3 and snap.lr == LESSON.lr  # nothing bad reached the child


def test_settings_reset_reseed_and_load_follow_the_child(served, tiny):
    remote = served()
    remote.set_lr(0.25)
    remote.set_batch_size(7)
    remote.step(2)
    snap = idle(remote)
    assert (snap.lr, snap.batch_size, snap.step) == (0.25, 7, 2)
    assert remote.config.lr == 0.25 and remote.config.batch_size == 7
    remote.reseed(123)
    snap = idle(remote)
    expected = TrainingSession(tiny, replace(LESSON, seed=123, lr=0.25, batch_size=7)).initial_theta
    assert snap.step == 0 and np.array_equal(snap.theta, expected)
    assert np.array_equal(remote.initial_theta, expected)
    theta = np.full_like(expected, 0.01)
    remote.load_theta(theta)
    remote.step(1)
    remote.reset()
    snap = idle(remote)
    assert snap.step == 0 and np.array_equal(snap.theta, theta)


def test_lr_decay_in_the_child_shows_in_config(served, tiny):
    remote = served(replace(LESSON, lr_decay=0.5, batch_size=100))
    remote.step_epoch()
    snap = idle(remote)
    assert snap.epoch == 1
    assert remote.config.lr == pytest.approx(LESSON.lr * 0.5)


def test_a_diverged_run_hands_over_its_last_finite_theta(served):
    # six ReLU layers, cross-entropy and η = 30 blow up within a few steps
    remote = served(TrainConfig(hidden=(16,) * 6, activation="relu", cost="ce", lr=30.0,
                                optimizer="momentum"))
    remote.run()
    wait_until(lambda: remote.diverged)
    snap = idle(remote)
    good = remote.last_finite_theta()
    assert snap.diverged and np.isfinite(good).all()
    remote.restore_last_finite()
    snap = idle(remote)
    assert not snap.diverged and np.array_equal(snap.theta, good)


def test_a_recorder_gets_theta_every_k_steps_from_the_child(served):
    got = []

    class Rec:
        theta_every = 4

        def on_step(self, step, theta, cost=None):
            got.append((step, theta.copy()))

        def stop(self, reason):
            got.append(("stopped", reason))

    remote = served()
    remote.step(1)
    idle(remote)
    remote.recorder = Rec()
    remote.step(9)
    snap = idle(remote)
    steps = [s for s, _ in got]
    assert steps == [2, 4, 8]  # the first step it saw, then every 4th
    local = TrainingSession(remote.dataset, LESSON)
    for _ in range(8):
        local.train_step()
    assert np.array_equal(got[-1][1], local.net.theta)
    assert snap.step == 10
    remote.reset()  # a reset ends a recording, as in the in-process session
    idle(remote)
    wait_until(lambda: got[-1][0] == "stopped")
    assert remote.recorder is None


def test_stop_ends_the_process_quickly_even_while_running(tiny):
    remote = RemoteSession(tiny, LESSON)
    t = threading.Thread(target=remote.serve)
    t.start()
    remote.run()
    wait_until(lambda: remote.step_count > 10)
    t0 = time.monotonic()
    remote.stop()
    t.join(WAIT)
    assert not t.is_alive() and not remote.process.is_alive()
    assert remote.process.exitcode == 0
    assert time.monotonic() - t0 < WAIT


def test_a_killed_process_is_reported_not_hung(tiny):
    remote = RemoteSession(tiny, LESSON)
    errors = []

    def serve():
        try:
            remote.serve()
        except EngineError as exc:
            errors.append(exc)

    t = threading.Thread(target=serve)
    t.start()
    remote.step(2)
    idle(remote)
    os.kill(remote.process.pid, signal.SIGKILL)
    t.join(WAIT)
    assert not t.is_alive()
    assert errors and "ended unexpectedly" in str(errors[0])
    assert f"exit code {-signal.SIGKILL}" in str(errors[0])  # not "exit code None"
    remote.step(1)  # commands to a dead process are dropped, never raise


def test_close_reaps_a_session_that_was_never_served(tiny):
    remote = RemoteSession(tiny, LESSON)
    remote.close()
    assert not remote.process.is_alive()


def test_like_keeps_given_weights_but_lets_a_new_activation_initialise_afresh(served, tiny):
    plain = RemoteSession.like(TrainingSession(tiny, LESSON))
    try:
        tanh = replace(LESSON, activation="tanh")
        plain.reset(tanh)
        assert np.array_equal(plain.initial_theta, TrainingSession(tiny, tanh).initial_theta)
    finally:
        plain.close()
    theta = np.full(TrainingSession(tiny, LESSON).initial_theta.shape, 0.02, np.float32)
    given = RemoteSession.like(TrainingSession(tiny, LESSON, initial_theta=theta))
    try:
        assert np.array_equal(given.initial_theta, theta)
        given.reset(replace(LESSON, activation="tanh"))  # same shape: the given weights stay
        assert np.array_equal(given.initial_theta, theta)
    finally:
        given.close()


def test_a_stuck_process_is_killed_after_the_stop_timeout(tiny, monkeypatch):
    import gdviz.training.remote as remote_mod

    monkeypatch.setattr(remote_mod, "STOP_TIMEOUT", 0.3)
    remote = RemoteSession(tiny, LESSON)
    t = threading.Thread(target=_serve, args=(remote,))
    t.start()
    remote.step(1)
    idle(remote)
    os.kill(remote.process.pid, signal.SIGSTOP)  # frozen: it can read nothing
    try:
        remote.stop()
        t.join(WAIT)
        assert not t.is_alive()
        assert not remote.process.is_alive() and remote.process.exitcode == -signal.SIGKILL
    finally:
        if remote.process.is_alive():
            os.kill(remote.process.pid, signal.SIGKILL)


def test_step_zero_is_in_the_mailbox_before_the_process_starts(tiny):
    remote = RemoteSession(tiny, LESSON, start=False)
    try:
        early = remote.mailbox.take()
        assert not remote.process.is_alive()  # not started: nothing came from a child
        local = TrainingSession(tiny, LESSON).snapshot()
        assert early.step == 0 and early.run_id == local.run_id
        assert np.array_equal(early.theta, local.theta)
        for a, b in zip(early.example_activations, local.example_activations):
            assert np.array_equal(a, b)
        t = threading.Thread(target=_serve, args=(remote,), daemon=True)
        t.start()  # serve() starts the process
        wait_until(lambda: remote.mailbox.peek() is not early and not remote.busy)
        first = remote.mailbox.take()
        assert remote.process.is_alive()
        assert first.step == 0 and first.run_id == early.run_id
        assert np.array_equal(first.theta, early.theta)
    finally:
        remote.stop()
        t.join(WAIT)
    assert not remote.process.is_alive()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pipe's size is set on Linux only")
def test_a_whole_snapshot_fits_in_the_snapshot_pipe_unread(tiny, monkeypatch):
    """The training process writes a snapshot at once, without waiting for the window's
    reader thread (which waits for its own process's GIL between 64 kB pieces)."""
    from gdviz.training import remote

    widened = []
    real = remote._widen
    monkeypatch.setattr(remote, "_widen", lambda conn, size: widened.append(size) or real(conn, size))
    RemoteSession(tiny, LESSON, start=False).close()
    assert widened == [remote.SNAP_PIPE_BYTES]
    snap = TrainingSession(tiny, LESSON, publish_hz=0).snapshot()
    r, w = remote._context().Pipe(duplex=False)
    try:
        assert real(r, remote.SNAP_PIPE_BYTES)
        writer = threading.Thread(target=lambda: (w.send(snap), w.send(snap)), daemon=True)
        writer.start()
        writer.join(WAIT)
        assert not writer.is_alive()  # both written, none read
        assert r.recv().step == snap.step
    finally:
        r.close()
        w.close()

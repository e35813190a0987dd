"""Review of the training process: leaks, stale settings, unserved sessions."""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import replace

import numpy as np
import pytest

from gdviz.training.child import Snap
from gdviz.training.config import LESSON
from gdviz.training.remote import RemoteSession
from gdviz.training.protocol import SessionStatus
from gdviz.training.session import TrainingSession

from remote_helpers import WAIT, _serve, idle, wait_until  # noqa: F401

def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _served(tiny, config=LESSON):
    s = RemoteSession(tiny, config)
    t = threading.Thread(target=_serve, args=(s,), daemon=True)
    t.start()
    return s, t


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files in /proc")
def test_ended_sessions_release_their_pipes_and_timers(tiny, monkeypatch):
    """A served session that ended (stopped, or its process killed and then
    stopped, as the window does when it replaces a dead engine) holds no file
    descriptor and leaves no thread behind, even while still referenced."""
    import gdviz.training.remote as remote_mod

    monkeypatch.setattr(remote_mod, "STOP_TIMEOUT", 3600.0)  # a leaked kill timer stays visible
    s, t = _served(tiny)  # the process server is running from here on
    s.step(1)
    idle(s)
    s.stop()
    t.join(WAIT)
    fds, threads = _open_fds(), threading.active_count()
    kept = []
    for killed in (False, True, False, True):
        s, t = _served(tiny)
        s.step(2)
        idle(s)
        if killed:
            os.kill(s.process.pid, signal.SIGKILL)
            t.join(WAIT)
        s.stop()
        t.join(WAIT)
        assert not t.is_alive()
        kept.append(s)  # (a closed window still holds its session)
    assert _open_fds() <= fds
    wait_until(lambda: threading.active_count() <= threads)
    assert all(not s.process.is_alive() for s in kept)
    assert [s.process.exitcode for s in kept] == [0, -signal.SIGKILL, 0, -signal.SIGKILL]


def test_close_of_a_started_but_unserved_does_not_wait_for_the_kill(tiny, monkeypatch):
    """close() is for a session nobody serves: its process must end by itself,
    not be killed after STOP_TIMEOUT because it is stuck sending a large snapshot."""
    import gdviz.training.remote as remote_mod

    monkeypatch.setattr(remote_mod, "STOP_TIMEOUT", 3600.0)  # a kill would come far too late
    remote = RemoteSession(tiny, replace(LESSON, hidden=(100,)))  # ≈ 1 MB snapshots
    remote.step(3)
    wait_until(lambda: remote.process.is_alive())
    done = threading.Event()
    closer = threading.Thread(target=lambda: (remote.close(), done.set()), daemon=True)
    closer.start()
    try:
        assert done.wait(WAIT), "close() waited for the stop timeout"
        assert not remote.process.is_alive() and remote.process.exitcode == 0
    finally:
        if remote.process.is_alive():
            remote.process.kill()


def test_config_is_the_sent_one_until_the_child_has_applied_it(tiny):
    """A status that arrives after the child *received* set_lr but before it
    applied it (the command still queued) must not turn η back."""
    remote = RemoteSession(tiny, LESSON, start=False)
    try:
        remote.set_lr(0.25)
        assert remote.config.lr == 0.25  # still waiting here
        remote._outgoing.get()  # as the sender thread does: it has gone to the child
        snap = remote.mailbox.peek()

        def report(idle, lr, received=1):
            remote._report = Snap(snap, SessionStatus(5, 0, 50, True, 0, idle, False, replace(LESSON, lr=lr)),
                                  received)

        report(idle=True, lr=LESSON.lr, received=0)  # sent but not received yet
        assert remote.config.lr == 0.25
        report(idle=False, lr=LESSON.lr)  # received, not applied
        assert remote.config.lr == 0.25
        report(idle=True, lr=0.125)  # applied, then decayed by the child: the child's own
        assert remote.config.lr == 0.125
    finally:
        remote.close()


def test_load_theta_keeps_the_decayed_lr_as_in_process(served, tiny):
    cfg = replace(LESSON, lr_decay=0.5, batch_size=100)
    remote = served(cfg)
    remote.step_epoch()
    idle(remote)
    assert remote.config.lr == pytest.approx(LESSON.lr * 0.5)
    theta = np.full_like(remote.initial_theta, 0.01)
    remote.load_theta(theta)
    remote.step(1)
    snap = idle(remote)
    local = TrainingSession(tiny, cfg)
    local.train_epoch()
    local.load_theta(theta)
    local.train_step()
    assert snap.step == 1 and snap.lr == local.config.lr == pytest.approx(LESSON.lr * 0.5)
    assert remote.config.lr == local.config.lr
    assert np.array_equal(snap.theta, local.net.theta)




def test_ctrl_c_in_the_terminal_does_not_end_training(served):
    """Ctrl+C reaches every process of the terminal's foreground group; with
    the thread engine training carries on, so the training process must too."""
    remote = served()
    remote.step(2)
    idle(remote)
    os.kill(remote.process.pid, signal.SIGINT)
    remote.step(3)
    wait_until(lambda: remote.step_count == 5 or not remote.process.is_alive())
    assert remote.process.is_alive() and remote.error is None
    assert idle(remote).step == 5


def test_a_replaced_engine_starts_a_new_gradient_history(qtbot, tiny):
    """After a dead training process is replaced, the new run's step 1, 2...
    are another run's: the window's |∇C| history must not keep the old one's."""
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny, None)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.last_snapshot is not None, timeout=int(WAIT * 1000))
        for k in (10, 20):
            win.session.step(10)
            qtbot.waitUntil(lambda k=k: win.last_snapshot.step == k and not win.session.busy,
                            timeout=int(WAIT * 1000))
        assert win.norm_history.steps[-1] == 20
        old = win.session
        os.kill(old.process.pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: win.session is not old, timeout=int(WAIT * 1000))
        win.session.step(5)
        qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.step == 5
                        and not win.session.busy, timeout=int(WAIT * 1000))
        win.poll()
        assert len(win.norm_history) >= 1 and win.norm_history.steps[-1] == 5
        assert win.norm_history.steps.max() <= 5
    finally:
        win.close()
        for box in win.message_boxes:
            box.close()


def test_an_engine_that_dies_right_after_a_new_network_shape_is_replaced(qtbot, tiny):
    """The child dies before it shows the new shape: the window's last θ does not
    fit the new network, so the new engine starts from that shape's own θ0
    (no SettingError out of the display timer, and an engine again)."""
    from gdviz.qt.window import MainWindow

    win = MainWindow(tiny, None)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.last_snapshot is not None and win.session.process.is_alive(),
                        timeout=int(WAIT * 1000))
        win.timer.stop()  # the test polls by hand
        old = win.session
        os.kill(old.process.pid, signal.SIGSTOP)  # it can apply nothing more
        new_cfg = replace(old.config, hidden=(8,))
        old.reset(new_cfg)
        os.kill(old.process.pid, signal.SIGKILL)
        assert win.thread.wait(int(WAIT * 1000))
        while win.session is old:
            win.poll()  # raised SettingError: the last θ shown has the old shape
        assert win.session.config.hidden == (8,)
        assert np.array_equal(win.session.initial_theta, TrainingSession(tiny, new_cfg).initial_theta)
        win.session.step(2)
        win.timer.start()
        qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.step == 2,
                        timeout=int(WAIT * 1000))
    finally:
        win.close()
        for box in win.message_boxes:
            box.close()

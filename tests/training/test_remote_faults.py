"""A stopped, slow or flooded training process: the caller never waits for it."""

from __future__ import annotations

import random
import signal
import threading

import numpy as np
import pytest

from gdviz.training import remote as remote_mod
from gdviz.training.config import SettingError

from process_helpers import WATCHDOG_S, Stopped
from remote_helpers import idle, wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP/SIGCONT")


def test_commands_to_a_stopped_process_never_wait(served):
    """10,000 η changes (a slider drag) and a few hundred clicks while the
    process is stopped all return while it is still stopped; once it goes on,
    it applies the latest η and every step asked for."""
    s = served()
    s.step(3)
    idle(s)
    with Stopped(s.process.pid) as stopped:
        lrs = [float(f"{x:.4g}") for x in np.geomspace(0.01, 5.0, 10_000)]
        for i, lr in enumerate(lrs):
            s.set_lr(lr)
            if i % 50 == 0:
                s.step(1)  # 200 clicks on Step in between
        s.set_batch_size(20)
        # Everything was accepted before the process could read any of it:
        assert not stopped.fired.is_set()
        wait_until(lambda: not s.responding)
        assert s.busy and s.config.lr == lrs[-1]
        assert s.dropped_commands == 0
    wait_until(lambda: s.responding)
    snap = idle(s)
    assert snap.step == 3 + 200 and snap.lr == lrs[-1] and snap.batch_size == 20
    assert s.config.lr == lrs[-1]


def test_a_stopped_process_is_not_responding_until_it_goes_on(served):
    s = served()
    idle(s)
    wait_until(lambda: s.reply_age is not None)
    assert s.responding
    with Stopped(s.process.pid):
        wait_until(lambda: not s.responding)
        assert s.reply_age >= remote_mod.NOT_RESPONDING_AFTER
        s.step(2)
    wait_until(lambda: s.responding)
    assert idle(s).step == 2


def test_stopping_a_stopped_process_kills_it_soon(served, monkeypatch):
    monkeypatch.setattr(remote_mod, "STOP_TIMEOUT", WATCHDOG_S * 2)  # only the silent timeout may act
    s = served()
    idle(s)
    with Stopped(s.process.pid) as stopped:
        wait_until(lambda: not s.responding)
        s.stop()
        s.process.join(WATCHDOG_S)
        # it ended while still stopped (the watchdog did not have to continue it), and not cleanly:
        # SIGKILL, or 255 when the forkserver reports a kill it saw first (seen under heavy load)
        assert not stopped.fired.is_set() and s.process.exitcode in (-signal.SIGKILL, 255)


@pytest.mark.stress
def test_thousands_of_commands_and_snapshots_cross_the_process_boundary(served):
    """4 threads send random commands (a burst of 1,000 each, then one per ms)
    while the process publishes at 500 Hz and is stopped and continued twice,
    until 2,000 snapshots have crossed; then the session still obeys and every
    step's cost arrived exactly once."""
    s = served(publish_hz=500)
    s.run()
    costs: dict[int, dict[int, float]] = {}  # run id -> step -> cost
    taken, sent = [0], []
    stop_reading, stop_sending = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def read():
        while not stop_reading.is_set():
            snap = s.mailbox.take()
            if snap is None:
                stop_reading.wait(0.001)
                continue
            taken[0] += 1
            run = costs.setdefault(snap.run_id, {})
            for step, cost in zip(snap.new_steps.tolist(), snap.new_costs.tolist()):
                if step in run:
                    errors.append(AssertionError(f"step {step} of run {snap.run_id} arrived twice"))
                run[step] = cost

    def hammer(seed: int):
        rng, n = random.Random(seed), 0
        try:
            while not stop_sending.is_set():
                r = rng.random()
                try:
                    if r < 0.45:
                        s.set_lr(10 ** rng.uniform(-3, 0.5))
                    elif r < 0.65:
                        s.run()
                    elif r < 0.7:
                        s.pause()
                    elif r < 0.8:
                        s.step(rng.randint(1, 5))
                    elif r < 0.9:
                        s.set_batch_size(rng.randint(1, 64))
                    elif r < 0.95:
                        s.pin_example(rng.choice([None, rng.randint(0, 199)]))
                    elif r < 0.97:
                        s.set_lr(rng.choice(["abc", 0, -1]))  # refused in this thread
                    elif r < 0.995:
                        s.restore_last_finite()
                    else:
                        s.reset()
                except SettingError:
                    pass
                n += 1
                if n > 1_000:
                    stop_sending.wait(0.001)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        sent.append(n)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    threads = [threading.Thread(target=hammer, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    for _ in range(2):
        with Stopped(s.process.pid) as stopped:
            wait_until(lambda: not s.responding)
        assert not stopped.fired.is_set()
    wait_until(lambda: taken[0] >= 2_000, timeout=300)
    stop_sending.set()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert sum(sent) > 4_000
    s.pause()
    s.set_lr(0.5)
    s.restore_last_finite()
    wait_until(lambda: not s.busy)
    n = s.step_count
    s.step(5)
    wait_until(lambda: s.step_count == n + 5 and not s.busy)
    # (peek shows a snapshot as soon as it arrives; the reader may not have taken it yet)
    wait_until(lambda: s.mailbox.peek().step == n + 5 and n + 5 in costs.get(s.mailbox.peek().run_id, {}))
    stop_reading.set()
    reader.join(30)
    assert not errors, errors[:3]
    last = s.mailbox.peek()
    assert last.lr == 0.5 and not last.running
    steps = sorted(costs[last.run_id])  # every step of the last run arrived, once
    assert steps == list(range(1, n + 6))
    assert s.dropped_commands == 0

"""Stress: thousands of commands from several Python threads while the GUI
timer reads snapshots and renders. Must finish without a crash, keep every
step in the cost history, and not grow memory without bound.
"""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gdviz.training import SettingError  # noqa: E402

pytestmark = pytest.mark.stress

SECONDS = 4.0
N_THREADS = 4


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc, else ru_maxrss)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


BURST = 1_000  # commands each thread sends back to back at the start
PAUSE_S = 0.001  # then one command per millisecond per thread (a few thousand per second in all)


def hammer(session, seed: int, stop: threading.Event, counts: list, errors: list) -> None:
    """A burst of random commands, then a steady stream, until ``stop``."""
    rng = random.Random(seed)
    n = 0
    try:
        while not stop.is_set():
            r = rng.random()
            try:
                if r < 0.30:
                    session.set_lr(10 ** rng.uniform(-4, 1))
                elif r < 0.45:
                    session.run()
                elif r < 0.55:
                    session.pause()
                elif r < 0.70:
                    session.step(rng.randint(1, 5))
                elif r < 0.82:
                    session.set_batch_size(rng.randint(1, 64))
                elif r < 0.88:
                    session.set_lr(rng.choice(["abc", 0, -1, 1e9]))  # refused in this thread
                elif r < 0.92:
                    session.pin_example(rng.choice([None, rng.randint(0, 199)]))
                elif r < 0.95:
                    session.set_optimizer(rng.choice(["sgd", "momentum"]))
                elif r < 0.97:
                    session.set_speed(rng.choice([0.0, 0.0, 100.0]))
                elif r < 0.985:
                    session.reset()
                else:
                    session.reseed(rng.randint(0, 1000))
            except SettingError:
                pass
            n += 1
            if n > BURST:
                time.sleep(PAUSE_S)
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    counts.append(n)


def child_rss_mb(win) -> float:
    """Resident memory of the window's training process (0 for the thread engine)."""
    proc = getattr(win.session, "process", None)
    if proc is None or not proc.is_alive():
        return 0.0
    try:
        with open(f"/proc/{proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


@pytest.mark.parametrize("engine", ["process", "thread"])
def test_commands_from_many_threads_while_rendering(qtbot, tiny, engine):
    from gdviz.qt.window import MainWindow

    baseline_threads = threading.active_count()
    win = MainWindow(tiny, fps=60, engine=engine)
    assert win.engine == engine
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.controls.run()
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.last_snapshot.step > 20, timeout=15_000)

    stop = threading.Event()
    counts: list[int] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=hammer, args=(win.session, i, stop, counts, errors), daemon=True)
               for i in range(N_THREADS)]
    frames0 = win.frames
    rss_samples = []
    t0 = time.perf_counter()
    for t in threads:
        t.start()

    def sample_rss():
        rss_samples.append((time.perf_counter() - t0, rss_mb() + child_rss_mb(win)))

    from PySide6.QtCore import QTimer

    rss_timer = QTimer()
    rss_timer.timeout.connect(sample_rss)
    rss_timer.start(250)
    # At least SECONDS of commands, and until the GUI has taken 20 more snapshots meanwhile (a
    # count, not a rate: a busy machine renders fewer per second, but it must keep rendering).
    qtbot.waitUntil(lambda: time.perf_counter() - t0 > SECONDS and win.frames - frames0 > 20,
                    timeout=int(SECONDS * 1000) + 120_000)
    stop.set()
    for t in threads:
        t.join(10)
    rss_timer.stop()
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)
    total = sum(counts)
    assert total > 2_000, f"only {total} commands were sent"

    # The GUI kept rendering while the commands poured in.
    assert win.frames - frames0 > 20
    # The session still obeys: pause, then exactly one step.
    win.session.set_lr(0.5)
    win.session.set_batch_size(10)
    win.controls.pause()
    # (not busy: every command sent so far has been applied, the pause included)
    qtbot.waitUntil(lambda: not win.session.busy and not win.last_snapshot.running
                    and win.last_snapshot.step == win.session.step_count, timeout=90_000)
    before = win.last_snapshot
    win.session.step(1)
    qtbot.waitUntil(lambda: win.last_snapshot.step == before.step + 1, timeout=15_000)
    assert win.last_snapshot.lr == 0.5 and win.last_snapshot.batch_size == 10
    # The history of the current run is complete: steps 1..n, each once.
    cp = win.cost_panel
    steps = cp.steps.view("step")
    if cp.steps.n:
        np.testing.assert_array_equal(steps, np.arange(steps[0], steps[0] + len(steps)))

    # Memory: no unbounded growth (compare the second half with the first).
    assert len(rss_samples) >= 8
    half = len(rss_samples) // 2
    first = max(m for _, m in rss_samples[:half])
    last = max(m for _, m in rss_samples[half:])
    assert last - first < 100, f"RSS grew from {first:.0f} MB to {last:.0f} MB"

    session = win.session
    win.close()
    assert not win.thread.isRunning()
    assert threading.active_count() <= baseline_threads
    if engine == "process":
        assert not session.process.is_alive() and session.process.exitcode == 0


@pytest.mark.parametrize("engine", ["process", "thread"])
def test_rapid_open_close_windows(qtbot, tiny, engine):
    """Windows opened and closed in a row (while training) never leave a thread
    (or a training process) behind."""
    from gdviz.qt.window import MainWindow

    baseline = threading.active_count()
    for i in range(5):
        win = MainWindow(tiny, engine=engine)
        qtbot.addWidget(win)
        win.show()
        if i % 2:
            win.controls.run()
        qtbot.waitUntil(lambda w=win: w.last_snapshot is not None, timeout=15_000)
        win.close()
        assert not win.thread.isRunning()
        if engine == "process":
            assert not win.session.process.is_alive()
    assert threading.active_count() <= baseline, [t.name for t in threading.enumerate()]

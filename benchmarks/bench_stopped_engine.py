"""How long the window's thread waits for a stopped training process.

Starts a RemoteSession on the embedded sample, SIGSTOPs its process, sends
10,000 η changes (a long slider drag) and 300 Step clicks from this thread, and
prints the longest and typical time one command took, how long the process
took to be called "not responding", and what it applied once continued
(SIGCONT). A watchdog continues the process after ``--cap`` seconds, so a
version of gdviz that blocks shows the cap as its longest send.

    python benchmarks/bench_stopped_engine.py [--cap 20]

Linux/macOS only (SIGSTOP). A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cap", type=float, default=20.0, help="seconds before the watchdog continues the process")
    args = ap.parse_args()

    from gdviz.data import load_sample
    from gdviz.training.remote import EngineError, RemoteSession

    session = RemoteSession(load_sample())

    def serve():
        try:
            session.serve()
        except EngineError:
            pass

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    session.step(3)
    while session.busy:
        time.sleep(0.01)
    pid = session.process.pid
    os.kill(pid, signal.SIGSTOP)
    watchdog = threading.Timer(args.cap, os.kill, args=(pid, signal.SIGCONT))
    watchdog.daemon = True
    watchdog.start()
    t_stop = time.monotonic()
    times = []
    for i in range(10_000):
        t0 = time.perf_counter()
        session.set_lr(0.01 + (i % 1000) * 0.003)
        if i % 33 == 0:
            session.step(1)
        times.append(time.perf_counter() - t0)
    while session.responding and time.monotonic() - t_stop < args.cap:
        time.sleep(0.01)
    silent_after = time.monotonic() - t_stop
    fired = watchdog.finished.is_set() and time.monotonic() - t_stop >= args.cap
    watchdog.cancel()
    os.kill(pid, signal.SIGCONT)
    while session.busy:
        time.sleep(0.01)
    times.sort()
    n = len(times)
    print(f"10,000 set_lr + {len(range(0, 10_000, 33))} step(1) while the training process was stopped:")
    print(f"  longest send {times[-1] * 1e3:.1f} ms, 99.9th percentile {times[int(n * 0.999)] * 1e3:.2f} ms, "
          f"median {times[n // 2] * 1e6:.0f} µs{'  (the watchdog had to continue it)' if fired else ''}")
    print(f"  'not responding' {silent_after:.1f} s after the stop")
    print(f"  after SIGCONT: step {session.step_count}, η = {session.config.lr:g}, "
          f"commands dropped {session.dropped_commands}")
    session.stop()
    server.join(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

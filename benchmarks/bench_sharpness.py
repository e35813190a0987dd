"""Does the stability meter slow training? Steps/s with and without it, interleaved.

The stability meter (:class:`gdviz.qt.stability.StabilityMonitor`) estimates
λ_max of the newest θ in a background thread of the window's process, at most
``HZ`` times a second, on the first ``DIGITS`` training digits. This script
trains the lesson's network (784-16-16-10, sigmoid, squared error, η = 3,
batch 10, the test set evaluated 4 times an epoch as the window asks) on the
embedded sample and compares, in runs that alternate A (meter off) and B
(meter on at its default rate):

* ``headless``: a :class:`TrainingSession` serving in a thread of this
  process — the window's ``thread`` engine, where the meter shares the GIL and
  the cores with training — for a fixed number of steps; a Qt timer in the
  main thread takes its snapshots (100 Hz) and, in B, hands them to the meter;
* ``window``: the real main window (offscreen, 1280x720, the default
  ``process`` engine: training in a child process) training as fast as
  possible, the meter switched off and on in alternate phases of fixed
  length; steps/s from the snapshots, and how late a 16 ms GUI timer fires.

Prints each run's steps/s, the median of each arm, and B/A (the median of the
pairwise ratios and the ratio of the medians); the target is B/A ≥ 0.95.

    python benchmarks/bench_sharpness.py [--repeats 5] [--steps 20000] [--phase-seconds 6]
                                         [--only headless|window] [--hz 1] [--digits 500]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing
TARGET = 0.95


def _config():
    from gdviz.qt.controls import eval_interval
    from gdviz.training import LESSON

    return replace(LESSON, eval_every=eval_interval(8000, LESSON.batch_size), steps_per_second=0.0)


def _summary(runs_a: list[dict], runs_b: list[dict], hz: float) -> dict:
    """Medians and B/A ratios of wall-clock steps/s; the CPU figures and the no-spare-core model."""
    a = [r["steps_per_s"] for r in runs_a]
    b = [r["steps_per_s"] for r in runs_b]
    pairs = [y / x for x, y in zip(a, b, strict=False) if x > 0]
    ma, mb = statistics.median(a), statistics.median(b)
    # CPU time of the training loop itself per step (its thread, or the training process):
    # load on the machine stretches the wall clock but hardly this.
    ta = statistics.median(r["train_cpu_per_step_ms"] for r in runs_a)
    tb = statistics.median(r["train_cpu_per_step_ms"] for r in runs_b)
    per_est = statistics.median(r["meter_cpu_ms_per_estimate"] for r in runs_b if r["estimates"])
    # With no spare core, one second of training alone (1000/ta steps) would share its core with
    # the meter, which takes hz estimates a second but at most DUTY of a core (its interval
    # grows with what an estimate costs): B/A = 1 / (tb/ta + min(hz · CPU per estimate, DUTY)).
    from gdviz.qt.stability import DUTY

    share = min(hz * per_est / 1000.0, DUTY)
    model = 1.0 / (tb / ta + share)
    return {"A_off_steps_per_s": [round(x, 1) for x in a], "B_on_steps_per_s": [round(x, 1) for x in b],
            "A_median": round(ma, 1), "B_median": round(mb, 1),
            "ratio_of_medians": round(mb / ma, 4), "median_pairwise_ratio": round(statistics.median(pairs), 4),
            "pairwise_ratios": [round(r, 4) for r in pairs],
            "train_cpu_ms_per_step_A": round(ta, 5), "train_cpu_ms_per_step_B": round(tb, 5),
            "meter_cpu_ms_per_estimate": round(per_est, 2), "meter_share_of_a_core": round(share, 4),
            "no_spare_core_ratio": round(model, 4),
            "estimates_per_B_run": [r["estimates"] for r in runs_b]}


def _line(kind: str, i: int, on: bool, r: dict) -> str:
    text = (f"  {kind} run {i + 1}{'B' if on else 'A'} (meter {'on ' if on else 'off'}): "
            f"{r['steps_per_s']:8.1f} steps/s, training {r['train_cpu_per_step_ms']:.4f} ms CPU a step")
    if on:
        text += f"; {r['estimates']} estimates, {r['meter_cpu_ms_per_estimate']:.1f} ms CPU each"
    if "p99_late_ms" in r:
        text += f"; GUI timer p99 late {r['p99_late_ms']:.1f} ms"
    return text


# ====================================================================== headless (thread engine)
def headless_run(app, dataset, config, steps: int, monitor_on: bool, hz: float, digits: int) -> dict:
    """One run: ``steps`` updates served in a thread; the meter fed from a 100 Hz timer when on."""
    from PySide6.QtCore import QTimer

    from gdviz.qt.stability import StabilityMonitor
    from gdviz.training import TrainingSession

    session = TrainingSession(dataset, config)
    train_cpu = {}

    def serve():
        t = time.thread_time()
        session.serve()
        train_cpu["s"] = time.thread_time() - t

    worker = threading.Thread(target=serve, name="bench-train", daemon=True)
    monitor = StabilityMonitor(hz=hz, digits=digits) if monitor_on else None
    if monitor is not None:
        monitor.set_dataset(dataset)
    state = {"t_end": None}

    def poll():
        snap = session.mailbox.take()
        if snap is None:
            return
        if monitor is not None:
            monitor.observe(snap)
        if snap.step >= steps and state["t_end"] is None:
            state["t_end"] = time.perf_counter()
            app.quit()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(poll)
    worker.start()
    timer.start()
    t0 = time.perf_counter()
    session.step(steps)
    app.exec()
    timer.stop()
    elapsed = state["t_end"] - t0
    out = {"steps_per_s": steps / elapsed, "seconds": elapsed, "estimates": 0}
    if monitor is not None:
        out["estimates"] = len(monitor.history)
        out["meter_cpu_ms_per_estimate"] = 1e3 * monitor.cpu_seconds / max(1, len(monitor.history))
        monitor.shutdown()
    session.stop()
    worker.join(5)
    out["train_cpu_per_step_ms"] = 1e3 * train_cpu["s"] / steps  # (its idle waits cost no CPU)
    return out


def bench_headless(repeats: int, steps: int, hz: float, digits: int) -> dict:
    from gdviz.data import load_sample
    from gdviz.qt.app import ensure_app

    app = ensure_app()
    dataset, config = load_sample(), _config()
    headless_run(app, dataset, config, min(steps, 2000), True, hz, digits)  # warm up caches, imports
    runs: dict[bool, list] = {False: [], True: []}
    for i in range(repeats):
        for on in (False, True):
            r = headless_run(app, dataset, config, steps, on, hz, digits)
            runs[on].append(r)
            print(_line("headless", i, on, r), flush=True)
    return {**_summary(runs[False], runs[True], hz), "steps_per_run": steps}


# ====================================================================== window (process engine)
def _child_cpu(pid) -> float:
    """CPU seconds (user + system) of process ``pid`` so far (Linux; nan elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def bench_window(repeats: int, phase_seconds: float, hz: float, digits: int) -> dict:
    import numpy as np
    from PySide6.QtCore import Qt, QTimer

    from gdviz.data import load_sample
    from gdviz.qt.app import ensure_app
    from gdviz.qt.window import MainWindow

    app = ensure_app()
    win = MainWindow(load_sample(), _config(), engine="process")
    mon = win.stability
    mon.hz, mon.digits = hz, digits
    win.resize(1280, 720)
    win.show()
    lateness: list[float] = []
    state = {"prev": None}

    def tick():
        now = time.perf_counter()
        if state["prev"] is not None:
            lateness.append(max(0.0, (now - state["prev"]) * 1000.0 - 16.0))
        state["prev"] = now

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(16)
    probe.timeout.connect(tick)

    def spin(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    spin(1.0)
    while win.session._proc.pid is None or win.last_snapshot is None:  # the training process starts
        spin(0.1)
    win.controls.run()
    spin(2.0)
    probe.start()
    pid = win.session._proc.pid  # the training process (the window keeps its engine's)
    runs: dict[bool, list] = {False: [], True: []}
    for i in range(repeats):
        for on in (False, True):
            mon.enabled = on
            spin(1.0)  # let a running estimate finish (off) or the first one come (on)
            n0, s0, m0 = len(mon.history), win.last_snapshot.step, mon.cpu_seconds
            cpu0 = _child_cpu(pid)
            lateness.clear()
            state["prev"] = None
            t0 = time.perf_counter()
            spin(phase_seconds)
            elapsed = time.perf_counter() - t0
            steps = max(1, win.last_snapshot.step - s0)
            n = len(mon.history) - n0
            r = {"steps_per_s": steps / elapsed, "train_cpu_per_step_ms": 1e3 * (_child_cpu(pid) - cpu0) / steps,
                 "estimates": n, "meter_cpu_ms_per_estimate": 1e3 * (mon.cpu_seconds - m0) / max(1, n),
                 "p99_late_ms": float(np.percentile(lateness, 99)) if lateness else float("nan")}
            runs[on].append(r)
            print(_line("window", i, on, r), flush=True)
    probe.stop()
    engine = win.engine
    win.close()
    return {**_summary(runs[False], runs[True], hz), "engine": engine, "phase_seconds": phase_seconds,
            "gui_timer_p99_late_ms_A": [round(r["p99_late_ms"], 1) for r in runs[False]],
            "gui_timer_p99_late_ms_B": [round(r["p99_late_ms"], 1) for r in runs[True]]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="A/B pairs of each kind (default 5)")
    ap.add_argument("--steps", type=int, default=20000, help="steps per headless run (default 20,000)")
    ap.add_argument("--phase-seconds", type=float, default=6.0, help="length of a window phase (default 6 s)")
    ap.add_argument("--only", choices=("headless", "window"), default=None, help="run one part only")
    ap.add_argument("--hz", type=float, default=None, help="the meter's rate (default: its own)")
    ap.add_argument("--digits", type=int, default=None, help="the meter's digits (default: its own)")
    ap.add_argument("--json-out", default=None, help="also write the figures to this file")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gdviz.qt import stability

    hz = args.hz if args.hz is not None else stability.HZ
    digits = args.digits if args.digits is not None else stability.DIGITS
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    result: dict = {"meter": {"hz": hz, "digits": digits}, "cpus": os.cpu_count(),
                    "load_average_at_start": load, "python": sys.version.split()[0], "target_ratio": TARGET}
    if args.only in (None, "headless"):
        print(f"headless (thread engine), {args.steps:,} steps per run, meter at {hz:g} Hz on {digits} digits:")
        result["headless"] = bench_headless(args.repeats, args.steps, hz, digits)
    if args.only in (None, "window"):
        print(f"window (process engine), {args.phase_seconds:g} s phases, meter at {hz:g} Hz on {digits} digits:")
        result["window"] = bench_window(args.repeats, args.phase_seconds, hz, digits)
    for part in ("headless", "window"):
        if part in result:
            r = result[part]
            verdict = "ok" if r["median_pairwise_ratio"] >= TARGET else "below the target"
            print(f"{part}: off {r['A_median']:.1f} steps/s, on {r['B_median']:.1f} steps/s, "
                  f"B/A = {r['median_pairwise_ratio']:.3f} (median of pairs; ratio of medians "
                  f"{r['ratio_of_medians']:.3f}) — {verdict} (target ≥ {TARGET}); training CPU a step "
                  f"{r['train_cpu_ms_per_step_A']:.4f} → {r['train_cpu_ms_per_step_B']:.4f} ms, "
                  f"{r['meter_cpu_ms_per_estimate']:.1f} ms CPU an estimate: with no spare core "
                  f"B/A = {r['no_spare_core_ratio']:.3f}")
    print(json.dumps(result, indent=1))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

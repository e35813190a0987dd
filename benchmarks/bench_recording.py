"""Recording benchmark: what recording costs the training loop, and how fast a
recording opens and scrubs.

Run from the repository root::

    python benchmarks/bench_recording.py [--data-dir ../shared/data/mnist] [--quick] [--json-out FILE]

1. **Throughput, recording off vs on** — the lesson's network (784-16-16-10,
   η = 3) at batch 10 on full MNIST, 1 BLAS thread as in the window's worker.
   Two identical sessions run the same loop: ``train_step()`` every update
   and a ``snapshot()`` every ``--snap-every`` updates (≈ the window's
   60 Hz); the "on" one also calls ``Recorder.on_step(step, θ)`` after every
   update and ``Recorder.record_snapshot(snap)`` for every snapshot, writing
   a real file. They train in alternating blocks (``--rounds`` pairs of
   ``--steps`` updates) so drifting machine load hits both; the median of the
   per-pair time ratios is reported, and the recorder's own cost per update is
   also timed on its own. Both end with bitwise the same θ. Skipped when full
   MNIST is absent.
2. **A 10-epoch recording** — 60,000 steps at batch 10 with the default
   K = 64: a real run on full MNIST when it is present (recorded as in 1),
   otherwise a synthetic file of the same shape. Its size is printed.
3. **Open and scrub** — ``open_recording`` of that file (warm page cache;
   and cold, after ``posix_fadvise(DONTNEED)`` where available), then
   ``theta_at`` and ``snapshot_at`` at random steps: median / 99th percentile /
   max in milliseconds.
4. **Scrub in the window** (``--no-window`` skips it) — the real MainWindow
   (offscreen unless a display is set) in replay mode on that file: the
   timeline slider is set to random steps (forwards and backwards; a
   backward jump replays the whole cost history from step 0) and the time is
   taken from ``slider.setValue`` until every panel has its new data
   (``snapshot_at`` + ``window.render``) and, separately, until the window has
   also been painted (``repaint()``). Also the worst case: from step 1 to the
   last step and back to the last step but one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from threadpoolctl import threadpool_limits  # noqa: E402

from gdviz.data import DataError, load_idx_dir, load_sample  # noqa: E402
from gdviz.training import LESSON, Evaluation, TrainingSession  # noqa: E402
from gdviz.training.recording import Recorder, open_recording  # noqa: E402

TARGET_OVERHEAD = 0.10  # recording may slow training by at most 10 %
TARGET_SCRUB_MS = 100.0  # opening / scrubbing a 50 MB recording


def mnist_dir(arg: str | None) -> Path | None:
    """``--data-dir`` if given, else ``$GDVIZ_MNIST_DIR``, else ``../shared/data/mnist`` (if it holds MNIST)."""
    cands = [arg] if arg else [os.environ.get("GDVIZ_MNIST_DIR"), REPO.parent / "shared" / "data" / "mnist"]
    for cand in cands:
        if cand and (Path(cand) / "train-images-idx3-ubyte.gz").exists():
            return Path(cand)
        if cand and (Path(cand) / "train-images-idx3-ubyte").exists():
            return Path(cand)
    return None


def train_loop(dataset, n_steps: int, snap_every: int, recorder: Recorder | None,
               session: TrainingSession | None = None) -> tuple[float, TrainingSession]:
    """Seconds for ``n_steps`` updates (+ a snapshot every ``snap_every``), recording or not."""
    s = session or TrainingSession(dataset, LESSON, publish_hz=0)
    if recorder is not None and recorder.n_thetas == 0:
        recorder.add_theta(s.step_count, s.net.theta)
    train_step, theta = s.train_step, s.net.theta
    on_step = recorder.on_step if recorder is not None else None
    t0 = time.perf_counter()
    for _ in range(n_steps):
        train_step()
        step = s.step_count
        if on_step is not None:
            on_step(step, theta)
        if step % snap_every == 0:
            snap = s.snapshot()
            if recorder is not None:
                recorder.record_snapshot(snap)
    return time.perf_counter() - t0, s


def bench_throughput(dataset, blocks: int, block_steps: int, snap_every: int, folder: Path) -> dict:
    """Two identical sessions, one recorded, trained in alternating blocks of updates.

    On a shared machine the speed drifts by tens of percent within seconds;
    alternating short blocks and taking the median of the per-pair ratios
    cancels most of it. The recorder's own cost is also timed directly.
    """
    off_s = TrainingSession(dataset, LESSON, publish_hz=0)
    on_s = TrainingSession(dataset, LESSON, publish_hz=0)
    rec = Recorder.from_session(folder / "throughput.gdvrec", on_s)
    train_loop(dataset, 200, snap_every, None, TrainingSession(dataset, LESSON, publish_hz=0))  # warm up
    t_off, t_on = [], []
    for b in range(blocks):
        order = ((None, off_s), (rec, on_s)) if b % 2 == 0 else ((rec, on_s), (None, off_s))
        for recorder, sess in order:
            seconds, _ = train_loop(dataset, block_steps, snap_every, recorder, sess)
            (t_on if recorder is not None else t_off).append(seconds)
    t0 = time.perf_counter()
    rec.close()
    close_ms = 1e3 * (time.perf_counter() - t0)
    assert np.array_equal(off_s.net.theta, on_s.net.theta)  # recording changes nothing
    ratios = [on / off for on, off in zip(t_on, t_off, strict=True)]
    steps = block_steps * blocks

    # the recorder's own cost per update, timed alone on the same θ
    probe = Recorder(folder / "probe.gdvrec", LESSON, on_s.net.sizes, dataset.name)
    theta = on_s.net.theta.copy()
    snap = on_s.snapshot()
    n = 64 * 400
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        probe.on_step(i, theta)
    per_on_step = (time.perf_counter() - t0) / n
    costs = np.linspace(1, 0, snap_every)
    t0 = time.perf_counter()
    for i in range(200):
        probe.add_costs(np.arange(i * snap_every + 1, (i + 1) * snap_every + 1), costs)
        probe.record_snapshot(snap)
    per_snapshot = (time.perf_counter() - t0) / 200
    probe.abort()
    step_s = statistics.median(t_off) / block_steps
    return {
        "steps_per_s_off": block_steps / statistics.median(t_off),
        "steps_per_s_on": block_steps / statistics.median(t_on),
        "overhead_median_pair": statistics.median(ratios) - 1,
        "overhead_total": sum(t_on) / sum(t_off) - 1,
        "on_step_us": 1e6 * per_on_step, "record_snapshot_us": 1e6 * per_snapshot,
        "overhead_direct": (per_on_step + per_snapshot / snap_every) / step_s,
        "blocks": blocks, "block_steps": block_steps, "steps_each": steps, "close_ms": close_ms,
    }


def record_ten_epochs(dataset, path: Path, snap_every: int) -> dict:
    """A real 10-epoch recording (60,000 steps at batch 10 on full MNIST)."""
    s = TrainingSession(dataset, LESSON, publish_hz=0)
    rec = Recorder.from_session(path, s)
    t0 = time.perf_counter()
    steps = 10 * -(-dataset.n_train // LESSON.batch_size)
    train_loop(dataset, steps, snap_every, rec, session=s)
    rec.record_snapshot(s.snapshot())
    rec.close()
    return {"kind": "real 10-epoch run", "seconds": time.perf_counter() - t0, "steps": s.step_count,
            "test_accuracy": s._last_eval.test_accuracy if s._last_eval else None}


def synthetic_ten_epochs(path: Path) -> dict:
    """A file shaped like a 10-epoch full-MNIST run at batch 10 (random θ and costs)."""
    rng = np.random.default_rng(0)
    rec = Recorder(path, LESSON, (784, 16, 16, 10), "mnist", n_train=60_000, n_test=10_000)
    theta = rng.standard_normal(13_002).astype(np.float32)
    rec.add_theta(0, theta)
    t0 = time.perf_counter()
    for start in range(0, 60_000, 300):
        steps = np.arange(start + 1, start + 301)
        rec.add_costs(steps, rng.random(300))
        for step in steps:
            theta[int(step) % 13_002] += 1e-3
            rec.on_step(int(step), theta)
        if (start + 300) % 6_000 == 0:
            e = (start + 300) // 6_000
            rec.add_eval(Evaluation(start + 300, float(e), 0.1, 0.9, 0.1, 0.9))
            rec.add_epoch_cost(e, start + 300, 0.1)
    rec.close()
    return {"kind": "synthetic", "seconds": time.perf_counter() - t0, "steps": 60_000}


def drop_cache(path: Path) -> bool:
    if not hasattr(os, "posix_fadvise"):
        return False
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
        os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    return True


def ms_stats(samples) -> dict:
    a = np.sort(np.asarray(samples)) * 1e3
    return {"median_ms": float(np.median(a)), "p99_ms": float(np.percentile(a, 99)), "max_ms": float(a[-1])}


def bench_open_and_scrub(path: Path, dataset, n_random: int) -> dict:
    out: dict = {"file_mb": path.stat().st_size / 1e6}
    if drop_cache(path):
        t0 = time.perf_counter()
        r = open_recording(path)
        _, theta = r.theta_at(int(r.n_steps) // 2)
        float(theta[0])
        out["open_cold_ms"] = 1e3 * (time.perf_counter() - t0)
        r.close()
    for verify in (True, False):
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            r = open_recording(path, verify=verify)
            times.append(time.perf_counter() - t0)
            r.close()
        out["open_warm_ms" if verify else "open_warm_noverify_ms"] = 1e3 * statistics.median(times)
    rng = np.random.default_rng(1)
    with open_recording(path) as r:
        steps = rng.integers(0, r.n_steps + 1, n_random)
        t_theta, t_snap = [], []
        for st in steps:
            t0 = time.perf_counter()
            _, theta = r.theta_at(int(st))
            float(theta.sum())  # touch it
            t_theta.append(time.perf_counter() - t0)
        for st in steps[: max(1, n_random // 4)]:
            t0 = time.perf_counter()
            r.snapshot_at(int(st), dataset, run_id=int(st))  # a backwards scrub: whole history
            t_snap.append(time.perf_counter() - t0)
        out["theta_at"] = ms_stats(t_theta)
        out["snapshot_at_full_history"] = ms_stats(t_snap)
        out["n_thetas"] = int(r.theta_steps.size)
        out["n_steps"] = int(r.n_steps)
    return out


def bench_window_scrub(path: Path, dataset, n_random: int) -> dict:
    """Slider change -> panels rendered (and painted) in the real window, in replay mode."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gdviz.qt.app import ensure_app
    from gdviz.qt.replay import attach
    from gdviz.qt.window import MainWindow

    app = ensure_app()
    window = MainWindow(dataset)
    window.resize(1600, 1000)
    window.show()
    for _ in range(5):
        app.processEvents()
    ctl = attach(window)
    t0 = time.perf_counter()
    assert ctl.open_recording(path, quiet=True)
    enter_ms = 1e3 * (time.perf_counter() - t0)
    window.repaint()  # the dock appearing re-lays out and paints the whole window once: not a scrub
    for _ in range(5):
        app.processEvents()
    slider = ctl.timeline.slider
    rng = np.random.default_rng(2)
    n = ctl.recording.n_steps
    steps = [int(x) for x in rng.integers(0, n + 1, n_random)]
    steps += [1, n, n - 1, n]  # worst cases: the whole history at once, backwards by one step
    rendered, painted, kinds = [], [], []
    for st in steps:
        if st == ctl.step:
            continue
        kinds.append("backward" if st < ctl.step else "forward")
        t0 = time.perf_counter()
        slider.setValue(st)
        while ctl.step != st:  # the slider's change is drawn from the event loop (a drag coalesces)
            app.processEvents()
        t1 = time.perf_counter()
        window.repaint()
        app.processEvents()
        t2 = time.perf_counter()
        rendered.append(t1 - t0)
        painted.append(t2 - t0)
    back = [r for r, k in zip(painted, kinds, strict=True) if k == "backward"]
    out = {"enter_replay_ms": enter_ms, "slider_to_rendered": ms_stats(rendered),
           "slider_to_painted": ms_stats(painted), "backward_to_painted": ms_stats(back),
           # 1 -> n (every cost at once, forwards) and n -> n-1 (backwards: cleared, then all again)
           "worst_case_whole_history_ms": 1e3 * max(painted[-3:-1]),
           "jumps": len(painted), "platform": QApplication.platformName()}
    ctl.on_close()
    window.close()
    app.processEvents()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=None, help="folder with the four MNIST IDX files")
    ap.add_argument("--quick", action="store_true", help="fewer and shorter rounds; synthetic 10-epoch file")
    ap.add_argument("--rounds", type=int, default=None, help="off/on block pairs (default 40, quick 10)")
    ap.add_argument("--steps", type=int, default=None, help="updates per block (default 1,000, quick 500)")
    ap.add_argument("--snap-every", type=int, default=300,
                    help="updates between snapshots (default 300 ≈ 60 Hz at ~18,000 updates/s)")
    ap.add_argument("--keep", metavar="DIR", default=None, help="write the recordings here and keep them")
    ap.add_argument("--json-out", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--no-window", action="store_true", help="skip 4. (scrubbing in the window)")
    ap.add_argument("--only-window", action="store_true",
                    help="only 4., on a synthetic 10-epoch file (1. and 3. skipped)")
    args = ap.parse_args(argv)
    rounds = args.rounds or (10 if args.quick else 40)
    steps = args.steps or (500 if args.quick else 1_000)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gdviz-bench-rec-"))
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict = {"python": sys.version.split()[0], "numpy": np.__version__, "cpus": os.cpu_count()}
    d = mnist_dir(args.data_dir)
    mnist = None
    if d is not None:
        try:
            mnist = load_idx_dir(d)
        except DataError as exc:
            print(f"cannot read MNIST in {d}: {exc}")
    print(f"gdviz recording benchmark — Python {figures['python']}, NumPy {figures['numpy']}, "
          f"{figures['cpus']} CPUs; files in {folder}")

    with threadpool_limits(limits=1, user_api="blas"):
        if mnist is None or args.only_window:
            print("\n1. throughput: skipped" + ("" if args.only_window else
                                                 " (full MNIST not found; pass --data-dir)"))
        else:
            print(f"\n1. throughput at batch 10 on full MNIST: {rounds} alternating blocks × {steps:,} "
                  f"updates each, a snapshot every {args.snap_every} updates")
            tp = bench_throughput(mnist, rounds, steps, args.snap_every, folder)
            figures["throughput"] = tp
            verdict = "OK" if max(tp["overhead_median_pair"], tp["overhead_direct"]) <= TARGET_OVERHEAD \
                else "OVER TARGET"
            print(f"  median off {tp['steps_per_s_off']:,.0f} / on {tp['steps_per_s_on']:,.0f} steps/s "
                  f"({10 * tp['steps_per_s_off']:,.0f} / {10 * tp['steps_per_s_on']:,.0f} samples/s)")
            print(f"  recording costs {100 * tp['overhead_median_pair']:+.1f} % (median of block pairs), "
                  f"{100 * tp['overhead_total']:+.1f} % (totals)")
            print(f"  timed alone: on_step {tp['on_step_us']:.2f} µs per update (θ written every 64th), "
                  f"record_snapshot {tp['record_snapshot_us']:.1f} µs per snapshot "
                  f"-> {100 * tp['overhead_direct']:.2f} % of an update; close {tp['close_ms']:.1f} ms")
            print(f"  target ≤ 10 %: {verdict}")

        path = folder / "ten-epochs.gdvrec"
        print("\n2. a 10-epoch recording (60,000 steps at batch 10, K = 64)")
        if mnist is not None and not (args.quick or args.only_window):
            made = record_ten_epochs(mnist, path, args.snap_every)
        else:
            made = synthetic_ten_epochs(path)
        figures["ten_epochs"] = {**made, "mb": path.stat().st_size / 1e6}
        print(f"  {made['kind']}: {made['steps']:,} steps in {made['seconds']:.2f} s -> "
              f"{path.stat().st_size / 1e6:.2f} MB" +
              (f"; test accuracy {100 * made['test_accuracy']:.2f} %" if made.get("test_accuracy") else ""))

        print("\n3. open and scrub" + (": skipped" if args.only_window else ""))
        if not args.only_window:
            sc = bench_open_and_scrub(path, mnist or load_sample(), 400 if args.quick else 2_000)
            figures["scrub"] = sc
            if "open_cold_ms" in sc:
                print(f"  open + first θ, cold page cache: {sc['open_cold_ms']:.1f} ms")
            print(f"  open, warm: {sc['open_warm_ms']:.1f} ms (every CRC checked); "
                  f"{sc['open_warm_noverify_ms']:.1f} ms (verify=False: θ checked on first read)")
            for key in ("theta_at", "snapshot_at_full_history"):
                st = sc[key]
                print(f"  {key}: median {st['median_ms']:.3f} ms, p99 {st['p99_ms']:.3f} ms, max {st['max_ms']:.3f} ms")
            worst = max(sc.get("open_cold_ms", 0.0), sc["open_warm_ms"], sc["snapshot_at_full_history"]["max_ms"])
            print(f"  worst of these {worst:.1f} ms (target ≤ {TARGET_SCRUB_MS:.0f} ms: "
                  f"{'OK' if worst <= TARGET_SCRUB_MS else 'OVER TARGET'})")

    if not args.no_window:
        print("\n4. scrub in the window (replay mode; slider -> every panel has the new step)")
        try:
            import PySide6  # noqa: F401
        except ImportError:
            print("  skipped: PySide6 is not installed")
        else:
            ws = bench_window_scrub(path, mnist or load_sample(), 100 if args.quick else 300)
            figures["window_scrub"] = ws
            print(f"  ({ws['platform']} platform) entering replay: {ws['enter_replay_ms']:.0f} ms; "
                  f"{ws['jumps']} jumps")
            for key in ("slider_to_rendered", "slider_to_painted", "backward_to_painted"):
                st = ws[key]
                print(f"  {key}: median {st['median_ms']:.1f} ms, p99 {st['p99_ms']:.1f} ms, "
                      f"max {st['max_ms']:.1f} ms")
            print(f"  whole history at once (step 1 -> last, last -> last-1): "
                  f"{ws['worst_case_whole_history_ms']:.1f} ms")
            worst = ws["slider_to_painted"]["max_ms"]
            print(f"  target ≤ {TARGET_SCRUB_MS:.0f} ms from slider to painted panels: "
                  f"{'OK' if worst <= TARGET_SCRUB_MS else 'OVER TARGET'} (max {worst:.1f} ms)")

    print("\n" + json.dumps(figures, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2) + "\n")
    if not args.keep:
        for p in folder.glob("*.gdvrec"):
            p.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())

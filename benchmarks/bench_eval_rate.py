"""What evaluations cost a served session at full speed (in-process, no window).

A ``TrainingSession`` is served from a thread as the window's engines serve it
(60 snapshots a second taken by a reader thread), at full speed, with the
window's evaluation grid (a quarter epoch: ``eval_every`` = steps per epoch / 4)
and three evaluation rules, interleaved round by round:

* ``none``     no grid (``eval_every`` 0): epoch ends only, as ``gdviz train --headless``;
* ``every``    every grid point (the rule before ``gdviz.training.eval_cadence``);
* ``budget``   the session's cadence (grid points within ``MAX_SHARE`` of the time);

plus ``headless``: ``train_epoch()`` in a loop, as the CLI trains. Reported:
steps/s (median over rounds), evaluations per second, and the ratio to ``none``.

    python benchmarks/bench_eval_rate.py                     # sample, ~1 min
    python benchmarks/bench_eval_rate.py --nice -20 --mnist DIR --seconds 4
"""

from __future__ import annotations

import argparse
import math
import os
import threading
import time
from dataclasses import replace

import numpy as np
from threadpoolctl import threadpool_limits

from gdviz.data import load_idx_dir, load_sample
from gdviz.training import LESSON, TrainingSession
from gdviz.training.eval_cadence import EvalCadence

from bench_user import set_autogroup_nice

RULES = ("none", "every", "budget", "headless")


def _config(n_train: int, rule: str):
    every = max(1, round(math.ceil(n_train / LESSON.batch_size) / 4))
    return replace(LESSON, steps_per_second=0.0, eval_every=0 if rule in ("none", "headless") else every)


def served(dataset, rule: str, seconds: float) -> tuple[float, float]:
    """(steps/s, evaluations/s) of a served session at full speed, from 0.5 s after Run."""
    cadence = EvalCadence(max_share=1.0, min_gap_s=0.0) if rule == "every" else None
    s = TrainingSession(dataset, _config(len(dataset.train_labels), rule), eval_cadence=cadence)
    worker = threading.Thread(target=s.serve, daemon=True)
    worker.start()
    evals: list[int] = []
    try:
        s.run()
        time.sleep(0.5)
        s.mailbox.take()
        t0, step0 = time.perf_counter(), s.step_count
        end = t0 + seconds
        while time.perf_counter() < end:  # the window's poll: 60 a second
            time.sleep(1 / 60)
            snap = s.mailbox.take()
            if snap is not None:
                evals += [e.step for e in snap.new_evals]
        t1, step1 = time.perf_counter(), s.step_count
    finally:
        s.stop()
        worker.join(10)
    return (step1 - step0) / (t1 - t0), len(evals) / (t1 - t0)


def headless(dataset, seconds: float) -> tuple[float, float]:
    """(steps/s, epoch-end evaluations/s) of ``train_epoch()`` in a loop, evaluations included."""
    s = TrainingSession(dataset, _config(len(dataset.train_labels), "headless"), publish_hz=0)
    with threadpool_limits(limits=1, user_api="blas"):
        s.train_epoch()
        t0, step0, epoch0 = time.perf_counter(), s.step_count, s.epoch
        while time.perf_counter() - t0 < seconds:
            s.train_epoch()
        dt = time.perf_counter() - t0
    return (s.step_count - step0) / dt, (s.epoch - epoch0) / dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="measured seconds per run (default 3)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--mnist", default=None, help="also the full MNIST in this IDX folder")
    ap.add_argument("--nice", type=int, default=0, help="this session's scheduling weight (as bench_user.py)")
    args = ap.parse_args(argv)
    if args.nice and not set_autogroup_nice(args.nice):
        ap.error("--nice: cannot set this session's scheduling weight (needs root for a negative value)")
    sets = [("sample", load_sample())] + ([("full MNIST", load_idx_dir(args.mnist))] if args.mnist else [])
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  cpus={os.cpu_count()}  load avg={os.getloadavg()}")
    print("| data | rule | steps/s | evaluations/s | × none |")
    print("| --- | --- | --- | --- | --- |")
    for name, ds in sets:
        got: dict[str, list[tuple[float, float]]] = {r: [] for r in RULES}
        for _ in range(args.rounds):
            for rule in RULES:
                got[rule].append(headless(ds, args.seconds) if rule == "headless" else served(ds, rule, args.seconds))
        base = float(np.median([g[0] for g in got["none"]]))
        for rule in RULES:
            sps = float(np.median([g[0] for g in got[rule]]))
            eps = float(np.median([g[1] for g in got[rule]]))
            print(f"| {name} | {rule} | {sps:,.0f} | {eps:.1f} | {sps / base:.2f} |", flush=True)
    print(f"# load avg at the end={os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

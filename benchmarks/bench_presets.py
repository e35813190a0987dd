"""How accurate are the presets on full MNIST? Prints a table.

* **lesson** (``PRESETS["lesson"]``: 784-16-16-10, sigmoid, C = Σ(a−y)², plain
  SGD, batch 10): test accuracy (10,000 digits) at the end of each of the
  first 10 epochs, seeds 0-4; the target is a median over the seeds of the
  best epoch-end accuracy ≥ 94 %. ``--lesson-lrs 1,1.5,2`` compares other η.
* **best** (``PRESETS["best"]``, same 784-16-16-10 shape): the best epoch-end
  test accuracy within a budget of ``--budget`` s (default 30) of training,
  seeds 0-2; the target is ≥ 96.5 %. Training time is the CPU time of the
  training loop (one BLAS thread, as the app trains; the end-of-epoch
  evaluation not counted): on a quiet machine it equals the wall time, and
  on a shared one it does not grow with other people's load. Wall seconds
  are printed beside it. ``--search`` tries other settings for "best".

    python benchmarks/bench_presets.py                        # ~4 min on 2 quiet cores
    python benchmarks/bench_presets.py --lesson-lrs 1,1.5,2,3 --seeds 0,1,2,3,4
    python benchmarks/bench_presets.py --only best --search

Needs the full MNIST (``--data-dir``, else ``$GDVIZ_MNIST_DIR``, else
``../shared/data/mnist``); without it, says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LESSON_TARGET, LESSON_EPOCHS = 0.94, 10
BEST_TARGET, BEST_BUDGET_S = 0.965, 30.0

#: Settings tried for "best" by ``--search`` (784-16-16-10 throughout).
SEARCH = (
    dict(activation="relu", cost="ce", optimizer="momentum", lr=0.02, batch_size=32, lr_decay=0.95),
    dict(activation="relu", cost="ce", optimizer="momentum", lr=0.05, batch_size=64, lr_decay=0.95),
    dict(activation="relu", cost="ce", optimizer="momentum", lr=0.05, batch_size=32, lr_decay=0.9),
    dict(activation="relu", cost="ce", optimizer="momentum", lr=0.1, batch_size=128, lr_decay=0.95),
    dict(activation="tanh", cost="ce", optimizer="momentum", lr=0.02, batch_size=32, lr_decay=0.95),
    dict(activation="tanh", cost="ce", optimizer="momentum", lr=0.05, batch_size=64, lr_decay=0.93),
    dict(activation="sigmoid", cost="ce", optimizer="momentum", lr=0.2, batch_size=32, lr_decay=0.95),
)


def mnist_dir(arg: str | None) -> Path | None:
    for cand in (arg, os.environ.get("GDVIZ_MNIST_DIR"), REPO.parent / "shared" / "data" / "mnist",
                 Path("/work/shared/data/mnist")):
        if cand and (Path(cand) / "train-images-idx3-ubyte.gz").exists():
            return Path(cand)
    return None


def _eval_cpu_seconds(session) -> float:
    """CPU seconds of one end-of-epoch evaluation (all training and test digits), median of 3."""
    times = []
    for _ in range(3):
        c0 = time.thread_time()
        session.net.evaluate(session.dataset.test_images, session.dataset.test_labels)
        session.net.evaluate(session.dataset.train_images, session.dataset.train_labels)
        times.append(time.thread_time() - c0)
    return statistics.median(times)


def train(dataset, config, *, epochs: int | None = None, budget_s: float | None = None) -> list[dict]:
    """Epoch-end figures of one run: ``epoch, test_accuracy, train_s`` (CPU of training, cumulative)
    and ``wall_s`` (training loop wall time, cumulative), for ``epochs`` or until ``budget_s``."""
    from threadpoolctl import threadpool_limits

    from gdviz.training import TrainingSession

    session = TrainingSession(dataset, config, publish_hz=0)
    rows, cpu, wall = [], 0.0, 0.0
    with threadpool_limits(limits=1, user_api="blas"):
        eval_cpu = _eval_cpu_seconds(session)
        while True:
            c0 = time.thread_time()
            summary = session.train_epoch()
            cpu += max(0.0, time.thread_time() - c0 - eval_cpu)
            wall += summary["train_seconds"]
            if summary["diverged"]:
                break
            rows.append({"epoch": summary["epoch"], "test_accuracy": summary["test_accuracy"],
                         "train_s": cpu, "wall_s": wall})
            if epochs is not None and summary["epoch"] >= epochs:
                break
            if budget_s is not None and cpu >= budget_s:
                break
    return rows


def lesson_table(dataset, lrs, seeds, epochs: int) -> list[dict]:
    from gdviz.training import PRESETS

    out = []
    for lr in lrs:
        best = []
        print(f"\n### lesson, η = {lr:g} (batch {PRESETS['lesson'].batch_size}): test accuracy (%) "
              f"at each epoch's end")
        print("| seed | " + " | ".join(str(e) for e in range(1, epochs + 1)) + " | best |")
        print("|---" * (epochs + 2) + "|")
        for seed in seeds:
            rows = train(dataset, replace(PRESETS["lesson"], lr=lr, seed=seed), epochs=epochs)
            accs = [r["test_accuracy"] for r in rows]
            best.append(max(accs) if accs else float("nan"))
            print(f"| {seed} | " + " | ".join(f"{100 * a:.2f}" for a in accs) + f" | **{100 * best[-1]:.2f}** |",
                  flush=True)
        med = statistics.median(best)
        verdict = "met" if med >= LESSON_TARGET else "missed"
        print(f"median of the best epoch-end accuracy: **{100 * med:.2f} %** "
              f"(target ≥ {100 * LESSON_TARGET:g} %: {verdict})")
        out.append({"lr": lr, "best": best, "median": med})
    return out


def budget_table(dataset, configs, seeds, budget_s: float, title: str) -> list[dict]:
    print(f"\n### {title}: best epoch-end test accuracy within {budget_s:g} s of training")
    print("| settings | seed | best (%) | at s (CPU / wall) | epochs | first ≥ 96.5 % at s | last (%) |")
    print("|---|---|---|---|---|---|---|")
    out = []
    for config in configs:
        name = (f"{config.activation}, {config.cost}, {config.optimizer}, η = {config.lr:g}, "
                f"batch {config.batch_size}, decay {config.lr_decay:g}")
        for seed in seeds:
            rows = train(dataset, replace(config, seed=seed), budget_s=budget_s)
            inside = [r for r in rows if r["train_s"] <= budget_s] or rows[:1]
            top = max(inside, key=lambda r: r["test_accuracy"])
            hit = next((r for r in inside if r["test_accuracy"] >= BEST_TARGET), None)
            hit_s = "—" if hit is None else f"{hit['train_s']:.1f}"
            print(f"| {name} | {seed} | **{100 * top['test_accuracy']:.2f}** | {top['train_s']:.1f} / "
                  f"{top['wall_s']:.1f} | {len(inside)} | {hit_s} "
                  f"| {100 * inside[-1]['test_accuracy']:.2f} |", flush=True)
            out.append({"settings": name, "seed": seed, "best": top["test_accuracy"], "at_s": top["train_s"],
                        "first_target_s": None if hit is None else hit["train_s"]})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--only", choices=("lesson", "best"), default=None)
    ap.add_argument("--lesson-lrs", default=None, help="comma list of η (default: the preset's)")
    ap.add_argument("--seeds", default="0,1,2,3,4", help="lesson seeds (default 0-4)")
    ap.add_argument("--best-seeds", default="0,1,2", help="best-preset seeds (default 0-2)")
    ap.add_argument("--epochs", type=int, default=LESSON_EPOCHS)
    ap.add_argument("--budget", type=float, default=BEST_BUDGET_S, help="training seconds for 'best' (30)")
    ap.add_argument("--search", action="store_true", help="also try the SEARCH settings for 'best'")
    args = ap.parse_args(argv)
    folder = mnist_dir(args.data_dir)
    if folder is None:
        print("full MNIST not found: pass --data-dir or set GDVIZ_MNIST_DIR (`gdviz data fetch mnist`)")
        return 0
    from gdviz.data import load_dataset
    from gdviz.training import PRESETS, TrainConfig

    dataset = load_dataset("mnist", folder, progress=False)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  cpus={os.cpu_count()}  load avg="
          f"{tuple(round(x, 1) for x in os.getloadavg())}  data={folder}")
    if args.only in (None, "lesson"):
        lrs = [float(x) for x in args.lesson_lrs.split(",")] if args.lesson_lrs else [PRESETS["lesson"].lr]
        lesson_table(dataset, lrs, [int(s) for s in args.seeds.split(",")], args.epochs)
    if args.only in (None, "best"):
        seeds = [int(s) for s in args.best_seeds.split(",")]
        budget_table(dataset, [PRESETS["best"]], seeds, args.budget, "best preset")
        if args.search:
            budget_table(dataset, [TrainConfig(**kw) for kw in SEARCH], seeds[:1], args.budget, "search")
    return 0


if __name__ == "__main__":
    sys.exit(main())

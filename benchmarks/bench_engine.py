"""Engine benchmark: gdviz's training speed, accuracy and memory, side by side
with a textbook per-example loop and PyTorch (when installed), in one run.

Run from the repository root::

    python benchmarks/bench_engine.py [--data-dir ../shared/data/mnist] [--quick] [--json-out FILE]

It needs the full MNIST as a folder of the four IDX files (default
``../shared/data/mnist``, or ``$GDVIZ_MNIST_DIR``) and says so and stops when it
is absent. PyTorch is optional (it is not a gdviz dependency); without it those
columns read "n/a". See ``benchmarks/README.md`` for what is measured and how.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

import textbook  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from gdviz.training.config import PRESETS  # noqa: E402
from gdviz.data import DataError, Dataset, load_idx_dir, load_sample  # noqa: E402
from gdviz.training import LESSON, TrainConfig, TrainingSession  # noqa: E402
from gdviz.core import make_update_rule  # noqa: E402

BATCHES = (1, 10, 32, 128)
TARGETS = {
    "gdviz_samples_per_s_batch10": 150_000,
    "gdviz_samples_per_s_batch32": 300_000,
    "gdviz_samples_per_s_batch128": 400_000,
    "speedup_vs_torch_1thread_batch10": 5.0,
    "lesson_accuracy_within_10_epochs": 0.93,
    "best_accuracy_within_15_s": 0.95,
    "sample_seconds_to_90pct": 10.0,
    "peak_rss_mb": 300.0,
}


# ====================================================================== helpers
def fmt_rate(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:,.0f}"


def fmt_ratio(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.1f}x"


def log(msg: str = "") -> None:
    print(msg, flush=True)


def default_data_dir() -> Path:
    env = os.environ.get("GDVIZ_MNIST_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data" / "mnist"


def subset(ds: Dataset, n_train: int) -> Dataset:
    return replace(ds, name=f"{ds.name}[:{n_train}]", train_images=ds.train_images[:n_train],
                   train_labels=ds.train_labels[:n_train])


def blas_description() -> str:
    libs = [f"{i.get('internal_api')} {i.get('version') or ''} ({i.get('num_threads')} threads)".strip()
            for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(libs) or "unknown"


# ====================================================================== throughput
def gdviz_rate(ds: Dataset, batch: int, repeats: int) -> tuple[float, list[float]]:
    """samples/s of ``TrainingSession.train_epoch`` (its own training-time clock), best of ``repeats`` epochs."""
    session = TrainingSession(ds, replace(LESSON, batch_size=batch), publish_hz=0)
    rates = []
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(repeats):
            rates.append(session.train_epoch()["samples_per_s"])
    return max(rates), rates


def step_breakdown(ds: Dataset, batch: int, step_us: float, repeats: int = 5) -> dict:
    """Where a step of ``train_epoch`` at ``batch`` goes: ``Network.gradient`` (forward +
    backprop) and the θ update (copy of the last finite θ + the update rule's step) timed
    alone, best of ``repeats``; the rest (batch gathering, shuffle, accounting) is the
    difference from the measured step time ``step_us``."""
    import timeit

    net = TrainingSession(ds, replace(LESSON, batch_size=batch), publish_hz=0).net
    idx = np.arange(batch)
    X = (ds.train_images[idx] * np.float32(1 / 255)).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[ds.train_labels[idx]]
    grad, theta, last_good = (np.zeros(net.n_params, np.float32) for _ in range(3))
    rule = make_update_rule("sgd", net.n_params)
    n = 2000

    def update():
        np.copyto(last_good, theta)
        rule.step(theta, grad, 1e-9)

    with threadpool_limits(limits=1, user_api="blas"):
        kernel = min(timeit.repeat(lambda: net.gradient(X, Y, grad), number=n, repeat=repeats)) / n * 1e6
        upd = min(timeit.repeat(update, number=n, repeat=repeats)) / n * 1e6
    return {"step_us": step_us, "gradient_us": kernel, "update_us": upd,
            "rest_us": step_us - kernel - upd}


def textbook_rate(ds: Dataset, batch: int, n_examples: int) -> float:
    with threadpool_limits(limits=1, user_api="blas"):
        return textbook.samples_per_second(ds.train_images, ds.train_labels, batch, n_examples)


def torch_rate(torch, ds: Dataset, batch: int, steps: int, threads: int, repeats: int = 3) -> float:
    """PyTorch CPU: nn.Sequential Linear/Sigmoid, Σ(a−y)²/batch, SGD η = 3; same data pipeline
    as gdviz (a shuffled contiguous uint8 copy, each batch scaled into a preallocated float32
    buffer shared with a tensor). Reads the loss each step, as gdviz does to catch divergence."""
    nn = torch.nn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(),
                          nn.Linear(16, 10), nn.Sigmoid())
    opt = torch.optim.SGD(model.parameters(), lr=3.0)
    rng = np.random.default_rng(0)
    order = rng.permutation(ds.n_train)
    xs, ys = np.take(ds.train_images, order, axis=0), ds.train_labels[order]
    X = np.empty((batch, 784), np.float32)
    Y = np.empty((batch, 10), np.float32)
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    eye = np.eye(10, dtype=np.float32)
    inv = np.float32(1 / 255)
    span = ds.n_train - batch

    def step(k):
        i = (k * batch) % span
        np.multiply(xs[i:i + batch], inv, out=X)
        np.take(eye, ys[i:i + batch], axis=0, out=Y)
        opt.zero_grad()
        loss = ((model(tX) - tY) ** 2).sum() / batch
        loss.backward()
        opt.step()
        return loss.item()

    for k in range(50):
        step(k)
    rates = []
    for _ in range(repeats):  # best of a few: small steps on a 2-core VM are noisy
        t0 = time.perf_counter()
        for k in range(steps):
            step(k)
        rates.append(steps * batch / (time.perf_counter() - t0))
    return max(rates)


def run_throughput(ds: Dataset, quick: bool, use_torch: bool) -> dict:
    log("== Throughput: one epoch of mini-batch SGD, 784-16-16-10 sigmoid, squared error, float32 ==")
    torch = None
    if use_torch:
        try:
            import torch  # noqa: F811
        except ImportError:
            torch = None
    default_threads = torch.get_num_threads() if torch else None
    log(f"gdviz: TrainingSession.train_epoch on {ds.n_train:,} digits, BLAS limited to 1 thread, "
        f"best of {1 if quick else 2} epochs")
    log(f"textbook: per-example column-vector loop, {2000 if quick else 5000:,} examples, 1 BLAS thread")
    if torch:
        log(f"PyTorch {torch.__version__}: {500 if quick else 2000:,} steps ({2000 if quick else 5000:,} at "
            f"batch 1), best of {1 if quick else 3}, 1 thread and default ({default_threads} threads)")
    else:
        log("PyTorch: not installed - skipped")
    log("")
    head = (f"{'batch':>5}  {'gdviz':>10}  {'textbook':>10}  {'torch 1t':>10}  "
            f"{'torch ' + str(default_threads or '-') + 't':>10}  {'gdviz/textbook':>14}  "
            f"{'gdviz/torch1t':>13}  {'gdviz/torch':>11}")
    log(head)
    log("-" * len(head))
    rows = {}
    for batch in BATCHES:
        g, g_all = gdviz_rate(ds, batch, 1 if quick else 2)
        tb = textbook_rate(ds, batch, 2000 if quick else 5000)
        t1 = tn = None
        if torch:
            steps = (500 if quick else 2000) if batch > 1 else (2000 if quick else 5000)
            t1 = torch_rate(torch, ds, batch, steps, 1, 1 if quick else 3)
            tn = torch_rate(torch, ds, batch, steps, default_threads, 1 if quick else 3)
            torch.set_num_threads(default_threads)
        row = {
            "gdviz": g, "gdviz_epochs": g_all, "textbook": tb, "torch_1thread": t1,
            "torch_default_threads": tn,
            "gdviz_over_textbook": g / tb,
            "gdviz_over_torch_1thread": g / t1 if t1 else None,
            "gdviz_over_torch_default": g / tn if tn else None,
        }
        rows[batch] = row
        log(f"{batch:>5}  {fmt_rate(g):>10}  {fmt_rate(tb):>10}  {fmt_rate(t1):>10}  {fmt_rate(tn):>10}  "
            f"{fmt_ratio(row['gdviz_over_textbook']):>14}  {fmt_ratio(row['gdviz_over_torch_1thread']):>13}  "
            f"{fmt_ratio(row['gdviz_over_torch_default']):>11}")
    log("(samples per second: higher is better)")
    b10 = rows.get(10)
    breakdown = None
    if b10:
        breakdown = step_breakdown(ds, 10, 1e6 * 10 / b10["gdviz"])
        torch_us = 1e6 * 10 / b10["torch_1thread"] if b10["torch_1thread"] else None
        log(f"batch-10 step: gdviz {breakdown['step_us']:.1f} µs = {breakdown['gradient_us']:.1f} µs "
            f"Network.gradient (forward + backprop) + {breakdown['update_us']:.1f} µs θ update (copy of the "
            f"last finite θ, θ ← θ − η∇C) + {breakdown['rest_us']:.1f} µs the rest (shuffle, batch gather, "
            f"accounting)" + (f"; PyTorch 1 thread {torch_us:.1f} µs" if torch_us else ""))
    log("")
    return {"torch_version": torch.__version__ if torch else None,
            "torch_default_threads": default_threads, "batches": rows, "batch10_breakdown": breakdown}


# ====================================================================== accuracy
def lesson_run(ds: Dataset, epochs: int, seed: int, checks_per_epoch: int = 4, verbose: bool = True) -> dict:
    """The lesson's setup (seed ``seed``) for ``epochs`` epochs of ``train_epoch``: test
    accuracy after each epoch, and also ``checks_per_epoch - 1`` times within each epoch
    (as the window's periodic evaluations would). The checks run from ``train_epoch``'s
    progress callback, outside its training clock."""
    session = TrainingSession(ds, replace(LESSON, seed=seed), publish_hz=0)
    steps_per_epoch = -(-ds.n_train // LESSON.batch_size)
    marks = {round(q * steps_per_epoch / checks_per_epoch) for q in range(1, checks_per_epoch)}
    checks: list[dict] = []
    count = [0]

    def on_step(_n):
        count[0] += 1
        if count[0] in marks:
            acc = session.net.evaluate(ds.test_images, ds.test_labels)[1]
            checks.append({"epoch": session.epoch + count[0] / steps_per_epoch, "test_accuracy": acc})

    t_wall0 = time.perf_counter()
    t_train, history = 0.0, []
    first = {0.93: None, 0.95: None}
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(epochs):
            count[0] = 0
            s = session.train_epoch(progress=on_step)
            t_train += s["train_seconds"]
            wall = time.perf_counter() - t_wall0
            checks.append({"epoch": float(s["epoch"]), "test_accuracy": s["test_accuracy"]})
            history.append({"epoch": s["epoch"], "test_accuracy": s["test_accuracy"],
                            "test_cost": s["test_cost"], "train_seconds": t_train, "wall_seconds": wall})
            for level in first:
                if first[level] is None and s["test_accuracy"] >= level:
                    first[level] = {"epoch": s["epoch"], "train_seconds": t_train, "wall_seconds": wall}
            if verbose:
                within = "  ".join(f"{100 * c['test_accuracy']:.2f}" for c in checks[-checks_per_epoch:-1])
                log(f"  epoch {s['epoch']:>2}: test accuracy {100 * s['test_accuracy']:6.2f} %   "
                    f"test cost {s['test_cost']:.4f}   {t_train:6.2f} s training, {wall:6.2f} s with evaluation"
                    f"   (within the epoch: {within})")
    best_check = max(checks, key=lambda c: c["test_accuracy"])
    return {"seed": seed, "history": history, "checks": checks,
            "final_test_accuracy": history[-1]["test_accuracy"],
            "best_test_accuracy": max(h["test_accuracy"] for h in history),
            "best_check_accuracy": best_check["test_accuracy"], "best_check_epoch": best_check["epoch"],
            "first_93": first[0.93], "first_95": first[0.95]}


def lesson_epochs(ds: Dataset, epochs: int, seeds: int = 1) -> dict:
    """``lesson_run`` for seed 0 (printed epoch by epoch), then seeds 1.. ``seeds - 1``."""
    log(f"== Accuracy: the lesson (784-16-16-10 sigmoid, squared error, η = 3, batch 10) on "
        f"{ds.n_train:,}/{ds.n_test:,} MNIST digits, {epochs} epochs, test accuracy at each epoch's end "
        f"and every 1/4 epoch ==")
    runs = [lesson_run(ds, epochs, 0)]
    r = runs[0]
    for level, hit in ((93, r["first_93"]), (95, r["first_95"])):
        log(f"  ≥{level} % at an epoch's end: " + (
            f"epoch {hit['epoch']}, after {hit['train_seconds']:.2f} s of training "
            f"({hit['wall_seconds']:.2f} s with evaluation)" if hit else "not reached"))
    for seed in range(1, seeds):
        runs.append(lesson_run(ds, epochs, seed, verbose=False))
    for r in runs:
        log(f"  seed {r['seed']}: best at an epoch's end {100 * r['best_test_accuracy']:.2f} %, "
            f"best of the 1/4-epoch checks {100 * r['best_check_accuracy']:.2f} % (epoch {r['best_check_epoch']:.2f})")
    out = dict(runs[0])
    out["seeds"] = [{k: r[k] for k in ("seed", "best_test_accuracy", "best_check_accuracy", "best_check_epoch",
                                       "final_test_accuracy")} for r in runs]
    out["median_best_test_accuracy"] = float(np.median([r["best_test_accuracy"] for r in runs]))
    out["median_best_check_accuracy"] = float(np.median([r["best_check_accuracy"] for r in runs]))
    if seeds > 1:
        log(f"  median over seeds 0-{seeds - 1}: {100 * out['median_best_test_accuracy']:.2f} % at epoch ends, "
            f"{100 * out['median_best_check_accuracy']:.2f} % with the 1/4-epoch checks")
    log("")
    return out


def budget_run(ds: Dataset, config: TrainConfig, budget_s: float, checks_per_epoch: int,
               stop_at: float | None = None, levels=(0.90, 0.93, 0.95)) -> dict:
    """Train ``config`` for ``budget_s`` seconds of training time (evaluations not counted),
    measuring test accuracy ``checks_per_epoch`` times per epoch."""
    session = TrainingSession(ds, config, publish_hz=0)
    eval_time = [0.0]
    inner_evaluate = session.evaluate

    def timed_evaluate(*args, **kwargs):  # the session's own end-of-epoch evaluation
        t = time.perf_counter()
        try:
            return inner_evaluate(*args, **kwargs)
        finally:
            eval_time[0] += time.perf_counter() - t

    session.evaluate = timed_evaluate
    steps_per_epoch = 1 if config.optimizer == "gd" else -(-ds.n_train // config.batch_size)
    chunk = max(1, steps_per_epoch // checks_per_epoch)
    t_train, history = 0.0, []
    first = {lv: None for lv in levels}
    t_wall0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        while t_train < budget_s and not session.diverged:
            eval_time[0] = 0.0
            t0 = time.perf_counter()
            for _ in range(chunk):
                session.train_step()
                if session.diverged:
                    break
            t_train += time.perf_counter() - t0 - eval_time[0]
            _, acc, _ = session.net.evaluate(ds.test_images, ds.test_labels)
            wall = time.perf_counter() - t_wall0
            point = {"step": session.step_count, "epoch": session.step_count / steps_per_epoch,
                     "train_seconds": t_train, "wall_seconds": wall, "test_accuracy": acc}
            history.append(point)
            for lv in levels:
                if first[lv] is None and acc >= lv:
                    first[lv] = point
            if stop_at is not None and acc >= stop_at:
                break
    best = max(history, key=lambda p: p["test_accuracy"])
    return {"config": config.__dict__ | {"hidden": list(config.hidden)}, "budget_s": budget_s,
            "final": history[-1], "best": best, "first": {f"{100 * k:.0f}": v for k, v in first.items()},
            "diverged": session.diverged, "history": history}


def describe_point(p) -> str:
    if p is None:
        return "not reached"
    return (f"after {p['train_seconds']:.2f} s of training ({p['wall_seconds']:.2f} s with evaluation), "
            f"step {p['step']:,}, epoch {p['epoch']:.2f}")


def run_best(ds: Dataset, budget: float) -> dict:
    cfg = PRESETS["best"].validated()
    log(f"== Accuracy: the 'best' preset ({'-'.join(map(str, cfg.sizes()))} {cfg.activation}, {cfg.cost}, "
        f"{cfg.optimizer}, η = {cfg.lr:g}, batch {cfg.batch_size}) with a {budget:g} s training-time budget ==")
    r = budget_run(ds, cfg, budget, checks_per_epoch=4)
    epochs_done = r["final"]["epoch"]
    log(f"  {epochs_done:.2f} epochs in {r['final']['train_seconds']:.2f} s of training: "
        f"test accuracy {100 * r['final']['test_accuracy']:.2f} % (best {100 * r['best']['test_accuracy']:.2f} %)")
    for lv in ("93", "95"):
        log(f"  ≥{lv} %: {describe_point(r['first'][lv])}")
    log("")
    return r


def run_sample(budget: float) -> dict:
    ds = load_sample()
    log(f"== Accuracy: the lesson on the embedded sample ({ds.n_train:,} train / {ds.n_test:,} test), "
        f"time to ≥90 % (checked 8 times per epoch) ==")
    r = budget_run(ds, LESSON, budget, checks_per_epoch=8, stop_at=0.90)
    log(f"  ≥90 %: {describe_point(r['first']['90'])}")
    log(f"  stopped at test accuracy {100 * r['final']['test_accuracy']:.2f} %")
    log("")
    return r


# ====================================================================== memory
def run_memory(data_dir: Path, epochs: int) -> dict:
    """Peak RSS of ``gdviz train --headless`` on full MNIST, in a fresh child process.

    The child reports its own ``VmHWM`` (/proc/self/status) at exit: ``ru_maxrss``
    of a child is useless here because Linux carries the high-water mark of
    the forking parent (this benchmark, with PyTorch loaded) across ``exec``.
    """
    log(f"== Memory: peak resident set of `gdviz train --headless --data-dir MNIST --epochs {epochs}` ==")
    reporter = (
        "import atexit, sys\n"
        "def _hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            sys.stderr.write('VMHWM_KB ' + line.split()[1] + '\\n')\n"
        "atexit.register(_hwm)\n"
    )

    def peak(body: str) -> tuple[float, int, str]:
        proc = subprocess.run([sys.executable, "-c", reporter + body], cwd=REPO,
                              capture_output=True, text=True)
        kb = [int(ln.split()[1]) for ln in proc.stderr.splitlines() if ln.startswith("VMHWM_KB ")]
        return (kb[-1] / 1024.0 if kb else float("nan")), proc.returncode, proc.stdout

    base_mb, _, _ = peak("import numpy, gdviz.training, gdviz.data\n")
    argv = ["train", "--headless", "--data-dir", str(data_dir), "--epochs", str(epochs), "--json"]
    train_mb, rc, out = peak(f"from gdviz.cli import main\nsys.exit(main({argv!r}))\n")
    done = json.loads(out.strip().splitlines()[-1]) if rc == 0 else {}
    log(f"  training: {train_mb:.0f} MB peak (exit {rc}; test accuracy "
        f"{100 * done.get('test_accuracy', float('nan')):.2f} %); Python + NumPy + gdviz imported alone: "
        f"{base_mb:.0f} MB")
    log("")
    return {"peak_rss_mb": train_mb, "baseline_rss_mb": base_mb, "exit_code": rc, "epochs": epochs,
            "how": "VmHWM of the child process, read at its exit"}


# ====================================================================== summary
def summarise(results: dict) -> list[dict]:
    tp = results.get("throughput", {}).get("batches", {})
    rows = []

    def add(name, value, target, higher_is_better=True, unit=""):
        ok = None if value is None else (value >= target if higher_is_better else value <= target)
        rows.append({"metric": name, "value": value, "target": target, "unit": unit,
                     "pass": ok, "higher_is_better": higher_is_better})

    for b in (10, 32, 128):
        if b in tp:
            add(f"gdviz samples/s, batch {b}", tp[b]["gdviz"], TARGETS[f"gdviz_samples_per_s_batch{b}"], unit="/s")
    if 10 in tp:
        add("gdviz / PyTorch (1 thread), batch 10", tp[10]["gdviz_over_torch_1thread"],
            TARGETS["speedup_vs_torch_1thread_batch10"], unit="x")
        add("gdviz / PyTorch (default threads), batch 10", tp[10]["gdviz_over_torch_default"],
            TARGETS["speedup_vs_torch_1thread_batch10"], unit="x")
    if "lesson" in results:
        les = results["lesson"]
        n_ep, n_seeds = len(les["history"]), len(les["seeds"])
        which = "seed 0" if n_seeds == 1 else f"median of seeds 0-{n_seeds - 1}"
        add(f"lesson: best epoch-end test accuracy in {n_ep} epochs ({which})",
            les["median_best_test_accuracy"], TARGETS["lesson_accuracy_within_10_epochs"])
        add(f"lesson: best 1/4-epoch test accuracy in {n_ep} epochs ({which})",
            les["median_best_check_accuracy"], TARGETS["lesson_accuracy_within_10_epochs"])
    if "best" in results:
        add(f"best preset: test accuracy within {results['best']['budget_s']:g} s",
            results["best"]["best"]["test_accuracy"], TARGETS["best_accuracy_within_15_s"])
    if "sample" in results:
        first = results["sample"]["first"]["90"]
        add("sample: training seconds to ≥90 %", first["train_seconds"] if first else None,
            TARGETS["sample_seconds_to_90pct"], higher_is_better=False, unit="s")
    if "memory" in results:
        add("peak RSS of full-MNIST training (MB)", results["memory"]["peak_rss_mb"], TARGETS["peak_rss_mb"],
            higher_is_better=False, unit="MB")
    return rows


def print_summary(rows: list[dict]) -> None:
    log("== Summary ==")
    width = max(len(r["metric"]) for r in rows)
    for r in rows:
        v, t = r["value"], r["target"]
        if v is None:
            vs = "n/a"
        elif r["unit"] == "/s":
            vs = f"{v:,.0f}"
        elif r["unit"] == "x":
            vs = f"{v:.1f}x"
        elif r["unit"] in ("s", "MB"):
            vs = f"{v:.1f}"
        else:
            vs = f"{100 * v:.2f} %"
        ts = (f"{t:,.0f}" if r["unit"] == "/s" else f"{t:g}x" if r["unit"] == "x" else
              f"{t:g}" if r["unit"] in ("s", "MB") else f"{100 * t:.0f} %")
        op = "≥" if r["higher_is_better"] else "≤"
        verdict = {True: "PASS", False: "MISS", None: "n/a"}[r["pass"]]
        log(f"  {r['metric']:<{width}}  {vs:>12}   target {op} {ts:<10} {verdict}")
    log("")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, default=default_data_dir(),
                   help="folder holding the four MNIST IDX files (default ../shared/data/mnist)")
    p.add_argument("--quick", action="store_true",
                   help="a short run: fewer repeats, 3 lesson epochs, a 5 s budget, 1 epoch for memory")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even when it is installed")
    p.add_argument("--lesson-seeds", type=int, default=None, metavar="N",
                   help="run the lesson's accuracy check for seeds 0..N-1 and compare their median "
                        "with the target (default 5, or 1 with --quick; each seed is ~3 s)")
    p.add_argument("--json-out", type=Path, default=None, help="also write the JSON figures to this file")
    args = p.parse_args(argv)

    try:
        mnist = load_idx_dir(args.data_dir)
    except DataError as exc:
        log(f"bench_engine: skipped: the full MNIST is needed ({exc}). "
            f"Give --data-dir, or run `gdviz data fetch mnist` and pass the folder it prints.")
        return 0

    log(f"gdviz engine benchmark - {platform.python_implementation()} {platform.python_version()}, "
        f"NumPy {np.__version__}, BLAS: {blas_description()}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}; data: {mnist.n_train:,}/{mnist.n_test:,} digits from {args.data_dir}")
    log("")
    t0 = time.perf_counter()
    results: dict = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                                 "blas": blas_description(), "cpus": os.cpu_count(),
                                 "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")},
                     "quick": args.quick, "targets": TARGETS}
    results["throughput"] = run_throughput(mnist, args.quick, not args.no_torch)
    seeds = args.lesson_seeds if args.lesson_seeds is not None else (1 if args.quick else 5)
    results["lesson"] = lesson_epochs(mnist, 3 if args.quick else 10, max(1, seeds))
    results["best"] = run_best(mnist, 5.0 if args.quick else 15.0)
    results["sample"] = run_sample(10.0)
    results["memory"] = run_memory(args.data_dir, 1 if args.quick else 2)
    rows = summarise(results)
    results["summary"] = rows
    results["benchmark_seconds"] = time.perf_counter() - t0
    print_summary(rows)
    text = json.dumps(results, indent=1, default=lambda o: None if isinstance(o, float) and not math.isfinite(o) else str(o))
    log("== JSON ==")
    log(text)
    if args.json_out:
        args.json_out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

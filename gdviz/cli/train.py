"""``gdviz train``: the settings from the options, and training in the terminal
(``--headless``, no Qt) with progress, metrics.csv and checkpoints."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

from gdviz.cli.args import DEFAULT_EPOCHS, EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_OK, UsageError
from gdviz.cli.window import _check_data_dir, _open_window

METRICS_FIELDS = ("epoch", "step", "train_cost", "train_accuracy", "test_cost", "test_accuracy",
                  "samples_per_s", "train_seconds", "elapsed_s")


def make_config(args):
    """The TrainConfig from ``--preset`` then the explicit options (UsageError if bad)."""
    from gdviz.training.config import PRESETS, SettingError, TrainConfig

    values = dataclasses.asdict(PRESETS[args.preset or "lesson"])
    for option, key in (("hidden", "hidden"), ("activation", "activation"), ("cost", "cost"),
                        ("optimizer", "optimizer"), ("lr", "lr"), ("batch", "batch_size"),
                        ("seed", "seed")):
        value = getattr(args, option)
        if value is not None:
            values[key] = value
    try:
        return TrainConfig(**values).validated()
    except SettingError as exc:
        raise UsageError(str(exc)) from None


def cmd_train(args) -> int:
    config = make_config(args)
    if not args.headless:
        extras = [o for o, v in (("--epochs", args.epochs), ("--out", args.out), ("--json", args.json),
                                 ("--sharpness", getattr(args, "sharpness", False))) if v]
        if extras:
            verb = "applies" if len(extras) == 1 else "apply"
            raise UsageError(f"{', '.join(extras)} only {verb} to training in the terminal: add --headless")
        return _open_window(args.data, args.data_dir, config, pace=args.pace)
    if args.pace is not None:
        raise UsageError("--pace only applies to the window (--headless trains as fast as it can)")
    return train_headless(args, config)


def train_headless(args, config) -> int:
    """Train ``config`` for ``--epochs`` in this process (no Qt); print progress."""
    from gdviz.core import count_parameters
    from gdviz.data import DataError, load_dataset
    from gdviz.training.checkpoint import save_checkpoint
    from gdviz.training.session import TrainingSession, diverged_message

    from gdviz.training.config import SettingError, check_network

    epochs = args.epochs or DEFAULT_EPOCHS
    _check_data_dir(args.data_dir)
    out_dir = None if args.out is None else Path(args.out)
    if out_dir is not None:
        _check_out_dir(out_dir)
    try:
        dataset = load_dataset(args.data, args.data_dir, progress=not args.json)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    try:
        check_network(config, dataset.train_images.shape[1], n_train=dataset.n_train)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    if out_dir is not None:  # only now: bad data or settings leave nothing behind
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from None

    session = TrainingSession(dataset, config, publish_hz=0)
    sizes = session.net.sizes
    n_params = count_parameters(sizes)
    shape = "-".join(str(s) for s in sizes)
    emit = _JsonLines() if args.json else None
    t_start = time.perf_counter()
    ev0 = session.evaluate()
    if emit:
        emit("start", sizes=list(sizes), parameters=n_params, dataset=dataset.name,
             n_train=dataset.n_train, n_test=dataset.n_test, epochs=epochs,
             activation=config.activation, cost=config.cost, optimizer=config.optimizer,
             lr=config.lr, batch_size=config.batch_size, seed=config.seed,
             test_cost=ev0.test_cost, test_accuracy=ev0.test_accuracy)
    else:
        print(f"{shape} network: {n_params:,} weights and biases")
        print(f"data: {dataset.description}")
        print(f"settings: {_describe(config)}, seed {config.seed}; {epochs} epoch{'s' * (epochs != 1)}")
        print(f"before training: test cost {ev0.test_cost:.4f}  test accuracy {100 * ev0.test_accuracy:.2f} %")

    meter = _sharpness_meter(session, dataset) if getattr(args, "sharpness", False) else None
    metrics = _MetricsFile(out_dir / "metrics.csv") if out_dir else None
    ckpt_path = out_dir / "checkpoint.npz" if out_dir else None
    extra = {"dataset": dataset.name}
    # the figures of the last complete epoch (before training: at the initial θ)
    last_ok = {"test_accuracy": ev0.test_accuracy, "test_cost": ev0.test_cost, "train_cost": ev0.train_cost}
    code = EXIT_OK
    try:
        for _ in range(epochs):
            summary = _one_epoch(session, args, epochs, dataset.n_train)
            elapsed = time.perf_counter() - t_start
            if summary["diverged"]:
                code = EXIT_DIVERGED
                break
            row = {**summary, "elapsed_s": elapsed}
            if meter is not None:
                row["sharpness"] = meter.estimate(session.net.theta, **SHARPNESS_ACCURACY).lam
            last_ok = {k: summary[k] for k in last_ok}
            if metrics:
                _writing(metrics.path, session, metrics.write, row)
            if ckpt_path:
                _writing(ckpt_path, session, save_checkpoint, ckpt_path, session,
                         extra={**extra, "test_accuracy": summary["test_accuracy"]})
            if emit:
                emit("epoch", **{k: row[k] for k in ("epoch", "step", "train_cost", "train_accuracy",
                                                     "test_cost", "test_accuracy", "samples_per_s",
                                                     "elapsed_s", "sharpness") if k in row})
            else:
                print(_epoch_line(row, epochs, config.lr), flush=True)
    except KeyboardInterrupt:
        print(f"\ngdviz: interrupted after {session.epoch} complete epoch(s)"
              + (f"; {ckpt_path} holds the last one" if ckpt_path and session.epoch else ""),
              file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if metrics:
            metrics.close()

    elapsed = time.perf_counter() - t_start
    if code == EXIT_DIVERGED:
        if ckpt_path:
            _writing(ckpt_path, session, save_checkpoint, ckpt_path, session,
                     extra={**extra, "diverged_at_step": session.step_count})
        message = diverged_message(session.step_count, config.lr)
        print(f"gdviz: {message}" + (f" The last finite weights are in {ckpt_path}." if ckpt_path else ""),
              file=sys.stderr)
    final = {
        "epochs": session.epoch, "steps": session.step_count,
        "test_accuracy": last_ok["test_accuracy"], "test_cost": last_ok["test_cost"],
        "train_cost": last_ok["train_cost"],
        "elapsed_s": elapsed, "parameters": n_params,
        "checkpoint": str(ckpt_path) if ckpt_path else None,
    }
    if emit:
        emit("done", **final, diverged=code == EXIT_DIVERGED)
    elif code == EXIT_OK:
        wrote = f"; wrote {out_dir / 'metrics.csv'} and {ckpt_path}" if out_dir else ""
        n_ep, n_st = final["epochs"], final["steps"]
        print(f"done: {n_ep} epoch{'s' * (n_ep != 1)}, {n_st:,} step{'s' * (n_st != 1)} in {elapsed:.1f} s; "
              f"test accuracy {100 * final['test_accuracy']:.2f} %{wrote}")
    return code


#: Power-iteration settings of ``--sharpness``: λ_max to ~1e-5 relative (seconds per epoch).
SHARPNESS_ACCURACY = {"tol": 1e-6, "max_iter": 300}


def _sharpness_meter(session, dataset):
    """A meter of λ_max on the first 1,000 training digits (file order), warm-started epoch to epoch."""
    from gdviz.training.sharpness import DEFAULT_DIGITS, SharpnessMeter

    c = session.config
    return SharpnessMeter(session.net.sizes, c.activation, c.cost, dataset.train_images[:DEFAULT_DIGITS],
                          dataset.train_labels[:DEFAULT_DIGITS])


def _check_out_dir(out_dir: Path) -> None:
    """Refuse an ``--out`` that cannot take metrics.csv and checkpoint.npz (creates nothing)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"cannot create the output folder {out_dir}: a file of that name is in the way")
    for name in ("metrics.csv", "checkpoint.npz"):
        if (out_dir / name).is_dir():
            raise UsageError(f"cannot write {out_dir / name}: a folder of that name is in the way")


def _writing(path: Path, session, write, *args, **kwargs):
    """``write(*args, **kwargs)``; a failed write (full disk...) becomes one UsageError line."""
    try:
        return write(*args, **kwargs)
    except OSError as exc:
        n = session.epoch
        raise UsageError(f"cannot write {path} ({exc.strerror or exc}); training stopped after "
                         f"{n} epoch{'s' * (n != 1)}") from None


def _one_epoch(session, args, epochs, n_train) -> dict:
    from tqdm import tqdm

    if args.json:
        return session.train_epoch()
    # disable=None: no bar when stderr is not a terminal (logs, pipes, tests)
    with tqdm(total=n_train, desc=f"epoch {session.epoch + 1}/{epochs}", unit=" digits",
              unit_scale=True, leave=False, file=sys.stderr, disable=None,
              mininterval=0.2) as bar:
        return session.train_epoch(progress=bar.update)


def _describe(config) -> str:
    cost = {"mse": "squared error", "ce": "cross-entropy"}.get(config.cost, config.cost)
    rule = {"gd": "gradient descent (whole training set)", "sgd": "mini-batch SGD",
            "momentum": "SGD with momentum"}.get(config.optimizer, config.optimizer)
    batch = "" if config.optimizer == "gd" else f", batch {config.batch_size}"
    return f"{config.activation}, {cost}, {rule}, η = {config.lr:g}{batch}"


def _epoch_line(row: dict, epochs: int, lr: float = math.nan) -> str:
    sps = row["samples_per_s"]
    sps_text = f"{round(sps, -3) if sps >= 10_000 else sps:,.0f} samples/s" if math.isfinite(sps) else ""
    lam = row.get("sharpness")
    sharp = "" if lam is None else f"λ_max {lam:.4g} (η·λ_max {lr * lam:.2f})  "
    return (f"epoch {row['epoch']}/{epochs}  train cost {row['train_cost']:.4f}  "
            f"test cost {row['test_cost']:.4f}  test accuracy {100 * row['test_accuracy']:.2f} %  "
            f"{sharp}{sps_text}").rstrip()


class _JsonLines:
    """Print one JSON object per line on stdout; NaN/inf become null (valid JSON)."""

    def __call__(self, event: str, **fields) -> None:
        obj = {"event": event, **{k: _jsonable(v) for k, v in fields.items()}}
        print(json.dumps(obj), flush=True)


def _jsonable(v):
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        return _jsonable(v.item())
    return v


class _MetricsFile:
    """``metrics.csv``: a header then one row per epoch, flushed as it goes."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self._fh = path.open("w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._fh, fieldnames=METRICS_FIELDS, extrasaction="ignore")
            self._writer.writeheader()
            self._fh.flush()
        except OSError as exc:
            if hasattr(self, "_fh"):
                self.close()
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None

    def write(self, row: dict) -> None:
        self._writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
        self._fh.flush()

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError:  # the write that failed was reported already
            pass

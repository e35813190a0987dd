"""The ``gdviz`` command.

::

    gdviz                                   open the window (embedded sample)
    gdviz --data mnist                      open the window on full MNIST
    gdviz train --headless [options]        train in the terminal, no window
    gdviz train [options]                   open the window with these settings
    gdviz data fetch mnist                  download + verify full MNIST
    gdviz data info                         which datasets are on this machine
    gdviz screenshot --out FILE.png         render the window after N steps
    gdviz export REC --gif OUT.gif          weights animation of a recording (also --csv, --png)

Exit codes: 0 done; 2 bad input (one line ``gdviz: error: ...`` on stderr);
3 training diverged; 130 interrupted.

The ``train --headless`` and ``export --gif/--csv`` paths never import Qt:
the window modules are imported inside the functions that open a window.
"""

from __future__ import annotations

import argparse
import dataclasses
import csv
import json
import math
import sys
import time
from pathlib import Path

from gdviz import __version__, preflight

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130

#: Names of the starting points for ``--preset`` (``gdviz.training.config.PRESETS``,
#: imported only when training so that ``import gdviz.cli`` stays light).
PRESET_NAMES = ("lesson", "best")
DEFAULT_EPOCHS = 10
METRICS_FIELDS = ("epoch", "step", "train_cost", "train_accuracy", "test_cost", "test_accuracy",
                  "samples_per_s", "train_seconds", "elapsed_s")


class UsageError(Exception):
    """Bad input from the user: printed as one ``gdviz: error:`` line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one plain line (no usage dump, no SystemExit)."""

    def error(self, message):  # noqa: D401 - argparse API
        raise UsageError(message)


# ====================================================================== argument types
def _arg(check):
    """Wrap a ``SettingError``-raising checker as an argparse ``type``."""
    def convert(text):
        from gdviz.training.config import SettingError

        try:
            return check(text)
        except SettingError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = check.__name__
    return convert


def _lr(text):
    from gdviz.training.config import check_lr
    return check_lr(text)


def _batch(text):
    from gdviz.training.config import check_batch_size
    return check_batch_size(text)


def _pace(text):
    from gdviz.training.config import parse_pace
    return parse_pace(text)


def _hidden(text):
    from gdviz.training.config import parse_hidden
    return parse_hidden(text)


def _positive_int(what):
    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{what} must be at least 1 (got {value})")
        return value
    return convert


def _count(what):
    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{what} cannot be negative (got {value})")
        return value
    return convert


def _positive_number(what):
    def convert(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, not {text!r}") from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"{what} must be more than 0 (got {text})")
        return value
    return convert


def _int(what):
    def convert(text):
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
    return convert


def _size(text):
    """``"1600x1000"`` -> ``(1600, 1000)``."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the size must look like 1600x1000 (width x height), not {text!r}") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"the width and height must be positive (got {text!r})")
    return w, h


# ====================================================================== parser
def _add_data_options(p, dest_prefix=""):
    p.add_argument("--data", dest=dest_prefix + "data", choices=("sample", "mnist"), default="sample",
                   help="the embedded 10,000-digit sample (default) or full MNIST (downloaded once)")
    p.add_argument("--data-dir", dest=dest_prefix + "data_dir", metavar="DIR", default=None,
                   help="a folder with the four MNIST-style IDX files (overrides --data)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gdviz",
        description="Watch a neural network learn to read handwritten digits by gradient descent. "
                    "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"gdviz {__version__}")
    _add_data_options(parser, dest_prefix="app_")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # ---------------------------------------------------------------- train
    t = sub.add_parser("train", help="train a network (in the window, or --headless in the terminal)",
                       description="Train a network. With --headless, in the terminal with no window; "
                                   "otherwise opens the window with these settings. Options override "
                                   "the --preset (default: lesson).")
    t.add_argument("--headless", action="store_true", help="train in the terminal, without a window")
    _add_data_options(t)
    t.add_argument("--preset", choices=PRESET_NAMES, default=None,
                   help="starting settings: 'lesson' (784-16-16-10 sigmoid, squared error, η=3, batch 10; "
                        "the default) or 'best'")
    t.add_argument("--hidden", type=_arg(_hidden), default=None, metavar="N,N",
                   help="hidden layer sizes, e.g. 16,16 (empty string: no hidden layer)")
    t.add_argument("--activation", choices=("sigmoid", "tanh", "relu"), default=None,
                   help="hidden-layer activation")
    t.add_argument("--cost", choices=("mse", "ce"), default=None,
                   help="mse = squared error with sigmoid outputs; ce = cross-entropy with softmax")
    t.add_argument("--optimizer", choices=("gd", "sgd", "momentum"), default=None,
                   help="gd = whole training set per step; sgd = mini-batches; momentum = sgd + momentum 0.9")
    t.add_argument("--lr", type=_arg(_lr), default=None, metavar="η", help="learning rate η")
    t.add_argument("--batch", type=_arg(_batch), default=None, metavar="N", help="mini-batch size")
    t.add_argument("--pace", type=_arg(_pace), default=None, metavar="STEPS_PER_SECOND|max",
                   help="steps per second in the window (default: the pace used last, 10 at first); "
                        "'max' = as fast as possible")
    t.add_argument("--epochs", type=_positive_int("the number of epochs"), default=None, metavar="N",
                   help=f"passes over the training set (default {DEFAULT_EPOCHS}; --headless only)")
    t.add_argument("--seed", type=_int("the seed"), default=None, help="random seed (initial θ and shuffles)")
    t.add_argument("--out", metavar="DIR", default=None,
                   help="write metrics.csv (one row per epoch) and checkpoint.npz here (--headless only)")
    t.add_argument("--json", action="store_true",
                   help="print one JSON object per line on stdout instead of text (--headless only)")

    # ---------------------------------------------------------------- data
    d = sub.add_parser("data", help="download or describe datasets",
                       description="Download full MNIST or list the datasets on this machine.")
    dsub = d.add_subparsers(dest="data_command", metavar="ACTION")
    f = dsub.add_parser("fetch", help="download and verify a dataset",
                        description="Download the dataset (checked against pinned MD5 sums) and print its folder.")
    f.add_argument("dataset", choices=("mnist",), help="the dataset to download")
    f.add_argument("--cache-dir", metavar="DIR", default=None, help="download into this folder")
    i = dsub.add_parser("info", help="list the datasets available on this machine",
                        description="List the datasets available on this machine (no network access).")
    i.add_argument("--cache-dir", metavar="DIR", default=None, help="the MNIST folder to check")

    # ---------------------------------------------------------------- screenshot
    s = sub.add_parser("screenshot", help="save a picture of the window after some training",
                       description="Train for --steps mini-batches off screen and save the window as a PNG.")
    s.add_argument("--out", required=True, metavar="FILE.png", help="the image file to write")
    s.add_argument("--steps", type=_count("the number of steps"), default=300, metavar="N",
                   help="mini-batch updates before the picture (default 300)")
    s.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH",
                   help="window size in pixels (default 1600x1000)")
    _add_data_options(s)
    s.add_argument("--view", default=None, metavar="NAME",
                   help="a teaching view to show: gradient, step-size, landscape, example-cost, "
                        "sgd-vs-gd, generalisation, draw, or presenter (presenter mode)")

    # ---------------------------------------------------------------- export
    x = sub.add_parser("export", help="export a recording: weights animation, metrics CSV, or a picture",
                       description="Export a recording (.gdvrec, from File > Record this run): an animation "
                                   "of the first layer's weights (--gif), every step's cost and every "
                                   "evaluation (--csv), or one step drawn in the window or one panel (--png). "
                                   "--gif and --csv need no display.")
    x.add_argument("recording", metavar="RECORDING", help="the recording file")
    what = x.add_mutually_exclusive_group(required=True)
    what.add_argument("--gif", metavar="OUT.gif", help="write an animated GIF of the first-layer weights")
    what.add_argument("--mp4", metavar="OUT.mp4", help="the same as an MP4 video (needs imageio-ffmpeg)")
    what.add_argument("--csv", metavar="OUT.csv",
                      help="write the metrics: columns event,step,epoch,cost,test_cost,test_accuracy,"
                           "train_cost,train_accuracy; one 'step' row per recorded step, 'epoch' and "
                           "'eval' rows for epoch averages and evaluations")
    what.add_argument("--png", metavar="OUT.png", help="draw step --step in the window and save it")
    x.add_argument("--fps", type=_positive_number("the frame rate"), default=10.0, metavar="N",
                   help="animation frames per second (default 10)")
    x.add_argument("--every", type=_positive_int("--every"), default=None, metavar="N",
                   help="one frame about every N steps, at the recorded weights (θ is kept every 64 "
                        "steps; default: about 100 frames)")
    x.add_argument("--step", type=_count("the step"), default=None, metavar="N", help="the step to draw (--png)")
    x.add_argument("--panel", default=None, metavar="NAME",
                   help="save only this panel (--png): hidden_weights, deeper_layers, activations, output, cost")
    x.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH",
                   help="window size in pixels for --png (default 1600x1000)")
    return parser


# ====================================================================== main
def main(argv=None) -> int:
    """Run the ``gdviz`` command with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help / --version
            return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
        if args.command is None:
            return _open_window(args.app_data, args.app_data_dir)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "data":
            return cmd_data(args, parser)
        if args.command == "screenshot":
            return cmd_screenshot(args)
        if args.command == "export":
            return cmd_export(args)
        raise UsageError(f"unknown command {args.command!r}")
    except UsageError as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        print("\ngdviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _error(message: str, code: int = EXIT_USAGE) -> int:
    """Print ONE line ``gdviz: error: ...`` to stderr; return ``code``."""
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"gdviz: error: {text}", file=sys.stderr)
    return code


def _check_data_dir(data_dir) -> None:
    if data_dir is not None:
        p = Path(data_dir)
        if not p.exists():
            raise UsageError(f"data folder not found: {p}")
        if not p.is_dir():
            raise UsageError(f"{p} is not a folder (give the folder that holds the four IDX files)")


def _has_display() -> bool:
    """True when Qt can open a window: a display server, or a platform chosen by hand."""
    import os

    return bool(os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY")
                or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("win32", "darwin"))


def _open_window(data, data_dir, config=None, pace=None) -> int:
    _check_data_dir(data_dir)
    if not _has_display():
        raise UsageError("no display to open the window on (DISPLAY is not set); "
                         "use 'gdviz train --headless', or 'gdviz screenshot' to render the window to a file")
    preflight.exit_if_qt_cannot_start()  # missing X11 libraries: say which, exit 1 (not Qt's abort)
    try:
        from gdviz.qt.app import run_app
    except ImportError as exc:
        raise UsageError(f"cannot open the window ({exc}); "
                         "install PySide6-Essentials, or use 'gdviz train --headless'") from None
    from gdviz.data import DataError
    from gdviz.training.config import SettingError

    try:
        return int(run_app(data=data, data_dir=data_dir, config=config, pace=pace) or 0)
    except (DataError, SettingError) as exc:
        raise UsageError(str(exc)) from None


# ====================================================================== train
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
        extras = [o for o, v in (("--epochs", args.epochs), ("--out", args.out), ("--json", args.json)) if v]
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

    epochs = args.epochs or DEFAULT_EPOCHS
    _check_data_dir(args.data_dir)
    out_dir = None
    if args.out is not None:
        out_dir = Path(args.out)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from None
    try:
        dataset = load_dataset(args.data, args.data_dir, progress=not args.json)
    except DataError as exc:
        raise UsageError(str(exc)) from None

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
            last_ok = {k: summary[k] for k in last_ok}
            if metrics:
                metrics.write(row)
            if ckpt_path:
                save_checkpoint(ckpt_path, session, extra={**extra, "test_accuracy": summary["test_accuracy"]})
            if emit:
                emit("epoch", **{k: row[k] for k in ("epoch", "step", "train_cost", "train_accuracy",
                                                     "test_cost", "test_accuracy", "samples_per_s",
                                                     "elapsed_s")})
            else:
                print(_epoch_line(row, epochs), flush=True)
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
            save_checkpoint(ckpt_path, session, extra={**extra, "diverged_at_step": session.step_count})
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


def _epoch_line(row: dict, epochs: int) -> str:
    sps = row["samples_per_s"]
    sps_text = f"{round(sps, -3) if sps >= 10_000 else sps:,.0f} samples/s" if math.isfinite(sps) else ""
    return (f"epoch {row['epoch']}/{epochs}  train cost {row['train_cost']:.4f}  "
            f"test cost {row['test_cost']:.4f}  test accuracy {100 * row['test_accuracy']:.2f} %  "
            f"{sps_text}").rstrip()


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
        try:
            self._fh = path.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        self._writer = csv.DictWriter(self._fh, fieldnames=METRICS_FIELDS, extrasaction="ignore")
        self._writer.writeheader()
        self._fh.flush()

    def write(self, row: dict) -> None:
        self._writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


# ====================================================================== data
def cmd_data(args, parser) -> int:
    from gdviz.data import DataError, data_info, fetch_mnist

    if args.data_command is None:
        raise UsageError("say what to do with data: 'gdviz data fetch mnist' or 'gdviz data info'")
    try:
        if args.data_command == "fetch":
            folder = fetch_mnist(args.cache_dir, progress=True)
            print(folder)
        else:
            for line in data_info(args.cache_dir):
                print(line)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


# ====================================================================== screenshot
def cmd_screenshot(args) -> int:
    _check_data_dir(args.data_dir)
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise UsageError(f"the screenshot is saved as PNG: give a file name ending in .png, not {out.name!r}")
    if not out.parent.is_dir() and str(out.parent):
        raise UsageError(f"folder not found for the screenshot: {out.parent}")
    if not _has_display():  # a screenshot needs no screen: render offscreen
        import os

        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from gdviz.qt.app import screenshot
    except ImportError as exc:
        raise UsageError(f"screenshots need the window ({exc}); install PySide6-Essentials") from None
    from gdviz.data import DataError
    from gdviz.training.config import SettingError

    try:
        path = screenshot(out, steps=args.steps, size=args.size, data=args.data,
                          data_dir=args.data_dir, view=args.view)
    except (DataError, SettingError) as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # e.g. an unknown --view name, a size too small
        raise UsageError(str(exc)) from None
    except OSError as exc:  # cannot write the file; training stalled (TimeoutError)
        raise UsageError(f"no screenshot: {exc}") from None
    print(path)
    return EXIT_OK


# ====================================================================== export
def cmd_export(args) -> int:
    """``gdviz export RECORDING --gif/--mp4/--csv/--png OUT``; prints the file written."""
    out = Path(args.gif or args.mp4 or args.csv or args.png)
    kind = "gif" if args.gif else "mp4" if args.mp4 else "csv" if args.csv else "png"
    if out.suffix.lower() != f".{kind}":
        raise UsageError(f"--{kind} writes a .{kind} file: give a file name ending in .{kind}, not {out.name!r}")
    if str(out.parent) and not out.parent.is_dir():
        raise UsageError(f"folder not found for the output: {out.parent}")
    if kind == "png":
        if args.step is None:
            raise UsageError("--png needs --step N: the step of the recording to draw")
        if args.every is not None:
            raise UsageError("--every only applies to --gif and --mp4")
        return _export_png(args, out)
    extras = [o for o, v in (("--step", args.step), ("--panel", args.panel)) if v is not None]
    if extras:
        raise UsageError(f"{' and '.join(extras)} only appl{'ies' if len(extras) == 1 else 'y'} to --png")
    if kind == "csv" and args.every is not None:
        raise UsageError("--every only applies to --gif and --mp4")
    from gdviz import render
    from gdviz.training.recording import RecordingError, open_recording

    if kind == "mp4" and not render.mp4_available():
        raise UsageError(render.MP4_MISSING)
    try:
        rec = open_recording(args.recording)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    try:
        if kind == "csv":
            render.write_metrics_csv(out, **render.recording_metrics(rec))
        else:
            steps = render.gif_frame_steps(rec.theta_steps, args.every)
            render.write_animation(out, render.recording_frames(rec, steps), args.fps)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise UsageError(f"no {kind.upper()} written: {exc}") from None
    finally:
        rec.close()
    print(out)
    return EXIT_OK


def _export_png(args, out: Path) -> int:
    try:
        from gdviz.qt.export import render_recording_png
    except ImportError as exc:
        raise UsageError(f"--png needs the window ({exc}); install PySide6-Essentials") from None
    from gdviz.training.recording import RecordingError

    try:
        path = render_recording_png(args.recording, out, args.step, args.panel, size=args.size)
    except (RecordingError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"no PNG written: {exc}") from None
    print(path)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``gdviz`` command's arguments: one parser, argument types that explain a bad
value in one line, the exit codes and the error that carries a bad input."""

from __future__ import annotations

import argparse
import math

from gdviz import __version__, limits

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130

#: Names of the starting points for ``--preset`` (``gdviz.training.config.PRESETS``,
#: imported only when training so that ``import gdviz.cli`` stays light).
PRESET_NAMES = ("lesson", "best")
DEFAULT_EPOCHS = 10


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


def _setting(name):
    """The checker ``gdviz.training.config.<name>`` (imported on first use, so that
    ``import gdviz.cli`` stays light) as an argparse ``type``."""
    def check(text):
        from gdviz.training import config

        return getattr(config, name)(text)
    check.__name__ = name
    return _arg(check)


def _number(what, parse=int, rule=None):
    """An argparse ``type`` reading ``what`` with ``parse`` (int: a whole number, float: a
    number); ``rule`` = ``(test, words)``: a value failing ``test`` is refused with
    "``what`` ``words`` (got …)"."""
    noun = "a whole number" if parse is int else "a number"

    def convert(text):
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be {noun}, not {text!r}") from None
        if rule is not None and not rule[0](value):
            got = value if parse is int else text
            raise argparse.ArgumentTypeError(f"{what} {rule[1]} (got {got})")
        return value
    return convert


def _positive_int(what):
    return _number(what, int, (lambda v: v >= 1, "must be at least 1"))


def _count(what):
    return _number(what, int, (lambda v: v >= 0, "cannot be negative"))


def _positive_number(what):
    return _number(what, float, (lambda v: v > 0 and math.isfinite(v), "must be more than 0"))


def _size(text):
    """``"1600x1000"`` -> ``(1600, 1000)``, within ``limits.MAX_IMAGE_WIDTH`` x ``MAX_IMAGE_HEIGHT``."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the size must look like 1600x1000 (width x height), not {text!r}") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"the width and height must be positive (got {text!r})")
    try:
        return limits.check_image_size(w, h, "a picture")
    except limits.LimitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
                   help="starting settings: 'lesson' (784-16-16-10 sigmoid, squared error, η=1, batch 10; "
                        "the default) or 'best'")
    t.add_argument("--hidden", type=_setting("parse_hidden"), default=None, metavar="N,N",
                   help="hidden layer sizes, e.g. 16,16 (empty string: no hidden layer)")
    t.add_argument("--activation", choices=("sigmoid", "tanh", "relu"), default=None,
                   help="hidden-layer activation")
    t.add_argument("--cost", choices=("mse", "ce"), default=None,
                   help="mse = squared error with sigmoid outputs; ce = cross-entropy with softmax")
    t.add_argument("--optimizer", choices=("gd", "sgd", "momentum"), default=None,
                   help="gd = whole training set per step; sgd = mini-batches; momentum = sgd + momentum 0.9")
    t.add_argument("--lr", type=_setting("check_lr"), default=None, metavar="η", help="learning rate η")
    t.add_argument("--batch", type=_setting("check_batch_size"), default=None, metavar="N", help="mini-batch size")
    t.add_argument("--pace", type=_setting("parse_pace"), default=None, metavar="STEPS_PER_SECOND|max",
                   help="steps per second in the window (default: the pace used last, 10 at first); "
                        "'max' = as fast as possible")
    t.add_argument("--epochs", type=_positive_int("the number of epochs"), default=None, metavar="N",
                   help=f"passes over the training set (default {DEFAULT_EPOCHS}; --headless only)")
    t.add_argument("--seed", type=_setting("check_seed"), default=None,
                   help=f"random seed from 0 to {limits.MAX_SEED:,} (initial θ and shuffles)")
    t.add_argument("--out", metavar="DIR", default=None,
                   help="write metrics.csv (one row per epoch) and checkpoint.npz here (--headless only)")
    t.add_argument("--json", action="store_true",
                   help="print one JSON object per line on stdout instead of text (--headless only)")
    t.add_argument("--sharpness", action="store_true",
                   help="after each epoch, also measure the sharpness λ_max (the largest eigenvalue of "
                        "the Hessian of the average cost over the first 1,000 training digits); a "
                        "step is stable on the quadratic model while η·λ_max < 2 (--headless only)")

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
    s.add_argument("--lesson", type=_positive_int("the chapter"), default=None, metavar="N",
                   help="open chapter N (1-based) of the lesson as it opens in lesson mode (--steps is "
                        "then the chapter's own)")
    s.add_argument("--lesson-file", default=None, metavar="FILE.toml",
                   help="the lesson to take --lesson from (default: the built-in lesson)")
    s.add_argument("--presenter", action="store_true", help="in presenter mode (large type, for a projector)")

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
                   help="save only this panel (--png): hidden_weights, deeper_layers, activations, output, "
                        "cost, stability")
    x.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH",
                   help="window size in pixels for --png (default 1600x1000)")
    return parser

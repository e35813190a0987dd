"""Pictures and tables of a run without Qt: the first-layer weight mosaic, the
app's diverging colormap, metrics CSV, and a weights animation of a recording.

``gdviz export --gif/--csv`` uses only this module (NumPy, the standard
library, and ``imageio`` + Pillow for the animation), so exporting never
needs a display. The window's File ▸ Export menu uses the same functions, so
a GIF or CSV is the same file whichever way it was made.

Colours: blue = negative, near-white = zero, red = positive, with symmetric
levels ``(-m, m)`` (``m`` = the 99th percentile of ``|W[0]|`` in each frame),
the colormap of the window's weight panels: both take their colours from
:mod:`gdviz.palette`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from gdviz.palette import BACKGROUND, BOARD, DIVERGING_HEX, FOREGROUND, rgb
from gdviz.training.theta import image_shape

__all__ = [
    "DIVERGING_HEX", "CSV_FIELDS", "diverging_lut", "colorize", "weights_mosaic", "gif_frame_steps",
    "recording_frames", "write_animation", "write_metrics_csv", "recording_metrics",
    "mp4_available",
]

BOARD_RGB = rgb(BOARD)  # the grey between tiles
INK_RGB = rgb(FOREGROUND)  # caption text
PAPER_RGB = rgb(BACKGROUND)

#: Columns of a metrics CSV (see :func:`write_metrics_csv`).
CSV_FIELDS = ("event", "step", "epoch", "cost", "test_cost", "test_accuracy", "train_cost",
              "train_accuracy")


# ====================================================================== colours
def diverging_lut(n: int = 257) -> np.ndarray:
    """``(n, 3)`` uint8: the diverging colormap sampled at ``n`` evenly spaced points.

    Linear interpolation in RGB between the 11 stops, as ``pyqtgraph.ColorMap`` does.
    An odd ``n`` (the default) has an entry exactly in the middle, so 0 is the middle colour.
    """
    stops = np.array([rgb(h) for h in DIVERGING_HEX], dtype=np.float64)
    pos = np.linspace(0.0, 1.0, len(stops))
    x = np.linspace(0.0, 1.0, int(n))
    lut = np.stack([np.interp(x, pos, stops[:, c]) for c in range(3)], axis=1)
    return np.rint(lut).astype(np.uint8)


_LUT = diverging_lut()


def robust_max(values: np.ndarray, q: float = 99.0) -> float:
    """The ``q``-th percentile of ``|values|`` over the finite ones (1.0 when nothing usable)."""
    a = np.abs(np.asarray(values, dtype=np.float64).ravel())
    a = a[np.isfinite(a)]
    if a.size == 0:
        return 1.0
    k = min(a.size - 1, max(0, int(math.ceil(q / 100.0 * a.size)) - 1))
    m = float(np.partition(a, k)[k])
    if not m > 0.0:
        m = float(a.max())
    return m if m > 0.0 and math.isfinite(m) else 1.0


def colorize(values: np.ndarray, m: float) -> np.ndarray:
    """``(..., 3)`` uint8 colours of ``values`` on the levels ``(-m, m)``; NaN/±inf -> grey board."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    idx = np.clip(np.rint((np.where(finite, v, 0.0) / m + 1.0) * 0.5 * (len(_LUT) - 1)), 0, len(_LUT) - 1)
    out = _LUT[idx.astype(np.intp)]
    if not finite.all():
        out[~finite] = BOARD_RGB
    return out


# ====================================================================== the mosaic
def weights_mosaic(theta: np.ndarray, sizes: Sequence[int], *, cols: int | None = None,
                   scale: int = 3, levels: float | None = None, gap: int = 1) -> np.ndarray:
    """The first layer's weights ``W[0]`` as one RGB picture, ``(H, W, 3)`` uint8.

    One ``h×w`` tile per first-layer neuron (28×28 for MNIST; a one-pixel-high
    strip when the input is not a square picture), ``cols`` tiles per row
    (default ``ceil(√n)``), ``gap`` grey pixels between tiles, every pixel
    enlarged ``scale`` times. Colour levels are ``(-m, m)`` with ``m =
    levels`` or, by default, the 99th percentile of ``|W[0]|``.

    ``theta`` is the flat parameter vector (``W[0], b[0], W[1], ...``; see
    ``gdviz.core``); only its first ``sizes[1] * sizes[0]`` numbers are used.
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2:
        raise ValueError(f"a network needs at least two layers, got sizes {sizes}")
    n_in, n = sizes[0], sizes[1]
    theta = np.asarray(theta)
    if theta.ndim != 1 or theta.size < n * n_in:
        raise ValueError(f"θ holds {theta.size:,} numbers, fewer than the {n * n_in:,} weights of W[0] "
                         f"for layer sizes {'-'.join(map(str, sizes))}")
    W = theta[: n * n_in].reshape(n, n_in)
    m = float(levels) if levels is not None and levels > 0 else robust_max(W)
    h, w = image_shape(n_in)
    cols = max(1, min(n, int(cols) if cols else math.ceil(math.sqrt(n))))
    rows = math.ceil(n / cols)
    ph, pw = h + gap, w + gap  # pitch of a tile
    out = np.empty((rows * ph + gap, cols * pw + gap, 3), np.uint8)
    out[...] = BOARD_RGB
    tiles = colorize(W, m).reshape(n, h, w, 3)
    for j in range(n):
        r, c = divmod(j, cols)
        out[gap + r * ph: gap + r * ph + h, gap + c * pw: gap + c * pw + w] = tiles[j]
    if scale > 1:
        out = np.repeat(np.repeat(out, int(scale), axis=0), int(scale), axis=1)
    return out


def _with_caption(img: np.ndarray, text: str, height: int = 18) -> np.ndarray:
    """``img`` with a white band below holding ``text`` (Pillow's built-in font; no band without Pillow)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with imageio
        return img
    band = Image.new("RGB", (img.shape[1], height), PAPER_RGB)
    draw = ImageDraw.Draw(band)
    try:
        font = ImageFont.load_default(size=max(10, height - 6))
    except TypeError:  # pragma: no cover - Pillow < 10.1
        font = ImageFont.load_default()
    draw.text((4, 2), text, fill=INK_RGB, font=font)
    return np.concatenate([img, np.asarray(band, dtype=np.uint8)], axis=0)


# ====================================================================== recordings
def gif_frame_steps(theta_steps: Sequence[int], every: int | None = None, max_frames: int = 100) -> list[int]:
    """The recorded steps that become frames: about one every ``every`` steps.

    θ is recorded every K steps, so frames are recorded θ: the first, then the
    first recorded step at least ``every`` steps after the previous frame, and
    always the last. ``every=None`` spaces about ``max_frames`` frames evenly.
    """
    steps = [int(s) for s in theta_steps]
    if not steps:
        return []
    if every is None:
        span = steps[-1] - steps[0]
        every = max(1, math.ceil(span / max(1, max_frames - 1)))
    every = max(1, int(every))
    out = [steps[0]]
    for s in steps[1:]:
        if s - out[-1] >= every:
            out.append(s)
    if out[-1] != steps[-1]:
        out.append(steps[-1])
    return out


def recording_frames(recording, steps: Iterable[int], *, scale: int = 3, caption: bool = True):
    """Yield one RGB mosaic (uint8 ``(H, W, 3)``) of ``W[0]`` per step in ``steps``."""
    for step in steps:
        rec_step, theta = recording.theta_at(int(step))
        img = weights_mosaic(theta, recording.sizes, scale=scale)
        if caption:
            img = _with_caption(img, f"step {rec_step:,} of {recording.n_steps:,}")
        yield img


def mp4_available() -> bool:
    """True when ``imageio-ffmpeg`` is installed (needed for MP4; GIF needs only Pillow)."""
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


MP4_MISSING = ("MP4 needs the imageio-ffmpeg package, which is not installed "
               "(pip install imageio-ffmpeg); export a GIF instead.")


def write_animation(path, frames: Iterable[np.ndarray], fps: float = 10.0) -> int:
    """Write ``frames`` (RGB uint8, all the same size) as a GIF (or MP4 by the suffix); the frame count.

    Raises ``RuntimeError`` for MP4 without ``imageio-ffmpeg``, ``ValueError``
    for no frames or an unknown suffix, ``OSError`` when the file cannot be written.
    """
    import imageio.v3 as iio

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"{path.name}: an animation is saved as .gif (or .mp4), not {suffix or 'no suffix'!r}")
    if suffix == ".mp4" and not mp4_available():
        raise RuntimeError(MP4_MISSING)
    frames = [np.ascontiguousarray(f, dtype=np.uint8) for f in frames]
    if not frames:
        raise ValueError("no frames to write")
    fps = float(fps) if fps and fps > 0 else 10.0
    if suffix == ".gif":
        # duration in ms per frame; loop=0: forever. Every frame differs (its caption), so
        # Pillow keeps them all.
        iio.imwrite(path, np.stack(frames), extension=".gif", duration=1000.0 / fps, loop=0)
    else:  # pragma: no cover - needs imageio-ffmpeg
        iio.imwrite(path, np.stack(frames), extension=".mp4", fps=fps, macro_block_size=1)
    return len(frames)


# ====================================================================== metrics
def _fmt(v) -> str:
    if v is None:
        return ""
    v = float(v)
    return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))


def write_metrics_csv(path, steps, costs, evals=(), epoch_costs=()) -> dict[str, int]:
    """Write one CSV of a run's metrics; return the number of rows of each kind.

    Columns :data:`CSV_FIELDS`; one row per event, in step order:

    * ``event=step``: ``step``, ``cost`` — the mini-batch cost of that update
      (every recorded step, full float precision);
    * ``event=eval``: ``step``, ``epoch`` (fractional), ``test_cost``,
      ``test_accuracy``, ``train_cost``, ``train_accuracy`` (accuracies 0..1)
      — an evaluation measured after that step; ``evals`` are
      :class:`~gdviz.training.Evaluation` or tuples in that order;
    * ``event=epoch``: ``step``, ``epoch``, ``cost`` — the average training
      cost over the whole training set at the end of that epoch; ``epoch_costs``
      are ``(epoch, step, cost)``.

    Empty cells are fields that do not apply to the row. At equal steps a
    ``step`` row comes first, then ``epoch``, then ``eval``.
    """
    steps = np.asarray(steps, dtype=np.int64).ravel()
    costs = np.asarray(costs, dtype=np.float64).ravel()
    evals, epoch_costs = tuple(evals), tuple(epoch_costs)
    if steps.shape != costs.shape:
        raise ValueError(f"{steps.size} steps but {costs.size} costs")
    rows: list[tuple[int, int, list[str]]] = []
    rows.extend((int(s), 0, ["step", str(int(s)), "", _fmt(c), "", "", "", ""])
                for s, c in zip(steps.tolist(), costs.tolist(), strict=True))
    for e, s, c in epoch_costs:
        rows.append((int(s), 1, ["epoch", str(int(s)), str(int(e)), _fmt(c), "", "", "", ""]))
    for ev in evals:
        if hasattr(ev, "test_cost"):
            vals = (ev.step, ev.epoch, ev.test_cost, ev.test_accuracy, ev.train_cost, ev.train_accuracy)
        else:
            vals = tuple(ev)
        s = int(vals[0])
        rows.append((s, 2, ["eval", str(s), _fmt(vals[1]), "", *(_fmt(v) for v in vals[2:6])]))
    rows.sort(key=lambda r: (r[0], r[1]))
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_FIELDS)
        w.writerows(r[2] for r in rows)
    return {"step": int(steps.size), "epoch": len(epoch_costs), "eval": len(evals)}


def recording_metrics(recording) -> dict:
    """The arguments of :func:`write_metrics_csv` for a recording."""
    return {"steps": recording.steps, "costs": recording.costs, "evals": recording.evals,
            "epoch_costs": recording.epoch_costs}

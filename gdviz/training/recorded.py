"""What the window needs from a recording besides its snapshots: its cost
curve, to draw over another run's (Compare with recording…), and the digits
to show while it is replayed."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from gdviz.data import DataError, load_sample
from gdviz.training.recording import RecordingError, open_recording

__all__ = ["RunCurve", "run_curve", "epoch_positions", "replay_dataset"]


class RunCurve(NamedTuple):
    """``steps`` ``(n,)`` and ``costs`` ``(n,)``: every recorded step and its mini-batch
    cost; ``epochs`` ``(n,)`` their epoch positions (None when unknown); ``name`` in words."""

    name: str
    steps: np.ndarray
    costs: np.ndarray
    epochs: np.ndarray | None


def epoch_positions(steps: np.ndarray, cfg, n_train) -> np.ndarray | None:
    """Epoch position of each step, assuming the batch size did not change (None if unknown)."""
    if cfg.optimizer == "gd":
        return steps.astype(np.float64)
    if not n_train:
        return None
    return steps.astype(np.float64) * (cfg.batch_size / float(n_train))


def run_curve(path) -> RunCurve:
    """The cost curve of the recording at ``path``, named after its file and settings
    ("run: 784-16-16-10, η = 3, batch 10"). Raises ``RecordingError`` for a bad or
    empty recording, ``OSError`` when it cannot be read."""
    with open_recording(path) as rec:
        steps, costs = np.array(rec.steps), np.array(rec.costs)
        cfg, sizes, n_train = rec.config, rec.sizes, rec.n_train
    if steps.size == 0:
        raise RecordingError(f"{path}: the recording holds no step costs.")
    name = (f"{Path(path).stem}: {'-'.join(map(str, sizes))}, η = {cfg.lr:g}"
            + ("" if cfg.optimizer == "gd" else f", batch {cfg.batch_size}"))
    return RunCurve(name, steps, costs, epoch_positions(steps, cfg, n_train))


def replay_dataset(current, rec):
    """``(dataset, note)``: the data whose digits a replay of ``rec`` shows — ``current``
    (the window's) when it is the recorded one, else the embedded sample when the
    inputs are 784 pixels, else None — and a note in words when it is not the recorded one."""
    n_in = int(np.prod(current.train_images.shape[1:]))
    file = Path(rec.path).name
    if getattr(current, "name", "") == rec.dataset_name and n_in == rec.sizes[0]:
        return current, ""
    if rec.sizes[0] == 784:
        try:
            sample = load_sample()
        except DataError:
            return None, (f"{file} was recorded on '{rec.dataset_name}', which is not loaded, and the "
                          f"embedded sample is unavailable: no example digit is shown.")
        return sample, (f"{file} was recorded on '{rec.dataset_name}' but the window has "
                        f"'{getattr(current, 'name', '?')}': the example digits come from the embedded sample. "
                        f"Weights and costs are the recorded ones.")
    return None, (f"{file} was recorded on '{rec.dataset_name}' ({rec.sizes[0]} inputs), "
                  f"which is not loaded: no example digit is shown. Weights and costs are the recorded ones.")

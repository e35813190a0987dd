"""Immutable snapshots of a training session and a latest-wins mailbox."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np


def frozen(a, dtype=None) -> np.ndarray:
    """A private, read-only copy of ``a`` (safe to hand to a plot that keeps a view)."""
    out = np.array(a, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class Evaluation:
    """Cost (the lesson's average) and accuracy (0..1) measured at one step."""

    step: int
    epoch: float  # epochs completed, fractional
    test_cost: float
    test_accuracy: float
    train_cost: float  # on the first 2,000 training digits (all of them at epoch ends)
    train_accuracy: float


@dataclass(frozen=True)
class Snapshot:
    """What the session looked like after ``step`` updates. All arrays are read-only copies.

    ``new_costs[i]`` is the average cost of the mini-batch used by update
    ``new_steps[i]`` (1-based): every step since the previous snapshot taken
    from the mailbox. ``run_id`` changes on reset/reseed/new data: a viewer
    clears its history then.
    """

    seq: int
    run_id: int
    step: int
    epoch: int  # completed epochs
    epoch_fraction: float  # progress through the current epoch, 0..1
    examples_seen: int
    lr: float
    batch_size: int
    optimizer: str
    seed: int
    running: bool
    steps_per_second: float
    sizes: tuple[int, ...]
    activation: str
    cost_name: str
    n_train: int
    n_test: int
    new_steps: np.ndarray  # (k,) int64
    new_costs: np.ndarray  # (k,) float64
    new_epoch_costs: tuple[tuple[int, int, float], ...]  # (epoch, step, average training cost)
    new_evals: tuple[Evaluation, ...]
    last_eval: Evaluation | None
    theta: np.ndarray  # (n_params,) float32, θ now
    grad: np.ndarray  # (n_params,) ∇C of the last step's batch (zeros before any step)
    delta: np.ndarray  # (n_params,) Δθ of the last step
    example_image: np.ndarray  # (784,) uint8 — the current example
    example_label: int
    example_source: str  # "training batch" or "test digit #i"
    example_activations: tuple[np.ndarray, ...]  # (n_l,) for each layer after the input, at θ now
    samples_per_s: float
    diverged: bool
    message: str  # a human sentence about the last notable event, or ""

    @property
    def example_cost_terms(self) -> np.ndarray:
        """(a_j − y_j)² for the current example's ten outputs."""
        y = np.zeros(self.sizes[-1])
        y[self.example_label] = 1.0
        return (self.example_activations[-1] - y) ** 2

    @property
    def n_params(self) -> int:
        return int(self.theta.size)

    def merged_after(self, older: "Snapshot") -> "Snapshot":
        """This snapshot carrying also the per-step history of an untaken ``older`` one."""
        if older.run_id != self.run_id:
            return self
        return replace(
            self,
            new_steps=frozen(np.concatenate([older.new_steps, self.new_steps])),
            new_costs=frozen(np.concatenate([older.new_costs, self.new_costs])),
            new_epoch_costs=older.new_epoch_costs + self.new_epoch_costs,
            new_evals=older.new_evals + self.new_evals,
        )


class Mailbox:
    """Holds only the latest snapshot; nothing queues up when the reader is slow.

    ``put`` merges the per-step history of a snapshot nobody took, so a reader
    that takes every so often still sees every step's cost.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._latest: Snapshot | None = None

    def put(self, snap: Snapshot) -> None:
        with self._lock:
            if self._snap is not None:
                snap = snap.merged_after(self._snap)
            self._snap = snap
            self._latest = snap

    def take(self) -> Snapshot | None:
        """The newest snapshot not yet taken (or None); empties the box."""
        with self._lock:
            snap, self._snap = self._snap, None
            return snap

    def peek(self) -> Snapshot | None:
        """The newest snapshot ever put, taken or not."""
        with self._lock:
            return self._latest

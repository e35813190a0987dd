"""Has training gone wrong in a way a student cannot see? Saturated or stuck networks.

A NaN cost is obvious (the session reports it). Worse for a lesson are runs
that look alive but learn nothing: after a huge η the sigmoid neurons are
pinned at 0 or 1 (ReLU ones dead at 0), the gradient vanishes, and the network
answers the same digit for everything at chance accuracy. :class:`HealthWatch`
follows the snapshots of a run and returns a :class:`Diagnosis` in plain words
with the fix, or None while all is well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.training.config import LESSON

__all__ = ["Diagnosis", "HealthWatch", "saturation"]

SATURATED = 0.9  # share of hidden neurons pinned that counts as a saturated network
PIN = 0.01  # a sigmoid output below PIN or above 1 − PIN is pinned
VANISHED = 1e-3  # |∇C| below this share of the run's largest counts as vanished
CHANCE = 0.2  # test accuracy at or below this is close to guessing (10 digits: 0.1)
MIN_STEPS = 200  # no verdict on "stuck" before this many steps
PERSIST = 50  # steps a sign must last before it counts (a moment's flat gradient is no verdict)
SUGGESTED_LR = LESSON.lr  # the lesson preset's η (see gdviz.training.config)


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong, in words; ``kind`` is "saturated" or "stuck"."""

    kind: str
    step: int
    text: str
    fix: str


def saturation(activations, activation: str) -> float:
    """Share (0..1) of the neurons that are pinned for one example.

    ``activations``: the layers' activations ``(n_l,)`` each, after the input.
    Sigmoid/tanh: near either end of the range; ReLU: exactly 0 (dead)."""
    hidden = [np.asarray(a, dtype=np.float64) for a in activations]
    if not hidden:
        return 0.0
    a = np.concatenate(hidden)
    if activation == "relu":
        pinned = a <= 0.0
    elif activation == "tanh":
        pinned = np.abs(a) >= 1.0 - 2 * PIN
    else:
        pinned = (a <= PIN) | (a >= 1.0 - PIN)
    return float(np.mean(pinned | ~np.isfinite(a)))


class HealthWatch:
    """Feed it every snapshot of the window (``observe``); ``diagnosis`` is the verdict."""

    def __init__(self):
        self.run = None
        self.diagnosis: Diagnosis | None = None
        self._max_norm = 0.0
        self._sat_since: int | None = None  # the step since which the neurons are pinned
        self._flat_since: int | None = None  # ... since which |∇C| has vanished

    def observe(self, snap) -> Diagnosis | None:
        run = (snap.run_id, tuple(snap.sizes))
        if run != self.run:
            self.run, self.diagnosis, self._max_norm = run, None, 0.0
            self._sat_since = self._flat_since = None
        if snap.diverged or snap.step == 0:
            self.diagnosis = None
            return None
        norm = float(np.linalg.norm(np.asarray(snap.grad, dtype=np.float64)))
        if math.isfinite(norm):
            self._max_norm = max(self._max_norm, norm)
        sat = saturation(snap.example_activations, snap.activation)
        vanished = self._max_norm > 0 and norm <= VANISHED * self._max_norm
        self._sat_since = (self._sat_since if self._sat_since is not None else snap.step) \
            if sat >= SATURATED else None
        self._flat_since = (self._flat_since if self._flat_since is not None else snap.step) \
            if vanished else None
        ev = snap.last_eval
        acc = ev.test_accuracy if ev is not None and ev.step > 0 else math.nan
        # A gradient that vanished because the network fits its training data (high test
        # accuracy) is success, not saturation.
        learned = math.isfinite(acc) and acc > CHANCE
        flat = self._flat_since is not None and snap.step - self._flat_since >= PERSIST and not learned
        pinned = self._sat_since is not None and snap.step - self._sat_since >= PERSIST
        lr_words = (f" That usually follows a learning rate that is too large (η = {snap.lr:g})."
                    if snap.lr > 5 else "")
        fix = f"Lower η (try {SUGGESTED_LR:g}) and press Reset to start again from random weights."
        if flat or (pinned and math.isfinite(acc) and acc <= CHANCE):
            text = (f"The network is saturated: {100 * sat:.0f} % of its neurons are pinned at "
                    "the ends of their range for this digit, so small changes of the weights "
                    "change nothing, the gradient is almost zero and learning has stopped."
                    + lr_words)
            self.diagnosis = Diagnosis("saturated", snap.step, text, fix)
        elif snap.step >= MIN_STEPS and math.isfinite(acc) and acc <= CHANCE:
            text = (f"After {snap.step:,} steps the network still gets only {100 * acc:.0f} % of the "
                    "test digits right, about what guessing gives: it is stuck." + lr_words)
            self.diagnosis = Diagnosis("stuck", snap.step, text, fix)
        elif self.diagnosis is not None and (not math.isfinite(acc) or acc > CHANCE) \
                and self._flat_since is None:
            self.diagnosis = None  # it recovered
        return self.diagnosis

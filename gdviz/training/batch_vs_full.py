"""The mini-batch step against the gradient of all the training data (GD vs SGD).

``snap.grad`` is the gradient of the last step's mini-batch, taken at θ
*before* that step; :func:`compare` takes the full gradient there too
(:func:`theta_before`), so full-batch gradient descent gives cosine 1 exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.training.analysis import full_gradient, gradient_cosine
from gdviz.training.probe import network_of

__all__ = ["SUBSET", "Comparison", "compare", "cosine_words", "subset_size", "theta_before"]

SUBSET = 10_000  # training digits for the full gradient when the set is larger


@dataclass(frozen=True)
class Comparison:
    """One measurement: the last step's gradient against the full one.

    ``batch`` and ``full`` (n_params,) are ∇C (not negated), ``cosine`` their
    cosine (NaN when either is zero or not finite), ``n`` how many training
    digits the full gradient averaged, ``full_cost`` their average cost.
    """

    run_id: int
    step: int
    optimizer: str
    batch_size: int
    cosine: float
    batch: np.ndarray
    full: np.ndarray
    n: int
    n_train: int
    full_cost: float


def theta_before(theta, delta) -> np.ndarray:
    """θ where the last step's gradient was taken: θ − Δθ, in θ's dtype
    (NaN where either is not finite, without a warning)."""
    th = np.asarray(theta)
    with np.errstate(invalid="ignore", over="ignore"):
        return (th.astype(np.float64) - np.asarray(delta, dtype=np.float64)).astype(th.dtype)


def subset_size(n_train: int, optimizer: str) -> int:
    """How many training digits the full gradient averages: all of them up to
    ``SUBSET`` (and always under full gradient descent, whose steps look at all)."""
    return n_train if (n_train <= SUBSET or optimizer == "gd") else SUBSET


def compare(sizes, activation: str, cost_name: str, theta, delta, grad, images, labels,
            run_id: int, step: int, optimizer: str, batch_size: int, n_train: int) -> Comparison:
    """The full gradient over ``images``/``labels`` at θ before the step, against
    ``grad`` (the step's own gradient). For a background thread (its own network)."""
    net = network_of(sizes, activation, cost_name)
    fg = full_gradient(net, theta_before(theta, delta), images, labels)
    return Comparison(int(run_id), int(step), optimizer, int(batch_size),
                      gradient_cosine(grad, fg.grad), grad, fg.grad, fg.n, int(n_train), fg.cost)


def cosine_words(c: float, optimizer: str, batch_size: int, n: int, n_train: int) -> str:
    """One or two sentences saying what the cosine ``c`` means."""
    if not math.isfinite(c):
        return "No direction to compare yet (no step taken, or training diverged)."
    deg = math.degrees(math.acos(max(-1.0, min(1.0, c))))
    if optimizer == "gd":
        return (f"The step points exactly downhill (cos = {c:.3f}): with all {n_train:,} digits the "
                "step is the lesson's gradient itself — but every step had to look at all of them.")
    per = max(1, n_train // max(1, batch_size))
    mom = (" (With momentum each step also carries the earlier gradients; this is the "
           "mini-batch's own gradient.)" if optimizer == "momentum" else "")
    if c > 0:
        return (f"Each mini-batch step points roughly, not exactly, downhill: this one is {deg:.0f}° "
                f"away from the direction all the training data would choose. Many cheap, noisy "
                f"steps still go down on average — {per:,} of them cost as much as one full step."
                + mom)
    return (f"This mini-batch step points {deg:.0f}° away from the full gradient — uphill for the "
            "data as a whole! On average the noisy steps still go down." + mom)

"""Update rules: how θ moves given the gradient ∇C and the learning rate η.

Each rule updates θ in place and may be given a different η at every step.
"Gradient descent" (the lesson's definition: ∇C over the whole training set)
and "mini-batch SGD" use the same rule, θ ← θ − η∇C; they differ in which
examples the gradient is averaged over, which the training session decides.
"""

from __future__ import annotations

import numpy as np


class UpdateRule:
    name: str = ""
    title: str = ""

    def __init__(self, n_params: int, dtype=np.float32):
        self._step = np.zeros(n_params, dtype=dtype)

    def step(self, theta: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """Move ``theta`` in place; return the change Δθ (a reused buffer)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget any state (velocity)."""


class Plain(UpdateRule):
    """θ ← θ − η ∇C."""

    name = "sgd"
    title = "gradient step θ ← θ − η∇C"

    def __init__(self, n_params: int, dtype=np.float32):
        super().__init__(n_params, dtype)
        self._lr, self._neg_lr = None, None

    def step(self, theta, grad, lr):
        if lr != self._lr:  # −η as a 0-d array: a Python float costs ~0.3 µs a call to convert
            self._lr, self._neg_lr = lr, np.asarray(-lr, self._step.dtype)
        np.multiply(grad, self._neg_lr, self._step)
        np.add(theta, self._step, theta)
        return self._step


class Momentum(UpdateRule):
    """v ← μ v − η ∇C;  θ ← θ + v  (μ = 0.9 by default)."""

    name = "momentum"
    title = "momentum v ← μv − η∇C, θ ← θ + v"

    def __init__(self, n_params: int, dtype=np.float32, mu: float = 0.9):
        super().__init__(n_params, dtype)
        self.mu = mu

    def step(self, theta, grad, lr):
        v = self._step
        v *= self.mu
        v -= lr * grad
        theta += v
        return v

    def reset(self):
        self._step[...] = 0.0


OPTIMIZERS = {
    "gd": "gradient descent on the whole training set",
    "sgd": "mini-batch stochastic gradient descent",
    "momentum": "mini-batch SGD with momentum",
}


def make_update_rule(optimizer: str, n_params: int, dtype=np.float32) -> UpdateRule:
    """The rule for ``optimizer`` in ``OPTIMIZERS`` (``gd`` and ``sgd`` share one)."""
    if optimizer in ("gd", "sgd"):
        return Plain(n_params, dtype)
    if optimizer == "momentum":
        return Momentum(n_params, dtype)
    raise ValueError(f"unknown update rule {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")

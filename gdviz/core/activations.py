"""Hidden-layer activation functions as small strategy objects.

Each works in place on a batch array ``z`` of shape ``(batch, n)`` and gives
its derivative from its own *output* ``a`` (cheaper than from ``z``; true for
sigmoid, tanh and ReLU).
"""

from __future__ import annotations

import numpy as np


class Activation:
    """Interface: ``forward(z, out)`` and ``derivative(a, out)``."""

    name: str = ""

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, a: np.ndarray, out: np.ndarray) -> np.ndarray:
        """σ'(z) written in terms of ``a = σ(z)``; ``out`` may not alias ``a``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)), computed as ½(1 + tanh(z/2)).

    The tanh form never overflows (``exp`` does for z < −88 in float32) and
    gives exactly 0 and 1 only in the limit, so it is numerically stable.
    """

    name = "sigmoid"

    def forward(self, z, out=None):
        out = np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        out *= 0.5
        out += 0.5
        return out

    def derivative(self, a, out):
        np.multiply(a, a, out=out)
        np.subtract(a, out, out=out)  # a − a² = a(1 − a)
        return out


class Tanh(Activation):
    """tanh(z); derivative 1 − a²."""

    name = "tanh"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, a, out):
        np.multiply(a, a, out=out)
        np.subtract(1.0, out, out=out)
        return out


class ReLU(Activation):
    """max(0, z); derivative 1 where a > 0, else 0."""

    name = "relu"

    def forward(self, z, out=None):
        return np.maximum(z, 0.0, out=out)

    def derivative(self, a, out):
        np.greater(a, 0.0, out=out)  # bool -> float cast into ``out``
        return out


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU)
}


def get_activation(name: str) -> Activation:
    """The activation called ``name`` (one of ``sigmoid``, ``tanh``, ``relu``)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None

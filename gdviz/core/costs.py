"""Cost functions with their output layer, as strategy objects (after
Nielsen's ``network2.py``): each knows its value and the error δ = ∂C/∂z at
the output, side by side.

Shapes: ``a`` (output activations) and ``y`` (desired outputs, one-hot) are
``(batch, n_out)``. ``total`` returns the *sum* over the batch of the
per-example costs; callers divide by the batch size to get the lesson's
average cost.
"""

from __future__ import annotations

import numpy as np

from gdviz.core.activations import Activation, Sigmoid


class Cost:
    name: str = ""
    title: str = ""
    #: The output layer's activation when it is elementwise (its σ'(z) enters
    #: δ), else None (softmax with cross-entropy, whose δ needs no σ').
    output_activation: Activation | None = None
    #: ``delta`` writes ``factor / batch · ∂C/∂a ⊙ σ'`` with ``factor`` folded
    #: into one constant (2 for Σ(a−y)², whose ∂C/∂a is 2(a−y)).
    factor: float = 1.0

    def output(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Output activations a from the output pre-activations z, in place."""
        raise NotImplementedError

    def per_example(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cost of each example, shape ``(batch,)``."""
        raise NotImplementedError

    def total_and_delta(self, a, y, scale: float, delta: np.ndarray, tmp: np.ndarray) -> float:
        """Return Σ_examples C and write ``scale · ∂C/∂z`` into ``delta``.

        ``tmp`` is scratch of the same shape. Neither may alias ``a``/``y``.
        """
        if self.output_activation is not None:
            self.output_activation.derivative(a, out=tmp)
        return self.delta(a, y, np.asarray(self.factor * scale, a.dtype), delta, tmp)

    def delta(self, a, y, c, delta: np.ndarray, deriv: np.ndarray) -> float:
        """The backprop kernel's form of :meth:`total_and_delta`.

        ``c`` is the 0-d array ``factor · scale`` in ``a``'s dtype; ``deriv``
        holds σ'(z) of the output layer already (see ``output_activation``;
        it is scratch when that is None) and is overwritten.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SquaredError(Cost):
    """The lesson's cost: C = Σ_j (a_j − y_j)² with sigmoid outputs.

    ∂C/∂z_j = 2 (a_j − y_j) · a_j (1 − a_j).
    """

    name = "mse"
    title = "squared error (sigmoid outputs)"
    output_activation = Sigmoid()
    factor = 2.0

    def output(self, z, out=None):
        return self.output_activation.forward(z, out=out)

    def per_example(self, a, y):
        d = a - y
        return np.einsum("ij,ij->i", d, d)

    def delta(self, a, y, c, delta, deriv):
        np.subtract(a, y, delta)
        total = float(np.vdot(delta, delta))
        np.multiply(deriv, c, deriv)  # 2/B · σ'(z)
        np.multiply(delta, deriv, delta)
        return total


class CrossEntropy(Cost):
    """Softmax outputs with the cross-entropy C = −Σ_j y_j ln a_j.

    ∂C/∂z_j = a_j − y_j.
    """

    name = "ce"
    title = "cross-entropy (softmax outputs)"
    _tiny = 1e-12

    def output(self, z, out=None):
        out = np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
        return out

    def per_example(self, a, y):
        return -np.einsum("ij,ij->i", y, np.log(np.maximum(a, self._tiny)))

    def delta(self, a, y, c, delta, deriv):
        np.maximum(a, self._tiny, out=deriv)
        np.log(deriv, deriv)
        total = -float(np.vdot(y, deriv))
        np.subtract(a, y, delta)
        np.multiply(delta, c, delta)
        return total


COSTS: dict[str, type[Cost]] = {cls.name: cls for cls in (SquaredError, CrossEntropy)}


def get_cost(name: str) -> Cost:
    """The cost called ``name``: ``mse`` (the lesson's) or ``ce``."""
    try:
        return COSTS[name]()
    except KeyError:
        raise ValueError(f"unknown cost {name!r}; choose one of {', '.join(COSTS)}") from None

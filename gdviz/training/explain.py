"""The lesson's formulas with the live numbers of one snapshot (#13: the maths shown).

Hovering a hidden neuron shows ``a = σ(Σ wₖaₖ + b)`` with its current numbers
and its largest terms; an output bar shows its ``(a − y)²`` term; a weight
pixel shows ``w`` and ``−∂C/∂w``. These functions read a
:class:`~gdviz.training.snapshot.Snapshot` (θ, ∇C, the current example and its
activations) and return small immutable records with ``text()`` for display;
no Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.core import parameter_layout

__all__ = ["NeuronSum", "OutputTerm", "WeightTerm", "neuron_sum", "output_term", "weight_term"]

SYMBOL = {"sigmoid": "σ", "relu": "ReLU", "tanh": "tanh"}


def _slots(sizes, layer: int):
    """(W slot, b slot) of weight layer ``layer`` (0 = input → first hidden)."""
    slots = parameter_layout(tuple(sizes))
    return slots[2 * layer], slots[2 * layer + 1]


def _inputs(snap, layer: int) -> np.ndarray:
    """Activations feeding weight layer ``layer`` for the current example, (n_in,) float64."""
    if layer == 0:
        return np.asarray(snap.example_image, dtype=np.float64) / 255.0
    return np.asarray(snap.example_activations[layer - 1], dtype=np.float64)


@dataclass(frozen=True)
class NeuronSum:
    """a = f(Σₖ wₖ aₖ + b) for neuron ``neuron`` of layer ``layer + 1``, current example."""

    layer: int  # 0-based weight layer: 0 is the first hidden layer
    neuron: int
    activation: str
    z: float  # Σ wₖaₖ + b
    a: float  # f(z), as the network computed it
    bias: float
    top: tuple[tuple[int, float, float], ...]  # (k, wₖ, aₖ) of the largest |wₖaₖ|, largest first
    rest: float  # Σ of the other terms
    n_inputs: int

    def text(self) -> str:
        f = SYMBOL.get(self.activation, self.activation)
        terms = " ".join(f"{'+' if w * x >= 0 else '−'} {abs(w):.2f}·{x:.2f}" for _, w, x in self.top)
        terms = terms[2:] if terms.startswith("+ ") else "−" + terms[2:]
        src = "pixel" if self.layer == 0 else "a"
        names = ", ".join(f"{src} {k}" for k, _, _ in self.top)
        return (f"a = {f}(Σ wₖaₖ + b) = {f}({terms} {'+' if self.rest >= 0 else '−'} "
                f"{abs(self.rest):.2f} (other {self.n_inputs - len(self.top)}) "
                f"{'+' if self.bias >= 0 else '−'} {abs(self.bias):.2f}) = {f}({self.z:.2f}) = {self.a:.3f}"
                f"   · largest terms from {names}")


@dataclass(frozen=True)
class OutputTerm:
    """Output ``digit``'s share of the cost of the current example: (a − y)²."""

    digit: int
    a: float
    y: float

    @property
    def term(self) -> float:
        return (self.a - self.y) ** 2

    def text(self) -> str:
        return f"output {self.digit}: (a − y)² = ({self.a:.3f} − {self.y:.0f})² = {self.term:.4f}"


@dataclass(frozen=True)
class WeightTerm:
    """One weight: its value and the downhill direction −∂C/∂w of the last step's batch."""

    layer: int
    neuron: int
    source: int  # input index (a pixel for layer 0)
    w: float
    minus_grad: float

    def text(self) -> str:
        src = f"pixel ({self.source // 28}, {self.source % 28})" if self.layer == 0 else f"input {self.source}"
        way = "grow" if self.minus_grad > 0 else "shrink" if self.minus_grad < 0 else "stay"
        return (f"w (neuron {self.neuron} ← {src}) = {self.w:+.4f};  −∂C/∂w = {self.minus_grad:+.2e}"
                f" (this weight wants to {way})")


def neuron_sum(snap, layer: int, neuron: int, top: int = 3) -> NeuronSum:
    """The weighted sum of a neuron for the snapshot's current example."""
    w_slot, b_slot = _slots(snap.sizes, layer)
    W = np.asarray(snap.theta[w_slot.start:w_slot.stop], dtype=np.float64).reshape(w_slot.shape)
    b = float(snap.theta[b_slot.start + neuron])
    x = _inputs(snap, layer)
    products = W[neuron] * x
    order = np.argsort(-np.abs(products), kind="stable")[:top]
    z = float(products.sum() + b)
    shown = float(products[order].sum())
    a = float(snap.example_activations[layer][neuron])
    return NeuronSum(layer, int(neuron), snap.activation, z, a, b,
                     tuple((int(k), float(W[neuron, k]), float(x[k])) for k in order),
                     float(products.sum()) - shown, int(x.size))


def output_term(snap, digit: int) -> OutputTerm:
    a = float(snap.example_activations[-1][digit])
    return OutputTerm(int(digit), a, 1.0 if digit == snap.example_label else 0.0)


def weight_term(snap, layer: int, neuron: int, source: int) -> WeightTerm:
    w_slot, _ = _slots(snap.sizes, layer)
    i = w_slot.start + neuron * w_slot.shape[1] + source
    return WeightTerm(layer, int(neuron), int(source), float(snap.theta[i]), -float(snap.grad[i]))

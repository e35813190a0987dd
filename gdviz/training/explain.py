"""The lesson's formulas with the live numbers of one snapshot (#13: the maths shown).

Hovering a hidden neuron shows ``a = σ(Σ wₖaₖ + b)`` with its current numbers
and its largest terms; an output bar shows its ``(a − y)²`` term; a weight
pixel shows ``w`` and ``−∂C/∂w``. These functions read a
:class:`~gdviz.training.snapshot.Snapshot` (θ, ∇C, Δθ, the current example and
its activations) and return small immutable records with ``text()`` for
display; no Qt here. Layers are numbered as the panels do: weight layer ``l``
(0-based) feeds network layer ``l + 1``; the input pixels are layer 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.core import parameter_layout
from gdviz.training.theta import image_shape

__all__ = ["NeuronSum", "OutputTerm", "WeightTerm", "number", "neuron_sum", "output_term",
           "weight_term", "bias_term"]

SYMBOL = {"sigmoid": "σ", "relu": "ReLU", "tanh": "tanh", "softmax": "softmax"}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(x: float, digits: int = 3, sign: bool = False) -> str:
    """``x`` with ``digits`` significant digits as people write it: 0.0412, −1.23, 12.3,
    4.1·10⁻⁵ (a real minus sign; ``sign`` adds "+" to positive numbers)."""
    x = float(x)
    if not math.isfinite(x):
        return "not a number" if math.isnan(x) else ("+∞" if x > 0 else "−∞")
    if x == 0:
        return "0"
    ax = abs(x)
    if ax < 1e-4 or ax >= 1e5:
        mant, exp = f"{ax:.{max(digits - 1, 0)}e}".split("e")
        s = f"{mant}·10{str(int(exp)).translate(_SUPERSCRIPT)}"
    else:
        decimals = max(0, digits - 1 - math.floor(math.log10(ax)))
        s = f"{ax:.{decimals}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
    return ("−" if x < 0 else "+" if sign else "") + s


def _fixed(x: float, decimals: int) -> str:
    """``x`` with a fixed number of decimals and a real minus sign ("not a number" for NaN)."""
    x = float(x)
    if not math.isfinite(x):
        return number(x)
    return f"{x:.{decimals}f}".replace("-", "−")


def _slots(sizes, layer: int):
    """(W slot, b slot) of weight layer ``layer`` (0 = input → first hidden)."""
    slots = parameter_layout(tuple(sizes))
    return slots[2 * layer], slots[2 * layer + 1]


def _inputs(snap, layer: int) -> np.ndarray:
    """Activations feeding weight layer ``layer`` for the current example, (n_in,) float64."""
    if layer == 0:
        return np.asarray(snap.example_image, dtype=np.float64) / 255.0
    return np.asarray(snap.example_activations[layer - 1], dtype=np.float64)


def neuron_name(index: int, n_layers: int, neuron: int) -> str:
    """"hidden layer 1, neuron 6" or "output 7" (``index``: the network layer, 1..n_layers)."""
    if index >= n_layers:
        return f"output {neuron}"
    return f"hidden layer {index}, neuron {neuron}"


def source_name(layer: int, source: int, n_in: int, image: tuple[int, int] | None = None) -> str:
    """What feeds input ``source`` of weight layer ``layer``: "pixel (r, c)" or "layer 1, neuron 4"."""
    if layer == 0:
        h, w = image_shape(n_in, image)
        return f"pixel ({source // w}, {source % w})" if h > 1 else f"input {source}"
    return f"layer {layer}, neuron {source}"


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
    n_layers: int = 0  # weight layers of the network (0: unknown, named as a hidden layer)
    image: tuple[int, int] | None = None  # the input picture's (H, W), to name pixels

    @property
    def heading(self) -> str:
        """"hidden layer 1, neuron 6" (or "output 7")."""
        return neuron_name(self.layer + 1, self.n_layers or self.layer + 2, self.neuron)

    def _sources(self) -> str:
        ks = [k for k, _, _ in self.top]
        if not ks:
            return "no input"
        if self.layer == 0:
            names = [source_name(0, k, self.n_inputs, self.image) for k in ks]
            kind = names[0].split(" ")[0]
            return f"{kind}s " + ", ".join(n.split(" ", 1)[1] for n in names)
        return f"neurons {', '.join(map(str, ks))} of layer {self.layer}"

    def lines(self) -> tuple[str, str]:
        """The equation with its numbers, and which inputs gave its largest terms."""
        f = SYMBOL.get(self.activation, self.activation)
        parts = []
        for i, (_, w, x) in enumerate(self.top):
            op = ("−" if w < 0 else "") if i == 0 else ("− " if w < 0 else "+ ")
            xs = _fixed(x, 2)
            parts.append(f"{op}{number(abs(w))}·{f'({xs})' if x < 0 else xs}")
        others = self.n_inputs - len(self.top)
        if others:
            op = "− " if self.rest < 0 else "+ "
            parts.append(f"{op if parts else op.strip()}{number(abs(self.rest))} "
                         f"({others} more term{'s' if others != 1 else ''})")
        parts.append(f"{'− ' if self.bias < 0 else '+ '}{number(abs(self.bias))} (b)")
        equation = (f"a = {f}(Σ wₖaₖ + b) = {f}({' '.join(parts)}) = {f}({number(self.z)})"
                    f" = {_fixed(self.a, 3)}")
        return equation, f"largest terms from {self._sources()}"

    def text(self) -> str:
        return " · ".join(self.lines())


@dataclass(frozen=True)
class OutputTerm:
    """Output ``digit``'s share of the cost of the current example: (a − y)²
    (cross-entropy: −y ln a, which only the right digit's output has)."""

    digit: int
    a: float
    y: float
    cost_name: str = "mse"
    cost: float = math.nan  # the example's whole cost, Σ of the terms

    @property
    def term(self) -> float:
        if self.cost_name == "ce":
            return -self.y * math.log(max(self.a, 1e-12)) if self.y else 0.0
        return (self.a - self.y) ** 2

    def text(self) -> str:
        who = f"output {self.digit}" + (" (the right digit)" if self.y else "")
        a = _fixed(self.a, 3)
        if self.cost_name == "ce":
            body = (f"−y ln a = −ln {a} = {number(self.term)}" if self.y else
                    "−y ln a = 0 (y = 0: only the right digit's output is in the cost)")
        else:
            body = f"(a − y)² = ({a} − {self.y:.0f})² = {number(self.term)}"
        share = ""
        if math.isfinite(self.cost) and self.cost > 0 and math.isfinite(self.term):
            share = f", {100 * self.term / self.cost:.0f}% of this example's cost {number(self.cost)}"
        return f"{who}: a = {a}, desired y = {self.y:.0f};  {body}{share}"


@dataclass(frozen=True)
class WeightTerm:
    """One weight (or bias, ``source`` None): its value, the downhill direction
    −∂C/∂w of the last step's mini-batch, and the last step's change Δw."""

    layer: int
    neuron: int
    source: int | None  # input index (a pixel for layer 0); None for the bias
    w: float
    minus_grad: float
    delta: float = math.nan
    n_layers: int = 0
    n_inputs: int = 0
    image: tuple[int, int] | None = None

    @property
    def heading(self) -> str:
        who = neuron_name(self.layer + 1, self.n_layers or self.layer + 2, self.neuron)
        if self.source is None:
            return f"bias of {who}"
        src = source_name(self.layer, self.source, self.n_inputs or 784, self.image)
        return f"weight from {src} to {who}"

    def text(self, with_delta: bool = False) -> str:
        """"weight from pixel (14, 14) to hidden layer 1, neuron 3: w = 0.0412;  −∂C/∂w = +0.00123: …"."""
        sym = "b" if self.source is None else "w"
        g = self.minus_grad
        if g > 0:
            way = f"to lower the cost, {sym} should grow"
        elif g < 0:
            way = f"to lower the cost, {sym} should shrink"
        elif g == 0:
            way = "nothing pushes it"
        else:
            way = "not a number"
        out = (f"{self.heading}: {sym} = {number(self.w)};  −∂C/∂{sym} = {number(g, sign=True)} "
               f"(last mini-batch): {way}")
        if with_delta:
            out += f";  Δ{sym} = {number(self.delta, sign=True)} in the last step"
        return out


def neuron_sum(snap, layer: int, neuron: int, top: int = 3, image=None) -> NeuronSum:
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
    name = snap.activation
    if layer == len(snap.sizes) - 2:  # the output layer's function belongs to the cost
        name = "softmax" if snap.cost_name == "ce" else "sigmoid"
    return NeuronSum(layer, int(neuron), name, z, a, b,
                     tuple((int(k), float(W[neuron, k]), float(x[k])) for k in order),
                     float(products.sum()) - shown, int(x.size), len(snap.sizes) - 1,
                     None if image is None else tuple(image))


def output_term(snap, digit: int) -> OutputTerm:
    """Output ``digit``'s term of the current example's cost."""
    outs = np.asarray(snap.example_activations[-1], dtype=np.float64)
    terms = [OutputTerm(d, float(outs[d]), 1.0 if d == snap.example_label else 0.0,
                        snap.cost_name).term for d in range(outs.size)]
    return OutputTerm(int(digit), float(outs[digit]), 1.0 if digit == snap.example_label else 0.0,
                      snap.cost_name, float(sum(terms)))


def weight_term(snap, layer: int, neuron: int, source: int, image=None) -> WeightTerm:
    """Weight ``W[layer][neuron, source]``: θ, −∂C/∂w and Δw at that place."""
    w_slot, _ = _slots(snap.sizes, layer)
    i = w_slot.start + neuron * w_slot.shape[1] + source
    return WeightTerm(layer, int(neuron), int(source), float(snap.theta[i]), -float(snap.grad[i]),
                      float(snap.delta[i]), len(snap.sizes) - 1, w_slot.shape[1],
                      None if image is None else tuple(image))


def bias_term(snap, layer: int, neuron: int) -> WeightTerm:
    """Bias ``b[layer][neuron]``: θ, −∂C/∂b and Δb at that place."""
    _, b_slot = _slots(snap.sizes, layer)
    i = b_slot.start + neuron
    return WeightTerm(layer, int(neuron), None, float(snap.theta[i]), -float(snap.grad[i]),
                      float(snap.delta[i]), len(snap.sizes) - 1, snap.sizes[layer])

"""A multilayer perceptron whose parameters are one flat vector θ.

For layer sizes ``(n_0, n_1, ..., n_L)`` (784-16-16-10 by default), θ holds,
in order, ``W[0], b[0], W[1], b[1], ...`` where ``W[l]`` has shape
``(n_{l+1}, n_l)`` (row *j* = the weights *into* neuron *j*) and ``b[l]`` has
shape ``(n_{l+1},)``. ``W`` and ``b`` are views into θ, so changing θ changes
them and the gradient ∇C is one array aligned with θ.

Inputs are batches of row vectors: ``X`` has shape ``(batch, n_0)`` with pixels
scaled to [0, 1]; targets ``Y`` are one-hot ``(batch, n_L)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.core.activations import Activation, get_activation
from gdviz.core.costs import Cost, get_cost

LESSON_SIZES: tuple[int, ...] = (784, 16, 16, 10)


@dataclass(frozen=True)
class ParamSlot:
    """Where one layer's W or b lives in θ."""

    kind: str  # "W" or "b"
    layer: int  # 0-based index of the weight layer
    start: int
    stop: int
    shape: tuple[int, ...]


def parameter_layout(sizes: tuple[int, ...]) -> list[ParamSlot]:
    """The slots of ``W[0], b[0], W[1], ...`` in θ for these layer sizes."""
    slots, pos = [], 0
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        slots.append(ParamSlot("W", l, pos, pos + n_out * n_in, (n_out, n_in)))
        pos += n_out * n_in
        slots.append(ParamSlot("b", l, pos, pos + n_out, (n_out,)))
        pos += n_out
    return slots


def count_parameters(sizes) -> int:
    """Number of weights and biases: 13,002 for 784-16-16-10."""
    sizes = tuple(sizes)
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def validate_sizes(sizes) -> tuple[int, ...]:
    """Return the layer sizes as a tuple of ints, or raise ValueError in words."""
    try:
        sizes = tuple(int(s) for s in sizes)
    except (TypeError, ValueError):
        raise ValueError(f"layer sizes must be whole numbers, got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError("a network needs at least an input and an output layer")
    for s in sizes:
        if s < 1:
            raise ValueError(f"every layer needs at least one neuron (got {s})")
    return sizes


class Network:
    """An MLP: hidden ``activation`` everywhere but the output, whose
    activation belongs to the ``cost`` (sigmoid for ``mse``, softmax for ``ce``).

    ``theta`` is the flat parameter vector (``dtype``, float32 by default);
    ``W[l]``, ``b[l]`` are views into it.
    """

    def __init__(self, sizes=LESSON_SIZES, activation: str | Activation = "sigmoid",
                 cost: str | Cost = "mse", dtype=np.float32):
        self.sizes = validate_sizes(sizes)
        self.activation = get_activation(activation) if isinstance(activation, str) else activation
        self.cost = get_cost(cost) if isinstance(cost, str) else cost
        self.dtype = np.dtype(dtype)
        self.layout = parameter_layout(self.sizes)
        self.n_params = count_parameters(self.sizes)
        self.theta = np.zeros(self.n_params, dtype=self.dtype)
        self.W, self.b = self.split(self.theta)
        self.WT = [w.T for w in self.W]  # transposed views, made once
        self._workspaces: dict[int, _Workspace] = {}

    # ------------------------------------------------------------------ layout
    @property
    def n_layers(self) -> int:
        """Number of weight layers (3 for 784-16-16-10)."""
        return len(self.sizes) - 1

    def split(self, vec: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Views ``(W, b)`` into any vector aligned with θ (θ, ∇C, Δθ...)."""
        Ws, bs = [], []
        for slot in self.layout:
            view = vec[slot.start:slot.stop].reshape(slot.shape)
            (Ws if slot.kind == "W" else bs).append(view)
        return Ws, bs

    def describe_parameter(self, index: int) -> str:
        """Plain words for θ[index], e.g. ``"W1[3, 7]: layer 2 neuron 3 ← input 7"``."""
        for slot in self.layout:
            if slot.start <= index < slot.stop:
                off = index - slot.start
                if slot.kind == "b":
                    return f"b{slot.layer}[{off}]: bias of layer {slot.layer + 1} neuron {off}"
                j, k = divmod(off, slot.shape[1])
                return f"W{slot.layer}[{j}, {k}]: layer {slot.layer + 1} neuron {j} ← input {k}"
        raise IndexError(index)

    # ------------------------------------------------------------------ init
    def initialise(self, rng: np.random.Generator) -> None:
        """Draw θ from ``rng``, scaled for the activation; biases start at 0.

        Weights ~ N(0, 1/n_in) (sigmoid/tanh, LeCun) or N(0, 2/n_in) (ReLU, He),
        so every neuron's input starts with about unit variance.
        """
        gain = 2.0 if self.activation.name == "relu" else 1.0
        for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            self.W[l][...] = rng.standard_normal((n_out, n_in)) * np.sqrt(gain / n_in)
            self.b[l][...] = 0.0

    # ------------------------------------------------------------------ forward
    def forward(self, X: np.ndarray, theta: np.ndarray | None = None) -> list[np.ndarray]:
        """Every layer's activations ``[X, a_1, ..., a_L]``; ``a_l`` is ``(batch, n_l)``.

        ``theta`` (aligned with θ) evaluates another point without touching θ.
        """
        Ws, bs = (self.W, self.b) if theta is None else self.split(theta)
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim == 1:
            X = X[None, :]
        acts = [X]
        a = X
        for l in range(self.n_layers):
            z = a @ Ws[l].T
            z += bs[l]
            if l == self.n_layers - 1:
                a = self.cost.output(z, out=z)
            else:
                a = self.activation.forward(z, out=z)
            acts.append(a)
        return acts

    def cost_of(self, X, Y, theta=None) -> float:
        """Average cost (the lesson's C) over the batch ``(X, Y)``."""
        a = self.forward(X, theta)[-1]
        return float(self.cost.per_example(a, np.asarray(Y, dtype=self.dtype)).mean())

    # ------------------------------------------------------------------ gradient
    def gradient(self, X: np.ndarray, Y: np.ndarray, grad: np.ndarray | None = None,
                 theta: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Backpropagation: ``(C, ∇C)`` for the average cost over the batch.

        ``grad`` (shape ``(n_params,)``) is filled in place when given.
        Uses preallocated buffers per batch size; not thread-safe.
        """
        X = np.ascontiguousarray(X, dtype=self.dtype)
        Y = np.ascontiguousarray(Y, dtype=self.dtype)
        if grad is None:
            grad = np.empty(self.n_params, dtype=self.dtype)
        ws = self._workspace(X.shape[0])
        Ws, bs = (self.W, self.b) if theta is None else self.split(theta)
        total = ws.backprop(X, Y, Ws, bs, grad)
        return total / X.shape[0], grad

    def _workspace(self, batch: int) -> "_Workspace":
        ws = self._workspaces.get(batch)
        if ws is None:
            if len(self._workspaces) > 8:
                self._workspaces.clear()
            ws = self._workspaces[batch] = _Workspace(self, batch)
        return ws

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, images: np.ndarray, labels: np.ndarray, chunk: int = 2000,
                 theta: np.ndarray | None = None) -> tuple[float, float, np.ndarray]:
        """Average cost, accuracy (0..1) and predicted digits ``(N,)`` over a set.

        ``images`` are uint8 ``(N, n_0)`` (0..255) or floats in [0, 1].
        """
        n = len(labels)
        preds = np.empty(n, dtype=np.int64)
        total = 0.0
        eye = np.eye(self.sizes[-1], dtype=self.dtype)
        for i in range(0, n, chunk):
            X = to_unit(images[i:i + chunk], self.dtype)
            a = self.forward(X, theta)[-1]
            total += float(self.cost.per_example(a, eye[labels[i:i + chunk]]).sum())
            preds[i:i + chunk] = a.argmax(axis=1)
        acc = float(np.mean(preds == labels)) if n else float("nan")
        return (total / n if n else float("nan")), acc, preds


def to_unit(images: np.ndarray, dtype=np.float32) -> np.ndarray:
    """uint8 pixels 0..255 -> floats in [0, 1]; float input is returned as ``dtype``."""
    if images.dtype == np.uint8:
        return np.multiply(images, np.asarray(1.0 / 255.0, dtype=dtype), dtype=dtype)
    return np.asarray(images, dtype=dtype)


class _Workspace:
    """Preallocated buffers for backprop at one batch size (no allocation per step)."""

    def __init__(self, net: Network, batch: int):
        self.net = net
        dt = net.dtype
        sizes = net.sizes
        self.acts = [np.empty((batch, n), dtype=dt) for n in sizes[1:]]
        self.deltas = [np.empty((batch, n), dtype=dt) for n in sizes[1:]]
        self.tmps = [np.empty((batch, n), dtype=dt) for n in sizes[1:]]
        self.scale = 1.0 / batch
        self.ones = np.ones(batch, dtype=dt)
        self._grad: np.ndarray | None = None
        self._grad_views: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])

    def backprop(self, X, Y, Ws, bs, grad) -> float:
        """Fill ``grad`` with ∇ of the batch-average cost; return the batch *sum* of C."""
        net = self.net
        act = net.activation
        L = net.n_layers
        acts, deltas, tmps = self.acts, self.deltas, self.tmps
        if grad is not self._grad:
            self._grad, self._grad_views = grad, net.split(grad)
        gW, gb = self._grad_views
        if Ws is net.W:
            WT = net.WT
        else:
            WT = [w.T for w in Ws]
        ones = self.ones if X.shape[0] == self.ones.shape[0] else np.ones(X.shape[0], X.dtype)
        # forward: z = a_prev Wᵀ + b, a = σ(z)
        a = X
        for l in range(L):
            z = acts[l]
            np.matmul(a, WT[l], out=z)
            z += bs[l]
            if l == L - 1:
                net.cost.output(z, out=z)
            else:
                act.forward(z, out=z)
            a = z
        # output error δ_L = ∂C/∂z_L, scaled so the gradient is of the batch average
        total = net.cost.total_and_delta(a, Y, self.scale, deltas[-1], tmps[-1])
        # backward: ∂C/∂W = δᵀ a_prev, ∂C/∂b = Σ_batch δ, δ_prev = (δ W) ⊙ σ'(z_prev)
        for l in range(L - 1, -1, -1):
            d = deltas[l]
            prev = X if l == 0 else acts[l - 1]
            np.matmul(d.T, prev, out=gW[l])
            np.matmul(ones, d, out=gb[l])  # a BLAS gemv: cheaper than np.sum(axis=0)
            if l > 0:
                dp = deltas[l - 1]
                np.matmul(d, Ws[l], out=dp)
                dp *= act.derivative(prev, out=tmps[l - 1])
        return total

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


def locate_parameter(sizes, index: int) -> tuple[int, str, int, int | None]:
    """``(layer, kind, neuron, input)`` of θ[index]: the weight layer (0-based), "W" or
    "b", the receiving neuron in layer ``layer + 1`` and the sending one (None for a bias)."""
    for slot in parameter_layout(tuple(sizes)):
        if slot.start <= index < slot.stop:
            off = int(index) - slot.start
            if slot.kind == "b":
                return slot.layer, "b", off, None
            j, k = divmod(off, slot.shape[1])
            return slot.layer, "W", j, k
    raise IndexError(f"θ has no parameter {index}")


def describe_parameter(sizes, index: int) -> str:
    """θ[index] in words, e.g. ``"W0[3, 7]: from pixel 7 to neuron 3 of hidden layer 1"``
    or ``"b2[4]: the bias of output neuron 4"`` (the one description of a parameter)."""
    layer, kind, neuron, inp = locate_parameter(sizes, index)
    n_layers = len(tuple(sizes)) - 1
    dest = (f"output neuron {neuron}" if layer + 1 == n_layers
            else f"neuron {neuron} of hidden layer {layer + 1}")
    if kind == "b":
        return f"b{layer}[{neuron}]: the bias of {dest}"
    src = f"pixel {inp}" if layer == 0 else f"neuron {inp} of hidden layer {layer}"
    return f"W{layer}[{neuron}, {inp}]: from {src} to {dest}"


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


#: Rows per evaluation chunk: 256×784 float32 is 0.8 MB, under the 1 MB above which a
#: block gets a mapping of its own (``gdviz.training.memory``) and stays in the L2 cache;
#: 2,000-row chunks (6.3 MB) were faulted in afresh each time: evaluating 8,000 digits
#: took 12-17 ms instead of 6 ms.
EVAL_CHUNK = 256


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
        if theta is None:
            total = ws.gradient(self, X, Y, grad)
        else:
            Ws, bs = self.split(np.ascontiguousarray(theta, dtype=self.dtype))
            total = ws.gradient(self, X, Y, grad, Ws, [w.T for w in Ws], bs)
        return total / X.shape[0], grad

    def _workspace(self, batch: int) -> "_Workspace":
        ws = self._workspaces.get(batch)
        if ws is None:
            if len(self._workspaces) > 8:
                self._workspaces.clear()
            ws = self._workspaces[batch] = _Workspace(self, batch)
        return ws

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, images: np.ndarray, labels: np.ndarray, chunk: int = EVAL_CHUNK,
                 theta: np.ndarray | None = None) -> tuple[float, float, np.ndarray]:
        """Average cost, accuracy (0..1) and predicted digits ``(N,)`` over a set.

        ``images`` are uint8 ``(N, n_0)`` (0..255) or floats in [0, 1], read
        ``chunk`` rows at a time.
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
    """Preallocated buffers for backprop at one batch size (no allocation per step).

    At batch 10 a step is ~30 small NumPy calls on arrays of 100-160 numbers,
    so each call's fixed cost is what counts, not arithmetic. Hence:

    * ``np.dot`` with ``out=``: ~0.45 µs a call where ``np.matmul`` takes
      ~0.85 µs (same BLAS routine, same result bits);
    * 0-d array constants (see ``activations.constants``), not Python floats;
    * the bias added as ``copyto`` into a same-shape buffer + a same-shape
      add (0.43 µs) rather than a broadcasting add (0.69 µs);
    * every layer's activation in one flat array, so σ' of all the layers
      that share the activation is one ``derivative`` call after the forward
      pass instead of one per layer.

    It keeps no reference to its network (the network is passed in): a
    network <-> workspace cycle outlived its last user until the garbage
    collector's rare full pass — tens of MB for a wide network.
    """

    def __init__(self, net: Network, batch: int):
        self.activation, self.cost = net.activation, net.cost
        dt = net.dtype
        widths = net.sizes[1:]
        sizes = [batch * n for n in widths]
        ends = np.cumsum(sizes).tolist()
        self.flat_acts = np.empty(ends[-1], dtype=dt)  # a_1 | a_2 | ... | a_L, each (batch, n_l)
        self.flat_derivs = np.empty(ends[-1], dtype=dt)  # σ'(z_l) in the same places
        self.acts = [self.flat_acts[e - s:e].reshape(batch, n) for s, e, n in zip(sizes, ends, widths)]
        self.derivs = [self.flat_derivs[e - s:e].reshape(batch, n) for s, e, n in zip(sizes, ends, widths)]
        self.deltas = [np.empty((batch, n), dtype=dt) for n in widths]
        # σ' from the hidden activation in one call: hidden layers, plus the
        # output when the cost's output activation is the same function
        # (sigmoid hidden layers with squared error)
        out_act = net.cost.output_activation
        self.output_with_hidden = out_act is not None and type(out_act) is type(net.activation)
        n_hidden = ends[-2] if len(ends) > 1 else 0
        n_shared = ends[-1] if self.output_with_hidden else n_hidden
        self.hidden_acts, self.hidden_derivs = self.flat_acts[:n_shared], self.flat_derivs[:n_shared]
        self.output_activation = None if self.output_with_hidden else out_act
        self.scale = 1.0 / batch
        self.c = np.asarray(net.cost.factor * self.scale, dt)  # δ_L = c · ∂C/∂a ⊙ σ'
        self.ones = np.ones(batch, dtype=dt)
        self._grad: np.ndarray | None = None
        self._plan: tuple | None = None

    def _make_plan(self, net: Network, grad, Ws, WT, bs) -> tuple:
        """Per-layer tuples of the arrays and functions each pass uses, so the
        loops below do no list indexing or attribute lookups."""
        gW, gb = net.split(grad)
        last = len(self.acts) - 1
        forward = [(z, WT[l], self.deltas[l], bs[l],  # deltas[l]: free until the backward pass
                    net.cost.output if l == last else net.activation.forward)
                   for l, z in enumerate(self.acts)]
        backward = [(self.deltas[l], self.acts[l - 1], gW[l], gb[l], Ws[l], self.deltas[l - 1],
                     self.derivs[l - 1]) for l in range(last, 0, -1)]
        return forward, backward, gW[0], gb[0]

    def gradient(self, net: Network, X, Y, grad, Ws=None, WT=None, bs=None) -> float:
        """Fill ``grad`` with ∇ of the batch-average cost at ``net``'s θ (or at ``Ws``,
        ``WT`` = their transposes, ``bs``); return the batch *sum* of C.

        ``X`` ``(batch, n_0)``, ``Y`` ``(batch, n_L)`` and ``grad`` must be
        C-contiguous arrays of the network's dtype.
        """
        if Ws is not None:
            plan = self._make_plan(net, grad, Ws, WT, bs)
        elif grad is self._grad:
            plan = self._plan
        else:
            self._grad, self._plan = grad, self._make_plan(net, grad, net.W, net.WT, net.b)
            plan = self._plan
        forward, backward, gW0, gb0 = plan
        dot, copyto, add, multiply = np.dot, np.copyto, np.add, np.multiply
        # forward: z = a_prev Wᵀ + b, a = σ(z), in place in acts[l]
        a = X
        for z, wt, tiled, b, activate in forward:
            dot(a, wt, out=z)
            copyto(tiled, b)
            add(z, tiled, z)
            activate(z, z)
            a = z
        # σ'(z_l) for every layer, from the activations
        if self.hidden_derivs.size:
            self.activation.derivative(self.hidden_acts, self.hidden_derivs)
        if self.output_activation is not None:
            self.output_activation.derivative(a, self.derivs[-1])
        # output error δ_L = ∂C/∂z_L, scaled by 1/batch for the batch average
        d = self.deltas[-1]
        total = self.cost.delta(a, Y, self.c, d, self.derivs[-1])
        # backward: ∂C/∂W = δᵀ a_prev, ∂C/∂b = Σ_batch δ, δ_prev = (δ W) ⊙ σ'(z_prev)
        ones = self.ones
        for d, prev, gw, gb, w, dp, deriv in backward:
            dot(d.T, prev, out=gw)
            dot(ones, d, out=gb)  # a BLAS gemv: cheaper than np.sum(axis=0)
            dot(d, w, out=dp)
            multiply(dp, deriv, dp)
        d = self.deltas[0]
        dot(d.T, X, out=gW0)
        dot(ones, d, out=gb0)
        return total

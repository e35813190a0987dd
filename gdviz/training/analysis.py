"""Computations behind the teaching views (no Qt; NumPy and gdviz.core only).

* the gradient as 13,002 numbers: which components matter most, their sizes
  (:func:`top_parameters`, :func:`gradient_histogram`, :func:`sorted_magnitudes`,
  :func:`gradient_norms`);
* the cost around θ (re-exported from :mod:`gdviz.training.landscape`):
  :func:`step_size_slice`, :func:`landscape`, :func:`gradient_plane`,
  :func:`weights_plane`, :func:`project_path`, :func:`fixed_eval_batch`;
* one example's "wishes": what each output wants and what that asks of the
  last hidden layer (:func:`example_wishes`);
* mini-batch vs full gradient (:func:`full_gradient`, :func:`gradient_cosine`);
* errors and generalisation (:func:`confusion_matrix`, :func:`misclassified`,
  :func:`accuracy_gap`, :func:`subset_dataset`, :func:`shuffled_labels_dataset`).

Conventions: ``theta``/``grad`` are flat (n_params,) arrays aligned with
``Network.theta`` (13,002 for 784-16-16-10); images are uint8 (N, 784) pixels
0..255 (floats in [0, 1] also work); labels (N,) digits. Results are frozen
dataclasses whose arrays are read-only copies. Nothing here changes ``net``
or uses its preallocated gradient buffers, so every function may run in a
background thread while a session trains (pass θ from a snapshot).
A NaN θ gives NaN numbers, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from gdviz.core import (
    EVAL_CHUNK,
    Network,
    describe_parameter,
    locate_parameter,
    parameter_layout,
    to_unit,
    validate_sizes,
)
from gdviz.data import Dataset
from gdviz.training.landscape import (
    DEFAULT_S_VALUES,
    EvalBatch,
    Landscape,
    Plane,
    StepSizeSlice,
    fixed_eval_batch,
    gradient_plane,
    landscape,
    project_path,
    random_plane,
    step_size_slice,
    weights_plane,
)
from gdviz.training.snapshot import Evaluation, frozen

__all__ = [
    # gradient as numbers
    "ParameterChange", "locate_parameter", "describe_parameter", "top_parameters",
    "GradientHistogram", "gradient_histogram", "SortedMagnitudes", "sorted_magnitudes",
    "GradientNorms", "gradient_norms", "NormHistory",
    # cost around θ
    "DEFAULT_S_VALUES", "EvalBatch", "fixed_eval_batch", "StepSizeSlice", "step_size_slice",
    "Plane", "gradient_plane", "random_plane", "weights_plane", "Landscape", "landscape",
    "project_path",
    # one example
    "ExampleWishes", "example_wishes",
    # batch vs full
    "FullGradient", "full_gradient", "gradient_cosine",
    # errors and generalisation
    "confusion_matrix", "Misclassified", "misclassified", "AccuracyGap", "accuracy_gap",
    "subset_dataset", "shuffled_labels_dataset", "dataset_kind",
]


def _sizes(net_or_sizes) -> tuple[int, ...]:
    return net_or_sizes.sizes if isinstance(net_or_sizes, Network) else validate_sizes(net_or_sizes)


def _private(net: Network) -> Network:
    """A twin of ``net`` with its own buffers (``Network.gradient`` is not thread-safe)."""
    return Network(net.sizes, net.activation, net.cost, net.dtype)


def _theta(net: Network, theta) -> np.ndarray:
    t = net.theta if theta is None else np.asarray(theta)
    if t.size != net.n_params:
        raise ValueError(f"θ has {t.size} entries, the network {net.n_params}")
    return t.reshape(-1)


# =========================================================================== 1. the gradient as numbers
@dataclass(frozen=True)
class ParameterChange:
    """One component of −∇C: where it sits and how much it wants θ to change.

    ``layer`` is the weight layer (0-based: W0 connects the pixels to the
    first hidden layer); ``kind`` "W" or "b"; ``neuron`` the receiving neuron in
    layer ``layer + 1``; ``input`` the sending neuron/pixel (None for a bias);
    ``value`` the component of −∇C (the change gradient descent asks for, per
    unit of η); ``label`` in words.
    """

    index: int
    layer: int
    kind: str
    neuron: int
    input: int | None
    value: float
    label: str


def top_parameters(net_or_sizes, grad, k: int = 10) -> tuple[ParameterChange, ...]:
    """The ``k`` components of −∇C with the largest magnitude, largest first.

    ``grad`` (n_params,) is ∇C. Non-finite components are ranked last.
    """
    g = np.asarray(grad).reshape(-1)
    mag = np.abs(g.astype(np.float64))
    mag[~np.isfinite(mag)] = -1.0
    k = max(0, min(int(k), g.size))
    if k == 0:
        return ()
    idx = np.argpartition(-mag, k - 1)[:k]
    idx = idx[np.argsort(-mag[idx], kind="stable")]
    out = []
    for i in idx:
        sizes = _sizes(net_or_sizes)
        layer, kind, neuron, inp = locate_parameter(sizes, int(i))
        out.append(ParameterChange(int(i), layer, kind, neuron, inp, float(-g[i]),
                                   describe_parameter(sizes, int(i))))
    return tuple(out)


@dataclass(frozen=True)
class GradientHistogram:
    """How many components of ∇C have each size, on a log scale.

    ``edges`` (bins+1,) are log10 |∂C/∂θ_i| bin edges, ``counts`` (bins,) int64;
    ``n_zero`` components exactly 0 and ``n_nonfinite`` NaN/inf are not binned.
    """

    edges: np.ndarray
    counts: np.ndarray
    n_zero: int
    n_nonfinite: int
    n_total: int


def gradient_histogram(grad, bins: int = 50, log_range: tuple[float, float] | None = None
                       ) -> GradientHistogram:
    """Histogram of log10 |∇C_i|. ``log_range`` fixes the axis (e.g. (−10, 1)) so
    successive frames are comparable; by default it spans the data."""
    g = np.abs(np.asarray(grad, dtype=np.float64).reshape(-1))
    finite = np.isfinite(g)
    pos = g[finite & (g > 0)]
    with np.errstate(divide="ignore"):
        lg = np.log10(pos)
    if log_range is None:
        log_range = (float(lg.min()), float(lg.max())) if lg.size else (-8.0, 0.0)
        if log_range[0] == log_range[1]:
            log_range = (log_range[0] - 0.5, log_range[1] + 0.5)
    counts, edges = np.histogram(lg, bins=int(bins), range=log_range)
    return GradientHistogram(frozen(edges), frozen(counts, np.int64),
                             int(np.count_nonzero(finite & (g == 0))),
                             int(np.count_nonzero(~finite)), int(g.size))


@dataclass(frozen=True)
class SortedMagnitudes:
    """|−∇C| sorted from largest to smallest, decimated for plotting.

    ``rank`` (m,) 0-based positions in the sorted order (always including the
    first and the last), ``magnitude`` (m,) |∇C| at those ranks,
    ``share`` (m,) fraction of |∇C|² carried by the components up to and
    including that rank ("the top 1% of parameters carry 60% of the
    gradient"), ``n`` all components, ``norm`` |∇C|. Non-finite components
    are left out (``n`` counts only the finite ones).
    """

    rank: np.ndarray
    magnitude: np.ndarray
    share: np.ndarray
    n: int
    norm: float


def sorted_magnitudes(grad, n_points: int = 512) -> SortedMagnitudes:
    """The sorted |∇C| curve at about ``n_points`` ranks (half spread evenly,
    half log-spaced so the few largest are all there). Exact values: a sorted
    curve needs no peak-preserving decimation."""
    g = np.abs(np.asarray(grad, dtype=np.float64).reshape(-1))
    g = np.sort(g[np.isfinite(g)])[::-1]
    n = g.size
    if n == 0:
        e = frozen(np.zeros(0))
        return SortedMagnitudes(frozen(np.zeros(0, np.int64)), e, e, 0, float("nan"))
    half = max(1, int(n_points) // 2)
    rank = np.unique(np.concatenate([
        np.rint(np.linspace(0, n - 1, half)),
        np.rint(np.geomspace(1, n, half)) - 1,
    ]).astype(np.int64))
    energy = np.cumsum(g * g)
    total = energy[-1]
    share = energy[rank] / total if total > 0 else np.zeros(rank.size)
    return SortedMagnitudes(frozen(rank), frozen(g[rank]), frozen(share), n, float(np.sqrt(total)))


@dataclass(frozen=True)
class GradientNorms:
    """|∇C| overall and per block: ``names`` ("W0", "b0", "W1", ...), ``norms``
    (n_blocks,) float64, ``total`` the norm of the whole vector."""

    total: float
    names: tuple[str, ...]
    norms: np.ndarray


def gradient_norms(net_or_sizes, grad) -> GradientNorms:
    """The Euclidean length of ∇C, and of its piece in each W[l] and b[l]."""
    g = np.asarray(grad, dtype=np.float64).reshape(-1)
    slots = parameter_layout(_sizes(net_or_sizes))
    with np.errstate(all="ignore"):
        norms = np.array([np.linalg.norm(g[s.start:s.stop]) for s in slots])
        total = float(np.linalg.norm(g))
    return GradientNorms(total, tuple(f"{s.kind}{s.layer}" for s in slots), frozen(norms))


class NormHistory:
    """|∇C| of every snapshot of one run: ``steps`` and ``norms``, (n,) float64
    read-only views (no copy; they grow by doubling a buffer).

    ``observe(snap)`` is cheap (one dot product) and idempotent per step, so
    the window can note every snapshot it takes, shown or not, and hand the
    history to the −∇C view whenever that view first opens. A snapshot of
    another run (reset, reseed, new data or shape) starts it again.
    """

    def __init__(self, capacity: int = 1024):
        self.run: tuple | None = None  # (run_id, sizes)
        self._buf = np.empty((2, capacity), dtype=np.float64)  # rows: step, norm
        self._n = 0

    def observe(self, snap, total: float | None = None) -> bool:
        """Note ``snap``'s |∇C| (``total`` if already known); True when added."""
        run = (snap.run_id, tuple(snap.sizes))
        if run != self.run:  # a fresh buffer: a plot may still hold views of the old one
            self.run, self._n = run, 0
            self._buf = np.empty((2, 1024), dtype=np.float64)
        if snap.step <= 0 or (self._n and snap.step <= self._buf[0, self._n - 1]):
            return False
        if total is None:
            total = float(np.linalg.norm(np.asarray(snap.grad, dtype=np.float64)))
        if self._n == self._buf.shape[1]:
            grown = np.empty((2, 2 * self._n), dtype=np.float64)
            grown[:, :self._n] = self._buf
            self._buf = grown
        self._buf[:, self._n] = (snap.step, total)
        self._n += 1
        return True

    def _view(self, row: int) -> np.ndarray:
        v = self._buf[row, :self._n]
        v.flags.writeable = False
        return v

    @property
    def steps(self) -> np.ndarray:
        return self._view(0)

    @property
    def norms(self) -> np.ndarray:
        return self._view(1)

    def __len__(self) -> int:
        return self._n


# =========================================================================== 4. one example's wishes
@dataclass(frozen=True)
class ExampleWishes:
    """What one example asks of the network (float64, all read-only).

    ``activations``: (n_l,) for every layer, the input (pixels in [0, 1])
    first and the ten outputs last. ``target`` (10,) the desired outputs y.
    ``cost_terms`` (10,): (a_j − y_j)² for ``mse``, −y_j ln a_j for ``ce``;
    ``cost`` their sum (this example's C).

    ``output_wishes`` (10,): how each output wants to move, −∂C/∂a_j =
    −2(a_j − y_j) for ``mse``. For ``ce`` the softmax couples the outputs, so
    the wish is taken on z: y_j − a_j (= −δ_j). ``output_neg_delta`` (10,):
    −∂C/∂z_j, the wish as felt before the output's squashing function
    (−2(a_j − y_j)·σ'(z_j) for mse).

    ``contributions`` (10, n_h): w_jk·(−δ_j), what output j wants from hidden
    neuron k's activation; ``hidden_wishes`` (n_h,) = their column sums =
    −∂C/∂a_k of the last hidden layer. ``weight_wishes`` (10, n_h) = −δ_j·a_k
    = −∂C/∂w_jk (the weights from the brightest neurons change most) and
    ``bias_wishes`` = −δ. ``layer_wishes[l]`` = −∂C/∂a^(l) for l = 0..L−1
    (``layer_wishes[0]``: how each pixel would like to change;
    ``layer_wishes[-1]`` is ``hidden_wishes``).
    """

    label: int
    prediction: int  # −1 if the outputs are not finite
    cost_name: str
    activations: tuple[np.ndarray, ...]
    target: np.ndarray
    cost_terms: np.ndarray
    cost: float
    output_wishes: np.ndarray
    output_neg_delta: np.ndarray
    contributions: np.ndarray
    hidden_wishes: np.ndarray
    weight_wishes: np.ndarray
    bias_wishes: np.ndarray
    layer_wishes: tuple[np.ndarray, ...]


def example_wishes(net: Network, theta, image, label: int) -> ExampleWishes:
    """Forward and backward pass of one example, spelled out (float64).

    ``image`` (784,) uint8 (or floats in [0, 1]); ``label`` the digit.
    """
    th = _theta(net, theta).astype(np.float64)
    Ws, bs = net.split(th)
    L = net.n_layers
    x = to_unit(np.asarray(image).reshape(-1), np.float64)
    y = np.zeros(net.sizes[-1])
    y[int(label)] = 1.0
    act, cost_name = net.activation, net.cost.name
    with np.errstate(all="ignore"):
        acts = [x]
        for l in range(L):
            z = (Ws[l] @ acts[-1] + bs[l])[None, :]
            a = net.cost.output(z, out=z) if l == L - 1 else act.forward(z, out=z)
            acts.append(a[0])
        a = acts[-1]
        if cost_name == "mse":
            terms = (a - y) ** 2
            out_wish = -2.0 * (a - y)
            neg_delta = out_wish * a * (1.0 - a)
        else:  # softmax + cross-entropy: δ = a − y
            terms = -y * np.log(np.maximum(a, 1e-12))
            out_wish = y - a
            neg_delta = y - a
        contrib = Ws[-1] * neg_delta[:, None]  # (10, n_h)
        wishes = [None] * L
        wishes[L - 1] = contrib.sum(axis=0)
        for l in range(L - 1, 0, -1):  # −∂C/∂a^(l−1) = W[l−1]ᵀ (σ'(z^(l)) ⊙ −∂C/∂a^(l))
            d = np.empty((1, acts[l].size))
            act.derivative(acts[l][None, :], out=d)
            wishes[l - 1] = Ws[l - 1].T @ (d[0] * wishes[l])
        weight_w = np.outer(neg_delta, acts[-2])
    pred = int(np.argmax(a)) if np.all(np.isfinite(a)) else -1
    return ExampleWishes(
        label=int(label), prediction=pred, cost_name=cost_name,
        activations=tuple(frozen(v) for v in acts), target=frozen(y),
        cost_terms=frozen(terms), cost=float(terms.sum()),
        output_wishes=frozen(out_wish), output_neg_delta=frozen(neg_delta),
        contributions=frozen(contrib), hidden_wishes=frozen(wishes[-1]),
        weight_wishes=frozen(weight_w), bias_wishes=frozen(neg_delta),
        layer_wishes=tuple(frozen(w) for w in wishes),
    )


# =========================================================================== 5. batch vs full gradient
@dataclass(frozen=True)
class FullGradient:
    """∇C averaged over a whole set: ``grad`` (n_params,) read-only in θ's
    dtype (accumulated in float64), ``cost`` the average C, ``n`` examples."""

    cost: float
    grad: np.ndarray
    n: int


def full_gradient(net: Network, theta, images, labels, chunk: int = 1000) -> FullGradient:
    """The lesson's gradient: average ∇C over every example of ``images``/``labels``.

    Works in chunks of ``chunk`` examples (≈ 10 ms per 1,000 for 784-16-16-10).
    """
    th = np.ascontiguousarray(_theta(net, theta), dtype=net.dtype)
    twin = _private(net)
    labels = np.asarray(labels)
    n = len(labels)
    eye = np.eye(net.sizes[-1], dtype=net.dtype)
    acc = np.zeros(net.n_params)
    total = 0.0
    buf = np.empty(net.n_params, net.dtype)
    with np.errstate(all="ignore"):
        for i in range(0, n, int(chunk)):
            X = to_unit(images[i:i + chunk], net.dtype)
            Y = eye[labels[i:i + chunk]]
            cost, g = twin.gradient(X, Y, buf, theta=th)
            acc += g * (len(Y) / n)
            total += cost * len(Y)
    return FullGradient(total / n if n else float("nan"), frozen(acc, net.dtype), n)


def gradient_cosine(g_batch, g_full) -> float:
    """cos of the angle between two gradients (1: same direction; NaN if either
    is zero or not finite). For the mini-batch vs the full gradient: how well
    the batch's step points where gradient descent would go."""
    a = np.asarray(g_batch, dtype=np.float64).reshape(-1)
    b = np.asarray(g_full, dtype=np.float64).reshape(-1)
    with np.errstate(all="ignore"):
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        c = float(np.dot(a, b) / (na * nb))
    return min(1.0, max(-1.0, c)) if np.isfinite(c) else float("nan")


# =========================================================================== 6. errors and generalisation
def confusion_matrix(labels, preds, n: int = 10) -> np.ndarray:
    """(n, n) int64 read-only counts: row = true digit, column = the network's answer.

    Sums to len(labels); trace / sum is the accuracy.
    """
    t = np.asarray(labels, dtype=np.int64).reshape(-1)
    p = np.asarray(preds, dtype=np.int64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"{t.size} labels but {p.size} predictions")
    if t.size and (t.min() < 0 or t.max() >= n or p.min() < 0 or p.max() >= n):
        raise ValueError(f"labels and predictions must be in 0..{n - 1}")
    return frozen(np.bincount(t * n + p, minlength=n * n).reshape(n, n), np.int64)


@dataclass(frozen=True)
class Misclassified:
    """The examples the network gets wrong, most confidently wrong first.

    ``indices`` (m,) into the given images, ``labels`` (m,) true digits,
    ``top3`` (m, 3) the network's three highest outputs (first = its answer),
    ``top3_activations`` (m, 3) those output activations, ``n_wrong`` all wrong
    answers (m ≤ ``max_n``), ``n`` examples looked at.
    """

    indices: np.ndarray
    labels: np.ndarray
    top3: np.ndarray
    top3_activations: np.ndarray
    n_wrong: int
    n: int


def misclassified(net: Network, theta, images, labels, max_n: int = 100,
                  chunk: int = EVAL_CHUNK) -> Misclassified:
    """Wrong answers sorted by the activation of the wrong answer (highest first).

    The answer is the argmax of the outputs, as in ``Network.evaluate``.
    """
    th = _theta(net, theta)
    labels = np.asarray(labels).astype(np.int64)
    n = len(labels)
    n_out = net.sizes[-1]
    out = np.empty((n, n_out), dtype=np.float64)
    with np.errstate(all="ignore"):
        for i in range(0, n, chunk):
            out[i:i + chunk] = net.forward(to_unit(images[i:i + chunk], net.dtype), th)[-1]
    preds = out.argmax(axis=1) if n else np.zeros(0, np.int64)
    wrong = np.flatnonzero(preds != labels)
    conf = out[wrong, preds[wrong]]
    conf = np.where(np.isfinite(conf), conf, -np.inf)
    order = wrong[np.argsort(-conf, kind="stable")][:max(0, int(max_n))]
    k = min(3, n_out)
    top = np.argsort(-np.nan_to_num(out[order], nan=-np.inf), axis=1, kind="stable")[:, :k]
    top[:, 0] = preds[order]  # the answer itself, as evaluate() gives it
    return Misclassified(frozen(order, np.int64), frozen(labels[order], np.int64), frozen(top, np.int64),
                         frozen(np.take_along_axis(out[order], top, axis=1)), int(wrong.size), n)


@dataclass(frozen=True)
class AccuracyGap:
    """Training vs test over a run, from a sequence of evaluations (k,) each:
    ``step``, ``epoch``, ``train_accuracy``, ``test_accuracy``, ``gap`` =
    train − test accuracy (overfitting shows as a growing gap), ``train_cost``,
    ``test_cost``, ``cost_gap`` = test − train cost. ``latest_gap`` NaN if empty."""

    step: np.ndarray
    epoch: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    gap: np.ndarray
    train_cost: np.ndarray
    test_cost: np.ndarray
    cost_gap: np.ndarray

    @property
    def latest_gap(self) -> float:
        return float(self.gap[-1]) if self.gap.size else float("nan")


def accuracy_gap(evals: Iterable[Evaluation]) -> AccuracyGap:
    """Arrays of the evaluations' numbers, in their order, with the gaps."""
    ev = list(evals)

    def col(name, dtype=np.float64):
        return np.array([getattr(e, name) for e in ev], dtype=dtype)

    tr, te = col("train_accuracy"), col("test_accuracy")
    trc, tec = col("train_cost"), col("test_cost")
    return AccuracyGap(frozen(col("step", np.int64)), frozen(col("epoch")), frozen(tr), frozen(te),
                       frozen(tr - te), frozen(trc), frozen(tec), frozen(tec - trc))


_SUBSET, _SHUFFLED = "-subset", "-shuffled-labels"  # name suffixes of the experiments' datasets
_KINDS = {"sample": "embedded sample", "mnist": "full MNIST"}


def dataset_kind(name: str) -> tuple[str, str]:
    """``(source, words)`` for a dataset ``name``: the source it was made from
    ("sample", "mnist" or the name itself) and a few words for a status bar.

    ``"mnist-subset500"`` → ``("mnist", "full MNIST, only 500 training digits")``;
    ``"sample-shuffled-labels"`` → ``("sample", "embedded sample, labels shuffled")``.
    """
    name = str(name)
    for source, words in _KINDS.items():
        if name == source:
            return source, words
        rest = name[len(source):] if name.startswith(source) else ""
        if rest.startswith(_SUBSET) and rest[len(_SUBSET):].isdigit():
            return source, f"{words}, only {int(rest[len(_SUBSET):]):,} training digits"
        if rest == _SHUFFLED:
            return source, f"{words}, labels shuffled"
    return name, name or "data"


def subset_dataset(dataset: Dataset, n: int, seed: int = 0) -> Dataset:
    """A stratified subset of ``n`` training digits (each digit in its original
    proportion, largest-remainder rounding); the test set is unchanged.

    For the "less data → more overfitting" experiment.
    """
    labels = np.asarray(dataset.train_labels)
    total = len(labels)
    n = max(1, min(int(n), total))
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n / total
    take = np.floor(quota).astype(np.int64)
    short = n - int(take.sum())
    if short:
        take[np.argsort(-(quota - take), kind="stable")[:short]] += 1
    idx = np.sort(np.concatenate([
        rng.choice(np.flatnonzero(labels == c), size=int(t), replace=False)
        for c, t in zip(classes, take)
    ]))
    return Dataset(
        name=f"{dataset.name}{_SUBSET}{n}",
        train_images=dataset.train_images[idx], train_labels=labels[idx],
        test_images=dataset.test_images, test_labels=dataset.test_labels,
        description=f"{n:,} training digits (stratified, seed {seed}) of {dataset.name}; "
                    f"the same {len(dataset.test_labels):,} test digits",
        image_shape=dataset.image_shape,
    )


def shuffled_labels_dataset(dataset: Dataset, seed: int = 0) -> Dataset:
    """The training labels randomly permuted (test labels intact).

    Nothing general is left to learn: the network can only memorise, so
    training accuracy may rise while test accuracy stays near 10%.
    """
    perm = np.random.default_rng(seed).permutation(len(dataset.train_labels))
    return Dataset(
        name=f"{dataset.name}{_SHUFFLED}",
        train_images=dataset.train_images, train_labels=np.asarray(dataset.train_labels)[perm],
        test_images=dataset.test_images, test_labels=dataset.test_labels,
        description=f"{dataset.name} with its training labels shuffled (seed {seed}): "
                    "only memorisation is possible; test labels are the true ones",
        image_shape=dataset.image_shape,
    )

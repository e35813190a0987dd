"""The cost around θ: along the step direction (how far to step?) and over a
plane of two directions (the "landscape"), plus where recent steps lie on it.

Everything is evaluated on one fixed batch of examples, for many points at
once. The trick: the parameters of a point are θ + Σ_k c_k·d_k, so every
layer's pre-activation is *linear* in the coefficients c,

    Z_l(c) = A_l·(W_l + Σ c_k D_k,l)ᵀ + (b_l + Σ c_k e_k,l)
           = A_l·W_lᵀ + Σ c_k A_l·D_k,lᵀ + ...,

and for the first layer A_0 = X is the same for every point: the 784-wide
matmul X·[W_0; D_1,0; D_2,0]ᵀ is done once, not once per point. Deeper layers
(16 wide) are done for a chunk of points at a time in one stacked matmul.

No Qt; safe to call from a background thread while a session trains, as long
as θ, ∇C and the directions are copies (a snapshot's arrays are). Nothing here
changes ``net`` or uses its preallocated gradient buffers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdviz.core import Network, describe_parameter, to_unit
from gdviz.training.snapshot import frozen

__all__ = [
    "EvalBatch", "fixed_eval_batch",
    "StepSizeSlice", "step_size_slice",
    "Plane", "gradient_plane", "random_plane", "weights_plane",
    "Landscape", "landscape", "project_path",
    "DEFAULT_S_VALUES",
]

#: Step sizes s of the default step-size slice: 10⁻⁴ … 10², 61 points.
DEFAULT_S_VALUES = np.logspace(-4, 2, 61)
_ROWS_PER_CHUNK = 16_384  # (points × examples) rows per chunk of the deeper layers


# =========================================================================== batch
@dataclass(frozen=True)
class EvalBatch:
    """A fixed set of training examples on which slices and landscapes are measured.

    ``images`` (n, 784) uint8, ``labels`` (n,) uint8, ``indices`` (n,) int64 into
    the training set (sorted). All read-only.
    """

    images: np.ndarray
    labels: np.ndarray
    indices: np.ndarray

    @property
    def n(self) -> int:
        return len(self.labels)


def fixed_eval_batch(dataset, n: int = 500, seed: int = 0) -> EvalBatch:
    """``n`` training examples of ``dataset`` drawn without replacement by ``seed``.

    Deterministic: the same dataset, ``n`` and ``seed`` always give the same
    batch. ``n`` larger than the training set gives the whole set.
    """
    total = len(dataset.train_labels)
    n = max(0, min(int(n), total))
    idx = np.sort(np.random.default_rng(seed).choice(total, size=n, replace=False))
    return EvalBatch(frozen(dataset.train_images[idx]), frozen(dataset.train_labels[idx]),
                     frozen(idx, np.int64))


# =========================================================================== engine
class _DirectionalCost:
    """C(θ + Σ_k c_k d_k) averaged over a fixed batch, for many c at once.

    ``directions`` is (K, n_params); ``costs(coefs)`` takes coefs (P, K) and
    returns (P,) float64 average costs (NaN where θ + c·d gives NaN).
    """

    def __init__(self, net: Network, theta, directions, images, labels):
        dt = net.dtype
        self.net = net
        self.n_layers = net.n_layers
        theta = np.asarray(theta, dtype=dt).reshape(-1)
        dirs = np.asarray(directions, dtype=dt).reshape(-1, net.n_params)
        if theta.size != net.n_params:
            raise ValueError(f"θ has {theta.size} entries, the network {net.n_params}")
        self.K = dirs.shape[0]
        X = to_unit(np.asarray(images), dt)
        if X.ndim == 1:
            X = X[None, :]
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        self.B = X.shape[0]
        self.Y = np.eye(net.sizes[-1], dtype=dt)[labels]
        W, b = net.split(theta)
        Dw, Db = zip(*(net.split(d) for d in dirs)) if self.K else ((), ())
        # Per layer: biases (K+1, n_out) and weights (K+1, n_in·n_out), so that
        # [1, c] @ bstack is a point's bias and [1, c] @ Wflat its Wᵀ (flattened).
        self.bstack = [np.stack([b[l]] + [d[l] for d in Db]) for l in range(self.n_layers)]
        self.Wflat = [np.stack([np.ascontiguousarray(w.T).ravel() for w in [W[l]] + [d[l] for d in Dw]])
                      for l in range(self.n_layers)]
        n1 = net.sizes[1]
        W0stack = np.concatenate([W[0]] + [d[0] for d in Dw], axis=0).T  # (n_0, (K+1)·n1)
        with np.errstate(all="ignore"):
            Z0 = X @ W0stack  # (B, (K+1)·n1): the only 784-wide matmul
        # (K+1, B·n1) so that coefs @ Z0T gives every point's first layer at once.
        self.Z0T = np.ascontiguousarray(
            Z0.reshape(self.B, self.K + 1, n1).transpose(1, 0, 2).reshape(self.K + 1, -1))

    def center(self) -> float:
        """C(θ) itself, computed without the directions (so a NaN direction
        does not spoil it through 0·NaN)."""
        with np.errstate(all="ignore"):
            net = self.net
            z = self.Z0T[0].reshape(self.B, -1) + self.bstack[0][0]
            for l in range(self.n_layers):
                if l > 0:
                    z = a @ self.Wflat[l][0].reshape(net.sizes[l], net.sizes[l + 1]) + self.bstack[l][0]
                a = net.cost.output(z, out=z) if l == self.n_layers - 1 else net.activation.forward(z, out=z)
            return float(net.cost.per_example(a, self.Y).astype(np.float64).mean())

    def chunk_points(self) -> int:
        return max(1, _ROWS_PER_CHUNK // max(1, self.B))

    def costs(self, coefs: np.ndarray) -> np.ndarray:
        """Average cost for each row of ``coefs`` (P, K); one chunk, no checks."""
        net, dt, B = self.net, self.net.dtype, self.B
        coefs = np.asarray(coefs, dtype=dt).reshape(-1, self.K)
        P = coefs.shape[0]
        full = np.empty((P, self.K + 1), dtype=dt)
        full[:, 0] = 1.0
        full[:, 1:] = coefs
        with np.errstate(all="ignore"):
            z = (full @ self.Z0T).reshape(P, B, -1)
            z += (full @ self.bstack[0])[:, None, :]
            for l in range(self.n_layers):
                if l > 0:  # small layers: each point's own weights, one stacked matmul
                    Wp = (full @ self.Wflat[l]).reshape(P, net.sizes[l], net.sizes[l + 1])
                    z = np.matmul(a, Wp)  # (P, B, n_in) @ (P, n_in, n_out)
                    z += (full @ self.bstack[l])[:, None, :]
                z2 = z.reshape(P * B, -1)
                if l == self.n_layers - 1:
                    a = net.cost.output(z2, out=z2)
                else:
                    a = net.activation.forward(z2, out=z2)
                a = a.reshape(P, B, -1)
            Y = np.broadcast_to(self.Y, (P, B, self.Y.shape[1])).reshape(P * B, -1)
            per = net.cost.per_example(a.reshape(P * B, -1), Y).reshape(P, B)
            return per.astype(np.float64).mean(axis=1)

    def run(self, coefs: np.ndarray, deadline: float | None = None,
            cancel: Callable[[], bool] | None = None) -> tuple[np.ndarray, int, bool]:
        """Costs for all rows of ``coefs`` in chunks; stops early on ``cancel()``
        or past ``deadline`` (perf_counter time). Returns (costs, n_done, cancelled);
        rows not reached are NaN."""
        coefs = np.asarray(coefs).reshape(-1, self.K)
        out = np.full(coefs.shape[0], np.nan)
        step = self.chunk_points()
        done = 0
        while done < len(out):
            if cancel is not None and cancel():
                return out, done, True
            if deadline is not None and done and time.perf_counter() > deadline:
                break
            out[done:done + step] = self.costs(coefs[done:done + step])
            done = min(len(out), done + step)
        return out, done, False


# =========================================================================== step size
@dataclass(frozen=True)
class StepSizeSlice:
    """C(θ − s·∇C) along the step direction, on a fixed batch.

    ``s`` (m,) step sizes, ``costs`` (m,) average costs (NaN where it blew up),
    ``cost0`` = C(θ) (s = 0), ``best_s``/``best_cost`` the lowest finite cost
    among ``s`` (NaN if none), ``lr``/``cost_at_lr`` the cost after a plain
    step of the given learning rate (NaN when not asked), ``grad_norm`` |∇C|.
    The step taken by θ ← θ − η∇C is the point s = η.
    """

    s: np.ndarray
    costs: np.ndarray
    cost0: float
    best_s: float
    best_cost: float
    lr: float
    cost_at_lr: float
    grad_norm: float
    n_examples: int


def step_size_slice(net: Network, theta, grad, images, labels, s_values=None, *,
                    lr: float | None = None) -> StepSizeSlice:
    """Costs C(θ − s·∇C) for each s in ``s_values`` (default 10⁻⁴…10², 61 points).

    ``theta``, ``grad`` (n_params,); ``images`` (B, 784) uint8 (or floats in
    [0, 1]), ``labels`` (B,). At s = η this is exactly the cost after a plain
    SGD step of rate η (up to float32 rounding). ~2 ms for 61 s on 500 examples.
    """
    s = np.asarray(DEFAULT_S_VALUES if s_values is None else s_values, dtype=np.float64).reshape(-1)
    extra = [float(lr)] if lr is not None else []
    coefs = -np.concatenate([s, extra])[:, None]  # θ + c·∇C with c = −s
    ev = _DirectionalCost(net, theta, np.asarray(grad)[None, :], images, labels)
    costs, _, _ = ev.run(coefs)
    c, cost0 = costs[:len(s)], ev.center()
    finite = np.isfinite(c)
    if finite.any():
        i = int(np.argmin(np.where(finite, c, np.inf)))
        best_s, best_cost = float(s[i]), float(c[i])
    else:
        best_s = best_cost = float("nan")
    with np.errstate(all="ignore"):
        gnorm = float(np.linalg.norm(np.asarray(grad, dtype=np.float64)))
    return StepSizeSlice(
        s=frozen(s), costs=frozen(c), cost0=cost0, best_s=best_s, best_cost=best_cost,
        lr=float("nan") if lr is None else float(lr),
        cost_at_lr=float(costs[-1]) if lr is not None else float("nan"),
        grad_norm=gnorm, n_examples=ev.B,
    )


# =========================================================================== planes
@dataclass(frozen=True)
class Plane:
    """Two directions through θ: ``d1``, ``d2`` (n_params,) read-only, in θ's dtype.

    ``d1_label``/``d2_label`` name the axes in words; ``kind`` is
    ``"gradient"``, ``"random"`` or ``"weights"``.
    """

    d1: np.ndarray
    d2: np.ndarray
    d1_label: str
    d2_label: str
    kind: str


def _unit(v: np.ndarray) -> np.ndarray | None:
    with np.errstate(all="ignore"):
        n = float(np.linalg.norm(v))
    return v / n if np.isfinite(n) and n > 0 else None


def _random_direction(rng, theta, net, filter_normalized, against=None) -> np.ndarray:
    """A unit direction, orthogonal to the unit vector ``against`` when given.

    ``filter_normalized``: each neuron's incoming weights (a row of W[l]) are
    scaled to the norm of that row in θ and biases are left out (Li et al.,
    2018, "Visualizing the loss landscape of neural nets"), so the direction is
    shaped like θ itself.
    """
    theta = np.asarray(theta, dtype=np.float64)
    d = rng.standard_normal(theta.size)
    if filter_normalized:
        if net is None:
            raise ValueError("filter normalisation needs the network (its layer layout)")
        Wd, bd = net.split(d)
        Wt, _ = net.split(theta)
        with np.errstate(all="ignore"):
            for l in range(net.n_layers):
                Wd[l] *= (np.linalg.norm(Wt[l], axis=1) / np.linalg.norm(Wd[l], axis=1))[:, None]
                bd[l][...] = 0.0
        if not np.all(np.isfinite(d)) or not np.any(d):  # NaN θ or all-zero rows: plain random
            d = rng.standard_normal(theta.size)
    if against is not None:
        d -= np.dot(d, against) * against
    u = _unit(d)
    return u if u is not None else _unit(rng.standard_normal(theta.size))


def gradient_plane(theta, grad, rng: np.random.Generator | int | None = None, *,
                   net: Network | None = None, filter_normalized: bool = False) -> Plane:
    """d1 = −∇C/|∇C| (the downhill direction), d2 = a random unit direction ⟂ d1.

    With ``filter_normalized`` (needs ``net``) d2 is shaped like θ per neuron
    before it is orthogonalised and normalised. If ∇C is zero or not finite
    (e.g. before the first step), d1 is a second random direction and its
    label says so. Never raises on NaN input.
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    theta = np.asarray(theta)
    g = np.asarray(grad, dtype=np.float64).reshape(-1)
    d1 = _unit(-g) if np.all(np.isfinite(g)) else None
    label1 = "−∇C direction (downhill)"
    if d1 is None:
        d1 = _random_direction(rng, theta, net, filter_normalized)
        label1 = "random direction (∇C is zero or not finite)"
    d2 = _random_direction(rng, theta, net, filter_normalized, against=d1)
    kind = "gradient" if label1.startswith("−∇C") else "random"
    label2 = "random direction ⟂ d1" + (" (filter-normalised)" if filter_normalized else "")
    dt = theta.dtype if theta.dtype.kind == "f" else np.float32
    return Plane(frozen(d1, dt), frozen(d2, dt), label1, label2, kind)


def random_plane(theta, rng: np.random.Generator | int | None = None, *,
                 net: Network | None = None, filter_normalized: bool = False) -> Plane:
    """Two orthonormal random directions (optionally filter-normalised, see above)."""
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    theta = np.asarray(theta)
    d1 = _random_direction(rng, theta, net, filter_normalized)
    d2 = _random_direction(rng, theta, net, filter_normalized, against=d1)
    suffix = " (filter-normalised)" if filter_normalized else ""
    return Plane(frozen(d1, np.float32), frozen(d2, np.float32),
                 "random direction 1" + suffix, "random direction 2" + suffix, "random")


def weights_plane(net_or_sizes, i: int, j: int) -> Plane:
    """Unit vectors of parameters θ[i] and θ[j]: the cost as a function of two weights.

    ``net_or_sizes`` is a Network or its layer sizes. On this plane α and β
    are how much θ[i] and θ[j] move (in the parameter's own units).
    """
    net = net_or_sizes if isinstance(net_or_sizes, Network) else Network(net_or_sizes)
    n = net.n_params
    i, j = int(i), int(j)
    if not (0 <= i < n and 0 <= j < n):
        raise IndexError(f"parameter indices must be in 0..{n - 1} (got {i}, {j})")
    if i == j:
        raise ValueError("choose two different parameters")
    d1 = np.zeros(n, net.dtype)
    d2 = np.zeros(n, net.dtype)
    d1[i] = d2[j] = 1.0
    return Plane(frozen(d1), frozen(d2), describe_parameter(net.sizes, i),
                 describe_parameter(net.sizes, j), "weights")


# =========================================================================== landscape
@dataclass(frozen=True)
class Landscape:
    """Cost over the plane θ + α·d1 + β·d2.

    ``costs[i, j]`` = C(θ + alphas[j]·d1 + betas[i]·d2): rows are β, columns α
    (row-major image, α along x). ``alphas``/``betas`` (n,), ``costs`` (n, n)
    float64, NaN where the cost is not finite or (``complete`` False: the time
    budget ran out) where it was not computed. ``center_cost`` = C(θ);
    ``n_evaluated`` grid points done; ``seconds`` wall time.
    """

    alphas: np.ndarray
    betas: np.ndarray
    costs: np.ndarray
    center_cost: float
    complete: bool
    n_evaluated: int
    n_examples: int
    seconds: float

    @property
    def argmin(self) -> tuple[float, float]:
        """(α, β) of the lowest finite cost on the grid (NaN, NaN if none)."""
        c = np.where(np.isfinite(self.costs), self.costs, np.inf)
        if not np.isfinite(c).any():
            return float("nan"), float("nan")
        i, j = np.unravel_index(int(np.argmin(c)), c.shape)
        return float(self.alphas[j]), float(self.betas[i])


def landscape(net: Network, theta, d1, d2, images, labels, extent, n: int = 41,
              budget_s: float | None = None,
              cancel: Callable[[], bool] | None = None) -> Landscape | None:
    """Cost on an ``n``×``n`` grid of α, β ∈ [−extent, extent] around θ.

    ``extent`` is a float or an (α, β) pair, in units of the directions (unit
    vectors: distance in θ-space). ``images`` (B, 784) uint8, ``labels`` (B,).
    ``cancel()`` returning True stops it: the result is then None. Past
    ``budget_s`` seconds the grid points not reached stay NaN and ``complete``
    is False (rows are filled bottom β first). NaN θ gives NaN costs.
    About 40-110 ms for 41×41 on 500 examples (784-16-16-10, float32, BLAS
    limited to one thread as the training worker sets it; multi-threaded BLAS
    on a busy machine is several times slower for these small matrices).
    """
    t0 = time.perf_counter()
    ea, eb = (float(extent), float(extent)) if np.ndim(extent) == 0 else map(float, extent)
    n = max(1, int(n))
    alphas = np.linspace(-ea, ea, n) if n > 1 else np.zeros(1)
    betas = np.linspace(-eb, eb, n) if n > 1 else np.zeros(1)
    A, Bt = np.meshgrid(alphas, betas)  # (n, n): row i = betas[i]
    coefs = np.stack([A.ravel(), Bt.ravel()], axis=1)
    ev = _DirectionalCost(net, theta, np.stack([np.asarray(d1).reshape(-1),
                                                np.asarray(d2).reshape(-1)]), images, labels)
    deadline = None if budget_s is None else t0 + float(budget_s)
    costs, done, cancelled = ev.run(coefs, deadline, cancel)
    if cancelled:
        return None
    return Landscape(frozen(alphas), frozen(betas), frozen(costs.reshape(n, n)), ev.center(),
                     complete=done == len(costs), n_evaluated=done,
                     n_examples=ev.B, seconds=time.perf_counter() - t0)


def project_path(thetas, theta0, d1, d2) -> np.ndarray:
    """Coordinates (α, β) of each θ in ``thetas`` on the plane θ0 + α·d1 + β·d2.

    ``thetas`` (k, n_params) (e.g. the last steps' θ), ``theta0``/``d1``/``d2``
    (n_params,). Least squares onto span(d1, d2) (exact for orthogonal or
    non-orthogonal directions); returns read-only (k, 2) float64, NaN rows for
    non-finite θ.
    """
    T = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
    D = np.stack([np.asarray(d1, np.float64).reshape(-1), np.asarray(d2, np.float64).reshape(-1)], axis=1)
    with np.errstate(all="ignore"):
        R = T - np.asarray(theta0, dtype=np.float64).reshape(1, -1)  # (k, n)
        G = D.T @ D  # 2×2 Gram matrix
        rhs = R @ D  # (k, 2)
        if np.all(np.isfinite(G)):
            coords = rhs @ np.linalg.pinv(G).T  # solves G·c = Dᵀ(θ − θ0) per row
        else:
            coords = np.full((T.shape[0], 2), np.nan)
    bad = ~np.all(np.isfinite(R), axis=1)
    coords[bad] = np.nan
    return frozen(coords)

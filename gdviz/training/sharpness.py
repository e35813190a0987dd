"""Why a learning rate diverges: the sharpness λ_max of the cost, live.

Near a minimum the cost is close to a quadratic bowl C(θ) ≈ C₀ + ½ δᵀ H δ,
with H the Hessian (all second derivatives ∂²C/∂θᵢ∂θⱼ). One gradient step
multiplies the distance along H's top eigenvector by (1 − η·λ_max): the steps
shrink while η·λ_max < 2 and grow — the cost diverges — beyond. So the
"stability meter" compares λ_max with 2/η.

λ_max is estimated by power iteration on Hessian-vector products, each a
central difference of two gradients (float64, so the difference is accurate
to ~1e-8 relative), on a fixed set of training digits. Warm-started from the
previous estimate's vector, a live estimate takes a handful of products.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.core import Network, to_unit

__all__ = ["SharpnessEstimate", "SharpnessHistory", "SharpnessMeter", "hessian_vector_product",
           "sharpness", "stability_words"]

DEFAULT_DIGITS = 1000  # the CLI's and the meter's fixed set: the first 1,000 training digits
REL_EPS = 1e-4  # the finite-difference step, relative to ‖θ‖ (at least 1e-4 absolute)


@dataclass(frozen=True)
class SharpnessEstimate:
    """One estimate of λ_max (the largest eigenvalue of the Hessian of the average cost)."""

    lam: float  # λ_max (1/η units: a step of η is stable while η·λ_max < 2)
    iterations: int  # Hessian-vector products used
    converged: bool  # the relative change of λ fell below the tolerance
    step: int = -1  # the training step θ belongs to (−1: unknown)

    def limit_lr(self) -> float:
        """2/λ_max: the largest stable η on the quadratic model (inf when λ_max ≤ 0)."""
        return 2.0 / self.lam if self.lam > 0 and math.isfinite(self.lam) else math.inf

    def stable(self, lr: float) -> bool:
        """True while η·λ_max < 2."""
        return lr * self.lam < 2.0


def hessian_vector_product(net: Network, X: np.ndarray, Y: np.ndarray, theta: np.ndarray,
                           v: np.ndarray, eps: float | None = None) -> np.ndarray:
    """H(θ)·v for the average cost over ``(X, Y)``: (∇C(θ+εv) − ∇C(θ−εv)) / 2ε.

    ``X`` ``(n, n_0)`` floats in [0, 1], ``Y`` one-hot ``(n, n_L)``, ``theta`` and
    ``v`` ``(n_params,)``. Work in float64 (``net.dtype``) for an accurate difference.
    """
    nv = float(np.linalg.norm(v))
    if nv == 0.0:
        return np.zeros_like(theta)
    if eps is None:
        eps = REL_EPS * max(1.0, float(np.linalg.norm(theta)))
    h = eps / nv
    _, g_plus = net.gradient(X, Y, theta=theta + h * v)
    g_plus = g_plus.copy()
    _, g_minus = net.gradient(X, Y, theta=theta - h * v)
    return (g_plus - g_minus) / (2.0 * h)


def _power(hv, v0: np.ndarray, max_iter: int, tol: float, shift: float = 0.0, cancelled=None):
    """Power iteration on (H − shift·I): its dominant eigenvalue, vector, iterations, converged.
    ``cancelled()`` (optional) True stops it early, unconverged."""
    v = v0 / np.linalg.norm(v0)
    lam = math.nan
    for k in range(1, max_iter + 1):
        if cancelled is not None and cancelled():
            return lam, v, k - 1, False
        w = hv(v) - shift * v
        new = float(v @ w)
        nw = float(np.linalg.norm(w))
        if not math.isfinite(new) or nw == 0.0:
            return new, v, k, False
        v = w / nw
        if math.isfinite(lam) and abs(new - lam) <= tol * max(abs(new), 1e-12):
            return new, v, k, True
        lam = new
    return lam, v, max_iter, False


class SharpnessMeter:
    """λ_max of the average cost over a fixed set of digits, for any θ of one network.

    ``images`` uint8 ``(n, n_0)`` (0..255) or floats in [0, 1]; ``labels`` ``(n,)``.
    Not thread-safe: one meter per thread. Each ``estimate`` warm-starts from the
    last top eigenvector, so following θ while training costs few products.
    """

    def __init__(self, sizes, activation: str, cost: str, images: np.ndarray,
                 labels: np.ndarray, seed: int = 0):
        self.net = Network(tuple(sizes), activation, cost, dtype=np.float64)
        self.X = np.ascontiguousarray(to_unit(np.asarray(images), np.float64))
        self.Y = np.eye(self.net.sizes[-1], dtype=np.float64)[np.asarray(labels, dtype=np.int64)]
        self._v = np.random.default_rng(seed).standard_normal(self.net.n_params)

    def hvp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        return hessian_vector_product(self.net, self.X, self.Y, theta, v)

    def estimate(self, theta: np.ndarray, *, max_iter: int = 100, tol: float = 1e-4,
                 step: int = -1, cancelled=None) -> SharpnessEstimate:
        """λ_max at ``theta`` (``(n_params,)``): the largest, most positive eigenvalue.
        ``cancelled()`` (optional, polled between products) True gives up early."""
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        if not np.all(np.isfinite(theta)):
            return SharpnessEstimate(math.nan, 0, False, step)

        def hv(v):
            return self.hvp(theta, v)

        lam, v, n, ok = _power(hv, self._v, max_iter, tol, cancelled=cancelled)
        if math.isfinite(lam) and lam < 0 and not (cancelled is not None and cancelled()):
            # The dominant eigenvalue is negative: the top one is the dominant one of
            # H − lam·I (all of whose eigenvalues are ≥ 0), shifted back.
            mu, v, n2, ok = _power(hv, self._v, max_iter, tol, shift=lam, cancelled=cancelled)
            lam, n = mu + lam, n + n2
        if np.all(np.isfinite(v)):
            self._v = v
        return SharpnessEstimate(float(lam), n, ok, step)


def sharpness(sizes, activation: str, cost: str, theta: np.ndarray, images: np.ndarray,
              labels: np.ndarray, *, n: int = DEFAULT_DIGITS, tol: float = 1e-4) -> SharpnessEstimate:
    """λ_max of the average cost over the first ``n`` digits (in file order) at ``theta``."""
    meter = SharpnessMeter(sizes, activation, cost, images[:n], labels[:n])
    return meter.estimate(theta, tol=tol)


class SharpnessHistory:
    """λ_max over one run: ``steps``, ``lams`` and ``lrs`` (the η in force), (n,) float64.

    ``add`` keeps steps increasing; ``start(run)`` with another run key clears it
    (with a fresh buffer: a plot may still hold views of the old one).
    """

    def __init__(self):
        self.run: tuple | None = None
        self._buf = np.empty((3, 256), dtype=np.float64)
        self._n = 0

    def start(self, run: tuple) -> bool:
        """Follow ``run`` (e.g. ``(run_id, sizes)``); True when that cleared the history."""
        if run == self.run:
            return False
        self.run, self._n = run, 0
        self._buf = np.empty((3, 256), dtype=np.float64)
        return True

    def add(self, step: int, lam: float, lr: float) -> bool:
        if self._n and step <= self._buf[0, self._n - 1]:
            return False
        if self._n == self._buf.shape[1]:
            grown = np.empty((3, 2 * self._n), dtype=np.float64)
            grown[:, :self._n] = self._buf
            self._buf = grown
        self._buf[:, self._n] = (step, lam, lr)
        self._n += 1
        return True

    def __len__(self) -> int:
        return self._n

    @property
    def steps(self) -> np.ndarray:
        return self._buf[0, :self._n]

    @property
    def lams(self) -> np.ndarray:
        return self._buf[1, :self._n]

    @property
    def lrs(self) -> np.ndarray:
        return self._buf[2, :self._n]

    def last(self) -> tuple[int, float, float] | None:
        """``(step, λ_max, η)`` of the newest estimate, or None."""
        if not self._n:
            return None
        s, lam, lr = self._buf[:, self._n - 1]
        return int(s), float(lam), float(lr)


def stability_words(lam: float, lr: float) -> tuple[str, bool]:
    """One sentence comparing η·λ_max with 2, and whether it is stable."""
    if not math.isfinite(lam):
        return "The sharpness cannot be measured here (the cost is not a number).", False
    prod = lr * lam
    if prod < 2.0:
        return (f"η·λ_max = {lr:.3g} × {lam:.3g} = {prod:.2f} < 2: steps along the sharpest "
                "direction shrink, training is stable.", True)
    return (f"η·λ_max = {lr:.3g} × {lam:.3g} = {prod:.2f} ≥ 2: along the sharpest direction "
            "each step overshoots further; the cost bounces until training reaches a flatter "
            f"place, or diverges. A smaller η (below {2 / lam:.3g}) would be stable.", False)

"""Gradient descent where it can be seen: a 1-D cost curve and 2-D cost bowls.

The lesson builds intuition before 13,002 dimensions: a ball on a curve with
several valleys (the slope says which way is down; the valley you reach
depends on where you start; a large η overshoots or diverges), then a surface
of two inputs whose gradient points uphill fastest, a round bowl and a narrow
valley where a large η zig-zags. Every step is exactly x ← x − η·slope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BOWLS", "CURVE", "Bowl2D", "Curve1D", "Path"]

ESCAPE = 1e3  # |x| beyond which a path counts as diverged (and stops)


@dataclass(frozen=True)
class Path:
    """Where gradient descent went: ``points`` ``(k+1, d)`` from the start, ``costs``
    ``(k+1,)``; ``diverged`` when it left every valley (|x| > ``ESCAPE`` or not finite)."""

    points: np.ndarray
    costs: np.ndarray
    diverged: bool

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    def then(self, more: Path) -> Path:
        """This path followed by ``more``, which starts where this one ends."""
        return Path(np.concatenate([self.points, more.points[1:]]),
                    np.concatenate([self.costs, more.costs[1:]]), more.diverged)


class Curve1D:
    """C(x) = 0.015x⁴ − 0.2x² + 0.6·cos 2.2x + 0.3x + 1.8 on [−4, 4]: three valleys,
    the deepest in the middle (x ≈ −1.68), two shallower at x ≈ −3.70 and 1.46."""

    domain = (-4.0, 4.0)

    @staticmethod
    def cost(x):
        x = np.asarray(x, dtype=np.float64)
        return 0.015 * x**4 - 0.2 * x**2 + 0.6 * np.cos(2.2 * x) + 0.3 * x + 1.8

    @staticmethod
    def slope(x):
        """dC/dx."""
        x = np.asarray(x, dtype=np.float64)
        return 0.06 * x**3 - 0.4 * x - 1.32 * np.sin(2.2 * x) + 0.3

    @staticmethod
    def curvature(x):
        """d²C/dx²: a step of η is stable near a minimum while η·C'' < 2."""
        x = np.asarray(x, dtype=np.float64)
        return 0.18 * x**2 - 0.4 - 2.904 * np.cos(2.2 * x)

    def minima(self) -> np.ndarray:
        """The x of each valley's bottom, left to right."""
        x = np.linspace(*self.domain, 40001)
        y = self.cost(x)
        i = np.flatnonzero((y[1:-1] < y[:-2]) & (y[1:-1] <= y[2:])) + 1
        return x[i]

    def valley_of(self, x: float) -> float:
        """The bottom of the valley ``x`` is in (between the neighbouring hilltops)."""
        grid = np.linspace(*self.domain, 40001)
        y = self.cost(grid)
        tops = grid[np.flatnonzero((y[1:-1] > y[:-2]) & (y[1:-1] >= y[2:])) + 1]
        bottoms = self.minima()
        return float(bottoms[min(int(np.searchsorted(tops, x)), len(bottoms) - 1)])

    def descend(self, x0: float, lr: float, steps: int) -> Path:
        """``steps`` steps x ← x − η·C'(x) from ``x0``; stops early when diverged."""
        return _descend(lambda p: self.slope(p), lambda p: self.cost(p),
                        np.array([float(x0)]), lr, steps)


@dataclass(frozen=True)
class Bowl2D:
    """C(p) = ½ pᵀ H p with H = R diag(a, b) Rᵀ (R a rotation by ``angle`` degrees):
    a round bowl when a = b, a narrow valley when b ≫ a. λ_max = max(a, b)."""

    name: str
    a: float
    b: float
    angle: float = 0.0

    @property
    def hessian(self) -> np.ndarray:
        t = math.radians(self.angle)
        R = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        return R @ np.diag([self.a, self.b]) @ R.T

    @property
    def lam_max(self) -> float:
        return max(self.a, self.b)

    def cost(self, p):
        """``p`` ``(..., 2)`` → ``(...)``."""
        p = np.asarray(p, dtype=np.float64)
        return 0.5 * np.einsum("...i,ij,...j->...", p, self.hessian, p)

    def gradient(self, p):
        """∇C = H p: points uphill fastest; −∇C downhill."""
        return np.asarray(p, dtype=np.float64) @ self.hessian.T

    def grid(self, extent: float = 3.0, n: int = 121):
        """``(xs, ys, C)`` with ``C[i, j] = C(xs[j], ys[i])`` for contour lines."""
        xs = np.linspace(-extent, extent, n)
        X, Y = np.meshgrid(xs, xs)
        return xs, xs, self.cost(np.stack([X, Y], axis=-1))

    def descend(self, p0, lr: float, steps: int) -> Path:
        """``steps`` steps p ← p − η·∇C(p) from ``p0``; stops early when diverged."""
        return _descend(self.gradient, self.cost, np.asarray(p0, dtype=np.float64), lr, steps)


def _descend(grad, cost, p0: np.ndarray, lr: float, steps: int) -> Path:
    pts = [p0.astype(np.float64)]
    diverged = False
    with np.errstate(all="ignore"):
        for _ in range(max(0, int(steps))):
            p = pts[-1] - lr * grad(pts[-1])
            pts.append(p)
            if not np.all(np.isfinite(p)) or np.max(np.abs(p)) > ESCAPE:
                diverged = True
                break
        points = np.array(pts)
        costs = np.array([np.asarray(cost(q)).item() for q in points])
    return Path(points, costs, diverged)


CURVE = Curve1D()
BOWLS: dict[str, Bowl2D] = {
    "round": Bowl2D("a round bowl", 1.0, 1.0),
    "valley": Bowl2D("a narrow valley", 1.0, 15.0, angle=30.0),
}

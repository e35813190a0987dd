"""Honest planes for a landscape: filter-normalised random directions and the
plane of the path's two main directions.

A random direction through 13,002 dimensions says little unless its scale
matches the weights it moves: Li et al. (2018, "Visualizing the Loss
Landscape of Neural Nets") scale it per filter — here one row of W, the
weights into one neuron — to the norm of that row of θ, and leave biases
still. The path's plane takes the two main directions (PCA) of the recent
θ's around the newest one, and says how much of the path's spread it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.core import parameter_layout

__all__ = ["PathPlane", "filter_normalised", "path_plane"]


def filter_normalised(sizes, theta: np.ndarray, rng: np.random.Generator,
                      biases: bool = False) -> np.ndarray:
    """A random direction ``(n_params,)``: each row of each W (the weights into one
    neuron) rescaled to the norm of the same row of ``theta``; biases zero (or, with
    ``biases``, each layer's bias vector scaled to the norm of that layer's biases)."""
    theta = np.asarray(theta, dtype=np.float64)
    d = rng.standard_normal(theta.size)
    for slot in parameter_layout(tuple(sizes)):
        seg = slice(slot.start, slot.stop)
        if slot.kind == "W":
            rows = d[seg].reshape(slot.shape)
            want = np.linalg.norm(theta[seg].reshape(slot.shape), axis=1, keepdims=True)
            have = np.linalg.norm(rows, axis=1, keepdims=True)
            rows *= np.divide(want, have, out=np.zeros_like(want), where=have > 0)
        elif biases:
            have = np.linalg.norm(d[seg])
            d[seg] *= np.linalg.norm(theta[seg]) / have if have > 0 else 0.0
        else:
            d[seg] = 0.0
    return d


@dataclass(frozen=True)
class PathPlane:
    """The plane through ``origin`` spanned by the path's two main directions."""

    origin: np.ndarray  # (n_params,) the newest θ
    d1: np.ndarray  # (n_params,) unit vector, the direction of most spread
    d2: np.ndarray  # (n_params,) unit vector, orthogonal to d1
    captured: tuple[float, float]  # fraction of the path's spread along d1 and along d2
    coords: np.ndarray  # (k, 2) each θ of the path in the plane

    @property
    def captured_total(self) -> float:
        """How much of the path's spread the plane holds (0..1)."""
        return float(sum(self.captured))


def path_plane(path: np.ndarray) -> PathPlane:
    """PCA of ``path`` ``(k, n_params)`` (k ≥ 3 θ's, oldest first) around its last θ."""
    P = np.asarray(path, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] < 3:
        raise ValueError("a path plane needs at least three points of the path")
    origin = P[-1]
    M = P - origin
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    total = float(np.sum(s ** 2))
    if total == 0.0 or s.size < 2 or s[1] <= 1e-9 * s[0]:  # rounding leaves ~1e-16, not 0
        raise ValueError("the path does not span a plane (θ did not move in two directions)")
    d1, d2 = vt[0], vt[1]
    captured = (float(s[0] ** 2 / total), float(s[1] ** 2 / total))
    return PathPlane(origin, d1, d2, captured, np.stack([M @ d1, M @ d2], axis=1))

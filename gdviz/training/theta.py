"""Slices of the flat parameter vector θ, as the panels show them.

θ holds ``W[0], b[0], W[1], b[1], …`` back to back (``gdviz.core``); a
θ-aligned vector (θ, ∇C, Δθ) is sliced the same way. ``W[l]`` has shape
``(n_out, n_in)`` and ``b[l]`` shape ``(n_out,)``.
"""

from __future__ import annotations

import math

import numpy as np

from gdviz.core import parameter_layout

__all__ = ["MODES", "check_mode", "mode_vector", "layer_views", "image_shape", "layer_name"]

#: What a weight panel shows: θ itself, −∇C of the last mini-batch, or the last change Δθ.
MODES = ("weights", "gradient", "delta")

_layouts: dict[tuple[int, ...], list] = {}


def check_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES`; otherwise a ``ValueError`` naming them."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


def mode_vector(snap, mode: str) -> np.ndarray:
    """The θ-aligned vector a panel shows in ``mode``: θ, ∇C (negate it per slice) or Δθ."""
    if mode == "gradient":
        return snap.grad  # negate per layer slice (cheaper than negating all of θ)
    if mode == "delta":
        return snap.delta
    return snap.theta


def layer_views(vec: np.ndarray, sizes: tuple[int, ...], layer: int,
                negate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(W[layer], b[layer])`` of a θ-aligned vector (views; copies negated when ``negate``)."""
    key = tuple(int(s) for s in sizes)
    layout = _layouts.get(key)
    if layout is None:
        layout = _layouts[key] = parameter_layout(key)
    sw, sb = layout[2 * layer], layout[2 * layer + 1]
    W = vec[sw.start:sw.stop].reshape(sw.shape)
    b = vec[sb.start:sb.stop]
    if negate:
        W, b = np.negative(W), np.negative(b)
    return W, b


def image_shape(n_in: int, hint: tuple[int, int] | None = None) -> tuple[int, int]:
    """How to lay out ``n_in`` input pixels: ``hint`` (the dataset's (H, W)) if it fits,
    else a square if ``n_in`` is one (784 -> 28×28), else one strip ``(1, n_in)``."""
    if hint is not None and len(hint) == 2 and int(hint[0]) * int(hint[1]) == n_in:
        return int(hint[0]), int(hint[1])
    side = math.isqrt(n_in)
    return (side, side) if side * side == n_in and side > 1 else (1, n_in)


def layer_name(index: int, n_layers: int) -> str:
    """Plain name of layer ``index`` (0 = the input pixels, n_layers = the output)."""
    if index == 0:
        return "the input pixels"
    if index == n_layers:
        return "the output layer"
    return f"hidden layer {index}"

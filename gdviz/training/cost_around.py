"""The cost around a snapshot's θ, as the Step-size and Landscape views show it (no Qt).

Both views measure the cost on one fixed batch of training digits
(:func:`~gdviz.training.landscape.fixed_eval_batch`): along the step θ − s·∇C
(:func:`step_size_for`) and over a plane through θ with the path of the last
steps on it (:func:`landscape_frame`). Each runs in a view's background job:
it takes its network from :mod:`gdviz.training.probe` (one per thread) and
returns a frozen result with everything the view draws, already scaled
(:func:`cost_axis_range`, :func:`map_display`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdviz.training.analysis import top_parameters
from gdviz.training.contours import contour_lines
from gdviz.training.landscape import (
    EvalBatch,
    Landscape,
    Plane,
    StepSizeSlice,
    gradient_plane,
    landscape,
    project_path,
    step_size_slice,
    weights_plane,
)
from gdviz.training.probe import network_for, to_unit
from gdviz.training.scales import MIN_REL_SPAN, is_flat, visible_range

__all__ = [
    "SLOPES", "eval_gradient",
    "StepSizeResult", "step_size_for", "cost_axis_range", "cost_axis_fit",
    "LandscapeFrame", "landscape_frame", "map_display", "N_CONTOURS",
]

#: The two directions a step-size slice can follow: ∇C of the evaluation digits at θ
#: now, or the last mini-batch's ∇C (``snap.grad``).
SLOPES = ("eval", "batch")
N_CONTOURS = 9  # contour levels of a map


def eval_gradient(snap, batch: EvalBatch) -> np.ndarray:
    """∇C (n_params,) of the digits of ``batch`` at ``snap.theta`` (a copy, θ's dtype)."""
    net = network_for(snap)
    theta = np.ascontiguousarray(snap.theta, dtype=net.dtype)
    X = to_unit(batch.images, net.dtype)
    Y = np.eye(net.sizes[-1], dtype=net.dtype)[batch.labels]
    with np.errstate(all="ignore"):
        _, g = net.gradient(X, Y, theta=theta)
    return g.copy()


# =========================================================================== step size
@dataclass(frozen=True)
class StepSizeResult:
    """One step-size slice and what it was computed for."""

    slice: StepSizeSlice
    slope: str  # one of SLOPES
    run_id: int
    step: int
    lr: float
    optimizer: str
    zero_grad: bool  # the direction was zero (e.g. the last batch's before any step)

    @property
    def flat(self) -> bool:
        """No step size changes the cost (a zero slope, or a saturated network)."""
        return self.zero_grad or is_flat(self.slice.costs, self.slice.cost0)

    @property
    def goes_down(self) -> bool:
        """Some step size lowers the cost below C(θ)."""
        sl = self.slice
        return bool(np.any(sl.costs < sl.cost0)) if math.isfinite(sl.cost0) else False


def step_size_for(snap, slope: str, batch: EvalBatch, lr: float) -> StepSizeResult:
    """C(θ − s·∇C) on ``batch`` for the default step sizes s, and at s = ``lr``.

    ``slope`` "eval": ∇C of ``batch`` at θ (so the cost at s = η is exactly the
    cost one plain step of η reaches on these digits); "batch": ``snap.grad``.
    """
    if slope not in SLOPES:
        raise ValueError(f"unknown slope {slope!r}; choose one of {', '.join(SLOPES)}")
    net = network_for(snap)
    theta = np.ascontiguousarray(snap.theta, dtype=net.dtype)
    grad = eval_gradient(snap, batch) if slope == "eval" else snap.grad
    with np.errstate(all="ignore"):
        sl = step_size_slice(net, theta, grad, batch.images, batch.labels, lr=lr)
    return StepSizeResult(sl, slope, snap.run_id, snap.step, float(lr), snap.optimizer,
                          not np.any(grad))


#: The room the cost axis leaves below and above the curve (shares of the curve's span):
#: below for the "best s" label under its star, above for the η label.
PAD_LO, PAD_HI = 0.12, 0.14


def cost_axis_fit(ys, y0: float, y_lr: float, *, log: bool):
    """``(fitted, need)`` for the cost axis of a step-size plot, or None when nothing
    is finite: ``fitted`` is :func:`cost_axis_range`, ``need`` the part of it a
    steadier range (:class:`~gdviz.training.scales.SteadyRange`) must still show:
    the curve with half the margins."""
    ys = np.asarray(ys, dtype=np.float64)
    vals = ys[np.isfinite(ys)]
    extra = [v for v in (y0, y_lr) if math.isfinite(v)]
    if not vals.size and not extra:
        return None
    allv = np.concatenate([vals, extra])
    lo, hi = float(allv.min()), float(allv.max())
    if not log and math.isfinite(y0):
        depth = max(y0 - lo, 0.08 * abs(y0), 1e-6)
        hi = min(hi, y0 + 2.5 * depth)
        if math.isfinite(y_lr):
            hi = max(hi, y_lr)
    lo, hi = visible_range(lo, hi, floor=MIN_REL_SPAN if log else 1e-12)
    span = hi - lo
    fitted = (lo - PAD_LO * span, hi + PAD_HI * span)
    need = (lo - 0.5 * PAD_LO * span, hi + 0.5 * PAD_HI * span)
    return fitted, need


def cost_axis_range(ys, y0: float, y_lr: float, *, log: bool) -> tuple[float, float] | None:
    """The cost axis (lo, hi) of a step-size plot: ``ys`` the curve, ``y0`` C(θ) and
    ``y_lr`` the cost at s = η, all in plot units (log10 of the cost when ``log``).

    Linear: it zooms on the valley around C(θ) (a blown-up cost for huge steps
    leaves through the top); log: all of it. Never narrower than
    :data:`~gdviz.training.scales.MIN_REL_SPAN` of the cost (of a decade in
    log), so rounding noise draws flat. None when nothing is finite.
    """
    fit = cost_axis_fit(ys, y0, y_lr, log=log)
    return None if fit is None else fit[0]


# =========================================================================== landscape
@dataclass(frozen=True)
class LandscapeFrame:
    """One computed map and everything needed to draw the path on it."""

    key: tuple  # the settings it was computed for
    run_id: int
    step: int
    theta0: np.ndarray  # the centre (θ at computation time)
    plane: Plane
    land: Landscape
    extent: float  # half-width in α and β
    step_len: float  # length of one step η·|∇C| in the slice (NaN if none)
    lr: float
    cost_next: float  # C(θ0 − η∇C) on the digits
    next_ab: tuple[float, float]  # where that step lands on the slice
    grad_norm: float
    path: dict  # step -> (α, β) of the path θ given to the job
    shown: dict  # log scale (bool) -> map_display(...) of the costs
    top2: tuple[int, int]  # the two parameters of largest |∇C| (of the digits at θ0)
    seconds: float

    @property
    def flat(self) -> bool:
        """The cost does not change anywhere on the map."""
        return is_flat(self.land.costs, self.land.center_cost)


def map_display(costs: np.ndarray, log: bool, extent: float, flat: bool = False):
    """``(image, (lo, hi) colour levels, contour x, contour y)`` of a map in linear or
    log10 colours. The levels run from the lowest cost to the 97th percentile (linear)
    or the highest (log), never narrower than the visible span; a flat map has no
    contour lines (they would trace rounding noise)."""
    with np.errstate(all="ignore"):
        img = np.log10(np.where(costs > 0, costs, np.nan)) if log else costs.astype(np.float64)
    fin = img[np.isfinite(img)]
    if fin.size == 0:
        return img, (0.0, 1.0), np.zeros(0), np.zeros(0)
    lo = float(fin.min())
    hi = float(np.percentile(fin, 97.0)) if not log else float(fin.max())
    lo, hi = visible_range(lo, hi, floor=MIN_REL_SPAN if log else 1e-12)
    if flat:
        return img, (lo, hi), np.zeros(0), np.zeros(0)
    xs, ys = contour_lines(img, np.linspace(lo, hi, N_CONTOURS + 2)[1:-1], extent)
    return img, (lo, hi), xs, ys


def landscape_frame(cancelled: Callable[[], bool], key: tuple, snap, batch: EvalBatch,
                    plane_kind: str, ij: tuple[int, int], extent_mode: tuple[str, float],
                    seed: int, path: tuple, grid_n: int = 41,
                    budget_s: float | None = None) -> LandscapeFrame | None:
    """The map around ``snap.theta`` on ``batch`` and the ``path`` ((step, θ) pairs)
    projected on it; None when ``cancelled()`` turned True (a newer request waits).

    ``plane_kind`` "gradient" (−∇C of the batch and a random direction drawn from
    ``seed``) or "weights" (θ[i], θ[j] for ``ij``); ``extent_mode`` ("step", k):
    k lengths of one step η·|∇C| in the plane, or ("abs", half-width).
    ``grid_n``² points, at most ``budget_s`` seconds (the rest stays NaN).
    """
    net = network_for(snap)
    theta = np.ascontiguousarray(snap.theta, dtype=net.dtype)
    g = eval_gradient(snap, batch)
    with np.errstate(all="ignore"):
        gnorm = float(np.linalg.norm(g.astype(np.float64)))
        top = top_parameters(net, g, 2)
        top2 = (top[0].index, top[1].index) if len(top) == 2 else (0, 1)
        if plane_kind == "weights":
            plane = weights_plane(net, *ij)
            step_len = float(snap.lr) * math.hypot(float(g[ij[0]]), float(g[ij[1]]))
        else:
            plane = gradient_plane(theta, g, seed, net=net)
            step_len = float(snap.lr) * gnorm
        kind, value = extent_mode
        if kind == "step":
            ea = value * step_len if math.isfinite(step_len) and step_len > 0 else 1.0
        else:
            ea = float(value)
        land = landscape(net, theta, plane.d1, plane.d2, batch.images, batch.labels, ea,
                         n=grid_n, budget_s=budget_s, cancel=cancelled)
        if land is None:
            return None
        nxt = theta - np.asarray(snap.lr, net.dtype) * g
        X = to_unit(batch.images, net.dtype)
        Y = np.eye(net.sizes[-1], dtype=net.dtype)[batch.labels]
        cost_next = net.cost_of(X, Y, theta=nxt) if np.all(np.isfinite(nxt)) else float("nan")
        next_ab = tuple(float(v) for v in project_path(nxt[None, :], theta, plane.d1, plane.d2)[0])
        coords = {}
        if path:
            steps, thetas = zip(*path)
            pc = project_path(np.stack(thetas), theta, plane.d1, plane.d2)
            coords = {s: (float(a), float(b)) for s, (a, b) in zip(steps, pc)}
        flat = is_flat(land.costs, land.center_cost)
        shown = {log: map_display(land.costs, log, ea, flat) for log in (False, True)}
    return LandscapeFrame(key, snap.run_id, snap.step, snap.theta, plane, land, ea, step_len,
                          float(snap.lr), float(cost_next), next_ab, gnorm, coords, shown, top2,
                          land.seconds)

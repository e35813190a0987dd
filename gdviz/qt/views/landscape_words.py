"""The Landscape view's words: the axes of a plane and what a map says about the step.

Plain text with a little HTML (bold, red for a warning), from a
:class:`~gdviz.training.cost_around.LandscapeFrame` and where θ is now.
"""

from __future__ import annotations

import math

import numpy as np

from gdviz.qt import style
from gdviz.training.cost_around import LandscapeFrame
from gdviz.training.landscape import Plane

__all__ = ["axis_labels", "map_words"]


def _spread(v: np.ndarray) -> float:
    """max − min of the finite values (NaN if none)."""
    v = v[np.isfinite(v)]
    return float(v.max() - v.min()) if v.size else float("nan")


def axis_labels(plane: Plane) -> tuple[str, str]:
    """The words under the map's α axis and beside its β axis."""
    if plane.kind == "gradient":
        return ("α: along −∇C (right = downhill)",
                "β: along a random direction at right angles")
    if plane.kind == "weights":
        return (f"α: change of {plane.d1_label.split(':')[0]}",
                f"β: change of {plane.d2_label.split(':')[0]}")
    return ("α: a random direction (∇C is zero or not a number)",
            "β: another random direction at right angles")


def map_words(f: LandscapeFrame, cur: tuple[float, float] | None, step_now: int | None) -> str:
    """What the map ``f`` says: the cost at the centre, where one step lands, the lowest
    point, and since when θ moved; ``cur`` is θ now on the map (α, β), ``step_now`` its step."""
    c0, cn = f.land.center_cost, f.cost_next
    if not math.isfinite(c0):
        return ("<span style='color:#b2182b'><b>θ is not a number</b> (the run diverged): "
                "there is no landscape to draw. Choose a smaller η and restore the last "
                "good weights.</span>")
    if cur is not None and not all(math.isfinite(v) for v in cur):
        return ("<span style='color:#b2182b'><b>θ now is not a number</b> (the run diverged): "
                "it has left every map. Choose a smaller η and restore the last good "
                "weights.</span>")
    parts = [f"At the centre C = <b>{style.fmt(c0)}</b>."]
    if f.flat:
        what = ("these two parameters" if f.plane.kind == "weights" else "this slice")
        parts.append(f"<b>The cost does not change anywhere on {what}</b>"
                     + (" (e.g. a weight from a pixel that is blank in every digit, or a "
                        "neuron that is saturated): try 'Top two'." if f.plane.kind == "weights"
                        else ": the ground is flat here."))
        return " ".join(parts)
    if f.grad_norm == 0 or not math.isfinite(f.grad_norm):
        parts.append("The ground is flat here (∇C = 0): no step moves the ball.")
    elif math.isfinite(cn):
        if cn > c0:
            parts.append(f"One step of η = {style.fmt(f.lr)} from the centre lands at "
                         f"C = {style.fmt(cn)}: <span style='color:#b2182b'><b>uphill</b> — "
                         "η is too large, the ball bounces to the far slope.</span>")
        else:
            parts.append(f"One step of η = {style.fmt(f.lr)} from the centre lands at "
                         f"C = {style.fmt(cn)} (downhill, the orange ◯).")
    la, _ = f.land.argmin
    if math.isfinite(la):
        cmin = float(np.nanmin(f.land.costs))
        parts.append(f"Lowest point of this map: C = {style.fmt(cmin)}.")
    if f.plane.kind == "gradient":
        n = f.land.costs.shape[0]
        across, up = _spread(f.land.costs[n // 2]), _spread(f.land.costs[:, n // 2])
        if up < 0.1 * across:
            parts.append(f"Up and down (the random direction) the cost hardly changes: most of "
                         f"the {f.theta0.size:,} directions barely matter at this scale — "
                         "the gradient points along one that does.")
    if cur is not None and (cur[0] or cur[1]) and step_now is not None and step_now != f.step:
        steps = step_now - f.step
        parts.append(f"Since the map was drawn θ took {steps:,} step{'s' if steps != 1 else ''}; "
                     "the path shows only its movement within this slice.")
    if f.plane.kind == "weights":
        parts.append("All other parameters stay at their values at the centre.")
    return " ".join(parts)


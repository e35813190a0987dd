"""A digit drawn with the mouse, made into the network's input and answered.

:class:`Drawing` keeps the strokes rasterised on a ``CANVAS``×``CANVAS`` float
canvas (:func:`gdviz.data.drawing.render_stroke`); :meth:`Drawing.network_input`
turns it into a 28×28 MNIST-like image (:func:`gdviz.data.drawing.preprocess_drawing`:
the digit's bounding box scaled to 20×20, centred by its centre of mass);
:func:`answer` runs the network of a snapshot on that image (~50 µs, fine in
the GUI thread: the network is that thread's own, see :mod:`gdviz.training.probe`).
"""

from __future__ import annotations

import numpy as np

from gdviz.data.drawing import preprocess_drawing, render_stroke
from gdviz.training.probe import network_for, to_unit

__all__ = ["CANVAS", "INPUT_SIDE", "PEN", "Drawing", "answer"]

CANVAS = 280  # canvas pixels per side
PEN = CANVAS / 13.0  # pen diameter: MNIST-like strokes once the digit is scaled to 20 px
INPUT_SIDE = 28  # the network's input is INPUT_SIDE × INPUT_SIDE pixels


class Drawing:
    """Strokes of (x, y) points in canvas pixels and ``ink`` (CANVAS, CANVAS)
    float32 in [0, 1], the same strokes rasterised with a round pen of ``PEN``."""

    def __init__(self):
        self.strokes: list[list[tuple[float, float]]] = []
        self.ink = np.zeros((CANVAS, CANVAS), np.float32)

    @property
    def is_empty(self) -> bool:
        return not self.strokes

    def clear(self) -> None:
        self.strokes = []
        self.ink = np.zeros((CANVAS, CANVAS), np.float32)

    def begin(self, x: float, y: float) -> None:
        """A new stroke starting (a dot) at (x, y)."""
        self.strokes.append([(x, y)])
        render_stroke([(x, y)], width=PEN, out=self.ink)

    def extend(self, x: float, y: float) -> bool:
        """Continue the last stroke to (x, y); False (nothing added) when it moved
        less than half a canvas pixel or no stroke was begun."""
        if not self.strokes:
            return False
        stroke = self.strokes[-1]
        px, py = stroke[-1]
        if (x - px) ** 2 + (y - py) ** 2 < 0.25:
            return False
        stroke.append((x, y))
        render_stroke([(px, py), (x, y)], width=PEN, out=self.ink)
        return True

    def network_input(self) -> np.ndarray:
        """The drawing as MNIST draws its digits: (INPUT_SIDE², ) uint8, all zeros when empty."""
        return preprocess_drawing(self.ink, size=INPUT_SIDE)


def answer(snap, image) -> list[np.ndarray]:
    """Every layer's activations ``[x, a_1, …, a_L]`` (float64, each (n_l,)) of the
    network of ``snap`` (its θ, sizes, activation, cost) for one uint8 ``image``."""
    net = network_for(snap)
    with np.errstate(all="ignore"):
        acts = net.forward(to_unit(np.asarray(image)[None, :], net.dtype), snap.theta)
    return [np.array(a[0], dtype=np.float64) for a in acts]

"""Other runs drawn over the cost plot (File ▸ Compare with recording…): one
named, coloured, smoothed curve per run, with a legend of their names."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg

from gdviz.qt import colours
from gdviz.training.series import EMA_WARMUP, ema

__all__ = ["OVERLAY_COLORS", "OVERLAY_MAX_POINTS", "CostOverlays"]

#: Colours of overlaid runs, in order of adding; none of them is a colour the cost panel already uses.
OVERLAY_COLORS = ((118, 42, 131), (27, 120, 55), (197, 27, 125), (140, 81, 10), (1, 102, 94),
                  (77, 77, 77), (230, 97, 1), (84, 39, 143))
OVERLAY_MAX_POINTS = 4096  # a smoothed overlay is drawn from at most this many points


class CostOverlays:
    """The overlays of ``plot`` (a pyqtgraph PlotItem); ``on_change()`` is called
    when one is added or removed (the plot's ranges must take them in)."""

    def __init__(self, plot: pg.PlotItem, on_change: Callable[[], None]):
        self.plot = plot
        self.on_change = on_change
        self.x_in_epochs = False
        self._runs: dict[str, dict] = {}  # name -> {"item", "steps", "epochs", "ema", "color", ...}
        # Legend entries of overlaid runs only (the panel's own curves are named in its title bar).
        self.legend = pg.LegendItem(offset=(-8, 8), labelTextSize="8pt", labelTextColor=colours.FOREGROUND,
                                    brush=pg.mkBrush(255, 255, 255, 220), pen=pg.mkPen(200, 200, 200))
        self.legend.setParentItem(plot.vb)
        self.legend.setVisible(False)

    def add(self, name: str, steps, costs, color=None, *, epochs=None, smooth: bool = True) -> str:
        """Draw another run's cost as one named, coloured, smoothed curve.

        ``steps`` ``(n,)`` and ``costs`` ``(n,)`` are every recorded step of
        that run and its mini-batch cost; the curve is their moving average
        (:func:`ema`, as for the live run's dark line; ``smooth=False`` draws
        them as given). ``epochs`` ``(n,)`` (optional) places the points when
        the x axis shows epochs; without it the overlay is hidden then.
        ``color`` is an ``(r, g, b)`` tuple or any pyqtgraph colour (default:
        the next of :data:`OVERLAY_COLORS`). A name already shown is replaced.
        Returns the name.
        """
        name = str(name)
        steps = np.asarray(steps, dtype=np.float64).ravel()
        costs = np.asarray(costs, dtype=np.float64).ravel()
        if steps.shape != costs.shape:
            raise ValueError(f"overlay {name!r}: {steps.size} steps but {costs.size} costs")
        ep = None if epochs is None else np.asarray(epochs, dtype=np.float64).ravel()
        if ep is not None and ep.shape != steps.shape:
            raise ValueError(f"overlay {name!r}: {steps.size} steps but {ep.size} epoch positions")
        self.remove(name, update=False)
        if color is None:
            used = [o["color"] for o in self._runs.values()]
            free = [c for c in OVERLAY_COLORS if c not in used]
            color = free[0] if free else OVERLAY_COLORS[len(self._runs) % len(OVERLAY_COLORS)]
        y = ema(costs, None) if smooth and costs.size else costs.copy()
        # A smooth curve loses nothing visible when drawn from a few thousand of its points.
        if y.size > OVERLAY_MAX_POINTS:
            keep = np.unique(np.r_[np.linspace(0, y.size - 1, OVERLAY_MAX_POINTS).astype(np.int64), y.size - 1])
        else:
            keep = slice(None)
        warm = y[EMA_WARMUP:] if y.size > EMA_WARMUP else y
        finite = warm[np.isfinite(warm)]
        pos = y[np.isfinite(y) & (y > 0)]
        item = pg.PlotDataItem(pen=pg.mkPen(color, width=2), name=name)
        item.setZValue(-1)  # under the live run's curves
        self.plot.addItem(item)
        self.legend.addItem(item, name)
        self.legend.setVisible(True)
        self._runs[name] = {
            "item": item, "color": tuple(color) if isinstance(color, (tuple, list)) else color,
            "steps": steps[keep], "epochs": None if ep is None else ep[keep], "ema": y[keep],
            "last_step": float(steps[-1]) if steps.size else 0.0,
            "last_epoch": float(ep[-1]) if ep is not None and ep.size else 0.0,
            "cmax": float(finite.max()) if finite.size else -math.inf,
            "pmin": float(pos.min()) if pos.size else math.inf,
            "pmax": float(pos.max()) if pos.size else -math.inf,
        }
        self._draw(name)
        self.on_change()
        return name

    def remove(self, name: str, update: bool = True) -> bool:
        """Remove the overlay ``name``; False when there is none of that name."""
        o = self._runs.pop(str(name), None)
        if o is None:
            return False
        self.plot.removeItem(o["item"])
        self.legend.removeItem(o["item"])
        self.legend.setVisible(bool(self._runs))
        if update:
            self.on_change()
        return True

    def clear(self) -> None:
        for name in list(self._runs):
            self.remove(name, update=False)
        self.on_change()

    def colours(self) -> dict[str, tuple]:
        """``{name: (r, g, b)}`` of the overlaid runs, in the order added."""
        return {name: o["color"] for name, o in self._runs.items()}

    def data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` drawn for overlay ``name`` (x in steps or epochs as the axis shows)."""
        x, y = self._runs[name]["item"].getData()
        return (np.zeros(0) if x is None else x), (np.zeros(0) if y is None else y)

    def set_x_in_epochs(self, on: bool) -> None:
        self.x_in_epochs = bool(on)
        for name in self._runs:
            self._draw(name)

    def shown_extents(self) -> list[dict]:
        """For each overlay on show: its ``last_step``, ``last_epoch``, ``cmax`` (largest
        smoothed cost after the warm-up), ``pmin`` and ``pmax`` (positive extremes)."""
        return [o for o in self._runs.values() if o["item"].isVisible()]

    def _draw(self, name: str) -> None:
        o = self._runs[name]
        if self.x_in_epochs:
            if o["epochs"] is None:
                o["item"].setData([], [])
                o["item"].setVisible(False)
                return
            o["item"].setData(o["epochs"], o["ema"])
        else:
            o["item"].setData(o["steps"], o["ema"])
        o["item"].setVisible(True)

"""Qt side of the one palette (:mod:`gdviz.palette`): pyqtgraph colormaps, the
ink table for digits, pyqtgraph's global look, and label colours.

Light look throughout (white plots, dark text) so the panels sit well next to
ordinary Qt widgets and read well on a classroom projector. Signed quantities
use the diverging map with symmetric levels ``(-m, m)``; pixels that are not a
number are transparent and show the grey board behind them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from gdviz import palette
from gdviz.palette import *  # noqa: F403 - the colours, re-exported for the panels
from gdviz.palette import BACKGROUND, DIVERGING_HEX, FOREGROUND, MUTED, SEQUENTIAL_HEX
from gdviz.qt import axis_fit

__all__ = ["diverging_cmap", "sequential_cmap", "ink_lut", "apply_pyqtgraph_defaults", "argb_table",
           "set_color", *palette.__all__]

_cache: dict[str, object] = {}


def _cmap(name: str, hexes) -> pg.ColorMap:
    cm = _cache.get(name)
    if cm is None:
        cm = pg.ColorMap(np.linspace(0.0, 1.0, len(hexes)), [pg.mkColor(h) for h in hexes],
                         name=name)
        _cache[name] = cm
    return cm


def diverging_cmap() -> pg.ColorMap:
    """The app's one diverging colormap (blue − / white 0 / red +)."""
    return _cmap("gdviz-diverging", DIVERGING_HEX)


def sequential_cmap() -> pg.ColorMap:
    """Colormap for activations (pale = off, deep green = on)."""
    return _cmap("gdviz-sequential", SEQUENTIAL_HEX)


def ink_lut() -> np.ndarray:
    """(256, 4) uint8 grey table showing MNIST ink as dark on white paper."""
    lut = _cache.get("ink-lut")
    if lut is None:
        g = np.arange(255, -1, -1, dtype=np.uint8)
        lut = np.stack([g, g, g, np.full(256, 255, np.uint8)], axis=1)
        _cache["ink-lut"] = lut
    return lut


def apply_pyqtgraph_defaults() -> None:
    """Global pyqtgraph options for the whole app (idempotent)."""
    pg.setConfigOptions(antialias=False, useOpenGL=False, imageAxisOrder="row-major",
                        background=BACKGROUND, foreground=FOREGROUND)
    axis_fit.install()  # tick labels that do not overlap, titles that fit their axis


def argb_table(cmap: pg.ColorMap | None = None, rgba: np.ndarray | None = None) -> np.ndarray:
    """(256,) uint32 premultiplied ARGB colours of ``cmap`` (or of a (256, 4) uint8 RGBA table)."""
    if rgba is None:
        rgba = cmap.getLookupTable(0.0, 1.0, 256, alpha=True)
    rgba = np.asarray(rgba, dtype=np.uint32)
    a = rgba[:, 3]
    r, g, b = ((rgba[:, k] * a + 127) // 255 for k in range(3))  # premultiplied
    return (a << 24) | (r << 16) | (g << 8) | b


def set_color(label: QtWidgets.QLabel, color: str) -> None:
    """A label's text colour through its palette (no style sheet: re-polishing a
    widget's style sheet costs milliseconds). Call only when the colour changes."""
    pal = label.palette()
    pal.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(color))
    label.setPalette(pal)
    label.setProperty("gdviz_muted", color == MUTED)  # presenter mode turns muted text black


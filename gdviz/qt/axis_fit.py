"""Axes that stay legible on small plots (a 1280×720 projector, presenter mode's
large fonts): a tick label that would overlap another, or spill past the edge of
the canvas, is left out (its tick stays), and an axis title longer than its axis
is replaced by a shorter one given with :func:`set_short_titles` (e.g. "a" for
"output a"), or else shortened with "…" (the full title in its tooltip).

pyqtgraph always draws every label of the first tick level, even when they run
into each other on a short axis, and lets the end labels flow 15 px past the
axis. Every plot of the app gets its axes from ``pg.PlotItem`` or ``ColorBarItem``,
so :func:`install` wraps two methods of :class:`pyqtgraph.AxisItem` once
(:func:`gdviz.qt.colours.apply_pyqtgraph_defaults` calls it) instead of each
view replacing its axes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore

__all__ = ["install", "legible_texts", "fit_title", "set_short_titles", "GAP_PX"]

GAP_PX = 2.0  # at least this much room between two tick labels
ELLIPSIS = "…"

_original: dict[str, object] = {}


def _visible_rect(axis: pg.AxisItem) -> QtCore.QRectF | None:
    """The part of the canvas on screen, in ``axis`` coordinates (None: not in a view)."""
    scene = axis.scene()
    views = scene.views() if scene is not None else []
    if not views:
        return None
    view = views[0]
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    return axis.mapRectFromScene(seen).adjusted(-1.0, -1.0, 1.0, 1.0)


def legible_texts(axis: pg.AxisItem, texts: list) -> list:
    """Of pyqtgraph's ``(rect, flags, text)`` tick labels (first level first), those that
    neither overlap a label kept before them nor leave the canvas."""
    room = _visible_rect(axis)
    kept: list = []
    for spec in texts:
        rect = spec[0]
        if room is not None and not room.contains(rect):
            continue
        wide = rect.adjusted(-GAP_PX / 2, -GAP_PX / 2, GAP_PX / 2, GAP_PX / 2)
        if any(wide.intersects(k[0]) for k in kept):
            continue
        kept.append(spec)
    return kept


def _draw_specs(self, p):
    specs = _original["generateDrawSpecs"](self, p)
    if specs is None:
        return None
    axis_spec, tick_specs, text_specs = specs
    return axis_spec, tick_specs, legible_texts(self, text_specs)


def set_short_titles(axis: pg.AxisItem, full: str, *short: str) -> None:
    """When ``axis`` is titled ``full`` and it does not fit, show the first of ``short``
    (longest first) that fits instead, ``full`` in its tooltip. Register before or
    after the title is set."""
    if not hasattr(axis, "_gdviz_short"):
        axis._gdviz_short = {}
    axis._gdviz_short[full] = tuple(short)
    if axis.labelText == full:
        fit_title(axis)


def fit_title(axis: pg.AxisItem) -> None:
    """Fit the title of ``axis`` to the axis's length: in full when it fits, else its
    first short title that fits (:func:`set_short_titles`), else shortened with "…";
    the full title becomes the tooltip."""
    label = axis.label
    full = axis.labelText
    if label is None or not full:
        return
    length = axis.height() if axis.orientation in ("left", "right") else axis.width()
    if length <= 0:
        return
    label.setHtml(axis.labelString())
    if label.boundingRect().width() <= length:
        label.setToolTip("")
        return
    label.setToolTip(full)
    try:
        for short in getattr(axis, "_gdviz_short", {}).get(full, ()):
            axis.labelText = short
            label.setHtml(axis.labelString())
            if label.boundingRect().width() <= length:
                return
        for k in range(len(full) - 1, 0, -1):
            axis.labelText = full[:k].rstrip() + ELLIPSIS
            label.setHtml(axis.labelString())
            if label.boundingRect().width() <= length:
                break
        else:
            label.setHtml("")
    finally:
        axis.labelText = full


def _resize_event(self, ev=None):
    if getattr(self, "label", None) is not None and self.labelText:
        fit_title(self)
    _original["resizeEvent"](self, ev)


def _update_label(self):
    _original["_updateLabel"](self)
    if getattr(self, "label", None) is not None:
        fit_title(self)
        _original["resizeEvent"](self, None)


def install() -> None:
    """Make every pyqtgraph axis legible (idempotent)."""
    if _original:
        return
    for name, patch in (("generateDrawSpecs", _draw_specs), ("resizeEvent", _resize_event),
                        ("_updateLabel", _update_label)):
        _original[name] = getattr(pg.AxisItem, name)
        setattr(pg.AxisItem, name, patch)


def raw_draw_specs(axis: pg.AxisItem, p):
    """What pyqtgraph alone would draw (for tests that compare)."""
    if not _original:
        return axis.generateDrawSpecs(p)
    return _original["generateDrawSpecs"](axis, p)

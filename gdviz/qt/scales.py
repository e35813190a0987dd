"""Scales and numbers: symmetric colour levels that do not flicker, stable axis
ranges, and short human-readable numbers."""

from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from gdviz.render import robust_max
from gdviz.training.scales import nice_ticks

__all__ = ["robust_max", "symmetric_levels", "LevelSmoother", "BarSync", "number_bar", "nice_ceiling", "nice_top", "doubling", "fmt"]


def symmetric_levels(arr, q: float = 99.0) -> tuple[float, float]:
    """``(-m, m)`` with m = :func:`robust_max` — zero always maps to the middle colour."""
    m = robust_max(arr, q)
    return (-m, m)


class LevelSmoother:
    """Smooths a colour scale across frames so it does not flicker.

    Rises quickly (values must not stay saturated), falls slowly, and only
    changes the *shown* value when it moved by more than ``tolerance`` (so the
    colour bar's axis is not rebuilt every frame). A target that is not a positive
    number (e.g. NaN for an all-zero gradient before the first step) keeps the
    scale where it is; before any real value the scale starts at the first one.
    """

    def __init__(self, rise: float = 0.5, fall: float = 0.08, tolerance: float = 0.03):
        self.rise, self.fall, self.tolerance = rise, fall, tolerance
        self.reset()

    def reset(self) -> None:
        self._smooth: float | None = None
        self.value: float = 1.0
        self.changed = True

    def update(self, target: float) -> float:
        if not (target > 0 and math.isfinite(target)):
            if self._smooth is None:
                self.changed = False
                return self.value
            target = self._smooth
        if self._smooth is None:
            self._smooth = target
            self.value = target
            self.changed = True
            return self.value
        rate = self.rise if target > self._smooth else self.fall
        self._smooth += rate * (target - self._smooth)
        self.changed = abs(self._smooth - self.value) > self.tolerance * self.value
        if self.changed:
            self.value = self._smooth
        return self.value


class BarSync:
    """Keeps a colour bar's scale in step with its image's symmetric levels ±m.

    A new range rebuilds the bar's axis (its ticks, then a paint that lays them
    out again: 1-2 ms of the GUI thread, in one turn of its event loop), so while
    training runs the bar follows at most every ``interval`` seconds; the image
    itself follows every frame. When not running (paused, stepping) it follows at once.
    """

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self.reset()

    def reset(self) -> None:
        self.shown: float | None = None
        self._at = -math.inf

    def sync(self, bar: pg.ColorBarItem, m: float, running: bool = False) -> bool:
        """Show ±``m`` on ``bar`` if it is due; True when the bar changed."""
        if m == self.shown:
            return False
        now = time.perf_counter()
        if running and now - self._at < self.interval:
            return False
        bar.setLevels((-m, m), update_items=False)
        number_bar(bar, -m, m)
        self.shown, self._at = m, now
        return True


def number_bar(bar: pg.ColorBarItem, lo: float, hi: float) -> None:
    """Numbers on a colour bar for its levels ``(lo, hi)``: ticks at a 1-2-5 step with
    only the digits the step resolves, and an axis wide enough for the widest one."""
    ticks = nice_ticks(lo, hi, 5)
    if not ticks:
        return
    axis = bar.axis
    axis.setTicks([ticks, []])
    fm = QtGui.QFontMetrics(axis.style.get("tickFont") or QtWidgets.QApplication.font())
    wide = max(fm.horizontalAdvance(text) for _, text in ticks)
    width = wide + max(axis.style.get("tickLength", 4), 0) + axis.style.get("tickTextOffset", [5, 2])[0] + 4
    if width != axis.width():
        axis.setWidth(width)


def nice_ceiling(x: float, minimum: float = 1e-6) -> float:
    """Smallest 1-2-5 × 10^k that is ≥ x (a stable axis range); ``minimum`` if x is not usable."""
    if not (math.isfinite(x) and x > minimum):
        return minimum
    e = math.floor(math.log10(x))
    for f in (1.0, 2.0, 5.0, 10.0):
        v = f * 10.0 ** e
        if v >= x * (1 - 1e-9):
            return v
    return 10.0 ** (e + 1)


def fmt(x: float) -> str:
    """A short human number: 0.123, −0.00423, 12.3, 1.23e+04, "not a number"."""
    x = float(x)
    if not math.isfinite(x):
        return "not a number" if math.isnan(x) else ("+∞" if x > 0 else "−∞")
    ax = abs(x)
    if x == 0:
        s = "0"
    elif ax >= 1e4 or ax < 1e-4:
        s = f"{x:.2e}"
    elif ax >= 100:
        s = f"{x:.0f}"
    elif ax >= 10:
        s = f"{x:.1f}".rstrip("0").rstrip(".")
    elif ax >= 1:
        s = f"{x:.2f}".rstrip("0").rstrip(".")
    else:
        s = f"{x:.3g}"
    return s.replace("-", "−")


def doubling(value: float, start: float) -> float:
    """The smallest ``start * 2**k`` that is ≥ ``value``."""
    top = start
    while top < value:
        top *= 2.0
    return top


def nice_top(value: float) -> float:
    """Round ``value`` up to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k (few range changes)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    base = 10.0**exp
    for m in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if value <= m * base * (1 + 1e-9):
            return m * base
    return 10.0 * base


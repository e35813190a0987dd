"""Axis and colour scales that show only what the numbers resolve (no Qt).

A float32 cost carries about seven significant digits, and a saturated
network's cost changes by 10⁻¹⁴ across a whole plot. Drawn on an axis fitted
to its range, that noise becomes a cliff labelled with fifteen decimals.
:func:`visible_range` gives every range a minimum span; :func:`nice_ticks`
labels a range with 1-2-5 steps and exactly the digits the step needs;
:func:`is_flat` is the one rule for "this does not change at all".
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MIN_REL_SPAN", "FLAT_REL", "visible_range", "nice_ticks", "is_flat", "SteadyRange"]

#: The smallest span a cost axis or colour scale shows, relative to the values' size.
MIN_REL_SPAN = 1e-3
#: Changes below this share of the value are rounding, not a change ("flat").
FLAT_REL = 1e-6


def visible_range(lo: float, hi: float, *, rel: float = MIN_REL_SPAN,
                  floor: float = 1e-12) -> tuple[float, float]:
    """``(lo, hi)`` widened about its middle to at least ``rel × max(|lo|, |hi|)``
    (and at least ``floor``), so that rounding noise draws as a flat line.
    Non-finite bounds are returned as they are."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return lo, hi
    if hi < lo:
        lo, hi = hi, lo
    need = max(rel * max(abs(lo), abs(hi)), floor)
    if hi - lo >= need:
        return lo, hi
    mid = 0.5 * (lo + hi)
    return mid - 0.5 * need, mid + 0.5 * need


def _nice_step(raw: float, up: bool) -> float:
    """The 1-2-5 × 10^k nearest ``raw`` from above (``up``) or from below."""
    e = math.floor(math.log10(raw))
    cands = [f * 10.0 ** k for k in (e - 1, e, e + 1) for f in (1.0, 2.0, 5.0)]
    if up:
        return min(c for c in cands if c >= raw * (1 - 1e-9))
    return max(c for c in cands if c <= raw * (1 + 1e-9))


def _label(v: float, step: float, big: float) -> str:
    if abs(v) < 0.5 * step:
        return "0"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if 1e-3 <= big < 1e5 and decimals <= 8:
        text = f"{v:.{decimals}f}"
    else:
        digits = max(0, math.floor(math.log10(big) + 1e-9) - math.floor(math.log10(step) + 1e-9))
        mant, exp = f"{v:.{digits}e}".split("e")
        text = f"{mant}e{int(exp)}"
    return text.replace("-", "−")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[tuple[float, str]]:
    """About ``n`` ticks (at most ``max(n, 5)``, never fewer than two) ``(value, label)``
    on [lo, hi] at a 1-2-5 step, each label with just the decimals the step resolves
    ("0.0015", "−2e−6", "0").
    Empty for a range that is not finite or has no width."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)) or not hi > lo:
        return []
    big = max(abs(lo), abs(hi))
    step = _nice_step((hi - lo) / max(1, n - 1), up=True)
    while True:
        if step < 1e-12 * big:
            return []  # a range below rounding: no number tells its ticks apart
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last - first >= 1:
            break
        step = _nice_step(step * 0.99, up=False)
    return [(k * step, _label(k * step, step, big)) for k in range(first, last + 1)]


def is_flat(values, reference: float, rel: float = FLAT_REL) -> bool:
    """True when the finite ``values`` differ by at most ``rel × |reference|``: no step
    or direction changes the cost (a zero gradient, a saturated network)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0 or not math.isfinite(reference):
        return False
    return float(v.max() - v.min()) <= rel * max(abs(reference), 1e-12)


class SteadyRange:
    """A plot range that does not move with every new frame.

    A new range rebuilds the axis (its ticks, their labels, often a new layout of the
    plot): a few ms of the GUI thread each time. :meth:`update` is given the range
    that fits the data now (``fitted``) and the part of it that must stay on screen
    (``need``). The range on show, :attr:`value`, is kept while it holds ``need``
    and is at most :attr:`TOO_TALL` times as tall as ``fitted``. When the data
    leaves it, it grows at once to hold both itself and ``fitted`` (data that jumps
    up and down then stays inside); when it is too tall, after :attr:`SHRINK_AFTER`
    too-tall updates in a row, it becomes ``fitted``. When not ``running`` (paused,
    stepping: the user looks at each change) it becomes ``fitted`` at once.
    """

    TOO_TALL = 2.0
    SHRINK_AFTER = 4

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.value: tuple[float, float] | None = None
        self._loose = 0  # too-tall updates in a row

    def update(self, fitted, need=None, *, running: bool = False) -> bool:
        """Follow ``fitted`` ((lo, hi), or None: no range); True when :attr:`value` changed."""
        old = self.value
        if fitted is None:
            self.value, self._loose = None, 0
            return old is not None
        f_lo, f_hi = (float(v) for v in fitted)
        n_lo, n_hi = (f_lo, f_hi) if need is None else (float(v) for v in need)
        if old is None or not all(math.isfinite(v) for v in (*old, f_lo, f_hi, n_lo, n_hi)):
            self.value, self._loose = (f_lo, f_hi), 0
            return self.value != old
        lo, hi = old
        holds = lo <= n_lo and n_hi <= hi
        if holds and hi - lo <= self.TOO_TALL * (f_hi - f_lo):
            self._loose = 0
            return False
        if not running:
            self.value = (f_lo, f_hi)
        elif not holds:  # the data leaves: grow
            self.value = (min(lo, f_lo), max(hi, f_hi))
        else:
            self._loose += 1
            if self._loose < self.SHRINK_AFTER:
                return False
            self.value = (f_lo, f_hi)
        self._loose = 0
        return self.value != old

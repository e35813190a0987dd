"""Scales that show only what the numbers resolve: a minimum visible span, ticks with
just the digits their step needs, and the one rule for "flat"."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz.training.scales import (
    FLAT_REL,
    MIN_REL_SPAN,
    SteadyRange,
    is_flat,
    nice_ticks,
    visible_range,
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def _value(label: str) -> float:
    return float(label.replace("−", "-"))


def test_a_rise_of_5e_minus_14_is_drawn_flat():
    lo, hi = visible_range(0.45, 0.45 + 5e-14)
    assert hi - lo == pytest.approx(MIN_REL_SPAN * 0.45)
    assert lo < 0.45 < 0.45 + 5e-14 < hi  # centred on the data
    assert visible_range(0.2, 0.3) == (0.2, 0.3)  # a real range is kept
    assert visible_range(1.0, 1.0, rel=0.01) == pytest.approx((0.995, 1.005))
    lo, hi = visible_range(0.0, 0.0)
    assert hi > lo  # even a flat zero gets a width
    assert math.isnan(visible_range(float("nan"), 1.0)[0])


@given(finite, finite)
def test_visible_range_contains_the_data_and_has_the_minimum_width(a, b):
    lo, hi = visible_range(a, b)
    assert lo <= min(a, b) and hi >= max(a, b)
    assert hi - lo >= min(MIN_REL_SPAN * max(abs(a), abs(b)), 1.0) * (1 - 1e-9) or hi - lo >= 1e-12


def test_ticks_say_what_the_step_resolves():
    assert nice_ticks(-0.0057, 0.0057) == [(-0.005, "−0.005"), (0.0, "0"), (0.005, "0.005")]
    assert [t for _, t in nice_ticks(0.9995, 1.0005)] == ["0.9995", "1.0000", "1.0005"]
    assert [t for _, t in nice_ticks(-2.3e-6, 2.3e-6)] == ["−2e−6", "0", "2e−6"]
    assert [t for _, t in nice_ticks(1, 3e5)] == ["1e5", "2e5", "3e5"]
    assert nice_ticks(1.0, 1.0) == [] and nice_ticks(0.0, float("inf")) == []
    assert nice_ticks(1e6, 1e6 + 1e-10) == []  # below float64 rounding: no ticks, no hang


@given(finite, st.floats(min_value=1e-3, max_value=1e6), st.integers(2, 9))
def test_ticks_lie_in_the_range_read_back_their_value_and_are_few(lo, width, n):
    hi = lo + width
    lo2, hi2 = visible_range(lo, hi)
    ticks = nice_ticks(lo2, hi2, n)
    assert 2 <= len(ticks) <= max(n, 5)
    values = [v for v, _ in ticks]
    step = values[1] - values[0]
    assert all(lo2 - 1e-9 * abs(step) <= v <= hi2 + 1e-9 * abs(step) for v in values)
    labels = [t for _, t in ticks]
    assert len(set(labels)) == len(labels)  # no two ticks read the same
    for v, t in ticks:
        assert _value(t) == pytest.approx(v, abs=0.01 * step)  # the label says the value
        if "e" not in t and "." in t:  # no more decimals than the step needs
            assert len(t.split(".")[1]) <= max(0, -math.floor(math.log10(step) + 1e-9))


def test_flat_means_no_change_beyond_rounding():
    assert is_flat(np.full(61, 0.45) + np.linspace(0, 5e-14, 61), 0.45)
    assert not is_flat(np.array([0.45, 0.4499]), 0.45)
    assert is_flat(np.array([1.0, np.nan, 1.0 + FLAT_REL / 2]), 1.0)
    assert not is_flat(np.array([np.nan]), 1.0) and not is_flat(np.array([1.0]), float("nan"))


def test_a_steady_range_moves_only_when_the_data_leaves_it_or_it_is_far_too_tall():
    r = SteadyRange()
    assert r.update((0.0, 1.0), (0.05, 0.95), running=True) and r.value == (0.0, 1.0)
    # the data moves a little, inside: kept
    assert not r.update((0.1, 1.1), (0.15, 0.98), running=True)
    assert r.value == (0.0, 1.0)
    # it leaves through the top: grown to hold the old range and the new fit
    assert r.update((0.2, 1.4), (0.25, 1.3), running=True)
    assert r.value == (0.0, 1.4)
    # a jump back down stays inside: kept
    assert not r.update((0.1, 1.0), (0.15, 0.9), running=True)
    # far too tall: shrinks, but only after SHRINK_AFTER such updates in a row while running
    small = ((0.1, 0.5), (0.12, 0.48))
    for _ in range(SteadyRange.SHRINK_AFTER - 1):
        assert not r.update(*small, running=True)
    assert r.update(*small, running=True) and r.value == (0.1, 0.5)
    # paused or stepping: follows a too-tall range at once, and a leaving one exactly
    assert r.update((0.1, 0.2), (0.11, 0.19)) and r.value == (0.1, 0.2)
    assert r.update((0.15, 0.3), (0.16, 0.28)) and r.value == (0.15, 0.3)
    # nothing to show, then something again
    assert r.update(None) and r.value is None
    assert r.update((1.0, 2.0)) and r.value == (1.0, 2.0)
    r.reset()
    assert r.value is None

"""Marching squares below Qt: the contour of a distance map is a circle, NaN corners
give no segment, and the lines land in the map's own coordinates."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.training.contours import contour_lines, contour_segments


def test_contour_segments_follow_a_circle():
    y, x = np.mgrid[0:41, 0:41]
    r = np.hypot(x - 10.0, y - 30.0)
    seg = contour_segments(r, 5.0)
    pts = seg.reshape(-1, 2)
    assert seg.shape[1:] == (2, 2) and len(seg) > 20
    np.testing.assert_allclose(np.hypot(pts[:, 0] - 10, pts[:, 1] - 30), 5.0, atol=0.1)
    r[3, 3] = np.nan
    assert np.isfinite(contour_segments(r, 20.0)).all()
    assert contour_segments(np.full((4, 4), np.nan), 1.0).shape == (0, 2, 2)
    assert contour_segments(np.ones((1, 5)), 1.0).shape == (0, 2, 2)
    with pytest.raises(ValueError):
        contour_segments(np.ones(5), 1.0)


def test_a_saddle_cell_gives_two_segments():
    seg = contour_segments(np.array([[0.0, 1.0], [1.0, 0.0]]), 0.5)
    assert seg.shape == (2, 2, 2)


def test_lines_are_in_map_coordinates():
    n, extent = 21, 3.0
    a = np.linspace(-extent, extent, n)
    A, B = np.meshgrid(a, a)
    img = A ** 2 + B ** 2
    xs, ys = contour_lines(img, [1.0, 4.0], extent)
    assert xs.size == ys.size and xs.size % 2 == 0  # pairs of points
    radii = np.hypot(xs, ys)
    assert np.all((np.abs(radii - 1.0) < 0.05) | (np.abs(radii - 2.0) < 0.05))
    assert np.any(np.abs(radii - 1.0) < 0.05) and np.any(np.abs(radii - 2.0) < 0.05)

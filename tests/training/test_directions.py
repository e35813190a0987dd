"""Filter-normalised directions and the path's PCA plane."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.core import Network, parameter_layout
from gdviz.training.directions import filter_normalised, path_plane

SIZES = (784, 16, 16, 10)


def lesson_theta(seed=0):
    net = Network(SIZES)
    net.initialise(np.random.default_rng(seed))
    theta = net.theta.astype(np.float64)
    theta[-10:] = np.linspace(-1, 1, 10)  # some biases that are not zero
    return theta


def test_each_row_of_w_has_the_norm_of_thetas_row_and_biases_stay_still():
    theta = lesson_theta()
    d = filter_normalised(SIZES, theta, np.random.default_rng(1))
    for slot in parameter_layout(SIZES):
        seg = slice(slot.start, slot.stop)
        if slot.kind == "W":
            np.testing.assert_allclose(np.linalg.norm(d[seg].reshape(slot.shape), axis=1),
                                       np.linalg.norm(theta[seg].reshape(slot.shape), axis=1),
                                       rtol=1e-12)
        else:
            assert not np.any(d[seg])


def test_biases_can_move_scaled_to_their_layer():
    theta = lesson_theta()
    d = filter_normalised(SIZES, theta, np.random.default_rng(2), biases=True)
    last = parameter_layout(SIZES)[-1]
    seg = slice(last.start, last.stop)
    assert np.linalg.norm(d[seg]) == pytest.approx(np.linalg.norm(theta[seg]))


def test_a_zero_row_gets_a_zero_direction_not_nan():
    theta = lesson_theta()
    theta[:784] = 0.0  # the first neuron's weights
    d = filter_normalised(SIZES, theta, np.random.default_rng(3))
    assert np.all(np.isfinite(d)) and not np.any(d[:784])


def test_the_plane_of_a_path_in_a_plane_captures_all_of_it():
    rng = np.random.default_rng(0)
    n = 500
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    t = np.linspace(0, 1, 12)
    path = np.outer(3 * t, a) + np.outer(np.sin(4 * t), b) + 7.0
    plane = path_plane(path)
    assert plane.captured_total == pytest.approx(1.0)
    assert plane.captured[0] >= plane.captured[1] > 0
    assert abs(plane.d1 @ plane.d2) < 1e-12
    # the coordinates rebuild the path exactly
    rebuilt = plane.origin + plane.coords @ np.stack([plane.d1, plane.d2])
    np.testing.assert_allclose(rebuilt, path, atol=1e-9)
    np.testing.assert_allclose(plane.coords[-1], 0.0)


def test_a_path_with_more_dimensions_is_only_partly_captured():
    rng = np.random.default_rng(1)
    path = np.cumsum(rng.standard_normal((30, 200)), axis=0)  # a random walk
    plane = path_plane(path)
    assert 0.2 < plane.captured_total < 1.0


def test_too_short_or_flat_paths_are_refused():
    with pytest.raises(ValueError, match="three points"):
        path_plane(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="does not span a plane"):
        path_plane(np.outer(np.arange(5.0), np.ones(4)))

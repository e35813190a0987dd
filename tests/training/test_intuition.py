"""The 1-D curve and the 2-D bowls step exactly by η·slope and η·∇C."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.training.intuition import BOWLS, CURVE, Bowl2D


def test_the_curve_has_three_valleys_the_deepest_in_the_middle():
    m = CURVE.minima()
    assert len(m) == 3
    costs = CURVE.cost(m)
    assert np.argmin(costs) == 1
    np.testing.assert_allclose(CURVE.slope(m), 0, atol=1e-3)


def test_slope_and_curvature_are_the_derivatives():
    x = np.linspace(-4, 4, 101)
    h = 1e-5
    np.testing.assert_allclose(CURVE.slope(x), (CURVE.cost(x + h) - CURVE.cost(x - h)) / (2 * h),
                               atol=1e-6)
    np.testing.assert_allclose(CURVE.curvature(x), (CURVE.slope(x + h) - CURVE.slope(x - h)) / (2 * h),
                               atol=1e-5)


def test_each_1d_step_is_exactly_eta_times_the_slope():
    path = CURVE.descend(2.5, lr=0.1, steps=30)
    x = path.points[:, 0]
    np.testing.assert_array_equal(x[1:], x[:-1] - 0.1 * CURVE.slope(x[:-1]))
    assert not path.diverged and path.steps == 30
    assert np.all(np.diff(path.costs) <= 1e-12)  # a small η: always downhill


def test_the_valley_reached_depends_on_the_start():
    m = CURVE.minima()
    ends = [CURVE.descend(x0, 0.05, 2000).points[-1, 0] for x0 in (-3.9, -1.0, 3.0)]
    np.testing.assert_allclose(ends, m, atol=1e-3)


def test_a_large_eta_overshoots_and_a_huge_one_diverges():
    bottom = CURVE.minima()[1]
    k = float(CURVE.curvature(bottom))
    near = bottom + 0.05
    over = CURVE.descend(near, lr=1.6 / k, steps=3).points[:, 0]
    assert np.sign(over[1] - bottom) != np.sign(over[0] - bottom)  # jumped across the bottom
    assert not CURVE.descend(near, lr=1.6 / k, steps=200).diverged  # η·C'' < 2: settles
    huge = CURVE.descend(near, lr=5.0, steps=200)
    assert huge.diverged and huge.steps < 200


@pytest.mark.parametrize("name", list(BOWLS))
def test_each_2d_step_is_exactly_eta_times_the_gradient(name):
    bowl = BOWLS[name]
    path = bowl.descend([2.0, 1.5], lr=0.05, steps=20)
    p = path.points
    np.testing.assert_array_equal(p[1:], [q - 0.05 * bowl.gradient(q) for q in p[:-1]])


def test_the_gradient_points_uphill_fastest():
    bowl = BOWLS["valley"]
    p = np.array([1.0, -0.7])
    g = bowl.gradient(p)
    angles = np.linspace(0, 2 * np.pi, 3600, endpoint=False)
    dirs = np.stack([np.cos(angles), np.sin(angles)], 1)
    rise = bowl.cost(p + 1e-6 * dirs) - bowl.cost(p)
    best = dirs[np.argmax(rise)]
    np.testing.assert_allclose(best, g / np.linalg.norm(g), atol=2e-3)


def test_the_narrow_valley_zigzags_and_diverges_past_two_over_lambda():
    bowl = BOWLS["valley"]
    lam = bowl.lam_max
    assert lam == 15.0 and np.allclose(np.linalg.eigvalsh(bowl.hessian).max(), lam)
    zig = bowl.descend([-1.0, 2.0], lr=1.8 / lam, steps=40)  # on the valley's steep wall
    d = np.diff(zig.points, axis=0)
    turns = np.sum(np.einsum("ij,ij->i", d[1:], d[:-1]) < 0)
    assert turns > 20 and not zig.diverged  # it bounces across the valley, yet settles
    assert bowl.descend([-1.0, 2.0], lr=2.1 / lam, steps=500).diverged
    # the round bowl with the same η walks straight down
    assert not Bowl2D("r", 1.0, 1.0).descend([-1.0, 2.0], lr=1.8 / lam, steps=40).diverged


def test_grid_matches_cost():
    xs, ys, C = BOWLS["round"].grid(2.0, 5)
    assert C.shape == (5, 5)
    assert C[0, 4] == pytest.approx(BOWLS["round"].cost([xs[4], ys[0]]))


def test_valley_of_names_the_bottom_a_small_step_reaches():
    for x0 in (-3.9, -2.5, -1.0, 0.5, 3.0):
        end = CURVE.descend(x0, 0.05, 3000).points[-1, 0]
        assert CURVE.valley_of(x0) == pytest.approx(end, abs=1e-3)


def test_a_walk_in_pieces_is_the_walk_in_one_go():
    whole = BOWLS["valley"].descend([1.0, 2.0], 0.1, 5)
    walked = BOWLS["valley"].descend([1.0, 2.0], 0.1, 2)
    walked = walked.then(BOWLS["valley"].descend(walked.points[-1], 0.1, 3))
    np.testing.assert_allclose(walked.points, whole.points)
    np.testing.assert_allclose(walked.costs, whole.costs)
    assert walked.steps == 5 and walked.diverged == whole.diverged

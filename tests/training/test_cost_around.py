"""What the Step-size and Landscape views compute, below Qt: the slice along −∇C of the
evaluation digits (or of the last mini-batch), the cost axis that never turns rounding
into a cliff, and the landscape map with its levels, contours and the path on it."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.training import TrainConfig, TrainingSession
from gdviz.training.cost_around import (
    cost_axis_fit,
    cost_axis_range,
    eval_gradient,
    landscape_frame,
    map_display,
    step_size_for,
)
from gdviz.training.landscape import fixed_eval_batch, landscape, project_path, step_size_slice
from gdviz.training.scales import MIN_REL_SPAN
from reference import reference_gradient


@pytest.fixture(scope="module")
def run(tiny):
    s = TrainingSession(tiny, TrainConfig())
    for _ in range(10):
        s.train_step()
    return s, s.snapshot(), fixed_eval_batch(tiny, n=200)


def test_eval_gradient_is_the_gradient_of_the_digits_at_theta(run):
    _, snap, batch = run
    _, g = reference_gradient(snap, batch)
    np.testing.assert_array_equal(eval_gradient(snap, batch), g)


def test_step_size_slices_follow_the_chosen_slope(run):
    _, snap, batch = run
    net, g = reference_gradient(snap, batch)
    r = step_size_for(snap, "eval", batch, 0.5)
    ref = step_size_slice(net, snap.theta, g, batch.images, batch.labels, lr=0.5)
    np.testing.assert_allclose(r.slice.costs, ref.costs, rtol=1e-6)
    assert (r.step, r.run_id, r.lr, r.slope) == (snap.step, snap.run_id, 0.5, "eval")
    assert r.goes_down and not r.flat and not r.zero_grad
    b = step_size_for(snap, "batch", batch, snap.lr)
    ref = step_size_slice(net, snap.theta, snap.grad, batch.images, batch.labels, lr=snap.lr)
    np.testing.assert_allclose(b.slice.costs, ref.costs, rtol=1e-6)
    with pytest.raises(ValueError, match="unknown slope"):
        step_size_for(snap, "sideways", batch, 1.0)


def test_before_the_first_step_the_last_batch_slope_is_flat(tiny):
    s = TrainingSession(tiny, TrainConfig())
    r = step_size_for(s.snapshot(), "batch", fixed_eval_batch(tiny, n=50), 3.0)
    assert r.zero_grad and r.flat and not r.goes_down


def test_cost_axis_never_turns_rounding_into_a_cliff():
    ys = np.full(61, 0.45) + np.linspace(0, 5e-14, 61)
    lo, hi = cost_axis_range(ys, 0.45, 0.45, log=False)
    assert hi - lo >= MIN_REL_SPAN * 0.45 and lo < 0.45 < hi
    lo, hi = cost_axis_range(np.log10(ys), np.log10(0.45), np.log10(0.45), log=True)
    assert hi - lo >= MIN_REL_SPAN  # a thousandth of a decade at least
    # a real valley: zoomed on it, the blown-up costs leave through the top
    ys = np.r_[np.linspace(0.3, 0.2, 30), np.linspace(0.2, 50.0, 31)]
    lo, hi = cost_axis_range(ys, 0.3, 0.25, log=False)
    assert lo < 0.2 and 0.3 < hi < 1.0
    assert cost_axis_range(np.full(5, np.nan), float("nan"), float("nan"), log=False) is None
    # what a steadier range must still show: the curve with half the margins, within the fit
    fitted, (lo, hi) = cost_axis_fit(ys, 0.3, 0.25, log=False)
    assert fitted == cost_axis_range(ys, 0.3, 0.25, log=False)
    assert fitted[0] < lo <= 0.2 and 0.3 < hi < fitted[1]
    assert cost_axis_fit(np.full(5, np.nan), float("nan"), float("nan"), log=False) is None


def test_landscape_frame_is_the_engines_map_with_the_path_on_it(run):
    s, snap, batch = run
    net, g = reference_gradient(snap, batch)
    path = ((snap.step - 1, snap.theta + 0.01), (snap.step, snap.theta))
    f = landscape_frame(lambda: False, ("k",), snap, batch, "gradient", (0, 1), ("abs", 0.5), 0,
                        path, 11, None)
    ref = landscape(net, snap.theta, f.plane.d1, f.plane.d2, batch.images, batch.labels, 0.5, n=11)
    np.testing.assert_allclose(f.land.costs, ref.costs, rtol=1e-9)
    np.testing.assert_allclose(f.plane.d1, -g / np.linalg.norm(g), atol=1e-6)
    assert f.key == ("k",) and f.extent == 0.5 and f.step == snap.step and not f.flat
    pc = project_path(np.stack([p[1] for p in path]), snap.theta, f.plane.d1, f.plane.d2)
    assert f.path[snap.step] == pytest.approx(tuple(pc[1]), abs=1e-12)
    assert f.path[snap.step - 1] == pytest.approx(tuple(pc[0]))
    img, (lo, hi), cx, cy = f.shown[False]
    assert lo == pytest.approx(np.nanmin(f.land.costs)) and cx.size > 0
    assert np.all(np.abs(cx) <= 0.5 + 1e-9)
    # the weights plane: two parameters, the step length along them
    i, j = f.top2
    assert abs(g[i]) == np.abs(g).max()
    w = landscape_frame(lambda: False, ("w",), snap, batch, "weights", (i, j), ("step", 2.0), 0,
                        (), 5, None)
    assert w.plane.kind == "weights" and w.plane.d1[i] == 1 and w.plane.d2[j] == 1
    assert w.step_len == pytest.approx(snap.lr * np.hypot(g[i], g[j]), rel=1e-5)
    assert w.extent == pytest.approx(2.0 * w.step_len)
    # a newer request waiting: no map
    assert landscape_frame(lambda: True, (), snap, batch, "gradient", (0, 1), ("abs", 1.0), 0,
                           (), 11, None) is None


def test_a_flat_map_has_no_contours_and_levels_that_can_be_labelled():
    costs = np.full((11, 11), 0.45) + np.random.default_rng(0).uniform(0, 5e-14, (11, 11))
    img, (lo, hi), cx, cy = map_display(costs, False, 1.0, flat=True)
    assert hi - lo >= MIN_REL_SPAN * 0.45 and cx.size == 0
    img, (lo, hi), cx, cy = map_display(costs, True, 1.0, flat=True)
    assert hi - lo >= MIN_REL_SPAN and np.allclose(img, np.log10(costs))
    img, levels, cx, cy = map_display(np.full((3, 3), np.nan), False, 1.0)
    assert levels == (0.0, 1.0) and cx.size == 0

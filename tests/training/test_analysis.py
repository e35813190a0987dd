"""Computations behind the teaching views (gdviz.training.analysis / landscape)."""

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from gdviz.core import Network, to_unit
from gdviz.data import Dataset
from gdviz.training import Evaluation, TrainConfig, TrainingSession
from gdviz.training.analysis import (
    DEFAULT_S_VALUES,
    accuracy_gap,
    confusion_matrix,
    describe_parameter,
    example_wishes,
    fixed_eval_batch,
    full_gradient,
    gradient_cosine,
    gradient_histogram,
    gradient_norms,
    gradient_plane,
    landscape,
    locate_parameter,
    misclassified,
    project_path,
    random_plane,
    shuffled_labels_dataset,
    sorted_magnitudes,
    step_size_slice,
    subset_dataset,
    top_parameters,
    weights_plane,
)

SIZES = (784, 16, 16, 10)


def _readonly(*arrays):
    for a in arrays:
        assert isinstance(a, np.ndarray) and not a.flags.writeable


@pytest.fixture(scope="module")
def trained(tiny):
    """A session trained for 80 steps on the tiny set, and its snapshot."""
    s = TrainingSession(tiny, TrainConfig())
    for _ in range(80):
        s.train_step()
    return s, s.snapshot()


@pytest.fixture(scope="module")
def batch(tiny):
    return fixed_eval_batch(tiny, 300, seed=0)


def _direct_cost(net, theta, images, labels):
    return net.evaluate(images, labels, theta=np.asarray(theta, net.dtype))[0]


# ============================================================================ imports
def test_analysis_and_drawing_import_no_qt():
    code = (
        "import sys; import gdviz.training.analysis, gdviz.training.landscape, gdviz.data.drawing;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6') or m.startswith('gdviz.qt'));"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ============================================================================ 1. gradient as numbers
def test_top_parameters_finds_the_largest_components_of_minus_gradient():
    net = Network(SIZES)
    g = np.zeros(net.n_params, np.float32)
    w1 = net.layout[2]  # W1: (16, 16)
    b2 = net.layout[5]  # b2: (10,)
    g[w1.start + 3 * 16 + 7] = 5.0  # W1[3, 7]
    g[b2.start + 4] = -9.0  # b2[4]
    g[100] = 2.0  # W0[0, 100]
    g[200] = np.nan  # ranked last, no error
    top = top_parameters(net, g, k=3)
    assert [p.index for p in top] == [b2.start + 4, w1.start + 3 * 16 + 7, 100]
    first, second, third = top
    assert (first.layer, first.kind, first.neuron, first.input, first.value) == (2, "b", 4, None, 9.0)
    assert (second.layer, second.kind, second.neuron, second.input, second.value) == (1, "W", 3, 7, -5.0)
    assert (third.layer, third.kind, third.neuron, third.input) == (0, "W", 0, 100)
    for p in top:
        assert p.label == describe_parameter(net.sizes, p.index)
    # sizes work as well as a network
    assert top_parameters(SIZES, g, k=3) == top


def test_top_parameters_on_a_real_gradient(trained):
    s, snap = trained
    top = top_parameters(s.net, snap.grad, k=10)
    assert len(top) == 10
    mags = np.abs(snap.grad)
    assert abs(top[0].value) == pytest.approx(mags.max())
    assert [abs(p.value) for p in top] == sorted((abs(p.value) for p in top), reverse=True)
    assert abs(top[-1].value) >= np.sort(mags)[-10] - 1e-12
    for p in top:
        assert p.value == pytest.approx(-float(snap.grad[p.index]))
        assert locate_parameter(SIZES, p.index) == (p.layer, p.kind, p.neuron, p.input)


def test_gradient_histogram_and_sorted_magnitudes(trained):
    _, snap = trained
    g = snap.grad.copy()
    g[:5] = 0.0
    g[5] = np.nan
    h = gradient_histogram(g, bins=40)
    _readonly(h.edges, h.counts)
    assert h.counts.shape == (40,) and h.edges.shape == (41,) and h.counts.dtype == np.int64
    # many W0 components are exactly 0: pixels blank in every digit of the batch
    assert h.n_zero == np.count_nonzero(g == 0) >= 5 and h.n_nonfinite == 1 and h.n_total == g.size
    assert h.counts.sum() + h.n_zero + h.n_nonfinite == g.size
    finite = np.abs(g[np.isfinite(g) & (g != 0)]).astype(np.float64)
    assert h.edges[0] == pytest.approx(np.log10(finite.min()))
    assert h.edges[-1] == pytest.approx(np.log10(finite.max()))
    fixed = gradient_histogram(g, bins=10, log_range=(-12.0, 2.0))
    assert fixed.edges[0] == -12.0 and fixed.edges[-1] == 2.0

    sm = sorted_magnitudes(snap.grad, n_points=200)
    _readonly(sm.rank, sm.magnitude, sm.share)
    n = snap.grad.size
    assert sm.n == n and sm.rank[0] == 0 and sm.rank[-1] == n - 1
    assert len(sm.rank) <= 202
    assert np.all(np.diff(sm.rank) > 0) and np.all(np.diff(sm.magnitude) <= 0)
    assert np.all(np.diff(sm.share) >= 0) and sm.share[-1] == pytest.approx(1.0)
    exact = np.sort(np.abs(snap.grad.astype(np.float64)))[::-1]
    assert np.allclose(sm.magnitude, exact[sm.rank])
    assert sm.norm == pytest.approx(np.linalg.norm(snap.grad.astype(np.float64)), rel=1e-6)
    assert sm.share[np.searchsorted(sm.rank, 9)] == pytest.approx(np.sum(exact[:10] ** 2) / np.sum(exact ** 2))


def test_gradient_norms(trained):
    s, snap = trained
    gn = gradient_norms(s.net, snap.grad)
    assert gn.names == ("W0", "b0", "W1", "b1", "W2", "b2")
    assert gn.norms.shape == (6,)
    _readonly(gn.norms)
    assert np.sqrt(np.sum(gn.norms ** 2)) == pytest.approx(gn.total, rel=1e-9)
    Ws, _ = s.net.split(snap.grad)
    assert gn.norms[2] == pytest.approx(np.linalg.norm(Ws[1].astype(np.float64)), rel=1e-6)


# ============================================================================ 2. step size
def test_fixed_eval_batch_is_deterministic(tiny):
    a, b = fixed_eval_batch(tiny, 100, seed=3), fixed_eval_batch(tiny, 100, seed=3)
    assert np.array_equal(a.indices, b.indices) and a.n == 100
    assert not np.array_equal(a.indices, fixed_eval_batch(tiny, 100, seed=4).indices)
    assert np.array_equal(a.images, tiny.train_images[a.indices])
    assert np.array_equal(a.labels, tiny.train_labels[a.indices])
    assert a.images.dtype == np.uint8 and a.images.shape == (100, 784)
    assert len(np.unique(a.indices)) == 100
    _readonly(a.images, a.labels, a.indices)
    assert fixed_eval_batch(tiny, 10_000).n == tiny.n_train


@pytest.mark.parametrize("lr", [0.5, 3.0])
def test_step_size_slice_at_eta_equals_the_cost_after_a_real_sgd_step(tiny, lr):
    # batch = the whole training set (shuffled), so "the same batch" is known
    s = TrainingSession(tiny, TrainConfig(optimizer="sgd", batch_size=tiny.n_train, lr=lr))
    for _ in range(3):  # move away from the initial weights first
        s.train_step()
    theta0 = s.net.theta.copy()
    cost_before = s.train_step()
    snap = s.snapshot()
    X, y = tiny.train_images, tiny.train_labels
    sl = step_size_slice(s.net, theta0, snap.grad, X, y, [0.1 * lr, lr, 10 * lr], lr=lr)
    after = _direct_cost(s.net, snap.theta, X, y)
    assert sl.costs[1] == pytest.approx(after, rel=2e-5)
    assert sl.cost_at_lr == pytest.approx(after, rel=2e-5)
    assert sl.cost0 == pytest.approx(cost_before, rel=2e-5)
    assert abs(after - cost_before) > 1e-3  # the step really changed the cost
    assert sl.costs[0] < sl.cost0  # a small step downhill lowers the cost
    # and each other s is the cost at θ − s∇C
    for si, c in zip(sl.s, sl.costs):
        assert c == pytest.approx(_direct_cost(s.net, theta0 - np.float32(si) * snap.grad, X, y), rel=2e-5)


def test_step_size_slice_defaults_and_best(trained, batch):
    s, snap = trained
    sl = step_size_slice(s.net, snap.theta, snap.grad, batch.images, batch.labels)
    _readonly(sl.s, sl.costs)
    assert sl.s.shape == sl.costs.shape == (61,) and np.array_equal(sl.s, DEFAULT_S_VALUES)
    assert sl.s[0] == pytest.approx(1e-4) and sl.s[-1] == pytest.approx(100.0)
    i = int(np.nanargmin(sl.costs))
    assert sl.best_s == sl.s[i] and sl.best_cost == sl.costs[i]
    assert np.isnan(sl.lr) and np.isnan(sl.cost_at_lr)
    assert sl.grad_norm == pytest.approx(np.linalg.norm(snap.grad.astype(np.float64)), rel=1e-6)
    assert sl.n_examples == batch.n
    assert sl.cost0 == pytest.approx(_direct_cost(s.net, snap.theta, batch.images, batch.labels), rel=1e-5)


def test_step_size_slice_with_nan_theta_gives_nan(trained, batch):
    s, snap = trained
    bad = snap.theta.copy()
    bad[::7] = np.nan
    sl = step_size_slice(s.net, bad, snap.grad, batch.images, batch.labels, lr=3.0)
    assert np.all(np.isnan(sl.costs)) and np.isnan(sl.best_s) and np.isnan(sl.cost0)
    nan_grad = np.full_like(snap.grad, np.nan)
    sl = step_size_slice(s.net, snap.theta, nan_grad, batch.images, batch.labels)
    assert np.all(np.isnan(sl.costs)) and np.isfinite(sl.cost0)


def test_step_size_slice_with_cross_entropy(tiny):
    s = TrainingSession(tiny, TrainConfig(cost="ce", activation="relu", batch_size=tiny.n_train, lr=0.5))
    s.train_step()
    theta0 = s.net.theta.copy()
    s.train_step()
    snap = s.snapshot()
    sl = step_size_slice(s.net, theta0, snap.grad, tiny.train_images, tiny.train_labels, [0.5])
    assert sl.costs[0] == pytest.approx(_direct_cost(s.net, snap.theta, tiny.train_images,
                                                     tiny.train_labels), rel=2e-5)


# ============================================================================ 3. landscape
def test_gradient_plane_is_orthonormal_and_downhill(trained):
    s, snap = trained
    pl = gradient_plane(snap.theta, snap.grad, np.random.default_rng(0))
    _readonly(pl.d1, pl.d2)
    assert pl.kind == "gradient" and pl.d1.shape == pl.d2.shape == (s.net.n_params,)
    d1, d2 = pl.d1.astype(np.float64), pl.d2.astype(np.float64)
    assert np.linalg.norm(d1) == pytest.approx(1, abs=1e-6)
    assert np.linalg.norm(d2) == pytest.approx(1, abs=1e-6)
    assert abs(d1 @ d2) < 1e-6
    g = snap.grad.astype(np.float64)
    assert np.allclose(d1, -g / np.linalg.norm(g), atol=1e-7)
    # filter-normalised d2 is still orthonormal to d1
    fn = gradient_plane(snap.theta, snap.grad, 1, net=s.net, filter_normalized=True)
    assert abs(fn.d1.astype(np.float64) @ fn.d2) < 1e-6
    assert np.linalg.norm(fn.d2.astype(np.float64)) == pytest.approx(1, abs=1e-6)
    with pytest.raises(ValueError):
        gradient_plane(snap.theta, snap.grad, 1, filter_normalized=True)  # needs the layout
    rp = random_plane(snap.theta, 2)
    assert abs(rp.d1.astype(np.float64) @ rp.d2) < 1e-6


def test_gradient_plane_with_zero_or_nan_gradient_falls_back_to_random(trained):
    s, snap = trained
    for g in (np.zeros_like(snap.grad), np.full_like(snap.grad, np.nan)):
        pl = gradient_plane(snap.theta, g, 0)
        assert pl.kind == "random" and "random" in pl.d1_label
        assert np.all(np.isfinite(pl.d1)) and np.all(np.isfinite(pl.d2))
        assert np.linalg.norm(pl.d1.astype(np.float64)) == pytest.approx(1, abs=1e-6)
    nan_theta = np.full_like(snap.theta, np.nan)
    pl = gradient_plane(nan_theta, snap.grad, 0, net=s.net, filter_normalized=True)
    assert np.all(np.isfinite(pl.d2))


def test_landscape_matches_direct_evaluation(trained, batch):
    s, snap = trained
    net = s.net
    pl = gradient_plane(snap.theta, snap.grad, 0)
    ls = landscape(net, snap.theta, pl.d1, pl.d2, batch.images, batch.labels, extent=(2.0, 1.0), n=9)
    _readonly(ls.alphas, ls.betas, ls.costs)
    assert ls.costs.shape == (9, 9) and ls.costs.dtype == np.float64
    assert ls.complete and ls.n_evaluated == 81 and ls.n_examples == batch.n
    assert ls.alphas[0] == -2.0 and ls.alphas[-1] == 2.0 and ls.betas[-1] == 1.0
    th = snap.theta.astype(np.float32)
    for i, j in [(0, 0), (2, 7), (8, 3), (4, 4)]:
        point = th + np.float32(ls.alphas[j]) * pl.d1 + np.float32(ls.betas[i]) * pl.d2
        assert ls.costs[i, j] == pytest.approx(_direct_cost(net, point, batch.images, batch.labels), rel=1e-5)
    assert ls.center_cost == pytest.approx(_direct_cost(net, th, batch.images, batch.labels), rel=1e-5)
    assert ls.costs[4, 4] == pytest.approx(ls.center_cost, rel=1e-6)
    a, b = ls.argmin
    assert ls.costs[list(ls.betas).index(b), list(ls.alphas).index(a)] == np.nanmin(ls.costs)


def test_landscape_d1_points_downhill_for_the_batch_gradient(trained, batch):
    s, snap = trained
    g = full_gradient(s.net, snap.theta, batch.images, batch.labels).grad
    pl = gradient_plane(snap.theta, g, 0)
    ls = landscape(s.net, snap.theta, pl.d1, pl.d2, batch.images, batch.labels, extent=0.02, n=3)
    row = ls.costs[1]  # β = 0
    assert row[0] > ls.center_cost > row[2]  # uphill behind, downhill ahead


def test_landscape_on_two_weights(trained, batch):
    s, snap = trained
    i, j = 5000, s.net.n_params - 3
    pl = weights_plane(s.net, i, j)
    assert pl.kind == "weights" and pl.d1_label == describe_parameter(s.net.sizes, i)
    assert weights_plane(SIZES, i, j).d2_label == pl.d2_label
    ls = landscape(s.net, snap.theta, pl.d1, pl.d2, batch.images, batch.labels, extent=3.0, n=5)
    point = snap.theta.copy()
    point[i] += np.float32(ls.alphas[4])
    point[j] += np.float32(ls.betas[1])
    assert ls.costs[1, 4] == pytest.approx(_direct_cost(s.net, point, batch.images, batch.labels), rel=1e-5)
    with pytest.raises(ValueError):
        weights_plane(s.net, i, i)
    with pytest.raises(IndexError):
        weights_plane(s.net, 0, s.net.n_params)


def test_landscape_cancel_budget_and_nan(trained, batch):
    s, snap = trained
    pl = gradient_plane(snap.theta, snap.grad, 0)
    args = (s.net, snap.theta, pl.d1, pl.d2, batch.images, batch.labels, 1.0)
    assert landscape(*args, n=41, cancel=lambda: True) is None
    calls = []

    def cancel_later():
        calls.append(1)
        return len(calls) > 2

    assert landscape(*args, n=41, cancel=cancel_later) is None and len(calls) == 3
    partial = landscape(*args, n=41, budget_s=0.0)
    assert not partial.complete and 0 < partial.n_evaluated < 41 * 41
    assert np.isnan(partial.costs).sum() == 41 * 41 - partial.n_evaluated
    assert np.all(np.isfinite(partial.costs.ravel()[:partial.n_evaluated]))
    nan_theta = np.full_like(snap.theta, np.nan)
    ls = landscape(s.net, nan_theta, pl.d1, pl.d2, batch.images, batch.labels, 1.0, n=5)
    assert ls.complete and np.all(np.isnan(ls.costs)) and np.isnan(ls.center_cost)
    assert np.isnan(ls.argmin[0])
    # a huge extent overflows somewhere: no exception, finite or NaN numbers only
    ls = landscape(s.net, snap.theta, pl.d1, pl.d2, batch.images, batch.labels, 1e30, n=5)
    assert ls.costs.shape == (5, 5)


def test_project_path_recovers_plane_coordinates():
    rng = np.random.default_rng(0)
    n = 500
    theta0 = rng.standard_normal(n)
    d1 = rng.standard_normal(n)
    d1 /= np.linalg.norm(d1)
    d2 = rng.standard_normal(n) + 0.5 * d1  # not orthogonal: least squares still exact
    coords = rng.standard_normal((6, 2))
    off = rng.standard_normal((6, n))
    off -= (off @ np.linalg.pinv(np.stack([d1, d2])) ) @ np.stack([d1, d2])  # ⟂ both directions
    thetas = theta0 + coords[:, :1] * d1 + coords[:, 1:] * d2 + off
    thetas[3] = np.nan
    got = project_path(thetas, theta0, d1, d2)
    _readonly(got)
    assert got.shape == (6, 2)
    keep = [0, 1, 2, 4, 5]
    assert np.allclose(got[keep], coords[keep], atol=1e-9)
    assert np.all(np.isnan(got[3]))
    assert project_path(theta0, theta0, d1, d2) == pytest.approx(np.zeros((1, 2)))


def test_project_path_of_real_sgd_steps_along_the_gradient(tiny):
    s = TrainingSession(tiny, TrainConfig(lr=1.0))
    theta0 = s.net.theta.copy()
    s.train_step()
    snap = s.snapshot()
    pl = gradient_plane(theta0, snap.grad, 0)
    (a, b), = project_path(snap.theta[None, :], theta0, pl.d1, pl.d2)
    # one step of η = 1 moves |∇C| along −∇C
    assert a == pytest.approx(np.linalg.norm(snap.grad.astype(np.float64)), rel=1e-4)
    assert abs(b) < 1e-4 * a


# ============================================================================ 4. one example's wishes
def _float64_twin(net, theta):
    twin = Network(net.sizes, net.activation, net.cost, np.float64)
    twin.theta[...] = theta
    return twin


@pytest.mark.parametrize("cost,activation", [("mse", "sigmoid"), ("ce", "sigmoid"), ("mse", "tanh")])
def test_example_wishes_against_backprop_and_finite_differences(sample, cost, activation):
    net = Network(SIZES, activation, cost)
    net.initialise(np.random.default_rng(1))
    theta = net.theta.copy()
    img, label = sample.test_images[3], int(sample.test_labels[3])
    w = example_wishes(net, theta, img, label)
    twin = _float64_twin(net, theta)
    x = to_unit(img[None, :], np.float64)
    y = np.eye(10)[[label]]

    # shapes, dtypes, read-only
    assert [a.shape for a in w.activations] == [(784,), (16,), (16,), (10,)]
    assert w.contributions.shape == w.weight_wishes.shape == (10, 16)
    assert [v.shape for v in w.layer_wishes] == [(784,), (16,), (16,)]
    _readonly(*w.activations, w.target, w.cost_terms, w.output_wishes, w.output_neg_delta,
              w.contributions, w.hidden_wishes, w.weight_wishes, w.bias_wishes, *w.layer_wishes)
    assert w.cost_name == cost and w.label == label

    # forward: the same activations and cost as the engine
    acts = twin.forward(x)
    for mine, ref in zip(w.activations, acts):
        assert np.allclose(mine, ref[0], atol=1e-12)
    assert w.cost == pytest.approx(twin.cost_of(x, y), rel=1e-10)
    assert w.cost_terms.sum() == pytest.approx(w.cost)
    a = acts[-1][0]
    if cost == "mse":
        assert np.allclose(w.cost_terms, (a - y[0]) ** 2)
        assert np.allclose(w.output_wishes, -2 * (a - y[0]))
    else:
        assert np.allclose(w.output_wishes, y[0] - a)
    assert w.prediction == int(np.argmax(a))

    # backward: the engine's gradient of this one example
    _, g = twin.gradient(x, y)
    gW, gb = twin.split(g)
    assert np.allclose(w.output_neg_delta, -gb[-1], atol=1e-12)
    assert np.allclose(w.bias_wishes, -gb[-1], atol=1e-12)
    assert np.allclose(w.weight_wishes, -gW[-1], atol=1e-12)
    assert np.allclose(w.contributions, twin.W[-1] * w.output_neg_delta[:, None])
    assert np.allclose(w.hidden_wishes, w.contributions.sum(axis=0))
    assert np.allclose(w.layer_wishes[-1], w.hidden_wishes)
    assert np.allclose(w.layer_wishes[0], -twin.W[0].T @ gb[0], atol=1e-12)  # −∂C/∂x

    # finite differences on the last hidden layer's activations: C(h) = cost(out(W2 h + b2))
    def cost_from_hidden(h):
        z = (twin.W[-1] @ h + twin.b[-1])[None, :]
        return float(net.cost.per_example(net.cost.output(z, out=z), y)[0])

    h = acts[-2][0]
    eps = 1e-6
    fd = np.array([(cost_from_hidden(h + eps * e) - cost_from_hidden(h - eps * e)) / (2 * eps)
                   for e in np.eye(h.size)])
    assert np.allclose(w.hidden_wishes, -fd, atol=1e-7)

    # finite differences on a few pixels (the input wishes)
    for k in [200, 350, 400, 500]:
        xp, xm = x.copy(), x.copy()
        xp[0, k] += eps
        xm[0, k] -= eps
        fd_k = (twin.cost_of(xp, y) - twin.cost_of(xm, y)) / (2 * eps)
        assert w.layer_wishes[0][k] == pytest.approx(-fd_k, abs=1e-7)


def test_example_wishes_with_nan_theta():
    net = Network(SIZES)
    theta = np.full(net.n_params, np.nan, np.float32)
    w = example_wishes(net, theta, np.zeros(784, np.uint8), 3)
    assert w.prediction == -1 and np.isnan(w.cost)
    assert np.all(np.isnan(w.hidden_wishes)) and w.contributions.shape == (10, 16)


# ============================================================================ 5. batch vs full
def test_full_gradient_matches_one_big_batch(tiny):
    s = TrainingSession(tiny, TrainConfig())
    net, theta = s.net, s.net.theta.copy()
    fg = full_gradient(net, theta, tiny.train_images, tiny.train_labels, chunk=250)
    _readonly(fg.grad)
    assert fg.grad.shape == (net.n_params,) and fg.grad.dtype == net.dtype and fg.n == tiny.n_train
    ref = Network(net.sizes, net.activation, net.cost, np.float64)
    ref.theta[...] = theta
    cost, g = ref.gradient(to_unit(tiny.train_images, np.float64), np.eye(10)[tiny.train_labels])
    assert fg.cost == pytest.approx(cost, rel=1e-5)
    assert np.allclose(fg.grad, g, rtol=1e-4, atol=1e-8)
    assert gradient_cosine(fg.grad, g) == pytest.approx(1.0, abs=1e-7)


def test_gradient_cosine_is_one_for_gradient_descent_and_less_for_a_mini_batch(tiny):
    X, y = tiny.train_images, tiny.train_labels
    gd = TrainingSession(tiny, TrainConfig(optimizer="gd", lr=3.0))
    for _ in range(2):
        gd.train_step()
    theta0 = gd.net.theta.copy()
    cost = gd.train_step()
    snap = gd.snapshot()
    fg = full_gradient(gd.net, theta0, X, y)
    assert fg.cost == pytest.approx(cost, rel=1e-5)
    assert gradient_cosine(snap.grad, fg.grad) == pytest.approx(1.0, abs=1e-6)

    sgd = TrainingSession(tiny, TrainConfig(optimizer="sgd", batch_size=10))
    for _ in range(5):
        sgd.train_step()
    theta0 = sgd.net.theta.copy()
    sgd.train_step()
    snap = sgd.snapshot()
    c = gradient_cosine(snap.grad, full_gradient(sgd.net, theta0, X, y).grad)
    assert 0.0 < c < 0.9  # a mini-batch of 10 points only roughly downhill


def test_gradient_cosine_values():
    a = np.array([1.0, 0.0, 0.0])
    assert gradient_cosine(a, a * 3) == pytest.approx(1.0)
    assert gradient_cosine(a, -a) == pytest.approx(-1.0)
    assert gradient_cosine(a, [0.0, 2.0, 0.0]) == pytest.approx(0.0)
    assert np.isnan(gradient_cosine(a, np.zeros(3)))
    assert np.isnan(gradient_cosine(a, [np.nan, 0, 0]))


def test_full_gradient_with_nan_theta(tiny):
    net = Network(SIZES)
    fg = full_gradient(net, np.full(net.n_params, np.nan, np.float32), tiny.test_images, tiny.test_labels)
    assert np.isnan(fg.cost) and np.all(np.isnan(fg.grad))


# ============================================================================ 6. errors, generalisation
def test_confusion_matrix_agrees_with_evaluate(trained, tiny):
    s, snap = trained
    _, acc, preds = s.net.evaluate(tiny.test_images, tiny.test_labels, theta=snap.theta)
    cm = confusion_matrix(tiny.test_labels, preds)
    _readonly(cm)
    assert cm.shape == (10, 10) and cm.dtype == np.int64
    assert cm.sum() == tiny.n_test
    assert np.trace(cm) / cm.sum() == pytest.approx(acc)
    assert np.array_equal(cm.sum(axis=1), np.bincount(tiny.test_labels, minlength=10))  # rows = truth
    assert np.array_equal(cm.sum(axis=0), np.bincount(preds, minlength=10))
    hand = confusion_matrix([3, 3, 5], [3, 5, 5])
    assert hand[3, 3] == 1 and hand[3, 5] == 1 and hand[5, 5] == 1 and hand.sum() == 3
    with pytest.raises(ValueError):
        confusion_matrix([1, 2], [1])


def test_misclassified_sorted_by_confidence(trained, tiny):
    s, snap = trained
    _, acc, preds = s.net.evaluate(tiny.test_images, tiny.test_labels, theta=snap.theta)
    m = misclassified(s.net, snap.theta, tiny.test_images, tiny.test_labels, max_n=15)
    _readonly(m.indices, m.labels, m.top3, m.top3_activations)
    n_wrong = int(np.sum(preds != tiny.test_labels))
    assert m.n_wrong == n_wrong == round((1 - acc) * tiny.n_test) and m.n == tiny.n_test
    assert len(m.indices) == min(15, n_wrong) and m.top3.shape == (len(m.indices), 3)
    assert np.array_equal(m.labels, tiny.test_labels[m.indices])
    assert np.array_equal(m.top3[:, 0], preds[m.indices])
    assert np.all(m.top3[:, 0] != m.labels)
    conf = m.top3_activations[:, 0]
    assert np.all(np.diff(conf) <= 0)  # most confidently wrong first
    assert np.all(m.top3_activations[:, 0] >= m.top3_activations[:, 1])
    assert np.all(m.top3_activations[:, 1] >= m.top3_activations[:, 2])
    out = s.net.forward(to_unit(tiny.test_images[m.indices]), snap.theta)[-1]
    assert np.allclose(np.take_along_axis(out, m.top3, axis=1), m.top3_activations)
    # the most confident wrong answer overall is first
    all_wrong = misclassified(s.net, snap.theta, tiny.test_images, tiny.test_labels, max_n=10_000)
    assert len(all_wrong.indices) == n_wrong and all_wrong.indices[0] == m.indices[0]
    nan = misclassified(s.net, np.full_like(snap.theta, np.nan), tiny.test_images, tiny.test_labels)
    assert nan.n == tiny.n_test


def test_accuracy_gap():
    evals = [Evaluation(10, 0.5, 0.4, 0.80, 0.30, 0.85), Evaluation(20, 1.0, 0.5, 0.78, 0.20, 0.95)]
    gap = accuracy_gap(evals)
    _readonly(gap.step, gap.gap, gap.cost_gap)
    assert list(gap.step) == [10, 20] and gap.step.dtype == np.int64
    assert gap.gap == pytest.approx([0.05, 0.17])
    assert gap.cost_gap == pytest.approx([0.1, 0.3])
    assert gap.latest_gap == pytest.approx(0.17)
    assert np.isnan(accuracy_gap([]).latest_gap)


def test_subset_dataset_is_stratified_and_keeps_the_test_set(sample):
    sub = subset_dataset(sample, 500, seed=1)
    assert isinstance(sub, Dataset) and sub.n_train == 500
    assert sub.test_images is sample.test_images or np.array_equal(sub.test_images, sample.test_images)
    assert np.array_equal(sub.test_labels, sample.test_labels)
    expected = np.bincount(sample.train_labels, minlength=10) * 500 / sample.n_train
    assert np.all(np.abs(np.bincount(sub.train_labels, minlength=10) - expected) < 1)
    # every image keeps its own label
    lookup = {row.tobytes(): lab for row, lab in zip(sample.train_images, sample.train_labels)}
    assert all(lookup[row.tobytes()] == lab for row, lab in zip(sub.train_images, sub.train_labels))
    assert len({row.tobytes() for row in sub.train_images}) == 500  # no repeats
    again = subset_dataset(sample, 500, seed=1)
    assert np.array_equal(again.train_images, sub.train_images)
    assert not np.array_equal(subset_dataset(sample, 500, seed=2).train_labels, sub.train_labels)
    s = TrainingSession(sub, TrainConfig())  # usable for the one-click experiment
    assert np.isfinite(s.train_step())


def test_shuffled_labels_dataset(sample):
    sh = shuffled_labels_dataset(sample, seed=0)
    assert isinstance(sh, Dataset) and sh.n_train == sample.n_train
    assert np.array_equal(sh.train_images, sample.train_images)
    assert np.array_equal(sh.test_labels, sample.test_labels)
    assert np.array_equal(np.sort(sh.train_labels), np.sort(sample.train_labels))
    assert np.mean(sh.train_labels != sample.train_labels) > 0.8
    assert np.array_equal(shuffled_labels_dataset(sample, seed=0).train_labels, sh.train_labels)
    assert replace(sh, name="x").name == "x"  # still a plain Dataset


def test_norm_history_notes_each_step_once_and_restarts_with_a_new_run(tiny):
    from gdviz.training.analysis import NormHistory
    from gdviz.training.config import LESSON
    from gdviz.training.session import TrainingSession

    s = TrainingSession(tiny, LESSON)
    h = NormHistory(capacity=2)  # small, so it must grow
    assert not h.observe(s.snapshot())  # step 0: no gradient yet
    grads = []
    for _ in range(5):
        s.train_step()
        snap = s.snapshot()
        assert h.observe(snap) and not h.observe(snap)
        grads.append(np.linalg.norm(snap.grad.astype(np.float64)))
    np.testing.assert_array_equal(h.steps, [1, 2, 3, 4, 5])
    np.testing.assert_allclose(h.norms, grads)
    assert not h.steps.flags.writeable
    old_steps = h.steps
    s.reset()
    s.train_step()
    assert h.observe(s.snapshot())
    np.testing.assert_array_equal(h.steps, [1])
    np.testing.assert_array_equal(old_steps, [1, 2, 3, 4, 5])  # views handed out stay intact

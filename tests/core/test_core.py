"""The network: parameter layout, costs, gradient (vs finite differences), update rules."""

import numpy as np
import pytest

from gdviz.core import (
    ACTIVATIONS,
    COSTS,
    LESSON_SIZES,
    Network,
    count_parameters,
    describe_parameter,
    get_activation,
    locate_parameter,
    make_update_rule,
)


def test_lesson_network_has_13002_parameters():
    net = Network()
    assert net.sizes == LESSON_SIZES == (784, 16, 16, 10)
    assert net.n_params == count_parameters(LESSON_SIZES) == 13_002
    assert [w.shape for w in net.W] == [(16, 784), (16, 16), (10, 16)]
    assert [b.shape for b in net.b] == [(16,), (16,), (10,)]


def test_weight_and_bias_views_share_memory_with_theta():
    net = Network((4, 3, 2))
    net.theta[:] = np.arange(net.n_params)
    assert net.W[0][1, 2] == 1 * 4 + 2  # row-major (n_out, n_in)
    assert net.b[0][0] == 12
    net.W[1][...] = -1
    assert np.all(net.theta[15:21] == -1)
    assert np.shares_memory(net.W[0], net.theta)
    assert describe_parameter(net.sizes, 6) == "W0[1, 2]: from pixel 2 to neuron 1 of hidden layer 1"
    assert describe_parameter(net.sizes, 13) == "b0[1]: the bias of neuron 1 of hidden layer 1"
    assert describe_parameter(net.sizes, 16) == "W1[0, 1]: from neuron 1 of hidden layer 1 to output neuron 0"
    assert locate_parameter(net.sizes, 16) == (1, "W", 0, 1)
    with pytest.raises(IndexError):
        locate_parameter(net.sizes, net.n_params)


@pytest.mark.parametrize("sizes", [(0, 3), (784, 0, 10), (5,), ("a", 2)])
def test_bad_sizes_are_refused(sizes):
    with pytest.raises(ValueError):
        Network(sizes)


def test_squared_error_hand_computed():
    cost = COSTS["mse"]()
    a = np.array([[0.1, 0.8, 0.3]])
    y = np.array([[0.0, 1.0, 0.0]])
    # (0.1)^2 + (0.2)^2 + (0.3)^2 = 0.14
    assert cost.per_example(a, y) == pytest.approx([0.14])
    delta, tmp = np.empty_like(a), np.empty_like(a)
    total = cost.total_and_delta(a, y, 1.0, delta, tmp)
    assert total == pytest.approx(0.14)
    assert delta == pytest.approx(2 * (a - y) * a * (1 - a))


def test_cross_entropy_hand_computed():
    cost = COSTS["ce"]()
    z = np.array([[0.0, np.log(3.0)]])  # softmax -> [1/4, 3/4]
    a = cost.output(z.copy())
    assert a[0] == pytest.approx([0.25, 0.75])
    y = np.array([[0.0, 1.0]])
    assert cost.per_example(a, y) == pytest.approx([-np.log(0.75)])


def test_average_cost_is_mean_of_example_costs():
    net = Network((6, 4, 3), dtype=np.float64)
    rng = np.random.default_rng(3)
    net.initialise(rng)
    X = rng.random((5, 6))
    Y = np.eye(3)[[0, 1, 2, 0, 1]]
    per = [net.cost_of(X[i:i + 1], Y[i:i + 1]) for i in range(5)]
    assert net.cost_of(X, Y) == pytest.approx(np.mean(per))
    assert net.gradient(X, Y)[0] == pytest.approx(np.mean(per))


def test_sigmoid_is_stable_for_huge_inputs():
    sig = get_activation("sigmoid")
    with np.errstate(all="raise"):
        out = sig.forward(np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=np.float32))
    assert out[0] == 0.0 and out[2] == 0.5 and out[-1] == 1.0
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("cost", sorted(COSTS))
def test_gradient_matches_finite_differences(activation, cost):
    net = Network((7, 5, 4, 3), activation, cost, dtype=np.float64)
    rng = np.random.default_rng(11)
    net.initialise(rng)
    net.b[0][...] += 0.1  # keep ReLU units away from their kink
    X = rng.random((6, 7))
    Y = np.eye(3)[rng.integers(0, 3, 6)]
    c, grad = net.gradient(X, Y)
    grad = grad.copy()
    assert c == pytest.approx(net.cost_of(X, Y), rel=1e-12)
    eps = 1e-6
    numeric = np.empty_like(grad)
    for i in range(net.n_params):
        t = net.theta.copy()
        t[i] += eps
        plus = net.cost_of(X, Y, t)
        t[i] -= 2 * eps
        minus = net.cost_of(X, Y, t)
        numeric[i] = (plus - minus) / (2 * eps)
    rel = np.linalg.norm(numeric - grad) / np.linalg.norm(numeric + grad)
    assert rel < 1e-6


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_gradient_of_a_network_without_hidden_layers(cost):
    net = Network((6, 3), "tanh", cost, dtype=np.float64)
    rng = np.random.default_rng(2)
    net.initialise(rng)
    X = rng.random((4, 6))
    Y = np.eye(3)[[0, 2, 1, 2]]
    _, grad = net.gradient(X, Y)
    eps = 1e-6
    numeric = np.array([(net.cost_of(X, Y, net.theta + eps * e) - net.cost_of(X, Y, net.theta - eps * e))
                        / (2 * eps) for e in np.eye(net.n_params)])
    assert np.linalg.norm(numeric - grad) / np.linalg.norm(numeric + grad) < 1e-6


def test_gradient_at_another_theta_and_batch_sizes_share_nothing():
    """``theta=`` gives the gradient there, bitwise the same as moving θ; the
    buffers kept per batch size do not leak from one size into another."""
    net = Network((8, 5, 4, 3))
    rng = np.random.default_rng(4)
    net.initialise(rng)
    other = (net.theta + rng.standard_normal(net.n_params).astype(np.float32) * 0.1).astype(np.float32)
    X = rng.random((7, 8)).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 7)]
    c_other, g_other = net.gradient(X, Y, theta=other)
    g_other = g_other.copy()
    c_here, g_here = net.gradient(X, Y)
    g_here = g_here.copy()
    net.gradient(X[:2], Y[:2])  # another batch size in between
    twin = Network((8, 5, 4, 3))
    twin.theta[...] = other
    c_twin, g_twin = twin.gradient(X, Y)
    assert c_other == c_twin and np.array_equal(g_other, g_twin)
    assert np.array_equal(net.gradient(X, Y)[1], g_here) and net.gradient(X, Y)[0] == c_here
    assert not np.array_equal(g_here, g_other)


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_a_network_is_freed_when_its_last_user_lets_go(cost):
    """Without the garbage collector: a network and its per-batch buffers form no reference
    cycle (a network <-> workspace cycle kept wide networks — 784-1024-10 and its buffers,
    tens of MB — until Python's rare full collection)."""
    import gc
    import weakref

    rng = np.random.default_rng(0)
    X = rng.random((6, 8)).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 6)]
    gc.collect()
    gc.disable()
    try:
        net = Network((8, 5, 3), cost=cost)
        net.initialise(rng)
        net.gradient(X, Y)  # the cached plan
        net.gradient(X[:2], Y[:2], theta=net.theta * 0.5)  # another size, another θ
        net.evaluate(X, Y.argmax(axis=1))
        gone = weakref.ref(net)
        del net
        assert gone() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_keep_the_dtype_and_match_their_formulas(name):
    act = get_activation(name)
    z64 = np.linspace(-6, 6, 25).reshape(5, 5)
    expect = {"sigmoid": 1 / (1 + np.exp(-z64)), "tanh": np.tanh(z64), "relu": np.maximum(z64, 0)}[name]
    for dtype, tol in ((np.float64, 1e-15), (np.float32, 1e-6)):
        a = act.forward(z64.astype(dtype))  # a new array
        assert a.dtype == dtype and np.allclose(a, expect, rtol=0, atol=tol)
        d = act.derivative(a, np.empty_like(a))
        assert d.dtype == dtype


def test_gradient_is_one_flat_vector_aligned_with_theta():
    net = Network(dtype=np.float64)
    net.initialise(np.random.default_rng(0))
    X = np.random.default_rng(1).random((4, 784))
    Y = np.eye(10)[[1, 2, 3, 4]]
    _, grad = net.gradient(X, Y)
    assert grad.shape == (13_002,)
    gW, gb = net.split(grad)
    # output layer by hand: δ = 2(a − y)·a(1 − a); ∂C/∂b = mean δ; ∂C/∂W = δᵀ a_prev / B
    acts = net.forward(X)
    a, prev = acts[-1], acts[-2]
    delta = 2 * (a - Y) * a * (1 - a)
    assert gb[2] == pytest.approx(delta.mean(axis=0))
    assert gW[2] == pytest.approx(delta.T @ prev / 4)
    assert grad[net.layout[5].start:] == pytest.approx(delta.mean(axis=0))


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum"])
def test_every_update_rule_decreases_cost_on_a_fixed_batch(optimizer):
    net = Network((20, 8, 3), dtype=np.float64)
    rng = np.random.default_rng(5)
    net.initialise(rng)
    X = rng.random((16, 20))
    Y = np.eye(3)[rng.integers(0, 3, 16)]
    rule = make_update_rule(optimizer, net.n_params, net.dtype)
    start = net.cost_of(X, Y)
    for _ in range(20):
        _, g = net.gradient(X, Y)
        rule.step(net.theta, g, 0.05)
    assert net.cost_of(X, Y) < start


def test_plain_step_is_minus_eta_gradient():
    net = Network((5, 3, 2), dtype=np.float64)
    net.initialise(np.random.default_rng(0))
    X = np.random.default_rng(1).random((3, 5))
    Y = np.eye(2)[[0, 1, 0]]
    before = net.theta.copy()
    _, g = net.gradient(X, Y)
    d = make_update_rule("sgd", net.n_params, net.dtype).step(net.theta, g, 0.7)
    assert net.theta - before == pytest.approx(d)
    assert d == pytest.approx(-0.7 * g)


def test_seeded_initialisation_is_reproducible_and_scaled():
    a, b = Network(), Network()
    a.initialise(np.random.default_rng(42))
    b.initialise(np.random.default_rng(42))
    assert np.array_equal(a.theta, b.theta)
    assert a.W[0].std() == pytest.approx(1 / np.sqrt(784), rel=0.05)
    r = Network(activation="relu")
    r.initialise(np.random.default_rng(42))
    assert r.W[0].std() == pytest.approx(np.sqrt(2 / 784), rel=0.05)
    assert np.all(r.b[0] == 0)


def test_evaluate_counts_accuracy():
    net = Network((4, 2), cost="ce", dtype=np.float64)
    net.W[0][...] = [[10, 0, 0, 0], [0, 10, 0, 0]]
    imgs = np.array([[255, 0, 0, 0], [0, 255, 0, 0], [0, 255, 0, 0]], dtype=np.uint8)
    cost, acc, preds = net.evaluate(imgs, np.array([0, 1, 0]))
    assert list(preds) == [0, 1, 1]
    assert acc == pytest.approx(2 / 3)
    assert cost > 0

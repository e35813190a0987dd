"""λ_max by power iteration on Hessian-vector products, against the exact Hessian."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdviz.core import Network
from gdviz.training.sharpness import SharpnessMeter, hessian_vector_product, sharpness


def exact_hessian(net: Network, X, Y, theta, h=1e-4) -> np.ndarray:
    """All second derivatives of the average cost by second differences of C itself
    (no backpropagation involved): an independent reference."""
    n = theta.size
    H = np.empty((n, n))
    E = np.eye(n) * h
    c = lambda t: net.cost_of(X, Y, theta=t)  # noqa: E731
    for i in range(n):
        for j in range(i, n):
            v = (c(theta + E[i] + E[j]) - c(theta + E[i] - E[j])
                 - c(theta - E[i] + E[j]) + c(theta - E[i] - E[j])) / (4 * h * h)
            H[i, j] = H[j, i] = v
    return H


def tiny_problem(activation="sigmoid", cost="mse", seed=0, n=40, scale=1.0):
    rng = np.random.default_rng(seed)
    net = Network((6, 4, 3), activation, cost, dtype=np.float64)
    net.initialise(rng)
    theta = net.theta.copy() * scale
    X = rng.random((n, 6))
    Y = np.eye(3)[rng.integers(0, 3, n)]
    return net, X, Y, theta


@pytest.mark.parametrize("activation, cost", [("sigmoid", "mse"), ("relu", "ce"), ("sigmoid", "ce")])
def test_lambda_max_agrees_with_the_exact_hessian(activation, cost):
    net, X, Y, theta = tiny_problem(activation, cost, scale=2.0)
    H = exact_hessian(net, X, Y, theta)
    top = float(np.linalg.eigvalsh(H).max())
    meter = SharpnessMeter(net.sizes, activation, cost, X, Y.argmax(1))
    est = meter.estimate(theta, tol=1e-10, max_iter=2000)
    assert est.converged
    assert abs(est.lam - top) <= 1e-3 * abs(top), (est.lam, top)


def test_hessian_vector_product_is_the_exact_hessian_times_v():
    net, X, Y, theta = tiny_problem(seed=3)
    H = exact_hessian(net, X, Y, theta)
    v = np.random.default_rng(1).standard_normal(theta.size)
    np.testing.assert_allclose(hessian_vector_product(net, X, Y, theta, v), H @ v,
                               rtol=1e-4, atol=1e-6)


def test_the_top_eigenvalue_is_found_when_a_negative_one_dominates():
    # A quadratic with eigenvalues -5 and 2: plain power iteration returns -5.

    meter = SharpnessMeter.__new__(SharpnessMeter)
    meter._v = np.array([1.0, 1.0])
    A = np.diag([-5.0, 2.0])
    meter.hvp = lambda theta, v: A @ v
    est = meter.estimate(np.zeros(2), tol=1e-12, max_iter=500)
    assert est.lam == pytest.approx(2.0, rel=1e-6)


def test_the_stability_rule_on_the_quadratic_model():
    net, X, Y, theta = tiny_problem()
    est = SharpnessMeter(net.sizes, "sigmoid", "mse", X, Y.argmax(1)).estimate(theta, tol=1e-8)
    assert est.lam > 0
    lr = est.limit_lr()
    assert lr == pytest.approx(2.0 / est.lam)
    assert est.stable(0.99 * lr) and not est.stable(1.01 * lr)


def test_a_warm_start_needs_fewer_products():
    net, X, Y, theta = tiny_problem(seed=5, scale=1.5)
    meter = SharpnessMeter(net.sizes, "sigmoid", "mse", X, Y.argmax(1))
    cold = meter.estimate(theta, tol=1e-6, max_iter=1000)
    warm = meter.estimate(theta + 1e-3, tol=1e-6, max_iter=1000)
    assert warm.iterations < cold.iterations
    assert warm.lam == pytest.approx(cold.lam, rel=1e-2)


def test_non_finite_theta_gives_nan_not_an_exception():
    net, X, Y, theta = tiny_problem()
    theta[0] = math.nan
    est = SharpnessMeter(net.sizes, "sigmoid", "mse", X, Y.argmax(1)).estimate(theta)
    assert math.isnan(est.lam) and not est.converged


def test_sharpness_of_the_lesson_network_on_the_first_digits(sample):
    net = Network((784, 16, 16, 10), "sigmoid", "mse")
    net.initialise(np.random.default_rng(0))
    est = sharpness(net.sizes, "sigmoid", "mse", net.theta, sample.train_images,
                    sample.train_labels, n=200)
    assert est.converged and est.lam > 0
    # the same digits, the same θ: the same λ_max, whatever the start vector
    again = SharpnessMeter(net.sizes, "sigmoid", "mse", sample.train_images[:200],
                           sample.train_labels[:200], seed=7).estimate(net.theta)
    assert again.lam == pytest.approx(est.lam, rel=1e-3)

"""The mini-batch gradient against the full one: θ before the step, cosine 1 for
full-batch gradient descent, and no warning when θ is not finite."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdviz.core import Network
from gdviz.training.analysis import full_gradient, gradient_cosine
from gdviz.training.batch_vs_full import SUBSET, compare, cosine_words, subset_size, theta_before
from gdviz.training.config import TrainConfig
from gdviz.training.session import TrainingSession


def _compare(snap, images, labels):
    return compare(snap.sizes, snap.activation, snap.cost_name, snap.theta, snap.delta, snap.grad,
                   images, labels, snap.run_id, snap.step, snap.optimizer, snap.batch_size,
                   snap.n_train)


def test_theta_before_is_where_the_step_began(tiny):
    s = TrainingSession(tiny, TrainConfig(batch_size=10))
    for _ in range(4):
        s.train_step()
    before = s.net.theta.copy()
    s.train_step()
    snap = s.snapshot()
    th = theta_before(snap.theta, snap.delta)
    assert th.dtype == snap.theta.dtype
    np.testing.assert_allclose(th, before, atol=1e-6)


def test_theta_before_of_a_diverged_theta_warns_nothing():
    theta = np.array([np.inf, np.nan, 1.0, -np.inf], np.float32)
    delta = np.array([np.inf, 1.0, np.nan, np.inf], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "invalid value encountered in subtract" fails here
        th = theta_before(theta, delta)
    assert np.isnan(th[:3]).all() and th[3] == -np.inf


def test_full_gradient_descent_gives_cosine_one(tiny):
    s = TrainingSession(tiny, TrainConfig(optimizer="gd"))
    for _ in range(3):
        s.train_step()
    snap = s.snapshot()
    c = _compare(snap, tiny.train_images, tiny.train_labels)
    assert c.step == 3 and c.n == c.n_train == tiny.n_train
    assert c.cosine == pytest.approx(1.0, abs=1e-4)
    assert "exactly downhill" in cosine_words(c.cosine, c.optimizer, c.batch_size, c.n, c.n_train)


def test_a_mini_batch_is_compared_with_the_full_gradient_at_theta_before(tiny):
    s = TrainingSession(tiny, TrainConfig(batch_size=10))
    for _ in range(30):
        s.train_step()
    snap = s.snapshot()
    c = _compare(snap, tiny.train_images, tiny.train_labels)
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    fg = full_gradient(net, s.last_finite_theta(), tiny.train_images, tiny.train_labels)
    assert c.cosine == pytest.approx(gradient_cosine(snap.grad, fg.grad), abs=1e-5)
    assert c.cosine < 0.99
    assert "roughly" in cosine_words(0.5, "sgd", 10, c.n, c.n_train)
    assert "uphill" in cosine_words(-0.2, "sgd", 10, c.n, c.n_train)
    assert "No direction" in cosine_words(float("nan"), "sgd", 10, c.n, c.n_train)


def test_subset_size():
    assert subset_size(600, "sgd") == 600
    assert subset_size(SUBSET + 1, "sgd") == SUBSET
    assert subset_size(SUBSET + 1, "gd") == SUBSET + 1

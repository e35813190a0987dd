"""Reference computations the tests compare gdviz's answers with, made directly
from the engine (:mod:`gdviz.core`) or a plain synchronous session."""

from __future__ import annotations

import numpy as np

from gdviz.core import Network, to_unit
from gdviz.training.session import TrainingSession


def reference_gradient(snap, batch):
    """``(net, g)``: a network like ``snap``'s and ∇C ``(n_params,)`` of ``batch``'s
    digits at ``snap.theta``, from :meth:`Network.gradient`."""
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    X = to_unit(batch.images, net.dtype)
    Y = np.eye(10, dtype=net.dtype)[batch.labels]
    _, g = net.gradient(X, Y, theta=snap.theta.copy())
    return net, g.copy()


def fresh_run(dataset, config, n):
    """``(thetas, costs, snap)`` of a fresh deterministic session trained ``n`` steps:
    θ after every step (dict step -> θ copy, from step 0), every cost ``(n,)`` and the
    last snapshot."""
    s = TrainingSession(dataset, config, publish_hz=0)
    thetas = {0: s.net.theta.copy()}
    costs = []
    for _ in range(n):
        costs.append(s.train_step())
        thetas[s.step_count] = s.net.theta.copy()
    return thetas, np.array(costs), s.snapshot()

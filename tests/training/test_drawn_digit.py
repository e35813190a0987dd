"""A drawn digit: the strokes, the MNIST-like input and the network's answer."""

from __future__ import annotations

import numpy as np

from gdviz.core import Network, to_unit
from gdviz.data.drawing import center_of_mass, preprocess_drawing, render_strokes
from gdviz.training.config import TrainConfig
from gdviz.training.drawn_digit import CANVAS, PEN, Drawing, answer
from gdviz.training.session import TrainingSession


def test_strokes_drawn_piecewise_are_the_strokes_rendered_at_once():
    d = Drawing()
    assert d.is_empty and not d.network_input().any()
    d.begin(70, 60)
    for x in np.linspace(70, 200, 14)[1:]:
        assert d.extend(float(x), 60.0)
    assert not d.extend(200.1, 60.0)  # under half a pixel: nothing new
    d.begin(200, 60)
    for t in np.linspace(0, 1, 10)[1:]:
        d.extend(200 - 80 * t, 60 + 170 * t)
    np.testing.assert_array_equal(d.ink, render_strokes(d.strokes, CANVAS, PEN))
    img = d.network_input()
    np.testing.assert_array_equal(img, preprocess_drawing(d.ink))
    cy, cx = center_of_mass(img.reshape(28, 28))
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    d.clear()
    assert d.is_empty and not d.ink.any()
    assert not d.extend(10, 10)


def test_the_answer_is_the_snapshots_network(tiny):
    s = TrainingSession(tiny, TrainConfig(hidden=(8, 5)))
    for _ in range(5):
        s.train_step()
    snap = s.snapshot()
    img = tiny.test_images[3]
    acts = answer(snap, img)
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    want = net.forward(to_unit(img[None, :]), snap.theta)
    assert [a.size for a in acts] == [784, 8, 5, 10]
    for got, w in zip(acts, want):
        np.testing.assert_allclose(got, w[0], rtol=1e-6)

"""The formulas with live numbers agree with the network's own forward pass."""

import numpy as np
import pytest

from gdviz.training.config import LESSON
from gdviz.training.explain import neuron_sum, output_term, weight_term
from gdviz.training.session import TrainingSession


@pytest.fixture
def snap(tiny):
    s = TrainingSession(tiny, LESSON)
    for _ in range(5):
        s.train_step()
    return s.snapshot()


@pytest.mark.parametrize("layer,neuron", [(0, 0), (0, 7), (1, 3), (2, 9)])
def test_neuron_sum_reproduces_the_activation(snap, layer, neuron):
    ns = neuron_sum(snap, layer, neuron)
    assert 1 / (1 + np.exp(-ns.z)) == pytest.approx(ns.a, abs=1e-5)
    shown = sum(w * x for _, w, x in ns.top)
    assert shown + ns.rest + ns.bias == pytest.approx(ns.z, abs=1e-9)
    mags = [abs(w * x) for _, w, x in ns.top]
    assert mags == sorted(mags, reverse=True)
    text = ns.text()
    assert text.startswith("a = σ(Σ wₖaₖ + b)") and f"{ns.a:.3f}" in text


def test_output_term_is_the_cost_share(snap):
    terms = [output_term(snap, d).term for d in range(10)]
    assert np.allclose(terms, snap.example_cost_terms)
    assert output_term(snap, snap.example_label).y == 1.0
    assert "(a − y)²" in output_term(snap, 2).text()


def test_weight_term_reads_theta_and_minus_gradient(snap):
    wt = weight_term(snap, 0, 2, 28 * 14 + 14)
    i = 2 * 784 + 28 * 14 + 14
    assert wt.w == pytest.approx(float(snap.theta[i]))
    assert wt.minus_grad == pytest.approx(-float(snap.grad[i]))
    assert "pixel (14, 14)" in wt.text() and "−∂C/∂w" in wt.text()

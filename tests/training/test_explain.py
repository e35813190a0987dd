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


# ---------------------------------------------------------------- the words on screen
from dataclasses import replace  # noqa: E402

from gdviz.training.config import TrainConfig  # noqa: E402
from gdviz.training.explain import NeuronSum, OutputTerm, bias_term, number  # noqa: E402
from gdviz.training.snapshot import frozen  # noqa: E402


@pytest.mark.parametrize("x,s", [(0.0412, "0.0412"), (-1.234, "−1.23"), (12.34, "12.3"), (123.4, "123"),
                                 (0.5, "0.5"), (1.0, "1"), (0.0, "0"), (4.1e-5, "4.10·10⁻⁵"),
                                 (-2.5e6, "−2.50·10⁶"), (float("nan"), "not a number")])
def test_numbers_read_as_people_write_them(x, s):
    assert number(x) == s


def test_number_keeps_three_significant_digits():
    for x in np.geomspace(1.3e-4, 9.9e4, 40):
        assert float(number(x).replace("−", "-")) == pytest.approx(x, rel=5e-3)
    assert number(0.002, sign=True) == "+0.002" and number(-0.002, sign=True) == "−0.002"


def test_neuron_sum_names_the_neuron_and_its_inputs(snap):
    first = neuron_sum(snap, 0, 7)
    assert first.heading == "hidden layer 1, neuron 7"
    equation, largest = first.lines()
    assert first.text() == f"{equation} · {largest}"
    pixels = [f"({k // 28}, {k % 28})" for k, _, _ in first.top]
    assert largest == "largest terms from pixels " + ", ".join(pixels)
    assert "(781 more terms)" in equation and "(b)" in equation and "-" not in equation
    second = neuron_sum(snap, 1, 3)
    assert second.heading == "hidden layer 2, neuron 3"
    assert second.lines()[1] == ("largest terms from neurons "
                                 + ", ".join(str(k) for k, _, _ in second.top) + " of layer 1")
    out = neuron_sum(snap, 2, 9)
    assert out.heading == "output 9" and out.text().startswith("a = σ(Σ wₖaₖ + b)")


def test_negative_inputs_keep_their_sign_in_the_product():
    ns = NeuronSum(1, 0, "tanh", z=-0.3, a=-0.291, bias=0.1, top=((2, 0.5, -0.8),), rest=0.0,
                   n_inputs=1, n_layers=3)
    assert ns.lines()[0] == "a = tanh(Σ wₖaₖ + b) = tanh(0.5·(−0.80) + 0.1 (b)) = tanh(−0.3) = −0.291"


def test_relu_networks_name_relu_but_the_output_keeps_the_costs_function(tiny):
    s = TrainingSession(tiny, TrainConfig(activation="relu", lr=0.05))
    s.train_step()
    relu = s.snapshot()
    assert neuron_sum(relu, 0, 1).text().startswith("a = ReLU(Σ wₖaₖ + b)")
    assert neuron_sum(relu, 2, 1).text().startswith("a = σ(")


def test_output_term_says_right_digit_share_and_cross_entropy(snap, tiny):
    right = output_term(snap, snap.example_label)
    cost = float(np.sum(snap.example_cost_terms))
    assert right.cost == pytest.approx(cost)
    assert right.text().startswith(f"output {snap.example_label} (the right digit): a = {right.a:.3f}, "
                                   "desired y = 1;  (a − y)² = (")
    assert f"{100 * right.term / cost:.0f}% of this example's cost {number(cost)}" in right.text()
    s = TrainingSession(tiny, TrainConfig(cost="ce", lr=0.5))
    s.train_step()
    ce = s.snapshot()
    label = ce.example_label
    a = float(ce.example_activations[-1][label])
    assert output_term(ce, label).term == pytest.approx(-np.log(a))
    assert f"−y ln a = −ln {a:.3f} = {number(-np.log(a))}" in output_term(ce, label).text()
    other = (label + 1) % 10
    assert output_term(ce, other).term == 0 and "only the right digit" in output_term(ce, other).text()


def test_weight_and_bias_terms_name_both_ends_and_the_push(snap):
    wt = weight_term(snap, 2, 7, 4)
    i = 784 * 16 + 16 + 16 * 16 + 16 + 7 * 16 + 4
    assert wt.text().startswith(f"weight from layer 2, neuron 4 to output 7: w = {number(snap.theta[i])};"
                                f"  −∂C/∂w = {number(-snap.grad[i], sign=True)} (last mini-batch): ")
    assert ("should grow" in wt.text()) == (snap.grad[i] < 0)
    assert wt.text(with_delta=True).endswith(f"Δw = {number(snap.delta[i], sign=True)} in the last step")
    bt = bias_term(snap, 0, 5)
    j = 784 * 16 + 5
    assert bt.text().startswith(f"bias of hidden layer 1, neuron 5: b = {number(snap.theta[j])};"
                                f"  −∂C/∂b = {number(-snap.grad[j], sign=True)}")
    assert weight_term(snap, 1, 0, 3).heading == "weight from layer 1, neuron 3 to hidden layer 2, neuron 0"


def test_a_diverged_network_reads_not_a_number(snap):
    bad = replace(snap, theta=frozen(np.full_like(snap.theta, np.nan)))
    assert "not a number" in weight_term(bad, 0, 0, 0).text()
    assert "not a number" in neuron_sum(bad, 1, 0).text()


def test_output_term_of_a_record_is_its_squared_difference():
    assert OutputTerm(3, 0.25, 0.0).term == 0.0625
    assert OutputTerm(3, 0.25, 0.0).text() == "output 3: a = 0.250, desired y = 0;  (a − y)² = (0.250 − 0)² = 0.0625"

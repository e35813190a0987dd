"""One example's wishes in words."""

from __future__ import annotations

import numpy as np

from gdviz.training.example_words import hidden_words, wish_words


def test_wish_words():
    a = np.array([0.1, 0.05, 0.3, 0.02, 0.01, 0.6, 0.01, 0.1, 0.01, 0.01])
    y = np.zeros(10)
    y[2] = 1
    text = wish_words(-2 * (a - y), 2, a)
    assert text.startswith("The 2 wants to go up")
    assert "all others want to go down, most strongly the 5" in text
    good = np.full(10, 0.01)
    good[3] = 0.98
    y = np.zeros(10)
    y[3] = 1
    assert "only a little" in wish_words(-2 * (good - y), 3, good)
    a[4] = 0.0  # exactly right: no wish
    assert "the others want to go down" in wish_words(-2 * (a - np.eye(10)[2]), 2, a)
    assert "not numbers" in wish_words(np.full(10, np.nan), 3, good)


def test_hidden_words():
    text = hidden_words(np.array([0.2, -0.5, 0.0]))
    assert "neuron 0 should become more active (0.2)" in text
    assert "neuron 1 less active (-0.5)" in text
    assert "no wish" in hidden_words(np.zeros(3))
    assert "not numbers" in hidden_words(np.array([np.nan, 1.0]))
    assert "not numbers" in hidden_words(np.zeros(0))

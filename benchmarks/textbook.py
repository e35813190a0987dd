"""The textbook per-example training loop, as a yardstick for gdviz's speed.

Written from scratch in the style of the classic teaching code (Nielsen,
*Neural Networks and Deep Learning*, ch. 1-2): every example is a column
vector, backpropagation runs one example at a time, and a mini-batch update
sums the per-example gradients in Python before taking one step. Same maths
as gdviz's lesson network: sigmoid everywhere, squared error
C = Σ_j (a_j − y_j)² averaged over the mini-batch, θ ← θ − η∇C, float32.

This is what gdviz's batched, preallocated loop is compared against in
``bench_engine.py``; it is not used by gdviz itself.
"""

from __future__ import annotations

import time

import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), the textbook formula (may warn on overflow; harmless)."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


class TextbookNetwork:
    """``sizes`` e.g. ``[784, 16, 16, 10]``.

    ``weights[l]`` has shape ``(n_{l+1}, n_l)``, ``biases[l]`` ``(n_{l+1}, 1)``;
    an input ``x`` is a column ``(784, 1)``, a target ``y`` a one-hot column ``(10, 1)``.
    """

    def __init__(self, sizes, rng: np.random.Generator, dtype=np.float32):
        self.sizes = list(sizes)
        self.dtype = dtype
        self.biases = [rng.standard_normal((n, 1)).astype(dtype) for n in sizes[1:]]
        self.weights = [(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(dtype)
                        for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        """Output column ``(10, 1)`` for one input column ``a`` ``(784, 1)``."""
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(w @ a + b)
        return a

    def backprop(self, x, y):
        """``(nabla_b, nabla_w)``: the gradient of C = Σ(a − y)² for ONE example, layer by layer."""
        nabla_b = [np.zeros_like(b) for b in self.biases]
        nabla_w = [np.zeros_like(w) for w in self.weights]
        activation = x
        activations = [x]  # every layer's activations, columns
        zs = []  # every layer's weighted inputs z, columns
        for b, w in zip(self.biases, self.weights):
            z = w @ activation + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        # output error δ^L = ∂C/∂a ⊙ σ'(z^L) = 2 (a − y) ⊙ σ'(z^L)
        delta = 2 * (activations[-1] - y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = delta @ activations[-2].T
        for l in range(2, len(self.sizes)):
            z = zs[-l]
            delta = (self.weights[-l + 1].T @ delta) * sigmoid_prime(z)
            nabla_b[-l] = delta
            nabla_w[-l] = delta @ activations[-l - 1].T
        return nabla_b, nabla_w

    def update_mini_batch(self, mini_batch, eta):
        """One step θ ← θ − η · (1/m) Σ ∇C_x over the examples ``(x, y)`` of ``mini_batch``."""
        nabla_b = [np.zeros_like(b) for b in self.biases]
        nabla_w = [np.zeros_like(w) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        scale = self.dtype(eta / len(mini_batch))
        self.weights = [w - scale * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - scale * nb for b, nb in zip(self.biases, nabla_b)]

    def sgd(self, training_data, epochs, mini_batch_size, eta, rng, test_data=None):
        """Mini-batch SGD; ``training_data`` a list of ``(x, y)`` columns.

        Returns the test accuracy after each epoch when ``test_data`` (a list of
        ``(x, digit)``) is given.
        """
        accuracies = []
        n = len(training_data)
        for _ in range(epochs):
            order = rng.permutation(n)
            shuffled = [training_data[i] for i in order]
            for k in range(0, n, mini_batch_size):
                self.update_mini_batch(shuffled[k:k + mini_batch_size], eta)
            if test_data:
                accuracies.append(self.evaluate(test_data) / len(test_data))
        return accuracies

    def evaluate(self, test_data):
        """How many ``(x, digit)`` pairs the network gets right."""
        return sum(int(np.argmax(self.feedforward(x)) == d) for x, d in test_data)


def as_columns(images: np.ndarray, labels: np.ndarray, dtype=np.float32, one_hot=True):
    """uint8 ``(N, 784)`` images and ``(N,)`` labels -> a list of ``(x (784,1), y)`` pairs,
    ``y`` a one-hot column ``(10, 1)`` (or the digit itself when ``one_hot`` is False)."""
    X = images.astype(dtype) / dtype(255)
    eye = np.eye(10, dtype=dtype)
    if one_hot:
        return [(X[i].reshape(-1, 1), eye[labels[i]].reshape(-1, 1)) for i in range(len(labels))]
    return [(X[i].reshape(-1, 1), int(labels[i])) for i in range(len(labels))]


def samples_per_second(images, labels, batch_size: int, n_examples: int = 5000, eta: float = 3.0,
                       seed: int = 0, sizes=(784, 16, 16, 10)) -> float:
    """Train on ``n_examples`` examples in mini-batches of ``batch_size``; return examples/s.

    The data is converted to columns before the clock starts (as the book does
    once, at load time).
    """
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(labels))[:n_examples]
    data = as_columns(images[idx], labels[idx])
    net = TextbookNetwork(sizes, rng)
    with np.errstate(over="ignore"):
        net.update_mini_batch(data[:batch_size], eta)  # warm up
        t0 = time.perf_counter()
        for k in range(0, len(data), batch_size):
            net.update_mini_batch(data[k:k + batch_size], eta)
        seconds = time.perf_counter() - t0
    return len(data) / seconds

"""The presets learn full MNIST as promised: a shortened benchmarks/bench_presets.py.

Counts epochs, not seconds. The full runs (seeds 0-4, 10 epochs; "best" for 30 s) and
their figures are in benchmarks/README.md.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from gdviz.data import load_dataset
from gdviz.training import PRESETS, TrainingSession

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mnist(mnist_dir):
    return load_dataset("mnist", mnist_dir, progress=False)


def _epoch_end_accuracies(dataset, config, epochs: int) -> list[float]:
    session = TrainingSession(dataset, config, publish_hz=0)
    return [session.train_epoch()["test_accuracy"] for _ in range(epochs)]


def test_the_lesson_preset_passes_93_5_percent_within_4_epochs(mnist):
    # seed 0 at η = 1: 91.9, 93.0, 93.4, 93.9 % (94.6 % by epoch 9); at Nielsen's η = 3 (here
    # 1.5) 93.3 % at best, at η = 3 (his 6) 91.7 %: a preset that lost its η fails here.
    accs = _epoch_end_accuracies(mnist, replace(PRESETS["lesson"], seed=0), 4)
    assert max(accs) >= 0.935, accs


def test_the_best_preset_passes_95_percent_within_15_epochs(mnist):
    # seed 0: 95.1 % at epoch 10, 95.7 % at 20, 96.0 % at best (epoch 57)
    accs = _epoch_end_accuracies(mnist, replace(PRESETS["best"], seed=0), 15)
    assert max(accs) >= 0.95, accs

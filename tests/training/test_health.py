"""Saturated and stuck networks are named in words, healthy runs are left alone."""

from __future__ import annotations

import numpy as np

from gdviz.training.config import TrainConfig
from gdviz.training.health import HealthWatch, saturation
from gdviz.training.session import TrainingSession


def run(dataset, steps, **config):
    s = TrainingSession(dataset, TrainConfig(eval_every=50, **config))
    watch = HealthWatch()
    verdicts = []
    for _ in range(steps):
        s.train_step()
        verdicts.append(watch.observe(s.snapshot()))
    return watch, verdicts


def test_eta_100_saturates_the_network_and_the_words_say_how_to_fix_it(tiny):
    watch, verdicts = run(tiny, 300, lr=100.0)
    d = watch.diagnosis
    assert d is not None and d.kind == "saturated"
    first = next(i for i, v in enumerate(verdicts) if v is not None)
    assert first < 100  # long before the accuracy could say so
    assert "gradient is almost zero" in d.text
    assert "η = 100" in d.text and "Lower η" in d.fix and "Reset" in d.fix


def test_the_lesson_eta_stays_healthy(tiny):
    watch, verdicts = run(tiny, 300, lr=1.5)
    assert watch.diagnosis is None and not any(verdicts)


def test_a_new_run_forgets_the_diagnosis(tiny):
    watch, _ = run(tiny, 300, lr=100.0)
    assert watch.diagnosis is not None
    s = TrainingSession(tiny, TrainConfig(lr=1.5, hidden=(8,)))  # another shape: another run
    s.train_step()
    assert watch.observe(s.snapshot()) is None and watch.diagnosis is None


def test_saturation_counts_pinned_neurons():
    assert saturation([np.array([0.001, 0.999, 0.5, 0.5])], "sigmoid") == 0.5
    assert saturation([np.array([0.0, 0.0, 1.0, 2.0])], "relu") == 0.5
    assert saturation([np.array([0.995, -0.999]), np.array([0.1, 0.0])], "tanh") == 0.5
    assert saturation([np.array([np.nan, 0.5])], "sigmoid") == 0.5
    assert saturation([], "sigmoid") == 0.0

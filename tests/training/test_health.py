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


def test_a_gradient_that_vanishes_on_a_learned_network_is_no_verdict():
    """Long training on a small set fits it: some mini-batches' gradients are ~0 while the test
    accuracy is high. That is success; a banner there flickered on and off at full speed."""
    from types import SimpleNamespace

    from gdviz.training.snapshot import Evaluation

    def snap(step, norm, acc):
        ev = Evaluation(step=step, epoch=1.0, test_cost=0.1, test_accuracy=acc, train_cost=0.1,
                        train_accuracy=acc) if acc is not None else None
        return SimpleNamespace(run_id=1, sizes=(4, 3, 2), diverged=False, step=step, lr=1.0,
                               grad=np.full(4, norm / 2.0), example_activations=[np.full(3, 0.5)],
                               activation="sigmoid", last_eval=ev)

    for acc, wanted in ((0.93, None), (0.1, "saturated"), (None, "saturated")):
        watch = HealthWatch()
        verdicts = [watch.observe(snap(1, 1.0, acc))]
        verdicts += [watch.observe(snap(s, 1e-5, acc)) for s in range(2, 200)]
        kinds = {v.kind if v else None for v in verdicts[-100:]}
        assert kinds == {wanted}, (acc, kinds)

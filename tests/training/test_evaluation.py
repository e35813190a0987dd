"""One evaluation rule for the session and the views: the same θ and step give the
same numbers, and a report names the step it belongs to."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdviz.core import Network
from gdviz.training.analysis import confusion_matrix
from gdviz.training.config import TrainConfig
from gdviz.training.evaluation import TRAIN_EVAL_MAX, measure, generalisation_report
from gdviz.training.session import TrainingSession


def test_the_session_evaluates_with_the_shared_rule(tiny):
    s = TrainingSession(tiny, TrainConfig(eval_every=7))
    for _ in range(7):
        s.train_step()
    snap = s.snapshot()
    ev = snap.last_eval
    assert ev is not None and ev.step == snap.step == 7
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    mine, preds = measure(net, snap.theta, snap.step, ev.epoch, tiny.test_images, tiny.test_labels,
                          tiny.train_images, tiny.train_labels)
    assert mine == ev  # every number, and the step
    assert preds.shape == (tiny.n_test,)


def test_training_accuracy_uses_the_first_digits_or_all(sample):
    net = Network((784, 8, 10))
    ev, _ = measure(net, None, 3, 0.1, sample.test_images[:50], sample.test_labels[:50],
                    sample.train_images, sample.train_labels)
    first, _ = measure(net, None, 3, 0.1, sample.test_images[:50], sample.test_labels[:50],
                       sample.train_images[:TRAIN_EVAL_MAX], sample.train_labels[:TRAIN_EVAL_MAX],
                       full_train=True)
    full, _ = measure(net, None, 3, 0.1, sample.test_images[:50], sample.test_labels[:50],
                      sample.train_images, sample.train_labels, full_train=True)
    assert len(sample.train_labels) > TRAIN_EVAL_MAX
    assert ev.train_accuracy == first.train_accuracy
    assert full.train_accuracy != first.train_accuracy


def test_a_report_uses_the_sessions_evaluation_of_its_step(tiny):
    s = TrainingSession(tiny, TrainConfig(eval_every=5))
    for _ in range(5):
        s.train_step()
    snap = s.snapshot()
    args = (snap.sizes, snap.activation, snap.cost_name, snap.theta)
    data = (tiny.test_images, tiny.test_labels, tiny.train_images, tiny.train_labels)
    rep = generalisation_report(*args, snap.step, 0.5, snap.run_id, *data, known=snap.last_eval)
    assert rep.evaluation is snap.last_eval and rep.step == 5
    assert rep.counts.sum() == tiny.n_test
    assert np.trace(rep.counts) / rep.counts.sum() == pytest.approx(rep.accuracy)
    net = Network(snap.sizes, snap.activation, snap.cost_name)
    _, _, preds = net.evaluate(tiny.test_images, tiny.test_labels, theta=snap.theta)
    np.testing.assert_array_equal(rep.counts, confusion_matrix(tiny.test_labels, preds))
    # another step: measured here, and named so
    later = generalisation_report(*args, 6, 0.6, snap.run_id, *data, known=snap.last_eval)
    assert later.evaluation is not snap.last_eval and later.step == 6
    assert later.accuracy == pytest.approx(rep.accuracy)


def test_a_report_of_a_diverged_theta_is_quiet(tiny):
    sizes = (784, 16, 16, 10)
    theta = np.full(Network(sizes).n_params, np.nan, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = generalisation_report(sizes, "sigmoid", "mse", theta, 3, 0.0, 1, tiny.test_images,
                          tiny.test_labels, tiny.train_images, tiny.train_labels)
    assert not rep.finite and np.isnan(rep.test_cost)

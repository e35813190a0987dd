"""How θ is measured on the test set and the training set: one rule for the
session's periodic evaluations and for the views that evaluate θ themselves.

* :func:`measure` — test cost and accuracy on every test digit, training cost
  and accuracy on the first ``TRAIN_EVAL_MAX`` training digits (all of them
  when ``full_train``, as at an epoch's end); an :class:`Evaluation` that names
  its step.
* :func:`generalisation_report` — the Generalisation view's answer for one θ: that
  evaluation (the session's own when it measured this very step), the test set's
  confusion matrix and its mistakes, most confident first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.training.analysis import Misclassified, confusion_matrix, misclassified
from gdviz.training.probe import network_of
from gdviz.training.snapshot import Evaluation

__all__ = ["TRAIN_EVAL_MAX", "GeneralisationReport", "measure", "generalisation_report"]

TRAIN_EVAL_MAX = 2_000  # training digits for periodic train-accuracy checks (all at epoch ends)


def measure(net, theta, step: int, epoch: float, test_images, test_labels, train_images,
            train_labels, *, full_train: bool = False) -> tuple[Evaluation, np.ndarray]:
    """The :class:`Evaluation` of θ at ``step`` and the answer to every test digit.

    ``net`` a :class:`~gdviz.core.Network`; ``theta`` (n_params,) or None for the
    network's own θ; images uint8 (n, 784); returns (evaluation, predictions (n_test,)
    int64). A θ that is not finite gives NaN costs and accuracies near chance.
    """
    if not full_train:
        train_images, train_labels = train_images[:TRAIN_EVAL_MAX], train_labels[:TRAIN_EVAL_MAX]
    with np.errstate(all="ignore"):
        test_cost, test_acc, preds = net.evaluate(test_images, test_labels, theta=theta)
        if len(train_labels):
            train_cost, train_acc, _ = net.evaluate(train_images, train_labels, theta=theta)
        else:
            train_cost = train_acc = float("nan")
    ev = Evaluation(int(step), float(epoch), float(test_cost), float(test_acc),
                    float(train_cost), float(train_acc))
    return ev, preds


@dataclass(frozen=True)
class GeneralisationReport:
    """What the test set says about one θ (all arrays read-only).

    ``evaluation`` names the step and holds the costs and accuracies (the
    session's :class:`Evaluation` of that step when it made one); ``counts``
    (n_out, n_out) the confusion matrix (row = true digit, column = answer);
    ``mistakes`` every wrong test answer, most confident first.
    """

    run_id: int
    evaluation: Evaluation
    counts: np.ndarray
    mistakes: Misclassified
    finite: bool  # θ was all numbers

    # read from ``evaluation``; ``accuracy`` is the test accuracy (= trace / sum of ``counts``)
    step = property(lambda self: self.evaluation.step)
    accuracy = property(lambda self: self.evaluation.test_accuracy)
    test_cost = property(lambda self: self.evaluation.test_cost)
    train_accuracy = property(lambda self: self.evaluation.train_accuracy)


def generalisation_report(sizes, activation: str, cost_name: str, theta, step: int, epoch: float,
                run_id: int, test_images, test_labels, train_images, train_labels,
                known: Evaluation | None = None) -> GeneralisationReport:
    """The :class:`GeneralisationReport` of θ at ``step`` (for a background thread: it uses
    that thread's network). ``known``: the session's evaluation; when it is of this
    step its numbers are used as they are, so the view and the status bar agree."""
    net = network_of(sizes, activation, cost_name)
    ev, preds = measure(net, theta, step, epoch, test_images, test_labels, train_images,
                        train_labels)
    if known is not None and known.step == step:
        ev = known
    with np.errstate(all="ignore"):
        counts = confusion_matrix(test_labels, preds, n=net.sizes[-1])
        wrong = misclassified(net, theta, test_images, test_labels, max_n=len(test_labels))
    return GeneralisationReport(int(run_id), ev, counts, wrong, bool(np.isfinite(theta).all()))

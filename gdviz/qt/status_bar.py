"""The window's status bar read-outs: running or paused, epoch, step, examples,
speed, parameters, test accuracy and the data, refreshed from a snapshot."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QStatusBar

from gdviz.qt.control_values import format_lr, format_pace
from gdviz.training.analysis import dataset_kind

__all__ = ["Readout", "StatusReadouts"]

_UNSET = 16777215  # QWIDGETSIZE_MAX: a maximum size nobody set


class Readout(QLabel):
    """A status-bar label of fixed size that grows only when a text needs more room.

    A label whose minimum and maximum sizes are equal does not ask its parent for
    a new layout when its text changes, so a new value (ten times a second while
    training) repaints the label alone instead of laying out the status bar and
    the whole window again. ``min_width`` in pixels."""

    def __init__(self, min_width: int = 0):
        super().__init__()
        self._min_width = min_width
        self._refit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        if text == self.text():
            return
        super().setText(text)
        hint = self.sizeHint()
        if hint.width() > self.maximumWidth() or hint.height() != self.maximumHeight():
            self._refit()

    def _refit(self, shrink: bool = False) -> None:
        """Fixed at the text's size; no narrower than before unless ``shrink``."""
        hint = self.sizeHint()
        before = self.maximumWidth() if self.maximumWidth() < _UNSET else 0
        self.setFixedSize(max(hint.width(), self._min_width, 0 if shrink else before), hint.height())

    def setContentsMargins(self, *margins) -> None:  # noqa: N802 - Qt's name
        super().setContentsMargins(*margins)
        self._refit(shrink=True)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # e.g. presenter mode: larger
            self._refit(shrink=True)


class StatusReadouts:
    """Permanent labels on ``bar`` (``state``, ``epoch``, ``step``, ``lr``, ``examples``,
    ``speed``, ``params``, ``accuracy``, ``data``) and :meth:`show` to fill them."""

    def __init__(self, bar: QStatusBar):
        self.bar = bar
        bar.setSizeGripEnabled(True)
        self._running: bool | None = None
        self._message = ""
        self.state = self._label("Running or paused")
        self.epoch = self._label("Completed epochs and progress through the current one", 100)
        self.step = self._label("Updates of θ so far", 80)
        self.lr = self._label("The learning rate η of the latest step", 60)
        self.examples = self._label("Training examples used so far (counting repeats)", 130)
        self.speed = self._label("The pace (steps per second; F: as fast as possible) and the "
                                 "training examples used per second", 170)
        self.params = self._label("Number of weights and biases in θ", 110)
        self.accuracy = self._label("Share of the test digits the network gets right, at the step of the "
                                    "last evaluation (every step training stops at is evaluated)", 120)
        self.data = self._label("The data being trained on")

    def _label(self, tip: str, min_width: int = 0) -> QLabel:
        lab = Readout(min_width)
        lab.setToolTip(tip)
        lab.setContentsMargins(6, 0, 6, 0)
        self.bar.addPermanentWidget(lab)
        return lab

    def set_compact(self, on: bool) -> None:
        """Presenter mode: only what the class reads (state, epoch, step, η, pace, accuracy);
        the examples seen, the parameters and the data make room for the larger font."""
        for lab in (self.examples, self.params, self.data):
            lab.setVisible(not on)

    def show(self, snap) -> None:
        """Fill the read-outs from ``snap``; its message (not a divergence's) goes to the bar."""
        if snap.running != self._running:
            self._running = snap.running
            self.state.setText("● training" if snap.running else "❚❚ paused")
            self.state.setStyleSheet("color: #1a9850;" if snap.running else "color: #6b6b6b;")
        self.epoch.setText(f"epoch {snap.epoch} + {100 * snap.epoch_fraction:.0f}%")
        self.step.setText(f"step {snap.step:,}")
        self.lr.setText(f"η = {format_lr(snap.lr)}")
        self.examples.setText(f"{snap.examples_seen:,} examples seen")
        rate = f"{snap.samples_per_s:,.0f} samples/s" if snap.running and snap.samples_per_s > 0 else "— samples/s"
        self.speed.setText(f"{format_pace(snap.steps_per_second)} · {rate}")
        sizes = "-".join(str(s) for s in snap.sizes)
        self.params.setText(f"{snap.n_params:,} parameters")
        self.params.setToolTip(f"{sizes} network, {snap.activation}, cost {snap.cost_name}, "
                               f"η = {format_lr(snap.lr)}, batch {snap.batch_size}, seed {snap.seed}")
        ev = snap.last_eval
        if ev is not None and math.isfinite(ev.test_accuracy):
            self.accuracy.setText(f"test accuracy {100 * ev.test_accuracy:.1f}% (step {ev.step:,})")
        else:
            self.accuracy.setText("test accuracy —")
        if snap.message and snap.message != self._message and not snap.diverged:
            self.bar.showMessage(snap.message, 8000)  # (a divergence has its banner)
        self._message = snap.message

    def show_dataset(self, dataset) -> str:
        """Name ``dataset`` and its sizes; returns its source ("sample", "mnist" or another name)."""
        source, words = dataset_kind(getattr(dataset, "name", "data"))
        self.data.setText(f"{words}: {len(dataset.train_labels):,} / {len(dataset.test_labels):,}")
        self.data.setToolTip(getattr(dataset, "description", ""))
        return source

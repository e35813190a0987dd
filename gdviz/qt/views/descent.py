"""The shape of the two intuition views (:mod:`.curve`, :mod:`.bowl`): a point
walked down a small cost of their own by Step, Roll and Start again, a plot
and a few sentences under it. Not driven by training.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdviz.qt import style
from gdviz.qt.views.base import LessonView
from gdviz.training.intuition import Path

__all__ = ["DescentView", "ROLL_HZ", "MAX_STEPS"]

ROLL_HZ = 4  # steps per second while rolling: slow enough to follow each one
MAX_STEPS = 300


class DescentView(LessonView):
    """Base of the intuition views. ``path`` is the :class:`~gdviz.training.intuition.Path`
    walked so far (its last point is where the point is); ``step()`` takes one step
    as the Step button does; ``restart()`` goes back to ``start_point()``.

    A subclass sets ``TITLE``, ``NOTE``, ``STEP_TIP`` and ``AXES`` (bottom, left), implements
    ``_inputs``, ``_add_items``, ``start_point``, ``descend``, ``_start_at`` and ``_show``,
    and calls ``restart()`` at the end of its ``__init__``."""

    TITLE = NOTE = STEP_TIP = ""
    AXES = ("", "")
    path: Path

    def __init__(self, parent=None):
        super().__init__(parent)
        style.apply_pyqtgraph_defaults()
        self._roll = QtCore.QTimer(self)
        self._roll.setInterval(1000 // ROLL_HZ)
        self._roll.timeout.connect(self._roll_step)
        self._build()

    # ------------------------------------------------------------------ for subclasses
    def _inputs(self) -> dict[str, QtWidgets.QWidget]:
        """The options, left of the buttons (η, the start, the bowl…): name -> widget."""
        raise NotImplementedError

    def _add_items(self) -> None:
        """Put the curves and marks on ``self.plot``."""
        raise NotImplementedError

    def start_point(self) -> np.ndarray:
        """Where a walk starts, ``(d,)``."""
        raise NotImplementedError

    def descend(self, p: np.ndarray, steps: int) -> Path:
        """``steps`` steps of the current η from ``p`` ``(d,)``."""
        raise NotImplementedError

    def _start_at(self, x: float, y: float) -> None:
        """A click on the plot at (x, y) in plot coordinates."""
        raise NotImplementedError

    def _show(self, *_) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        lay = style.panel_layout(self, self.TITLE, self.NOTE)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(8)
        self.step_button = QtWidgets.QPushButton("Step")
        self.step_button.setToolTip(self.STEP_TIP)
        self.step_button.clicked.connect(self.step)
        self.roll_button = QtWidgets.QPushButton("Roll")
        self.roll_button.setCheckable(True)
        self.roll_button.setToolTip(f"Keep stepping, {ROLL_HZ} steps a second.")
        self.roll_button.toggled.connect(self._toggle_roll)
        self.again_button = QtWidgets.QPushButton("Start again")
        self.again_button.clicked.connect(self.restart)
        inputs = self._inputs()
        for name, w in inputs.items():
            self.bind_option(name, w)
        for w in (*inputs.values(), self.step_button, self.roll_button, self.again_button):
            w.setFont(style.font(9.5))
            row.addWidget(w)
        row.addStretch(1)
        lay.addLayout(row)

        self.canvas = style.plot_widget()
        self.plot: pg.PlotItem = style.fixed_plot(self.canvas, *self.AXES)
        self._add_items()
        lay.addWidget(self.canvas, 1)
        self.canvas.scene().sigMouseClicked.connect(self._clicked)

        self.words = style.words_label(min_height=60)
        lay.addWidget(self.words)

    # ------------------------------------------------------------------ actions
    def restart(self, *_) -> None:
        """Back to the start, no step taken."""
        self.roll_button.setChecked(False)
        self.path = self.descend(self.start_point(), 0)
        self._show()

    def step(self) -> None:
        """One step of −η times the gradient from where the point is."""
        if self.path.diverged:
            return
        self.path = self.path.then(self.descend(self.path.points[-1], 1))
        self._show()

    def _toggle_roll(self, on: bool) -> None:
        if on:
            self._roll.start()
        else:
            self._roll.stop()

    def _roll_step(self) -> None:
        before = self.path.points[-1].copy()
        self.step()
        moved = float(np.linalg.norm(self.path.points[-1] - before))
        if self.path.diverged or moved < 1e-4 or self.path.steps >= MAX_STEPS:
            self.roll_button.setChecked(False)

    def _clicked(self, ev) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = vb.mapSceneToView(ev.scenePos())
        self._start_at(p.x(), p.y())

    # ------------------------------------------------------------------ LessonView
    def render(self, snap) -> None:
        """Not driven by training: the cost is its own small world."""

    def shutdown(self, deadline: float | None = None) -> None:
        self._roll.stop()
        super().shutdown(deadline)

"""The teaching views: each a tab of the main window.

A view is a :class:`LessonView`: it renders snapshots (``render(snap)``),
knows the session and dataset it belongs to (``set_context``), may send the
session commands (thread-safe), and runs anything slow in a
:class:`~gdviz.qt.background.LatestJob` — never in the GUI thread. The window
only calls ``render`` while the view's tab is visible, at ``VIEW_HZ`` at
most. The computations themselves live in ``gdviz.training.analysis`` and
``gdviz.data.drawing`` (no Qt).
"""

from __future__ import annotations

import importlib

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

VIEW_HZ = 10  # renders per second of the visible teaching view

# name -> (tab title, module, class, one-line description for tooltips)
VIEWS: dict[str, tuple[str, str, str, str]] = {
    "gradient": ("−∇C", "gdviz.qt.views.gradient", "GradientView",
                 "The negative gradient: how each of the parameters wants to move"),
    "step-size": ("Step size", "gdviz.qt.views.step_size", "StepSizeView",
                  "The cost along the step θ − s·∇C for every step size s"),
    "landscape": ("Landscape", "gdviz.qt.views.landscape", "LandscapeView",
                  "The cost over a plane through θ, with the path of the last steps"),
    "example-cost": ("One example", "gdviz.qt.views.example_cost", "ExampleCostView",
                     "One digit's cost and how each output wants to change"),
    "sgd-vs-gd": ("GD vs SGD", "gdviz.qt.views.sgd_vs_gd", "SgdVsGdView",
                  "The mini-batch gradient against the gradient of all training data"),
    "generalisation": ("Generalisation", "gdviz.qt.views.generalisation", "GeneralisationView",
                       "Test-set confusion matrix, mistakes and the train/test gap"),
    "draw": ("Draw a digit", "gdviz.qt.views.draw", "DrawView",
             "Draw a digit with the mouse and see what the network answers"),
}


class LessonView(QWidget):
    """Base class of a teaching view (one tab)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.dataset = None

    def scrolling_body(self) -> QVBoxLayout:
        """Give the view a body inside a scroll area that scrolls only when the
        content does not fit (a large presenter font on a small screen).
        Sets ``self.scroll`` and ``self.body``; returns the body's layout."""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.scroll.setWidget(self.body)
        outer.addWidget(self.scroll)
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(6)
        return lay

    def set_context(self, session, dataset) -> None:
        """The session (to send commands to) and its dataset; called again when either changes."""
        self.session = session
        self.dataset = dataset

    def render(self, snap) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    # Declared hooks: the window calls each on every view; the defaults do nothing.
    def ingest(self, snap) -> None:
        """Every snapshot, shown or not (views that keep a history of the run)."""

    def share_history(self, history) -> None:
        """The window's |∇C| history of the whole run (``analysis.NormHistory``)."""

    def set_dataset_callback(self, fn) -> None:
        """``fn(dataset)`` switches the window to another dataset (generalisation experiments)."""

    def shutdown(self) -> None:
        """Stop background jobs (the window calls this when it closes)."""


def create_view(name: str, parent=None) -> LessonView:
    """Instantiate the view called ``name`` (a key of ``VIEWS``)."""
    title, module, cls, _ = VIEWS[name]
    return getattr(importlib.import_module(module), cls)(parent)

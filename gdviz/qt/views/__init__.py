"""The teaching views: each a tab of the main window, registered in ``VIEWS``.

A view is a :class:`~gdviz.qt.views.base.LessonView`: it renders snapshots
(``render(snap)``), knows the session and dataset it belongs to
(``set_context``), may send the session commands (thread-safe), and runs
anything slow in a :class:`~gdviz.qt.views.base.ViewJob` — never in the GUI
thread. The window only calls ``render`` while the view's tab is visible, at
``VIEW_HZ`` at most. What a view computes lives below Qt, in
``gdviz.training`` (views import nothing from the core or data packages: an import-linter contract).

Adding a view: a module here with a ``LessonView`` subclass, and one line in
``VIEWS``.
"""

from __future__ import annotations

import importlib

from gdviz.qt.views.base import LessonView, ViewJob, ViewSpec

__all__ = ["VIEW_HZ", "VIEWS", "LessonView", "ViewJob", "ViewSpec", "create_view"]

VIEW_HZ = 10  # renders per second of the visible teaching view

# name -> its spec (tab title, module, class, one-line description for tooltips)
VIEWS: dict[str, ViewSpec] = {k: ViewSpec(*v) for k, v in {
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
    "curve": ("1-D descent", "gdviz.qt.views.curve", "CurveView",
              "A ball on a cost curve of one parameter: slope, steps of η·slope, overshoot"),
    "bowl": ("2-D descent", "gdviz.qt.views.bowl", "BowlView",
             "A cost of two parameters: the gradient arrow, the descent path, a narrow valley"),
}.items()}


def create_view(name: str, parent=None) -> LessonView:
    """Instantiate the view called ``name`` (a key of ``VIEWS``)."""
    spec = VIEWS[name]
    return getattr(importlib.import_module(spec.module), spec.cls)(parent)
